"""The database's own guards, for writers that skip the services: each refused by Postgres."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from mentoring.models import (
    MatchRun,
    MenteeApplication,
    MentoringProgramme,
    MentorOffer,
    OfferStatus,
    Proposal,
    ProposalStatus,
    Relationship,
    RelationshipStatus,
    RunStatus,
)
from tests.factories import MentorOfferFactory, ProposalFactory
from tests.mentoring.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_database_refuses_more_active_mentees_than_the_capacity(offer: MentorOffer) -> None:
    # given capacity 2: filling it is allowed
    MentorOffer.objects.filter(pk=offer.pk).update(active_count=2)

    with pytest.raises(IntegrityError, match="offer_within_capacity"), transaction.atomic():
        MentorOffer.objects.filter(pk=offer.pk).update(active_count=3)

    assert MentorOffer.objects.get(pk=offer.pk).active_count == 2


def test_the_database_refuses_a_capacity_outside_one_to_five(offer: MentorOffer) -> None:
    for capacity in (0, 6):
        with pytest.raises(IntegrityError, match="offer_capacity_range"), transaction.atomic():
            MentorOffer.objects.filter(pk=offer.pk).update(capacity=capacity)

    assert MentorOffer.objects.get(pk=offer.pk).capacity == 2


def test_a_withdrawn_offer_may_keep_more_mentees_than_its_capacity(offer: MentorOffer) -> None:
    MentorOffer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.WITHDRAWN, capacity=1, active_count=2
    )

    assert MentorOffer.objects.get(pk=offer.pk).active_count == 2


def _relationship(proposal: Proposal) -> Relationship:
    return Relationship.objects.create(
        programme=proposal.programme,
        proposal=proposal,
        offer=proposal.offer,
        application=proposal.application,
        started_on=date(2026, 12, 1),
        planned_end_on=date(2027, 6, 1),
        last_activity_on=date(2026, 12, 1),
    )


def _answered(application: MenteeApplication, status: str = ProposalStatus.ACCEPTED) -> Proposal:
    return ProposalFactory.create(
        application=application,
        offer=MentorOfferFactory.create(programme=application.programme),
        status=status,
        published_at=NOW,
        respond_by=NOW + timedelta(days=7),
    )


def test_the_database_refuses_two_active_relationships_for_one_application(
    application: MenteeApplication,
) -> None:
    _relationship(_answered(application))
    second = _answered(application)

    with (
        pytest.raises(IntegrityError, match="relationship_one_active_per_mentee"),
        transaction.atomic(),
    ):
        _relationship(second)

    assert Relationship.objects.count() == 1


def test_an_ended_relationship_does_not_block_the_next_one(
    application: MenteeApplication,
) -> None:
    first = _relationship(_answered(application))
    Relationship.objects.filter(pk=first.pk).update(
        status=RelationshipStatus.ENDED, ended_on=date(2026, 12, 5)
    )

    _relationship(_answered(application))

    assert Relationship.objects.filter(status=RelationshipStatus.ACTIVE).count() == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (ProposalStatus.STAGED, ProposalStatus.STAGED),
        (ProposalStatus.STAGED, ProposalStatus.PROPOSED),
        (ProposalStatus.PROPOSED, ProposalStatus.PROPOSED),
    ],
)
def test_the_database_refuses_two_open_proposals_for_one_application(
    application: MenteeApplication, first: str, second: str
) -> None:
    _answered(application, first)

    with pytest.raises(IntegrityError, match="proposal_one_open_per_mentee"), transaction.atomic():
        _answered(application, second)

    assert Proposal.objects.count() == 1


def test_closed_proposals_do_not_count_as_open(application: MenteeApplication) -> None:
    for status in (ProposalStatus.DECLINED, ProposalStatus.EXPIRED, ProposalStatus.CANCELLED):
        _answered(application, status)

    _answered(application, ProposalStatus.PROPOSED)

    assert Proposal.objects.count() == 4


def test_a_published_proposal_needs_its_deadline(staged: Proposal) -> None:
    with (
        pytest.raises(IntegrityError, match="proposal_published_has_deadline"),
        transaction.atomic(),
    ):
        Proposal.objects.filter(pk=staged.pk).update(status=ProposalStatus.PROPOSED)


@pytest.mark.parametrize("running", [RunStatus.QUEUED, RunStatus.RUNNING])
def test_the_database_refuses_a_second_run_while_one_is_under_way(
    programme: MentoringProgramme, running: str
) -> None:
    MatchRun.objects.create(programme=programme, status=running)

    with pytest.raises(IntegrityError, match="run_one_at_a_time"), transaction.atomic():
        MatchRun.objects.create(programme=programme, status=RunStatus.QUEUED)

    assert MatchRun.objects.count() == 1


def test_finished_runs_do_not_block_the_next(programme: MentoringProgramme) -> None:
    MatchRun.objects.create(programme=programme, status=RunStatus.DONE)
    MatchRun.objects.create(programme=programme, status=RunStatus.FAILED)

    MatchRun.objects.create(programme=programme, status=RunStatus.QUEUED)

    assert MatchRun.objects.count() == 3
