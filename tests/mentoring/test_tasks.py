"""The Celery tasks of mentoring: thin, and safe to deliver twice (each run twice, one effect)."""

from datetime import timedelta
from typing import Any
from unittest import mock

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
from mentoring.tasks import match_run_task, match_runs_requeue_task, proposals_expire_task
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


def test_the_requeue_task_hands_a_run_no_worker_took_to_the_workers_and_it_runs_once(
    offer: MentorOffer, application: MenteeApplication, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a run queued while the broker was down (its message never left)
    run = _queued(offer, django_capture_on_commit_callbacks)

    # when: beat's requeue sweep runs two minutes later, twice (two beats by mistake)
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = match_runs_requeue_task()
        run.refresh_from_db()
        finished_at = run.finished_at
        with django_capture_on_commit_callbacks(execute=True):
            second = match_runs_requeue_task()

    # then: the run was handed over once and ran once; the finished run is no longer queued
    assert (first, second) == (1, 0)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.finished_at == finished_at
    assert Proposal.objects.filter(programme=offer.programme).count() == 1


def test_the_requeue_task_leaves_a_run_queued_a_moment_ago_to_its_own_message(
    offer: MentorOffer, django_capture_on_commit_callbacks: Any
) -> None:
    run = _queued(offer, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        handed = match_runs_requeue_task()

    assert (handed, callbacks) == (0, [])
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED


def test_a_run_no_worker_took_within_ten_minutes_is_failed_with_a_message_not_started_later(
    offer: MentorOffer, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a run queued 11 minutes ago (the broker was down all along)
    with time_machine.travel(timezone.now() - timedelta(minutes=11), tick=False):
        run = _queued(offer, django_capture_on_commit_callbacks)

    # when: the sweep runs once the broker is back
    with (
        mock.patch.object(match_run_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        handed = match_runs_requeue_task()

    # then: it is not handed over (the coordinator may have reviewed since: it no longer
    # blocked them), but recorded as failed with a message, and a new run may start
    assert (handed, send.call_count) == (0, 0)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "No worker took this run within 10 minutes: start it again."
    with django_capture_on_commit_callbacks(execute=False):
        again = services.match_run_start(programme=offer.programme, user=None, now=timezone.now())
    assert again.status == RunStatus.QUEUED


def test_a_run_whose_message_arrives_after_it_went_stale_is_not_started(
    offer: MentorOffer, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a run queued 11 minutes ago, its message delivered only now (before any sweep)
    with time_machine.travel(timezone.now() - timedelta(minutes=11), tick=False):
        run = _queued(offer, django_capture_on_commit_callbacks)

    # when
    match_run_task(run.pk)

    # then: it did not run behind the coordinators' review; it says why
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.started_at is None
    assert "start it again" in run.error
