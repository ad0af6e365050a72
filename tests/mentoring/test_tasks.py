"""The Celery tasks of mentoring: thin, and safe to deliver twice (each run twice, one effect)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from leadership.models import PersonLanguage
from mentoring import matching, services
from mentoring.models import (
    MatchRun,
    MenteeApplication,
    MentorOffer,
    Proposal,
    ProposalStatus,
    RunStage,
    RunStatus,
)
from mentoring.tasks import match_run_task, proposals_expire_task
from tests.factories import LanguageFactory, PersonLanguageFactory
from tests.mentoring.conftest import NOW

pytestmark = pytest.mark.django_db

DEADLINE = NOW + timedelta(days=7)


def _queued(offer: MentorOffer, capture: Any) -> MatchRun:
    """A run started by the coordinator, its task not yet delivered."""
    with capture(execute=False):
        return services.match_run_start(programme=offer.programme, user=None, now=timezone.now())


def test_the_matching_task_delivered_twice_does_the_work_once(
    offer: MentorOffer, application: MenteeApplication, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    run = _queued(offer, django_capture_on_commit_callbacks)

    # when delivered, then delivered again
    match_run_task(run.pk)
    run.refresh_from_db()
    proposals = list(Proposal.objects.values_list("pk", flat=True))
    finished_at = run.finished_at
    match_run_task(run.pk)

    # then the second delivery found it claimed
    run.refresh_from_db()
    assert (run.status, run.matched, run.finished_at) == (RunStatus.DONE, 1, finished_at)
    assert list(Proposal.objects.values_list("pk", flat=True)) == proposals
    assert len(proposals) == 1


def test_the_matching_task_leaves_a_run_claimed_by_another_worker_alone(
    offer: MentorOffer, application: MenteeApplication, django_capture_on_commit_callbacks: Any
) -> None:
    run = _queued(offer, django_capture_on_commit_callbacks)
    assert services.match_run_claim(run_id=run.pk)

    match_run_task(run.pk)

    run.refresh_from_db()
    assert (run.status, run.stage) == (RunStatus.RUNNING, RunStage.READING)
    assert not Proposal.objects.exists()


def test_a_run_whose_solver_raises_is_recorded_failed_with_the_error(
    offer: MentorOffer,
    application: MenteeApplication,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a solver that fails its own certificate
    def broken(*args: Any, **kwargs: Any) -> matching.Solution:
        raise matching.CertificateError("dual objective 3 differs from primal 4")

    monkeypatch.setattr(matching, "solve", broken)
    run = _queued(offer, django_capture_on_commit_callbacks)

    # when
    match_run_task(run.pk)

    # then
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "dual objective 3 differs from primal 4"
    assert run.finished_at is not None
    assert not Proposal.objects.exists()
    # and it does not block the next run
    assert services.match_run_start(programme=offer.programme, user=None, now=timezone.now())


def test_a_run_over_the_matchers_limits_fails_with_a_message_for_the_coordinator(
    offer: MentorOffer, application: MenteeApplication, django_capture_on_commit_callbacks: Any
) -> None:
    # given mentor and mentee share 65 languages, one more than the explanation masks hold
    for n in range(63):
        language = LanguageFactory.create(code=f"x-many{n}")
        for person in (offer.person, application.person):
            PersonLanguageFactory.create(
                person=person, language=language, proficiency=PersonLanguage.Proficiency.BASIC
            )
    run = _queued(offer, django_capture_on_commit_callbacks)

    match_run_task(run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("Mentors and mentees share 65 languages")
    assert not Proposal.objects.exists()


def test_the_expiry_task_run_twice_expires_once(proposal: Proposal) -> None:
    with time_machine.travel(DEADLINE + timedelta(minutes=5), tick=False):
        assert proposals_expire_task.delay().get() == 1
        assert proposals_expire_task.delay().get() == 0

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED


def test_the_expiry_task_expires_nothing_before_the_deadline(proposal: Proposal) -> None:
    with time_machine.travel(DEADLINE - timedelta(minutes=5), tick=False):
        assert proposals_expire_task() == 0

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
