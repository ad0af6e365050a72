"""The beat scheduler: config/celery.py's schedule is the default, the admin has the last word."""

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler


class PathwaysScheduler(DatabaseScheduler):
    """Install the entries of `beat_schedule` that are not in the database yet, and no others.

    django-celery-beat's own scheduler rewrites every entry from code at each start, which would
    silently undo an admin who retimed or disabled a task; here an entry, once installed, belongs
    to the admin.
    """

    def setup_schedule(self) -> None:
        defaults = self.app.conf.beat_schedule
        existing = set(
            PeriodicTask.objects.filter(name__in=list(defaults)).values_list("name", flat=True)
        )
        self.install_default_entries(self.schedule)
        self.update_from_dict({name: e for name, e in defaults.items() if name not in existing})
