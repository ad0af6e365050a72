"""The Celery app, its beat schedule in django-celery-beat, and the core's periodic task."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from config.beat import PathwaysScheduler
from config.celery import app
from leadership.tasks import clear_expired_sessions_task


def test_the_app_acknowledges_late_and_requeues_work_of_a_lost_worker():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    # The broker must not hand a running task to a second worker.
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    # The scheduler closes stale connections between ticks; inside a test transaction that
    # would close the test's own connection.
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)


@pytest.mark.django_db
def test_beat_installs_the_schedule_into_the_database():
    # when
    PathwaysScheduler(app=app, lazy=False)

    # then
    task = PeriodicTask.objects.get(name="clear-expired-sessions")
    assert task.task == "leadership.tasks.clear_expired_sessions_task"
    assert (task.crontab.hour, task.crontab.minute) == ("3", "17")
    assert task.enabled


@pytest.mark.django_db
def test_beat_keeps_what_an_admin_changed_in_the_schedule():
    # given an admin retimed and paused the task after beat first installed it
    PathwaysScheduler(app=app, lazy=False)
    task = PeriodicTask.objects.get(name="clear-expired-sessions")
    task.crontab = CrontabSchedule.objects.create(hour="5", minute="0")
    task.enabled = False
    task.save()

    # when beat restarts
    PathwaysScheduler(app=app, lazy=False)

    # then
    task.refresh_from_db()
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("5", "0", False)
    assert PeriodicTask.objects.filter(name="clear-expired-sessions").count() == 1


@pytest.mark.django_db
def test_clearing_sessions_twice_has_the_effect_of_clearing_once():
    # given one expired and one live session
    expired, live = SessionStore(), SessionStore()
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )

    # when
    clear_expired_sessions_task.delay()
    clear_expired_sessions_task.delay()

    # then
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
