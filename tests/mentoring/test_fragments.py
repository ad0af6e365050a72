"""The coordinator's dashboard is cached; each write it shows renews it (mentoring/fragments.py)."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.models import MentoringProgramme, Proposal, Relationship
from tests.mentoring.conftest import NOW


def _figures(client: Client, programme: MentoringProgramme) -> dict[str, str]:
    """The dashboard's cards: {label: number}."""
    page = client.get(reverse("mentoring:coordinate", kwargs={"pk": programme.pk})).text
    cards = re.findall(r'<div class="fs-4">([^<]+)</div><div class="small[^"]*">([^<(]+)', page)
    return {label.strip(): number.strip() for number, label in cards}


def test_each_step_of_a_pair_renews_the_cached_dashboard(
    client_for: Callable[[Any], Client],
    coordinator: Any,
    mentor: Any,
    staged: Proposal,
) -> None:
    client = client_for(coordinator)
    programme = staged.programme
    assert _figures(client, programme)["mentees waiting"] == "1"

    # when the pair is published: the mentee has a mentor asked
    services.programme_publish(programme=programme, now=NOW)
    assert _figures(client, programme)["mentees with a mentor asked"] == "1"

    # when the mentor accepts: matched, and a place taken
    staged.refresh_from_db()
    relationship = services.proposal_accept(proposal=staged, now=NOW + timedelta(hours=1))
    figures = _figures(client, programme)
    assert figures["mentees matched"] == "1"
    assert figures["places taken"] == "1 / 2"

    # when the mentee asks for another match: waiting again, the place free
    services.relationship_end(
        relationship=relationship,
        by=relationship.application.person,
        reason=Relationship.EndReason.REMATCH,
        note="We never found a time.",
        today=relationship.started_on + timedelta(days=7),
    )
    figures = _figures(client, programme)
    assert figures["mentees waiting"] == "1"
    assert figures["places taken"] == "0 / 2"

    # when the mentor goes away
    services.offer_set_away(
        offer=staged.offer, away_until=timezone.localdate() + timedelta(days=30)
    )
    page = client.get(reverse("mentoring:coordinate", kwargs={"pk": programme.pk})).text
    assert "1 away" in page


def test_an_expired_proposal_renews_the_dashboard(
    client_for: Callable[[Any], Client], coordinator: Any, proposal: Proposal
) -> None:
    client = client_for(coordinator)
    assert _figures(client, proposal.programme)["mentees with a mentor asked"] == "1"

    services.proposals_expire(now=NOW + timedelta(days=8))

    assert _figures(client, proposal.programme)["mentees waiting"] == "1"


def test_a_new_name_shows_on_the_cached_dashboard(
    client_for: Callable[[Any], Client], coordinator: Any, mentee: Any, staged: Proposal
) -> None:
    client = client_for(coordinator)
    url = reverse("mentoring:coordinate", kwargs={"pk": staged.programme_id})
    assert "Mae Mentee" in client.get(url).text

    mentee.person.display_name = "Mae Renamed"
    mentee.person.save(update_fields=["display_name"])

    assert "Mae Renamed" in client.get(url).text


def test_the_mentors_cached_dashboard_follows_their_proposals_and_mentees(
    client_for: Callable[[Any], Client], mentor: Any, staged: Proposal
) -> None:
    client = client_for(mentor)
    url = reverse("mentoring:mentor-dashboard")
    assert "No proposal is waiting for you." in client.get(url).text

    # when the pair is published, it waits on the mentor's dashboard
    services.programme_publish(programme=staged.programme, now=timezone.now())
    assert "Mae Mentee, in Leaders of Tomorrow" in client.get(url).text

    # when they accept, the mentee is theirs
    staged.refresh_from_db()
    relationship = services.proposal_accept(proposal=staged, now=timezone.now())
    page = client.get(url).text
    assert "No proposal is waiting for you." in page
    assert "You are not mentoring anyone now." not in page

    # when it ends, it waits for their feedback; once given, it is gone
    services.relationship_end(
        relationship=relationship,
        by=mentor.person,
        reason=Relationship.EndReason.COMPLETED,
        today=relationship.started_on + timedelta(days=1),
    )
    assert "ended: tell us how it went" in client.get(url).text
    relationship.refresh_from_db()
    services.feedback_give(relationship=relationship, person=mentor.person, rating=5)
    assert "You are not mentoring anyone now." in client.get(url).text


def test_a_renamed_programme_shows_on_the_mentors_cached_dashboard(
    client_for: Callable[[Any], Client], mentor: Any, proposal: Proposal
) -> None:
    client = client_for(mentor)
    url = reverse("mentoring:mentor-dashboard")
    assert "Mae Mentee, in Leaders of Tomorrow" in client.get(url).text

    programme = proposal.programme
    programme.title = "Leaders of the Day After"
    programme.save()

    page = client.get(url).text
    assert "Mae Mentee, in Leaders of the Day After" in page
    assert "Leaders of Tomorrow" not in page


def test_a_deleted_person_leaves_the_cached_dashboards(
    client_for: Callable[[Any], Client], coordinator: Any, mentee: Any, staged: Proposal
) -> None:
    client = client_for(coordinator)
    url = reverse("mentoring:coordinate", kwargs={"pk": staged.programme_id})
    assert "Mae Mentee" in client.get(url).text

    mentee.delete()

    assert "Mae Mentee" not in client.get(url).text
