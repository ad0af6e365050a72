"""The mentoring services: applying, reviewing and publishing, answering, expiry, relationships.

Every refusal is checked for its message and for leaving the rows as they were. The clock is the
fixtures' NOW (2026-12-01 12:00 UTC): `proposal` was published then and is answerable until
NOW + 7 days; `relationship` began an hour after NOW.
"""

from datetime import date, timedelta
from typing import Any

import pytest

from leadership.models import Community, Skill
from mentoring import services
from mentoring.models import (
    ApplicationStatus,
    CheckIn,
    Exclusion,
    Feedback,
    MenteeApplication,
    MentoringProgramme,
    MentorOffer,
    OfferStatus,
    Proposal,
    ProposalStatus,
    Relationship,
    RelationshipStatus,
)
from mentoring.services import MentoringError
from tests.factories import (
    MembershipFactory,
    MenteeApplicationFactory,
    MentoringProgrammeFactory,
    MentorOfferFactory,
    ProposalFactory,
    SkillFactory,
)
from tests.mentoring.conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = NOW.date()
DEADLINE = NOW + timedelta(days=7)


def _rows() -> tuple[int, ...]:
    """How many rows each mentoring table holds: a refused call must leave every count alone."""
    return (
        MentorOffer.objects.count(),
        MenteeApplication.objects.count(),
        Proposal.objects.count(),
        Relationship.objects.count(),
        CheckIn.objects.count(),
        Feedback.objects.count(),
    )


def _staged_pair(programme: MentoringProgramme, offer: MentorOffer | None = None) -> Proposal:
    """Another waiting mentee staged with `offer` (or with a fresh mentor)."""
    application = MenteeApplicationFactory.create(programme=programme)
    if offer is None:
        offer = MentorOfferFactory.create(programme=programme)
    return ProposalFactory.create(application=application, offer=offer)


def _open_proposal(offer: MentorOffer) -> Proposal:
    """A mentee proposed to `offer` at NOW, waiting for the answer."""
    application = MenteeApplicationFactory.create(
        programme=offer.programme, status=ApplicationStatus.PROPOSED
    )
    return ProposalFactory.create(
        application=application,
        offer=offer,
        status=ProposalStatus.PROPOSED,
        published_at=NOW,
        respond_by=DEADLINE,
    )


# Offers and applications


@pytest.fixture
def closed_programme(db: None) -> MentoringProgramme:
    return MentoringProgrammeFactory.create(
        applications_open_on=date(2025, 1, 1), applications_close_on=date(2026, 11, 30)
    )


@pytest.fixture
def community_programme(other_community: Community) -> MentoringProgramme:
    programme = MentoringProgrammeFactory.create(scope=MentoringProgramme.Scope.COMMUNITY)
    programme.communities.set([other_community])
    return programme


def test_an_offer_in_a_closed_window_is_refused_and_nothing_is_written(
    closed_programme: MentoringProgramme, mentor: Any, facilitation: Skill
) -> None:
    before = _rows()

    with pytest.raises(MentoringError, match="not taking applications"):
        services.offer_submit(
            programme=closed_programme,
            person=mentor.person,
            capacity=2,
            skills=[facilitation],
            today=TODAY,
        )

    assert _rows() == before


def test_an_application_the_day_after_the_window_closes_is_refused_and_the_last_day_accepted(
    closed_programme: MentoringProgramme, mentee: Any
) -> None:
    with pytest.raises(MentoringError, match="not taking applications"):
        services.application_submit(
            programme=closed_programme, person=mentee.person, goals="Chair.", skills=[], now=NOW
        )
    assert not MenteeApplication.objects.exists()

    last_day = NOW - timedelta(days=1)
    application = services.application_submit(
        programme=closed_programme, person=mentee.person, goals="Chair.", skills=[], now=last_day
    )

    assert application.waiting_since == last_day


