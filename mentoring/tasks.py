"""Celery tasks of mentoring: thin, idempotent, taking primary keys."""

import logging

from celery import shared_task
from django.utils import timezone

from .services import match_run_claim, match_run_fail, match_runs_requeue, proposals_expire

logger = logging.getLogger(__name__)


@shared_task
def match_run_task(run_id: int) -> None:
    """Run a queued matching run; delivered twice, the second delivery finds it claimed."""
    from .runs import match_run_execute

    if not match_run_claim(run_id=run_id):
        return
    try:
        match_run_execute(run_id=run_id)
    except Exception as error:
        # The run records why it failed, for the coordinator's page; the error is logged in
        # full for the admins. Not retried: a run that failed on its data fails again.
        logger.exception("Matching run %s failed", run_id)
        match_run_fail(run_id=run_id, error=str(error) or error.__class__.__name__)


@shared_task
def proposals_expire_task() -> int:
    """Expire the proposals past their deadline; run twice, the second finds none."""
    return proposals_expire(now=timezone.now())


@shared_task
def match_runs_requeue_task() -> int:
    """Hand the queued runs no worker took to the workers again; each runs once (claimed)."""
    return match_runs_requeue(now=timezone.now())
