"""What a review of the mentoring change found, each pinned by a test that fails without its fix."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mentoring import services
from mentoring.models import (
    ApplicationStatus,
    MatchRun,
    MentorOffer,
    Proposal,
    ProposalStatus,
    Relationship,
    RunStatus,
    Trait,
)
from mentoring.selectors import Names, explain
from mentoring.services import MentoringError
from tests.mentoring.conftest import NOW


def test_a_mentor_cannot_open_a_pair_cancelled_before_it_was_sent(
    staged: Proposal, mentor: Any, mentee: Any, client_for: Any
) -> None:
    # given: the mentee excludes the mentor while their pair is still under review
    services.exclusion_add(person=mentee.person, excluded=mentor.person)
    staged.refresh_from_db()
    assert staged.status == ProposalStatus.CANCELLED

    # when
    response = client_for(mentor).get(staged.get_absolute_url())

    # then: the mentor never learns they were nearly paired, nor that they were excluded
    assert response.status_code == 404


def test_an_explanation_never_names_the_mentors_self_identified_trait(staged: Proposal) -> None:
    # given: the pair met the mentee's wish for a mentor of an underrepresented group
    run = MatchRun.objects.create(
        programme=staged.programme,
        status=RunStatus.DONE,
        bits={"languages": [], "skills": [], "traits": list(Trait.values)},
    )
    staged.run = run
    staged.preferences_met = 1 << Trait.values.index(Trait.UNDERREPRESENTED)

    # when
    reasons = explain(staged, Names(languages={}, skills={}))

    # then
    assert "Matches a wish the mentee stated" in reasons
    assert not any(str(Trait.UNDERREPRESENTED.label) in reason for reason in reasons)


@pytest.mark.parametrize("action", ["pin", "remove", "publish"])
def test_review_and_publishing_wait_while_a_run_may_still_write(
    staged: Proposal, action: str
) -> None:
    # given: a run under way (its worker reported a minute ago)
    MatchRun.objects.create(
        programme=staged.programme,
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=1),
    )

    actions = {
        "pin": lambda: services.proposal_pin(proposal=staged, pinned=True),
        "remove": lambda: services.proposal_remove(proposal=staged),
        "publish": lambda: services.programme_publish(
            programme=staged.programme, now=timezone.now()
        ),
    }

    # when / then: refused, and the pair is as it was
    with pytest.raises(MentoringError, match="under way"):
        actions[action]()
    staged.refresh_from_db()
    assert (staged.status, staged.pinned) == (ProposalStatus.STAGED, False)


def test_a_run_whose_worker_died_does_not_block_the_review(staged: Proposal) -> None:
    MatchRun.objects.create(
        programme=staged.programme,
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=11),
    )

    services.proposal_pin(proposal=staged, pinned=True)

    staged.refresh_from_db()
    assert staged.pinned


def test_excluding_after_publishing_cancels_the_proposal_and_the_mentee_waits_again(
    proposal: Proposal, mentor: Any, mentee: Any
) -> None:
    waiting_since = proposal.application.waiting_since

    # when: the mentee excludes the mentor before they answer
    services.exclusion_add(person=mentee.person, excluded=mentor.person)

    # then: the proposal is gone, the mentee is back in the pool with their wait
    proposal.refresh_from_db()
    proposal.application.refresh_from_db()
    assert proposal.status == ProposalStatus.CANCELLED
    assert proposal.application.status == ApplicationStatus.WAITING
    assert proposal.application.waiting_since == waiting_since
    # and the mentor cannot accept it any more
    with pytest.raises(MentoringError):
        services.proposal_accept(proposal=proposal, now=NOW + timedelta(hours=1))
    assert not Relationship.objects.exists()


def test_a_mentor_who_withdrew_cannot_accept_a_proposal_sent_in_a_race(
    proposal: Proposal,
) -> None:
    # given: the offer was withdrawn while publishing sent this proposal (the race's outcome)
    MentorOffer.objects.filter(pk=proposal.offer_id).update(status=MentorOffer.Status.WITHDRAWN)

    # when / then
    with pytest.raises(MentoringError, match="withdrew"):
        services.proposal_accept(proposal=proposal, now=NOW + timedelta(hours=1))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert not Relationship.objects.exists()


def test_a_second_feedback_is_refused_with_a_message_not_an_error(
    relationship: Relationship, mentor: Any
) -> None:
    ended = services.relationship_end(
        relationship=relationship,
        by=mentor.person,
        reason=Relationship.EndReason.COMPLETED,
        today=relationship.started_on + timedelta(days=30),
    )
    services.feedback_give(relationship=ended, person=mentor.person, rating=4)

    with pytest.raises(MentoringError, match="already"):
        services.feedback_give(relationship=ended, person=mentor.person, rating=5)

    assert ended.feedback.get().rating == 4


def test_someone_outside_the_pair_cannot_give_feedback(
    relationship: Relationship, mentor: Any, member: Any
) -> None:
    ended = services.relationship_end(
        relationship=relationship,
        by=mentor.person,
        reason=Relationship.EndReason.EARLY,
        today=relationship.started_on + timedelta(days=3),
    )

    with pytest.raises(MentoringError, match="Only the mentor and the mentee"):
        services.feedback_give(relationship=ended, person=member.person, rating=1)

    assert not ended.feedback.exists()


def test_a_mentee_may_apply_again_once_their_relationship_is_completed(
    relationship: Relationship, mentor: Any
) -> None:
    services.relationship_end(
        relationship=relationship,
        by=mentor.person,
        reason=Relationship.EndReason.COMPLETED,
        today=relationship.started_on + timedelta(weeks=24),
    )
    application = relationship.application
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FINISHED

    later = NOW + timedelta(weeks=25)
    again = services.application_submit(
        programme=application.programme,
        person=application.person,
        goals="Now: learn to chair the board.",
        skills=[],
        now=later,
    )

    assert again.pk == application.pk
    assert again.status == ApplicationStatus.WAITING
    assert again.waiting_since == later