def test_someone_outside_the_programmes_communities_may_neither_offer_nor_apply(
    community_programme: MentoringProgramme, mentor: Any, mentee: Any, outsider: Any
) -> None:
    before = _rows()

    with pytest.raises(MentoringError, match="members of its communities only"):
        services.offer_submit(
            programme=community_programme,
            person=mentor.person,
            capacity=2,
            skills=[],
            today=TODAY,
        )
    with pytest.raises(MentoringError, match="members of its communities only"):
        services.application_submit(
            programme=community_programme,
            person=mentee.person,
            goals="Chair.",
            skills=[],
            now=NOW,
        )

    assert _rows() == before
    # and a member of the programme's community (the outsider organises it) may
    offer = services.offer_submit(
        programme=community_programme, person=outsider.person, capacity=1, skills=[], today=TODAY
    )
    assert offer.community == community_programme.communities.get()


def test_applying_through_a_community_one_does_not_belong_to_is_refused(
    programme: MentoringProgramme, mentee: Any, other_community: Community
) -> None:
    with pytest.raises(MentoringError, match="one of your own communities"):
        services.application_submit(
            programme=programme,
            person=mentee.person,
            goals="Chair.",
            skills=[],
            community=other_community,
            now=NOW,
        )

    assert not MenteeApplication.objects.exists()


@pytest.mark.parametrize("capacity", [0, 6, -1])
def test_a_capacity_outside_one_to_five_is_refused(
    programme: MentoringProgramme, mentor: Any, capacity: int
) -> None:
    with pytest.raises(MentoringError, match="between 1 and 5"):
        services.offer_submit(
            programme=programme, person=mentor.person, capacity=capacity, skills=[], today=TODAY
        )

    assert not MentorOffer.objects.exists()


@pytest.mark.parametrize("capacity", [1, 5])
def test_a_capacity_at_either_end_of_the_range_is_accepted(
    programme: MentoringProgramme, mentor: Any, capacity: int
) -> None:
    offer = services.offer_submit(
        programme=programme, person=mentor.person, capacity=capacity, skills=[], today=TODAY
    )

    assert MentorOffer.objects.get(pk=offer.pk).capacity == capacity


def test_capacity_cannot_drop_below_the_mentees_already_mentored(
    relationship: Relationship, facilitation: Skill
) -> None:
    # given the mentor (capacity 2) mentors one person; a second is matched directly
    offer = relationship.offer
    MentorOffer.objects.filter(pk=offer.pk).update(active_count=2)
    before = _rows()

    with pytest.raises(MentoringError, match="You mentor 2 people now"):
        services.offer_submit(
            programme=offer.programme,
            person=offer.person,
            capacity=1,
            skills=[facilitation],
            today=TODAY,
        )

    offer.refresh_from_db()
    assert (offer.capacity, offer.active_count) == (2, 2)
    assert _rows() == before


