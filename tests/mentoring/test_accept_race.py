"""Two accepts at the same moment, on Postgres, with real threads: the offer's row lock decides."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from django.db import connection

from mentoring.models import (
    ApplicationStatus,
    MenteeApplication,
    MentorOffer,
    Proposal,
    ProposalStatus,
    Relationship,
)
from mentoring.services import (
    MentoringError,
    application_withdraw,
    proposal_accept,
    proposals_expire,
)
from tests.factories import (
    MenteeApplicationFactory,
    MentoringProgrammeFactory,
    MentorOfferFactory,
    ProposalFactory,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _proposed(offer: MentorOffer) -> Proposal:
    application = MenteeApplicationFactory.create(
        programme=offer.programme, status=ApplicationStatus.PROPOSED
    )
    return ProposalFactory.create(
        application=application,
        offer=offer,
        status=ProposalStatus.PROPOSED,
        published_at=NOW,
        respond_by=NOW + timedelta(days=7),
    )


def _at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls in threads released together; each result, or the error's message."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except MentoringError as error:
            outcomes[index] = str(error)
        except Exception as error:  # a database error, shown as such in the assertion
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_mentor_with_one_place_accepting_two_proposals_at_once_gets_one_mentee() -> None:
    # given a mentor with one place and two proposals awaiting an answer (one sent before
    # the mentor lowered their capacity)
    offer = MentorOfferFactory.create(programme=MentoringProgrammeFactory.create(), capacity=2)
    proposals = [_proposed(offer), _proposed(offer)]
    MentorOffer.objects.filter(pk=offer.pk).update(capacity=1)
    accepted_at = NOW + timedelta(hours=1)

    # when
    outcomes = _at_once([partial(proposal_accept, proposal=p, now=accepted_at) for p in proposals])

    # then: one relationship, a message for the other call, the counter at 1
    relationships = [o for o in outcomes if isinstance(o, Relationship)]
    refusals = [o for o in outcomes if isinstance(o, str)]
    assert len(relationships) == 1
    assert refusals == [
        "You are already mentoring as many people as you offered (1). Raise your capacity or "
        "decline."
    ]
    assert Relationship.objects.count() == 1
    assert MentorOffer.objects.get(pk=offer.pk).active_count == 1
    (winner,) = relationships
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    loser = next(p for p in proposals if p.pk != winner.proposal_id)
    assert statuses == {
        winner.proposal_id: ProposalStatus.ACCEPTED,
        loser.pk: ProposalStatus.PROPOSED,
    }
    assert MenteeApplication.objects.get(pk=loser.application_id).status == (
        ApplicationStatus.PROPOSED
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_proposal_accepted_twice_at_once_makes_one_relationship_both_calls_return() -> (
    None
):
    # given
    offer = MentorOfferFactory.create(programme=MentoringProgrammeFactory.create(), capacity=2)
    proposal = _proposed(offer)
    accepted_at = NOW + timedelta(hours=1)

    # when
    outcomes = _at_once([partial(proposal_accept, proposal=proposal, now=accepted_at)] * 2)

    # then
    assert all(isinstance(o, Relationship) for o in outcomes), outcomes
    relationship = Relationship.objects.get()
    assert [o.pk for o in outcomes if isinstance(o, Relationship)] == [relationship.pk] * 2
    assert MentorOffer.objects.get(pk=offer.pk).active_count == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_an_accept_while_the_mentee_withdraws_ends_one_way_or_the_other(attempt: int) -> None:
    # given a proposal awaiting the mentor's answer
    offer = MentorOfferFactory.create(programme=MentoringProgrammeFactory.create(), capacity=2)
    proposal = _proposed(offer)
    application = MenteeApplication.objects.get(pk=proposal.application_id)

    # when the mentor accepts as the mentee withdraws: no deadlock, no database error
    accepted, withdrawn = _at_once(
        [
            partial(proposal_accept, proposal=proposal, now=NOW + timedelta(hours=1)),
            partial(application_withdraw, application=application),
        ]
    )

    # then either the pair began and the withdrawal was refused, or the other way round
    application.refresh_from_db()
    proposal.refresh_from_db()
    if isinstance(accepted, Relationship):
        assert withdrawn == "You have a mentor: end the relationship instead."
        assert (application.status, proposal.status) == (
            ApplicationStatus.MATCHED,
            ProposalStatus.ACCEPTED,
        )
        assert MentorOffer.objects.get(pk=offer.pk).active_count == 1
    else:
        assert accepted == "This proposal was already answered: Cancelled."
        assert isinstance(withdrawn, MenteeApplication)
        assert (application.status, proposal.status) == (
            ApplicationStatus.WITHDRAWN,
            ProposalStatus.CANCELLED,
        )
        assert not Relationship.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_accept_in_the_last_second_while_the_expiry_runs_ends_one_way_or_the_other() -> None:
    # given a proposal due at NOW + 7 days; the mentor accepts a second before, as the
    # expiry sweep (a second late) runs
    offer = MentorOfferFactory.create(programme=MentoringProgrammeFactory.create(), capacity=2)
    proposal = _proposed(offer)
    deadline = NOW + timedelta(days=7)

    accepted, expired = _at_once(
        [
            partial(proposal_accept, proposal=proposal, now=deadline - timedelta(seconds=1)),
            partial(proposals_expire, now=deadline + timedelta(seconds=1)),
        ]
    )

    # then the one that took the proposal first decides
    proposal.refresh_from_db()
    if isinstance(accepted, Relationship):
        assert (expired, proposal.status) == (0, ProposalStatus.ACCEPTED)
    else:
        assert accepted == "The deadline to answer this proposal has passed."
        assert (expired, proposal.status) == (1, ProposalStatus.EXPIRED)
        assert not Relationship.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_expiry_while_the_mentee_withdraws_ends_one_way_or_the_other() -> None:
    offer = MentorOfferFactory.create(programme=MentoringProgrammeFactory.create(), capacity=2)
    proposal = _proposed(offer)
    application = MenteeApplication.objects.get(pk=proposal.application_id)

    expired, withdrawn = _at_once(
        [
            partial(proposals_expire, now=NOW + timedelta(days=8)),
            partial(application_withdraw, application=application),
        ]
    )

    # no deadlock: the mentee has left, the proposal is closed one way or the other
    assert isinstance(withdrawn, MenteeApplication), withdrawn
    assert expired in (0, 1), expired
    application.refresh_from_db()
    proposal.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert proposal.status == (ProposalStatus.EXPIRED if expired else ProposalStatus.CANCELLED)
