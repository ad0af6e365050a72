from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions_task() -> None:
    """Delete expired sessions; running it twice deletes nothing the second time."""
    call_command("clearsessions")