def test_an_unknown_trait_or_preference_is_refused(
    programme: MentoringProgramme, mentor: Any, mentee: Any
) -> None:
    with pytest.raises(MentoringError, match="Unknown choice: astronaut"):
        services.offer_submit(
            programme=programme,
            person=mentor.person,
            capacity=2,
            skills=[],
            traits=["volunteer", "astronaut"],
            today=TODAY,
        )
    with pytest.raises(MentoringError, match="Unknown choice: tall"):
        services.application_submit(
            programme=programme,
            person=mentee.person,
            goals="Chair.",
            skills=[],
            preferences=["tall"],
            now=NOW,
        )

    assert _rows() == (0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize("goals", ["", "   \n "])
def test_an_application_without_goals_is_refused(
    programme: MentoringProgramme, mentee: Any, goals: str
) -> None:
    with pytest.raises(MentoringError, match="what you want to achieve"):
        services.application_submit(
            programme=programme, person=mentee.person, goals=goals, skills=[], now=NOW
        )

    assert not MenteeApplication.objects.exists()


def test_submitting_an_offer_again_updates_it(
    programme: MentoringProgramme, mentor: Any, facilitation: Skill
) -> None:
    # given
    writing = SkillFactory.create(slug="writing")
    first = services.offer_submit(
        programme=programme,
        person=mentor.person,
        capacity=2,
        skills=[facilitation],
        traits=["volunteer"],
        today=TODAY,
    )

    # when
    second = services.offer_submit(
        programme=programme,
        person=mentor.person,
        capacity=4,
        skills=[writing],
        traits=[],
        availability="Evenings",
        today=TODAY,
    )

    # then: the same row, changed
    assert second.pk == first.pk
    offer = MentorOffer.objects.get()
    assert (offer.capacity, offer.traits, offer.availability) == (4, [], "Evenings")
    assert list(offer.skills.values_list("slug", flat=True)) == ["writing"]


def test_submitting_an_application_again_updates_it_and_keeps_the_wait(
    programme: MentoringProgramme, mentee: Any, facilitation: Skill
) -> None:
    writing = SkillFactory.create(slug="writing")
    first = services.application_submit(
        programme=programme, person=mentee.person, goals="Chair.", skills=[facilitation], now=NOW
    )

    second = services.application_submit(
        programme=programme,
        person=mentee.person,
        goals="Write grants.",
        skills=[writing],
        preferences=["gender"],
        now=NOW + timedelta(days=3),
    )

    assert second.pk == first.pk
    application = MenteeApplication.objects.get()
    assert application.goals == "Write grants."
    assert application.preferences == ["gender"]
    assert application.waiting_since == NOW
    assert list(application.skills.values_list("slug", flat=True)) == ["writing"]


def test_withdrawing_and_applying_again_restarts_the_wait(
    application: MenteeApplication, staged: Proposal
) -> None:
    # given the mentee has waited since 2026-01-01 and has a staged pair
    original = application.waiting_since
    services.application_withdraw(application=application)
    staged.refresh_from_db()
    assert staged.status == ProposalStatus.CANCELLED

    # when
    again = services.application_submit(
        programme=application.programme,
        person=application.person,
        goals="Again.",
        skills=[],
        now=NOW,
    )

    # then
    assert again.pk == application.pk
    assert (again.status, again.waiting_since) == (ApplicationStatus.WAITING, NOW)
    assert original < NOW


def test_a_matched_mentee_cannot_withdraw(relationship: Relationship) -> None:
    with pytest.raises(MentoringError, match="end the relationship instead"):
        services.application_withdraw(application=relationship.application)

    relationship.application.refresh_from_db()
    assert relationship.application.status == ApplicationStatus.MATCHED


# Review


@pytest.mark.parametrize("status", [ProposalStatus.REMOVED, ProposalStatus.CANCELLED])
def test_only_staged_pairs_can_be_pinned_unpinned_or_removed(staged: Proposal, status: str) -> None:
    Proposal.objects.filter(pk=staged.pk).update(status=status)

    for action in (
        lambda: services.proposal_pin(proposal=staged, pinned=True),
        lambda: services.proposal_pin(proposal=staged, pinned=False),
        lambda: services.proposal_remove(proposal=staged),
    ):
        with pytest.raises(MentoringError, match="no longer waiting for review"):
            action()

    staged.refresh_from_db()
    assert (staged.status, staged.pinned) == (status, False)


def test_a_published_pair_can_no_longer_be_pinned_or_removed(proposal: Proposal) -> None:
    with pytest.raises(MentoringError, match="no longer waiting for review"):
        services.proposal_remove(proposal=proposal)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_a_staged_pair_is_pinned_unpinned_and_removed(staged: Proposal) -> None:
    services.proposal_pin(proposal=staged, pinned=True)
    staged.refresh_from_db()
    assert staged.pinned

    services.proposal_pin(proposal=staged, pinned=False)
    staged.refresh_from_db()
    assert not staged.pinned

    services.proposal_pin(proposal=staged, pinned=True)
    services.proposal_remove(proposal=staged)
    staged.refresh_from_db()
    assert (staged.status, staged.pinned) == (ProposalStatus.REMOVED, False)


def test_publishing_sends_the_staged_pairs_with_the_programmes_deadline(
    staged: Proposal, programme: MentoringProgramme
) -> None:
    # given a programme whose mentors have 10 days to answer
    MentoringProgramme.objects.filter(pk=programme.pk).update(response_days=10)

    # when
    sent = services.programme_publish(programme=programme, now=NOW)

    # then
    assert sent == 1
    staged.refresh_from_db()
    assert staged.status == ProposalStatus.PROPOSED
    assert (staged.published_at, staged.respond_by) == (NOW, NOW + timedelta(days=10))
    staged.application.refresh_from_db()
    assert staged.application.status == ApplicationStatus.PROPOSED


def test_publishing_nothing_is_refused(programme: MentoringProgramme, proposal: Proposal) -> None:
    # given the only pair was published already
    with pytest.raises(MentoringError, match="nothing staged to publish"):
        services.programme_publish(programme=programme, now=NOW + timedelta(hours=1))

    proposal.refresh_from_db()
    assert (proposal.status, proposal.published_at) == (ProposalStatus.PROPOSED, NOW)


def _cancelled_at_publish(staged: Proposal) -> None:
    sent = services.programme_publish(programme=staged.programme, now=NOW)
    staged.refresh_from_db()
    staged.application.refresh_from_db()
    assert sent == 0
    assert staged.status == ProposalStatus.CANCELLED
    assert (staged.published_at, staged.respond_by) == (None, None)


def test_publishing_cancels_a_pair_whose_mentee_left(staged: Proposal) -> None:
    services.application_withdraw(application=staged.application)
    Proposal.objects.filter(pk=staged.pk).update(status=ProposalStatus.STAGED)

    _cancelled_at_publish(staged)
    assert staged.application.status == ApplicationStatus.WITHDRAWN


def test_publishing_cancels_a_pair_whose_mentor_withdrew(staged: Proposal) -> None:
    MentorOffer.objects.filter(pk=staged.offer_id).update(status=OfferStatus.WITHDRAWN)

    _cancelled_at_publish(staged)
    assert staged.application.status == ApplicationStatus.WAITING


def test_publishing_cancels_a_pair_whose_mentor_is_away_and_sends_it_the_day_they_return(
    staged: Proposal,
) -> None:
    # given the mentor is away until tomorrow: away today
    services.offer_set_away(offer=staged.offer, away_until=TODAY + timedelta(days=1))
    _cancelled_at_publish(staged)

    # and a mentor back today takes proposals again
    other = _staged_pair(staged.programme)
    services.offer_set_away(offer=other.offer, away_until=TODAY)
    assert services.programme_publish(programme=staged.programme, now=NOW) == 1


def test_publishing_cancels_a_pair_whose_mentor_is_full_of_active_mentees(
    staged: Proposal,
) -> None:
    MentorOffer.objects.filter(pk=staged.offer_id).update(active_count=2)

    _cancelled_at_publish(staged)


def test_publishing_counts_proposals_already_awaiting_the_mentors_answer(
    staged: Proposal,
) -> None:
    # given the mentor (capacity 2) has one active mentee and one proposal awaiting an answer,
    # and two more staged pairs
    offer = staged.offer
    MentorOffer.objects.filter(pk=offer.pk).update(active_count=1)
    waiting = _open_proposal(offer)
    second = _staged_pair(staged.programme, offer=offer)

    # when
    sent = services.programme_publish(programme=staged.programme, now=NOW)

    # then: no place left for either
    assert sent == 0
    assert set(
        Proposal.objects.filter(pk__in=[staged.pk, second.pk]).values_list("status", flat=True)
    ) == {ProposalStatus.CANCELLED}
    waiting.refresh_from_db()
    assert waiting.status == ProposalStatus.PROPOSED


def test_publishing_sends_a_mentor_no_more_pairs_than_free_places_longest_waiting_first(
    staged: Proposal,
) -> None:
    # given the mentor (capacity 2, nobody yet) has three staged pairs; `staged`'s mentee has
    # waited since 2026-01-01, the others since later
    offer = staged.offer
    later = [_staged_pair(staged.programme, offer=offer) for _ in range(2)]
    for days, proposal in enumerate(later, start=1):
        MenteeApplication.objects.filter(pk=proposal.application_id).update(
            waiting_since=staged.application.waiting_since + timedelta(days=days)
        )

    sent = services.programme_publish(programme=staged.programme, now=NOW)

    assert sent == 2
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert statuses == {
        staged.pk: ProposalStatus.PROPOSED,
        later[0].pk: ProposalStatus.PROPOSED,
        later[1].pk: ProposalStatus.CANCELLED,
    }


# Answers


def test_accepting_begins_the_relationship(proposal: Proposal) -> None:
    # when
    relationship = services.proposal_accept(proposal=proposal, now=NOW + timedelta(days=1))

    # then
    proposal.refresh_from_db()
    offer = MentorOffer.objects.get(pk=proposal.offer_id)
    application = MenteeApplication.objects.get(pk=proposal.application_id)
    assert (proposal.status, proposal.answered_at) == (
        ProposalStatus.ACCEPTED,
        NOW + timedelta(days=1),
    )
    assert offer.active_count == 1
    assert application.status == ApplicationStatus.MATCHED
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.started_on == relationship.last_activity_on == date(2026, 12, 2)
    assert relationship.planned_end_on == date(2026, 12, 2) + timedelta(weeks=24)
    assert (relationship.offer_id, relationship.application_id) == (offer.pk, application.pk)
    assert relationship.goals == application.goals


def test_accepting_twice_returns_the_same_relationship_and_changes_nothing(
    relationship: Relationship,
) -> None:
    again = services.proposal_accept(proposal=relationship.proposal, now=NOW + timedelta(hours=2))

    assert again.pk == relationship.pk
    assert Relationship.objects.count() == 1
    assert MentorOffer.objects.get().active_count == 1
    relationship.proposal.refresh_from_db()
    assert relationship.proposal.answered_at == NOW + timedelta(hours=1)


def test_accepting_at_the_deadline_is_refused_and_a_second_before_is_not(
    proposal: Proposal,
) -> None:
    with pytest.raises(MentoringError, match="deadline to answer this proposal has passed"):
        services.proposal_accept(proposal=proposal, now=DEADLINE)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert not Relationship.objects.exists()
    assert MentorOffer.objects.get().active_count == 0

    services.proposal_accept(proposal=proposal, now=DEADLINE - timedelta(seconds=1))
    assert Relationship.objects.count() == 1


def test_accepting_an_expired_proposal_is_refused(proposal: Proposal) -> None:
    services.proposals_expire(now=DEADLINE)

    with pytest.raises(MentoringError, match="deadline to answer this proposal has passed"):
        services.proposal_accept(proposal=proposal, now=NOW + timedelta(days=1))

    assert not Relationship.objects.exists()


def test_accepting_after_declining_is_refused(proposal: Proposal) -> None:
    services.proposal_decline(proposal=proposal, reason="Too busy", now=NOW)
    before = _rows()

    with pytest.raises(MentoringError, match="already answered: Declined"):
        services.proposal_accept(proposal=proposal, now=NOW + timedelta(hours=1))

    assert _rows() == before
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED
    assert MentorOffer.objects.get().active_count == 0


def test_accepting_when_full_is_refused_with_a_message(proposal: Proposal) -> None:
    # given the mentor filled both places since the proposal was sent
    MentorOffer.objects.filter(pk=proposal.offer_id).update(active_count=2)
    before = _rows()

    with pytest.raises(MentoringError, match="already mentoring as many people as you offered"):
        services.proposal_accept(proposal=proposal, now=NOW + timedelta(hours=1))

    assert _rows() == before
    proposal.refresh_from_db()
    proposal.application.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.application.status == ApplicationStatus.PROPOSED
    assert MentorOffer.objects.get().active_count == 2


def test_declining_sends_the_mentee_back_to_the_pool_with_the_same_waiting_since(
    proposal: Proposal,
) -> None:
    waiting_since = proposal.application.waiting_since

    services.proposal_decline(proposal=proposal, reason="  Not my field  ", now=NOW)

    proposal.refresh_from_db()
    application = MenteeApplication.objects.get(pk=proposal.application_id)
    assert (proposal.status, proposal.decline_reason, proposal.answered_at) == (
        ProposalStatus.DECLINED,
        "Not my field",
        NOW,
    )
    assert (application.status, application.waiting_since) == (
        ApplicationStatus.WAITING,
        waiting_since,
    )


def test_declining_twice_is_refused(proposal: Proposal) -> None:
    services.proposal_decline(proposal=proposal, now=NOW)

    with pytest.raises(MentoringError, match="already answered"):
        services.proposal_decline(proposal=proposal, reason="again", now=NOW)

    proposal.refresh_from_db()
    assert proposal.decline_reason == ""


# Expiry


def test_a_proposal_expires_at_its_deadline_and_not_a_second_before(proposal: Proposal) -> None:
    waiting_since = proposal.application.waiting_since

    assert services.proposals_expire(now=DEADLINE - timedelta(seconds=1)) == 0
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED

    assert services.proposals_expire(now=DEADLINE) == 1
    proposal.refresh_from_db()
    application = MenteeApplication.objects.get(pk=proposal.application_id)
    assert proposal.status == ProposalStatus.EXPIRED
    assert (application.status, application.waiting_since) == (
        ApplicationStatus.WAITING,
        waiting_since,
    )


def test_expiring_twice_expires_nothing_the_second_time(proposal: Proposal) -> None:
    assert services.proposals_expire(now=DEADLINE + timedelta(days=1)) == 1
    assert services.proposals_expire(now=DEADLINE + timedelta(days=1)) == 0


def test_expiry_leaves_answered_proposals_alone(relationship: Relationship) -> None:
    assert services.proposals_expire(now=DEADLINE + timedelta(days=1)) == 0

    relationship.proposal.refresh_from_db()
    relationship.application.refresh_from_db()
    assert relationship.proposal.status == ProposalStatus.ACCEPTED
    assert relationship.application.status == ApplicationStatus.MATCHED


# Relationships


def test_a_check_in_moves_the_last_activity_forward_only(
    relationship: Relationship, mentor: Any
) -> None:
    # given the relationship began on 2026-12-01
    start = relationship.started_on
    services.check_in_add(
        relationship=relationship,
        by=mentor.person,
        happened_on=start + timedelta(days=10),
        notes="Talked",
        today=start + timedelta(days=10),
    )
    relationship.refresh_from_db()
    assert relationship.last_activity_on == start + timedelta(days=10)

    # when an earlier conversation is recorded late
    services.check_in_add(
        relationship=relationship,
        by=mentor.person,
        happened_on=start + timedelta(days=3),
        notes="Forgot this one",
        today=start + timedelta(days=12),
    )

    # then it is kept, and the last activity does not go back
    relationship.refresh_from_db()
    assert relationship.last_activity_on == start + timedelta(days=10)
    assert CheckIn.objects.filter(relationship=relationship).count() == 2


def test_a_check_in_in_the_future_or_before_the_start_is_refused(
    relationship: Relationship, mentor: Any
) -> None:
    start = relationship.started_on
    with pytest.raises(MentoringError, match="after it happened"):
        services.check_in_add(
            relationship=relationship,
            by=mentor.person,
            happened_on=start + timedelta(days=2),
            notes="",
            today=start + timedelta(days=1),
        )
    # The day before the start is the mentee's calendar day in a time zone behind: allowed;
    # two days before is before the relationship, wherever one lives.
    with pytest.raises(MentoringError, match="before the relationship began"):
        services.check_in_add(
            relationship=relationship,
            by=mentor.person,
            happened_on=start - timedelta(days=2),
            notes="",
            today=start + timedelta(days=1),
        )

    assert not CheckIn.objects.exists()
    relationship.refresh_from_db()
    assert relationship.last_activity_on == start


def test_a_check_in_on_an_ended_relationship_is_refused(
    relationship: Relationship, mentor: Any
) -> None:
    services.relationship_end(
        relationship=relationship, by=mentor.person, reason="completed", today=TODAY
    )

    with pytest.raises(MentoringError, match="has ended"):
        services.check_in_add(
            relationship=relationship,
            by=mentor.person,
            happened_on=TODAY,
            notes="",
            today=TODAY,
        )

    assert not CheckIn.objects.exists()


def test_ending_a_relationship_frees_the_mentors_place(
    relationship: Relationship, mentee: Any
) -> None:
    ended = services.relationship_end(
        relationship=relationship,
        by=mentee.person,
        reason=Relationship.EndReason.EARLY,
        note="Moved on",
        today=TODAY + timedelta(days=30),
    )

    assert ended.status == RelationshipStatus.ENDED
    relationship.refresh_from_db()
    assert (relationship.status, relationship.ended_on, relationship.ended_by_id) == (
        RelationshipStatus.ENDED,
        TODAY + timedelta(days=30),
        mentee.person.pk,
    )
    assert MentorOffer.objects.get().active_count == 0


def test_ending_twice_is_refused_and_the_place_is_freed_once(
    relationship: Relationship, mentee: Any
) -> None:
    # given the mentor has a second mentee, so a double decrement would show
    MentorOffer.objects.filter(pk=relationship.offer_id).update(active_count=2)
    services.relationship_end(
        relationship=relationship, by=mentee.person, reason="completed", today=TODAY
    )

    with pytest.raises(MentoringError, match="has ended"):
        services.relationship_end(
            relationship=relationship, by=mentee.person, reason="completed", today=TODAY
        )

    assert MentorOffer.objects.get().active_count == 1


def test_a_rematch_needs_a_note(relationship: Relationship, mentee: Any) -> None:
    with pytest.raises(MentoringError, match="why you ask for another match"):
        services.relationship_end(
            relationship=relationship,
            by=mentee.person,
            reason=Relationship.EndReason.REMATCH,
            note="  ",
            today=TODAY,
        )

    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ACTIVE
    assert MentorOffer.objects.get().active_count == 1


def test_a_rematch_puts_the_mentee_back_in_the_pool_keeping_the_waiting_time(
    relationship: Relationship, mentee: Any
) -> None:
    waiting_since = relationship.application.waiting_since

    services.relationship_end(
        relationship=relationship,
        by=mentee.person,
        reason=Relationship.EndReason.REMATCH,
        note="Different time zones after all",
        today=TODAY + timedelta(days=14),
    )

    application = MenteeApplication.objects.get(pk=relationship.application_id)
    assert (application.status, application.waiting_since) == (
        ApplicationStatus.WAITING,
        waiting_since,
    )
    assert MentorOffer.objects.get().active_count == 0


def test_an_unknown_end_reason_is_refused(relationship: Relationship, mentee: Any) -> None:
    with pytest.raises(MentoringError, match="Choose why"):
        services.relationship_end(
            relationship=relationship, by=mentee.person, reason="bored", today=TODAY
        )

    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ACTIVE


def test_feedback_is_refused_while_the_relationship_is_active(
    relationship: Relationship, mentee: Any
) -> None:
    with pytest.raises(MentoringError, match="when the relationship ends"):
        services.feedback_give(relationship=relationship, person=mentee.person, rating=5)

    assert not Feedback.objects.exists()


def test_feedback_is_given_once_per_side_after_the_end(
    relationship: Relationship, mentor: Any, mentee: Any
) -> None:
    # given
    ended = services.relationship_end(
        relationship=relationship, by=mentee.person, reason="completed", today=TODAY
    )

    # when each side gives feedback
    services.feedback_give(relationship=ended, person=mentee.person, rating=5, comment=" Great ")
    services.feedback_give(relationship=ended, person=mentor.person, rating=4)

    # then a second one from the same side is refused
    with pytest.raises(MentoringError, match="already given your feedback"):
        services.feedback_give(relationship=ended, person=mentee.person, rating=1)
    assert sorted(Feedback.objects.values_list("rating", "comment")) == [(4, ""), (5, "Great")]


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_outside_one_to_five_is_refused(
    relationship: Relationship, mentee: Any, rating: int
) -> None:
    ended = services.relationship_end(
        relationship=relationship, by=mentee.person, reason="completed", today=TODAY
    )

    with pytest.raises(MentoringError, match="from 1 to 5"):
        services.feedback_give(relationship=ended, person=mentee.person, rating=rating)

    assert not Feedback.objects.exists()


# Exclusions


@pytest.mark.parametrize("who", ["mentor", "mentee"])
def test_either_side_excluding_the_other_cancels_their_staged_pair(
    staged: Proposal, mentor: Any, mentee: Any, who: str
) -> None:
    # given another staged pair of the mentor's, which the exclusion does not concern
    other = _staged_pair(staged.programme, offer=staged.offer)
    person, excluded = (
        (mentor.person, mentee.person) if who == "mentor" else (mentee.person, mentor.person)
    )

    services.exclusion_add(person=person, excluded=excluded)

    staged.refresh_from_db()
    other.refresh_from_db()
    assert staged.status == ProposalStatus.CANCELLED
    assert other.status == ProposalStatus.STAGED
    assert Exclusion.objects.filter(person=person, excluded=excluded).count() == 1


def test_excluding_oneself_is_refused(mentor: Any) -> None:
    with pytest.raises(MentoringError, match="cannot exclude yourself"):
        services.exclusion_add(person=mentor.person, excluded=mentor.person)

    assert not Exclusion.objects.exists()


def test_excluding_twice_keeps_one_exclusion(mentor: Any, mentee: Any) -> None:
    services.exclusion_add(person=mentor.person, excluded=mentee.person)
    services.exclusion_add(person=mentor.person, excluded=mentee.person)

    assert Exclusion.objects.count() == 1


# Offers withdrawn


def test_withdrawing_an_offer_cancels_its_staged_pairs_and_keeps_active_mentees(
    relationship: Relationship,
) -> None:
    staged = _staged_pair(relationship.programme, offer=relationship.offer)

    services.offer_withdraw(offer=relationship.offer)

    staged.refresh_from_db()
    relationship.refresh_from_db()
    assert staged.status == ProposalStatus.CANCELLED
    assert relationship.status == RelationshipStatus.ACTIVE
    assert MentorOffer.objects.get().status == OfferStatus.WITHDRAWN


def test_an_offer_with_proposals_awaiting_an_answer_cannot_be_withdrawn(
    proposal: Proposal,
) -> None:
    with pytest.raises(MentoringError, match="Answer the proposals"):
        services.offer_withdraw(offer=proposal.offer)

    assert MentorOffer.objects.get().status == OfferStatus.ACTIVE


def test_the_programme_is_for_people_with_a_membership_of_its_communities(
    community_programme: MentoringProgramme, mentee: Any, other_community: Community
) -> None:
    # given the mentee joins the programme's community
    MembershipFactory.create(person=mentee.person, community=other_community)

    application = services.application_submit(
        programme=community_programme, person=mentee.person, goals="Chair.", skills=[], now=NOW
    )

    # then they apply through it, not through their other community
    assert application.community == other_community
