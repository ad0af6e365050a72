from celery import shared_task

from .services import TASK_BUDGET, reminders_sweep


@shared_task
def reminders_sweep_task() -> None:
    """Send the reminders due by now; run twice (or twice at once), it sends each once."""
    reminders_sweep(budget=TASK_BUDGET)
