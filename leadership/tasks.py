from celery import shared_task
from django.core.management import call_command
from django.utils import timezone


@shared_task
def clear_expired_sessions_task() -> None:
    """Delete expired sessions; running it twice deletes nothing the second time."""
    call_command("clearsessions")


@shared_task
def dashboards_refresh_task(
    level: str | None = None, key: str | None = None, sections: list[str] | None = None
) -> int:
    """Recompute the dashboards' snapshots (every level, or one scope; every section, or those
    named); an upsert, so a second delivery writes the same figures again and nothing twice."""
    from .dashboards.services import snapshots_refresh

    now = timezone.now()
    return snapshots_refresh(today=now.date(), now=now, level=level, key=key, sections=sections)
