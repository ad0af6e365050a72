"""The Celery app and the whole beat schedule.

The schedule below is installed into django-celery-beat's tables when beat starts, so admins can
see, pause and retime each entry in the Django admin.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pathways")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Nightly at 03:17 UTC, a quiet hour across the movement: expired sessions are personal data
    # we no longer need, and the table otherwise grows without bound.
    "clear-expired-sessions": {
        "task": "leadership.tasks.clear_expired_sessions_task",
        "schedule": crontab(hour="3", minute="17"),
    },
    # Every 5 minutes: reminders live in the database and come due by the day, so a frequent
    # sweep sends each within minutes of its day (and catches up after an outage); an idle sweep
    # costs a few indexed queries.
    "reminders-sweep": {
        "task": "reminders.tasks.reminders_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: a proposal expires at its deadline and its mentee goes back to the pool;
    # within five minutes is soon enough for a deadline days away, and an idle run is one
    # indexed query (proposal_open_deadline_idx).
    "mentoring-expire-proposals": {
        "task": "mentoring.tasks.proposals_expire_task",
        "schedule": crontab(minute="1-59/5"),
    },
    # Every 5 minutes: a matching run queued while the broker was down (or whose message was
    # lost) is handed to the workers again; an idle run is one indexed query (run_one_at_a_time
    # holds the queued and running rows).
    "mentoring-requeue-runs": {
        "task": "mentoring.tasks.match_runs_requeue_task",
        "schedule": crontab(minute="3-59/5"),
    },
    # Hourly at :23: the dashboards' figures (pipeline, terms, representation, renewal, health)
    # for every community, region and the movement, in one pass of grouped queries. Terms and
    # memberships change by the day; an hour is fresh enough, and organisers can ask for a
    # refresh of their own community's figures at any time.
    "dashboards-refresh": {
        "task": "leadership.tasks.dashboards_refresh_task",
        "schedule": crontab(minute="23"),
        "kwargs": {"sections": ["pipeline", "terms", "renewal", "health"]},
    },
    # Daily at 02:41 UTC: the representation figures, once a day and never on request, so that
    # two publications are never an hour apart (leadership/dashboards/services.py says why).
    "dashboards-representation": {
        "task": "leadership.tasks.dashboards_refresh_task",
        "schedule": crontab(hour="2", minute="41"),
        "kwargs": {"sections": ["representation"]},
    },
}
