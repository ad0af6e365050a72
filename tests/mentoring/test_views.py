"""The mentoring pages for every named user: who sees what, who may write, the journey of a pair
through the pages, what bad input gets, and what the dashboards cost."""

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadership.models import Community, Language, Skill
from mentoring import services
from mentoring.models import (
    ApplicationStatus,
    CheckIn,
    Exclusion,
    Feedback,
    MatchRun,
    MenteeApplication,
    MentoringProgramme,
    MentorOffer,
    OfferStatus,
    Proposal,
    ProposalStatus,
    Relationship,
    RelationshipStatus,
    RunStage,
    RunStatus,
    Trait,
)
from tests.factories import (
    MembershipFactory,
    MenteeApplicationFactory,
    MentoringProgrammeFactory,
    MentorOfferFactory,
    PersonFactory,
    PersonLanguageFactory,
    ProposalFactory,
)
from tests.mentoring.conftest import NOW
from tests.pages import main_content

pytestmark = pytest.mark.django_db

# Everyone who might knock: the shared fixture users, the pair, and `lead`, who coordinates this
# programme only (named on it) and is not in the movement's coordinators group.
EVERYONE = [
    "anonymous",
    "outsider",
    "member",
    "organiser",
    "mentor",
    "mentee",
    "coordinator",
    "lead",
    "superuser",
]
NOTE = "We talked about the budget fight on the board"


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    # Two hours after the fixture proposal was published (NOW), an hour after it was accepted.
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        yield


@pytest.fixture
def lead(programme: MentoringProgramme) -> Any:
    person = PersonFactory.create(display_name="Lee Lead", user__email="lead@example.org")
    programme.coordinators.add(person)
    return person.user


@pytest.fixture
def check_in(relationship: Relationship, mentee: Any) -> CheckIn:
    return CheckIn.objects.create(
        relationship=relationship,
        happened_on=relationship.started_on,
        notes=NOTE,
        created_by=mentee.person,
    )


@pytest.fixture
def finished_run(programme: MentoringProgramme, coordinator: Any) -> MatchRun:
    return MatchRun.objects.create(
        programme=programme,
        started_by=coordinator,
        status=RunStatus.DONE,
        stage=RunStage.DONE,
        progress=100,
        mentees=4,
        mentors=3,
        matched=3,
        objective=123456789,
        certified=True,
        seconds=1.25,
        finished_at=NOW,
    )


def _status(client: Client, url: str) -> Any:
    response = client.get(url)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login")), response["Location"]
        return "login"
    return response.status_code


def _said(response: Any) -> list[str]:
    """The messages shown on a page reached with follow=True."""
    return [str(message) for message in response.context["messages"]]


def _url(name: str, pk: int) -> str:
    return reverse(f"mentoring:{name}", kwargs={"pk": pk})


# Who opens which page

ANY_PERSON = dict.fromkeys(EVERYONE, 200) | {"anonymous": "login"}
RUNNERS = dict.fromkeys(EVERYONE, 403) | {
    "anonymous": "login",
    "coordinator": 200,
    "lead": 200,
    "superuser": 200,
}
MENTOR_AND_RUNNERS = dict.fromkeys(EVERYONE, 404) | {
    "anonymous": "login",
    "mentor": 200,
    "coordinator": 200,
    "lead": 200,
    "superuser": 200,
}
PAIR_AND_RUNNERS = MENTOR_AND_RUNNERS | {"mentee": 200}


@pytest.mark.parametrize("name", EVERYONE)
def test_anyone_signed_in_opens_the_programmes_their_own_dashboards_and_the_forms_to_take_part(
    client_as: Callable[[str], Client], name: str, relationship: Relationship, lead: Any
) -> None:
    client = client_as(name)
    programme = relationship.programme
    for url in [
        reverse("mentoring:programme-list"),
        programme.get_absolute_url(),
        _url("offer-edit", programme.pk),
        _url("application-edit", programme.pk),
        reverse("mentoring:mentor-dashboard"),
        reverse("mentoring:mine"),
        reverse("mentoring:exclusions"),
    ]:
        assert _status(client, url) == ANY_PERSON[name], url


@pytest.mark.parametrize("name", EVERYONE)
def test_only_those_who_run_the_programme_edit_coordinate_and_follow_its_runs(
    client_as: Callable[[str], Client], name: str, finished_run: MatchRun, lead: Any
) -> None:
    client = client_as(name)
    programme = finished_run.programme
    for url in [
        _url("programme-edit", programme.pk),
        _url("coordinate", programme.pk),
        _url("run-detail", finished_run.pk),
    ]:
        assert _status(client, url) == RUNNERS[name], url


@pytest.mark.parametrize("name", EVERYONE)
def test_only_the_movements_coordinators_create_a_programme(
    client_as: Callable[[str], Client], name: str, lead: Any
) -> None:
    expected = {"anonymous": "login", "coordinator": 200, "superuser": 200}.get(name, 403)

    assert _status(client_as(name), reverse("mentoring:programme-create")) == expected


@pytest.mark.parametrize("name", EVERYONE)
def test_a_proposal_is_seen_by_its_mentor_and_those_who_run_the_programme_never_its_mentee(
    client_as: Callable[[str], Client], name: str, proposal: Proposal, lead: Any
) -> None:
    assert _status(client_as(name), proposal.get_absolute_url()) == MENTOR_AND_RUNNERS[name]


@pytest.mark.parametrize("name", EVERYONE)
def test_a_relationship_is_seen_by_the_pair_and_those_who_run_the_programme(
    client_as: Callable[[str], Client], name: str, relationship: Relationship, lead: Any
) -> None:
    assert _status(client_as(name), relationship.get_absolute_url()) == PAIR_AND_RUNNERS[name]


@pytest.mark.parametrize(
    ("name", "sees_it"),
    [
        ("member", False),
        ("outsider", False),
        ("mentor", False),
        ("lead", True),
        ("coordinator", True),
    ],
)
def test_a_draft_programme_is_seen_and_listed_only_for_those_who_run_it(
    client_as: Callable[[str], Client],
    name: str,
    sees_it: bool,
    programme: MentoringProgramme,
    lead: Any,
    offer: MentorOffer,
) -> None:
    programme.status = MentoringProgramme.Status.DRAFT
    programme.save(update_fields=["status"])
    client = client_as(name)

    assert client.get(programme.get_absolute_url()).status_code == (200 if sees_it else 404)
    assert client.get(_url("offer-edit", programme.pk)).status_code == (200 if sees_it else 404)
    listing = client.get(reverse("mentoring:programme-list"))
    assert (programme.get_absolute_url() in listing.text) is sees_it


# Private notes


@pytest.mark.parametrize(
    ("name", "reads_it"),
    [
        ("mentor", True),
        ("mentee", True),
        ("coordinator", False),
        ("lead", False),
        ("superuser", False),
        ("outsider", False),
        ("member", False),
        ("organiser", False),
    ],
)
def test_the_notes_of_a_check_in_are_read_by_the_pair_and_by_nobody_else(
    client_as: Callable[[str], Client], name: str, reads_it: bool, check_in: CheckIn, lead: Any
) -> None:
    client = client_as(name)
    relationship = check_in.relationship
    pages = [
        relationship.get_absolute_url(),
        relationship.proposal.get_absolute_url(),
        _url("coordinate", relationship.programme_id),
        reverse("mentoring:mine"),
        reverse("mentoring:mentor-dashboard"),
    ]

    shown = [url for url in pages if NOTE in client.get(url).content.decode()]

    assert shown == ([relationship.get_absolute_url()] if reads_it else [])


def test_those_who_run_the_programme_see_that_a_check_in_happened_and_that_its_notes_are_private(
    client_for: Callable[[Any], Client], coordinator: Any, check_in: CheckIn
) -> None:
    response = client_for(coordinator).get(check_in.relationship.get_absolute_url())

    assert "Mae Mentee" in response.text  # who recorded it
    assert '<time datetime="2026-12-01">' in response.text
    assert "The notes of check-ins are private to the pair." in response.text
    assert "Record a check-in" not in response.text


def test_a_pair_under_review_is_hidden_from_its_mentor_until_it_is_published(
    client_for: Callable[[Any], Client], mentor: Any, coordinator: Any, staged: Proposal
) -> None:
    url = staged.get_absolute_url()

    staged_status = client_for(mentor).get(url).status_code
    staged.status = ProposalStatus.REMOVED
    staged.save(update_fields=["status"])
    removed_status = client_for(mentor).get(url).status_code

    assert (staged_status, removed_status) == (404, 404)
    assert client_for(coordinator).get(url).status_code == 200


def test_the_mentee_learns_who_their_mentor_is_only_once_the_mentor_accepts(
    client_for: Callable[[Any], Client], mentee: Any, proposal: Proposal
) -> None:
    asked = client_for(mentee).get(reverse("mentoring:mine"))

    assert "A mentor has been asked" in asked.text
    assert "Mia Mentor" not in asked.text
    assert client_for(mentee).get(proposal.get_absolute_url()).status_code == 404


# Refused writes change nothing


@pytest.mark.parametrize("name", ["anonymous", "outsider", "member", "mentor", "mentee"])
def test_a_refused_run_review_or_publish_changes_nothing(
    client_as: Callable[[str], Client], name: str, staged: Proposal
) -> None:
    client = client_as(name)
    programme = staged.programme

    responses = [
        client.post(_url("run-start", programme.pk)),
        client.post(_url("proposal-review", staged.pk), {"action": "pin"}),
        client.post(_url("proposal-review", staged.pk), {"action": "remove"}),
        client.post(_url("programme-publish", programme.pk)),
        client.post(_url("programme-edit", programme.pk), {"title": "Taken over"}),
    ]

    assert {r.status_code for r in responses} <= {302, 403, 404}
    if name == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses)
    else:
        assert 302 not in {r.status_code for r in responses}
    assert not MatchRun.objects.exists()
    staged.refresh_from_db()
    assert (staged.status, staged.pinned) == (ProposalStatus.STAGED, False)
    programme.refresh_from_db()
    assert programme.title == "Leaders of Tomorrow"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("mentee", 404), ("outsider", 404), ("coordinator", 403), ("lead", 403), ("superuser", 403)],
)
def test_only_the_mentor_answers_a_proposal(
    client_as: Callable[[str], Client], name: str, expected: int, proposal: Proposal, lead: Any
) -> None:
    client = client_as(name)
    url = _url("proposal-answer", proposal.pk)

    accept = client.post(url, {"action": "accept"})
    decline = client.post(url, {"action": "decline", "reason": "Not them"})

    assert (accept.status_code, decline.status_code) == (expected, expected)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == (ProposalStatus.PROPOSED, "")
    assert not Relationship.objects.exists()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("outsider", 404), ("member", 404), ("coordinator", 403), ("lead", 403), ("superuser", 403)],
)
def test_only_the_pair_write_in_their_relationship(
    client_as: Callable[[str], Client],
    name: str,
    expected: int,
    relationship: Relationship,
    lead: Any,
) -> None:
    client = client_as(name)
    pk = relationship.pk

    responses = [
        client.post(_url("check-in-add", pk), {"happened_on": "2026-12-01", "notes": "Hi"}),
        client.post(_url("goals-update", pk), {"goals": "Someone else's goals"}),
        client.post(_url("relationship-end", pk), {"reason": "early", "note": ""}),
        client.post(_url("feedback-give", pk), {"rating": "1"}),
    ]

    assert [r.status_code for r in responses] == [expected] * 4
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.goals == "Learn to chair a board meeting."
    assert not CheckIn.objects.exists()
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("name", ["outsider", "mentee", "coordinator", "lead", "superuser"])
def test_only_the_mentor_sets_their_offer_away_or_withdraws_it(
    client_as: Callable[[str], Client], name: str, offer: MentorOffer, lead: Any
) -> None:
    client = client_as(name)

    away = client.post(_url("offer-away", offer.pk), {"away_until": "2027-01-31"})
    withdraw = client.post(_url("offer-withdraw", offer.pk))

    assert (away.status_code, withdraw.status_code) == (404, 404)
    offer.refresh_from_db()
    assert (offer.away_until, offer.status) == (None, OfferStatus.ACTIVE)


@pytest.mark.parametrize("name", ["outsider", "mentor", "coordinator"])
def test_nobody_withdraws_someone_elses_application_or_removes_their_exclusion(
    client_as: Callable[[str], Client],
    name: str,
    application: MenteeApplication,
    member: Any,
) -> None:
    exclusion = Exclusion.objects.create(person=application.person, excluded=member.person)
    client = client_as(name)

    withdraw = client.post(_url("application-withdraw", application.pk))
    remove = client.post(_url("exclusion-remove", exclusion.pk))

    assert (withdraw.status_code, remove.status_code) == (404, 404)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WAITING
    assert Exclusion.objects.filter(pk=exclusion.pk).exists()


def test_get_is_refused_on_every_action(
    client_for: Callable[[Any], Client], mentor: Any, relationship: Relationship
) -> None:
    client = client_for(mentor)
    pk = relationship.pk

    for url in [
        _url("check-in-add", pk),
        _url("relationship-end", pk),
        _url("proposal-answer", relationship.proposal_id),
        _url("offer-withdraw", relationship.offer_id),
    ]:
        assert client.get(url).status_code == 405, url
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ACTIVE


# The journey of a pair through the pages


@pytest.fixture
def ned(english: Language, community: Community) -> Any:
    """A second mentee, who speaks English like the pair."""
    person = PersonFactory.create(display_name="Ned Newcomer", user__email="ned@example.org")
    MembershipFactory.create(person=person, community=community)
    PersonLanguageFactory.create(person=person, language=english)
    return person.user


@pytest.fixture
def pia(english: Language, community: Community) -> Any:
    person = PersonFactory.create(display_name="Pia Pending", user__email="pia@example.org")
    MembershipFactory.create(person=person, community=community)
    PersonLanguageFactory.create(person=person, language=english)
    return person.user


def _apply(
    client: Client, programme: MentoringProgramme, community: Community, skill: Skill
) -> Any:
    return client.post(
        _url("application-edit", programme.pk),
        {"goals": "Run a good annual meeting.", "skills": [skill.pk], "community": community.pk},
    )


def test_a_pair_goes_from_matching_to_feedback_through_the_pages(
    client_for: Callable[[Any], Client],
    coordinator: Any,
    mentor: Any,
    mentee: Any,
    ned: Any,
    pia: Any,
    programme: MentoringProgramme,
    community: Community,
    mentor_community: Community,
    facilitation: Skill,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: a mentor offers three places and three mentees apply, through the forms
    mia, mae = client_for(mentor), client_for(mentee)
    offered = mia.post(
        _url("offer-edit", programme.pk),
        {"capacity": "3", "skills": [facilitation.pk], "community": mentor_community.pk},
    )
    assert offered["Location"] == reverse("mentoring:mentor-dashboard")
    for user in [mentee, ned, pia]:
        assert _apply(client_for(user), programme, community, facilitation).status_code == 302
    cora = client_for(coordinator)

    # when: the coordinator runs matching (the job, queued on commit, runs eagerly in tests)
    with django_capture_on_commit_callbacks(execute=True):
        started = cora.post(_url("run-start", programme.pk))

    # then: they land on the run's page, which shows it finished
    run = MatchRun.objects.get()
    assert started["Location"] == _url("run-detail", run.pk)
    assert run.status == RunStatus.DONE, run.error
    assert (run.matched, run.mentees, run.mentors, run.certified) == (3, 3, 1, True)
    page = cora.get(started["Location"])
    assert "3 of 3 mentees matched, with 1 mentors." in page.text
    assert "proved optimal" in page.text
    assert 'hx-trigger="every 1s"' not in page.text
    fragment = cora.get(started["Location"], headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="run-progress">')
    assert fragment["HX-Trigger"] == "runFinished"

    # when: they pin Mae's pair, remove Pia's and publish
    pairs = {
        p.application.person.display_name: p
        for p in Proposal.objects.select_related("application__person")
    }
    dashboard = cora.get(_url("coordinate", programme.pk))
    assert "Publish 3 proposals" in dashboard.text
    assert "Offers Facilitation, which the mentee asked for" in dashboard.text
    review = _url("proposal-review", pairs["Mae Mentee"].pk)
    assert cora.post(review, {"action": "pin"}).status_code == 302
    cora.post(_url("proposal-review", pairs["Pia Pending"].pk), {"action": "remove"})
    published = cora.post(_url("programme-publish", programme.pk), follow=True)

    # then: two proposals go to the mentor; the removed pair stays out
    assert _said(published)[-1] == "2 proposals were sent; their mentors are told by email."
    for name, status in [
        ("Mae Mentee", "proposed"),
        ("Ned Newcomer", "proposed"),
        ("Pia Pending", "removed"),
    ]:
        pairs[name].refresh_from_db()
        assert pairs[name].status == status, name
    assert pairs["Mae Mentee"].pinned
    assert "Mia Mentor" not in mae.get(reverse("mentoring:mine")).text

    # when: the mentor accepts Mae and declines Ned with a reason
    mentor_page = mia.get(reverse("mentoring:mentor-dashboard"))
    assert pairs["Mae Mentee"].get_absolute_url() in mentor_page.text
    assert pairs["Ned Newcomer"].get_absolute_url() in mentor_page.text
    accepted = mia.post(_url("proposal-answer", pairs["Mae Mentee"].pk), {"action": "accept"})
    declined = mia.post(
        _url("proposal-answer", pairs["Ned Newcomer"].pk),
        {"action": "decline", "reason": "Our time zones would not work."},
    )

    # then: the relationship begins, and the mentee sees their mentor's name
    relationship = Relationship.objects.get()
    assert accepted["Location"] == relationship.get_absolute_url()
    assert declined["Location"] == reverse("mentoring:mentor-dashboard")
    assert "Your mentor is Mia Mentor." in mae.get(reverse("mentoring:mine")).text
    pairs["Ned Newcomer"].refresh_from_db()
    assert pairs["Ned Newcomer"].decline_reason == "Our time zones would not work."
    assert pairs["Ned Newcomer"].application.status == ApplicationStatus.WAITING
    ned_page = client_for(ned).get(reverse("mentoring:mine"))
    assert "Waiting for a mentor since" in ned_page.text
    assert "Mia Mentor" not in ned_page.text

    # when: the mentor goes away for a month, then comes back
    offer = MentorOffer.objects.get()
    away = mia.post(_url("offer-away", offer.pk), {"away_until": "2027-01-05"}, follow=True)
    offer.refresh_from_db()
    assert offer.away_until == date(2027, 1, 5)
    assert "away until" in away.text
    back = mia.post(_url("offer-away", offer.pk), {"away_until": ""}, follow=True)
    offer.refresh_from_db()
    assert offer.away_until is None
    assert _said(back) == ["Welcome back: you can receive proposals again."]

    # when: the mentee records a check-in, and then the mentor asks for a rematch
    mae.post(_url("check-in-add", relationship.pk), {"happened_on": "2026-12-01", "notes": NOTE})
    assert NOTE in mia.get(relationship.get_absolute_url()).text
    ended = mia.post(
        _url("relationship-end", relationship.pk),
        {"reason": "rematch", "note": "We could not find a common language for goals."},
        follow=True,
    )

    # then: the relationship ends, the place frees up, and Mae waits again
    relationship.refresh_from_db()
    assert (relationship.status, relationship.end_reason) == ("ended", "rematch")
    offer.refresh_from_db()
    assert offer.active_count == 0
    assert relationship.application.status == ApplicationStatus.WAITING
    assert "How did it go?" in ended.text

    # when: both give feedback, the mentee from their overview's link
    mia.post(_url("feedback-give", relationship.pk), {"rating": "3", "comment": "Honest try."})
    mine = mae.get(reverse("mentoring:mine"))
    assert relationship.get_absolute_url() in mine.text
    assert "How did it go?" in mae.get(relationship.get_absolute_url()).text
    mae.post(_url("feedback-give", relationship.pk), {"rating": "4"})

    # then: one feedback each, and the form is gone
    assert sorted(Feedback.objects.values_list("rating", flat=True)) == [3, 4]
    assert "How did it go?" not in mae.get(relationship.get_absolute_url()).text


def test_the_run_page_polls_itself_while_the_run_works_and_stops_when_it_is_done(
    client_for: Callable[[Any], Client], coordinator: Any, programme: MentoringProgramme
) -> None:
    run = MatchRun.objects.create(
        programme=programme, status=RunStatus.RUNNING, stage=RunStage.SOLVING, progress=55
    )
    client = client_for(coordinator)
    url = _url("run-detail", run.pk)

    working = client.get(url, headers={"HX-Request": "true"})

    assert f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in working.text
    assert 'aria-valuenow="55"' in working.text
    assert "Finding the best matching" in working.text
    assert "HX-Trigger" not in working
    assert "<h1" not in working.text  # the fragment alone
    run.status, run.stage, run.progress, run.error = "failed", "solving", 55, "Out of memory"
    run.save()
    failed = client.get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in failed.text
    assert "The run failed: Out of memory" in failed.text
    assert _url("coordinate", programme.pk) in failed.text


def test_the_coordinator_page_shows_the_latest_run_or_a_link_to_the_one_under_way(
    client_for: Callable[[Any], Client], coordinator: Any, finished_run: MatchRun
) -> None:
    client = client_for(coordinator)
    url = _url("coordinate", finished_run.programme_id)

    done = client.get(url).text

    assert "3 of 4 mentees matched, with 3 mentors." in done
    assert "proved optimal" in done
    assert "Objective 123456789." in done
    assert "1.2 seconds." in done or "1.3 seconds." in done
    assert "started by Cora Coordinator" in done
    assert _url("run-start", finished_run.programme_id) in done
    running = services.match_run_start(
        programme=finished_run.programme, user=coordinator, now=timezone.now()
    )
    under_way = client.get(url).text
    assert _url("run-detail", running.pk) in under_way
    assert _url("run-start", finished_run.programme_id) not in under_way


def test_a_proposals_deadline_is_shown_in_the_mentors_own_time_zone(
    client_for: Callable[[Any], Client], mentor: Any, proposal: Proposal
) -> None:
    # respond_by is 8 December 12:00 UTC
    madrid = client_for(mentor).get(proposal.get_absolute_url()).text
    mentor.person.time_zone = "Asia/Tokyo"
    mentor.person.save(update_fields=["time_zone"])
    tokyo = client_for(mentor).get(proposal.get_absolute_url()).text

    assert '<time datetime="2026-12-08T13:00:00+01:00">' in madrid
    assert "Europe/Madrid" in madrid
    assert '<time datetime="2026-12-08T21:00:00+09:00">' in tokyo
    assert "Asia/Tokyo" in tokyo


# Bad input: a clear message, and nothing changed


def test_a_capacity_beyond_five_is_refused_on_the_offer_form(
    client_for: Callable[[Any], Client],
    mentor: Any,
    offer: MentorOffer,
    mentor_community: Community,
) -> None:
    response = client_for(mentor).post(
        _url("offer-edit", offer.programme_id),
        {"capacity": "9", "community": mentor_community.pk, "availability": "Evenings"},
    )

    assert response.status_code == 200
    assert "Select a valid choice. 9 is not one of the available choices." in response.text
    offer.refresh_from_db()
    assert (offer.capacity, offer.availability) == (2, "")


def test_an_application_without_goals_is_refused_and_not_saved(
    client_for: Callable[[Any], Client], member: Any, programme: MentoringProgramme
) -> None:
    response = client_for(member).post(_url("application-edit", programme.pk), {"goals": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not MenteeApplication.objects.exists()


def test_applying_outside_the_window_says_so_on_the_form(
    client_for: Callable[[Any], Client],
    member: Any,
    programme: MentoringProgramme,
    community: Community,
) -> None:
    programme.applications_close_on = date(2026, 11, 30)
    programme.save(update_fields=["applications_close_on"])

    response = client_for(member).post(
        _url("application-edit", programme.pk),
        {"goals": "Lead the chapter.", "community": community.pk},
    )

    assert "This programme is not taking applications now." in response.text
    assert not MenteeApplication.objects.exists()
    assert "Apply as a mentee" not in client_for(member).get(programme.get_absolute_url()).text


def test_a_check_in_in_the_future_is_refused(
    client_for: Callable[[Any], Client], mentee: Any, relationship: Relationship
) -> None:
    response = client_for(mentee).post(
        _url("check-in-add", relationship.pk),
        {"happened_on": "2026-12-02", "notes": "Tomorrow"},
        follow=True,
    )

    assert _said(response) == ["A check-in is recorded after it happened, not before."]
    assert not CheckIn.objects.exists()


def test_a_rematch_without_a_note_is_refused_and_the_relationship_goes_on(
    client_for: Callable[[Any], Client], mentor: Any, relationship: Relationship
) -> None:
    response = client_for(mentor).post(
        _url("relationship-end", relationship.pk), {"reason": "rematch", "note": " "}, follow=True
    )

    assert _said(response) == ["Say briefly why you ask for another match."]
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.ACTIVE
    assert relationship.offer.active_count == 1


def test_publishing_with_nothing_staged_says_so(
    client_for: Callable[[Any], Client], coordinator: Any, programme: MentoringProgramme
) -> None:
    response = client_for(coordinator).post(_url("programme-publish", programme.pk), follow=True)

    assert _said(response) == ["There is nothing staged to publish."]
    assert response.redirect_chain[-1][0] == _url("coordinate", programme.pk)


def test_accepting_at_the_deadline_is_refused_and_starts_nothing(
    client_for: Callable[[Any], Client], mentor: Any, proposal: Proposal
) -> None:
    client = client_for(mentor)

    with time_machine.travel(proposal.respond_by, tick=False):
        response = client.post(
            _url("proposal-answer", proposal.pk), {"action": "accept"}, follow=True
        )

    assert _said(response) == ["The deadline to answer this proposal has passed."]
    assert not Relationship.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.application.status == ApplicationStatus.PROPOSED


def test_declining_twice_is_refused_and_keeps_the_first_reason(
    client_for: Callable[[Any], Client], mentor: Any, proposal: Proposal
) -> None:
    client = client_for(mentor)
    url = _url("proposal-answer", proposal.pk)
    client.post(url, {"action": "decline", "reason": "Too busy this term."}, follow=True)

    again = client.post(url, {"action": "decline", "reason": "Changed my mind"}, follow=True)

    assert _said(again) == ["This proposal was already answered: Declined."]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason) == ("declined", "Too busy this term.")
    page = client.get(proposal.get_absolute_url()).text
    assert "Status: Declined." in page
    assert 'value="accept"' not in page


def test_an_answer_that_is_neither_accept_nor_decline_changes_nothing(
    client_for: Callable[[Any], Client], mentor: Any, proposal: Proposal
) -> None:
    response = client_for(mentor).post(
        _url("proposal-answer", proposal.pk), {"action": "maybe"}, follow=True
    )

    assert _said(response) == ["Choose to accept or to decline."]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_a_second_run_while_one_is_under_way_is_refused(
    client_for: Callable[[Any], Client], coordinator: Any, programme: MentoringProgramme
) -> None:
    running = MatchRun.objects.create(
        programme=programme, status=RunStatus.RUNNING, heartbeat_at=NOW + timedelta(hours=2)
    )

    response = client_for(coordinator).post(_url("run-start", programme.pk), follow=True)

    assert _said(response) == ["A matching run is already under way for this programme."]
    assert list(MatchRun.objects.all()) == [running]


def test_matching_a_draft_programme_is_refused(
    client_for: Callable[[Any], Client], coordinator: Any, programme: MentoringProgramme
) -> None:
    programme.status = MentoringProgramme.Status.DRAFT
    programme.save(update_fields=["status"])

    response = client_for(coordinator).post(_url("run-start", programme.pk), follow=True)

    assert _said(response) == ["Open the programme before matching."]
    assert not MatchRun.objects.exists()


def test_reviewing_a_pair_no_longer_staged_is_refused(
    client_for: Callable[[Any], Client], coordinator: Any, proposal: Proposal
) -> None:
    response = client_for(coordinator).post(
        _url("proposal-review", proposal.pk), {"action": "remove"}, follow=True
    )

    assert _said(response) == ["This pair is no longer waiting for review."]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_away_until_today_or_a_bad_date_is_refused(
    client_for: Callable[[Any], Client], mentor: Any, offer: MentorOffer
) -> None:
    client = client_for(mentor)
    url = _url("offer-away", offer.pk)

    today = client.post(url, {"away_until": "2026-12-01"}, follow=True)
    nonsense = client.post(url, {"away_until": "soon"}, follow=True)

    assert _said(today) == ["Choose a day after today, or leave it empty."]
    assert _said(nonsense) == ["Give a valid date, or leave it empty to be back."]
    offer.refresh_from_db()
    assert offer.away_until is None


def test_withdrawing_an_offer_with_a_proposal_unanswered_is_refused(
    client_for: Callable[[Any], Client], mentor: Any, proposal: Proposal
) -> None:
    response = client_for(mentor).post(_url("offer-withdraw", proposal.offer_id), follow=True)

    assert _said(response) == [
        "Answer the proposals waiting for you first, then withdraw your offer."
    ]
    proposal.offer.refresh_from_db()
    assert proposal.offer.status == OfferStatus.ACTIVE


def test_feedback_before_the_end_or_twice_is_refused(
    client_for: Callable[[Any], Client], mentee: Any, relationship: Relationship
) -> None:
    client = client_for(mentee)
    url = _url("feedback-give", relationship.pk)

    early = client.post(url, {"rating": "5"}, follow=True)
    client.post(_url("relationship-end", relationship.pk), {"reason": "completed"}, follow=True)
    no_rating = client.post(url, {"rating": "9"}, follow=True)
    client.post(url, {"rating": "4"}, follow=True)
    twice = client.post(url, {"rating": "1"}, follow=True)

    assert _said(early) == ["Feedback is given when the relationship ends."]
    assert _said(no_rating) == ["Choose a rating from 1 to 5."]
    assert _said(twice) == ["You have already given your feedback."]
    assert list(Feedback.objects.values_list("rating", flat=True)) == [4]


def test_excluding_nobody_known_or_oneself_is_refused_and_someone_known_is_added(
    client_for: Callable[[Any], Client], mentee: Any, mentor: Any, staged: Proposal
) -> None:
    client = client_for(mentee)
    url = reverse("mentoring:exclusions")

    unknown = client.post(url, {"who": "Nobody Atall"})
    oneself = client.post(url, {"who": "Mae Mentee"})
    added = client.post(url, {"who": "mia mentor"}, follow=True)

    assert "Nobody goes by that name here." in unknown.text
    assert "Nobody goes by that name here." in oneself.text
    assert _said(added) == ["You will not be paired with them."]
    exclusion = Exclusion.objects.get()
    assert exclusion.excluded == mentor.person
    assert "Mia Mentor" in added.text
    staged.refresh_from_db()
    assert staged.status == ProposalStatus.CANCELLED
    client.post(_url("exclusion-remove", exclusion.pk))
    assert not Exclusion.objects.exists()


# What the dashboards cost


def _run_with_bits(programme: MentoringProgramme, english: Language, skill: Skill) -> MatchRun:
    return MatchRun.objects.create(
        programme=programme,
        status=RunStatus.DONE,
        stage=RunStage.DONE,
        progress=100,
        bits={"languages": [english.code], "skills": [skill.pk], "traits": list(Trait.values)},
        certified=True,
        finished_at=NOW,
    )


def _published(**fields: Any) -> Proposal:
    return ProposalFactory.create(
        status=ProposalStatus.PROPOSED,
        published_at=NOW,
        respond_by=NOW + timedelta(days=7),
        shared_languages=1,
        shared_skills=1,
        **fields,
    )


def _relationship(offer: MentorOffer, last_activity_on: date) -> Relationship:
    application = MenteeApplicationFactory.create(
        programme=offer.programme, status=ApplicationStatus.MATCHED
    )
    proposal = ProposalFactory.create(
        application=application,
        offer=offer,
        status=ProposalStatus.ACCEPTED,
        published_at=NOW - timedelta(days=200),
        respond_by=NOW - timedelta(days=193),
        answered_at=NOW - timedelta(days=198),
    )
    return Relationship.objects.create(
        programme=offer.programme,
        proposal=proposal,
        offer=offer,
        application=application,
        started_on=date(2026, 5, 1),
        planned_end_on=date(2026, 10, 16),
        last_activity_on=last_activity_on,
    )


def _fill_programme(programme: MentoringProgramme, run: MatchRun, n: int) -> None:
    """n of each: waiting mentees, mentors (each with a proposal awaiting an answer and an answered
    one), staged pairs with their explanations, and quiet relationships."""
    for _ in range(n):
        offer = MentorOfferFactory.create(programme=programme, capacity=3, active_count=1)
        MenteeApplicationFactory.create(programme=programme)
        ProposalFactory.create(
            application=MenteeApplicationFactory.create(programme=programme),
            offer=offer,
            run=run,
            shared_languages=1,
            shared_skills=1,
        )
        _published(
            application=MenteeApplicationFactory.create(
                programme=programme, status=ApplicationStatus.PROPOSED
            ),
            offer=offer,
            run=run,
        )
        _relationship(offer, last_activity_on=date(2026, 6, 1))


def _warm(client: Client) -> Client:
    # The first page of a session stores the viewer's time zone in it.
    assert client.get(reverse("mentoring:programme-list")).status_code == 200
    return client


@pytest.mark.parametrize("n", [2, 6])
def test_the_coordinator_dashboard_costs_the_same_with_three_times_the_rows(
    client_for: Callable[[Any], Client],
    coordinator: Any,
    programme: MentoringProgramme,
    english: Language,
    facilitation: Skill,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    run = _run_with_bits(programme, english, facilitation)
    _fill_programme(programme, run, n)
    client = _warm(client_for(coordinator))

    # 1 session, 2 user, 3 the programme, 4 coordinator check, 5 mentees by status, 6 mentors'
    # totals, 7 proposals by status, 8 the page of waiting mentees with their people and
    # communities, 9 the page of mentors with their open proposals, 10 their people,
    # 11 their answered proposals (median answer), 12 the page of quiet relationships with the
    # pair, 13 the page of staged pairs with their run and pair, 14 the latest runs with who
    # started them, 15-16 names of the languages and skills in the explanations, 17 the number
    # of quiet relationships, 18 the viewer's person (menu)
    with django_assert_num_queries(18):
        response = client.get(_url("coordinate", programme.pk))
    # Seen again, the content comes from the cache: 1 session, 2 user, 3 the programme,
    # 4 coordinator check, 5 the viewer's person (menu).
    with django_assert_num_queries(5):
        again = client.get(_url("coordinate", programme.pk))

    def content(page: str) -> str:  # what is cached: after the form with the CSRF token
        return page.split('id="coordinate-form"', 1)[1].split("</form>", 1)[1].split("</main>")[0]

    assert content(again.text) == content(response.text)
    assert f"Publish {n} proposals" in content(again.text)

    d = response.context["d"]
    # the staged pairs' mentees are still waiting until the pairs are published
    assert (len(d.waiting), len(d.mentors), len(d.staged), len(d.quiet)) == (2 * n, n, n, n)
    assert d.quiet_count == n
    assert response.text.count("Offers Facilitation, which the mentee asked for") == n
    assert response.text.count("Both speak English") == n
    assert f"Publish {n} proposals" in response.text
    waited = (timezone.localdate() - date(2026, 1, 1)).days  # waiting since 1 January
    assert response.text.count(f">{waited} days</time>") == 2 * n


@pytest.mark.parametrize("n", [2, 6])
def test_the_mentor_dashboard_costs_the_same_with_three_times_the_rows(
    client_for: Callable[[Any], Client],
    mentor: Any,
    english: Language,
    facilitation: Skill,
    n: int,
    django_assert_num_queries: Any,
) -> None:
    # n programmes, in each an offer of the mentor with a proposal waiting and an active mentee
    for _ in range(n):
        programme = MentoringProgrammeFactory.create()
        run = _run_with_bits(programme, english, facilitation)
        offer = MentorOfferFactory.create(
            programme=programme, person=mentor.person, capacity=2, active_count=1
        )
        _published(
            application=MenteeApplicationFactory.create(
                programme=programme, status=ApplicationStatus.PROPOSED
            ),
            offer=offer,
            run=run,
        )
        _relationship(offer, last_activity_on=date(2026, 11, 20))
    client = _warm(client_for(mentor))

    # 1 session, 2 user, 3 the viewer's person (also the menu's), 4 their offers with their
    # programmes, 5 proposals awaiting them with programme, run and mentee, 6 their active
    # relationships with programme and mentee, 7-8 names of the languages and skills in the
    # explanations
    with django_assert_num_queries(8):
        response = client.get(reverse("mentoring:mentor-dashboard"))
    # Seen again, the proposals and mentees come from the cache: 1 session, 2 user, 3 the
    # viewer's person, 4 their offers.
    with django_assert_num_queries(4):
        again = client.get(reverse("mentoring:mentor-dashboard"))

    d = response.context["d"]
    assert (len(response.context["offers"]), len(d.pending), len(d.relationships)) == (n, n, n)
    for page in (response, again):
        assert page.text.count("Offers Facilitation, which the mentee asked for") == n
        assert page.text.count("1 of 2 places taken.") == n


# What the pages offer


def _programme_post(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "Chapter chairs",
        "description": "For new chairs.",
        "scope": "movement",
        "status": "open",
        "cohort_starts_on": "2027-01-01",
        "cohort_ends_on": "2027-07-01",
        "applications_open_on": "2026-11-01",
        "applications_close_on": "2026-12-31",
        "relationship_weeks": "24",
        "response_days": "7",
        "quiet_weeks": "4",
        "default_mentor_capacity": "2",
        "require_shared_language": "on",
        "max_tz_distance_hours": "",
        "skills_weight": "6",
        "tz_weight": "2",
        "language_weight": "2",
        "preference_weight": "2",
    }
    return data | changes


def test_a_coordinator_creates_a_programme_and_a_bad_capacity_is_refused(
    client_for: Callable[[Any], Client], coordinator: Any
) -> None:
    client = client_for(coordinator)
    url = reverse("mentoring:programme-create")

    refused = client.post(url, _programme_post(default_mentor_capacity="9"))
    created = client.post(url, _programme_post())

    assert "Between 1 and 5." in refused.text
    programme = MentoringProgramme.objects.get()
    assert created["Location"] == programme.get_absolute_url()
    assert (programme.title, programme.created_by) == ("Chapter chairs", coordinator)
    listing = client.get(reverse("mentoring:programme-list")).text
    assert "New programme" in listing
    assert "Chapter chairs" in listing


def test_the_programme_page_invites_newcomers_and_shows_the_pair_where_they_stand(
    client_for: Callable[[Any], Client],
    member: Any,
    mentor: Any,
    mentee: Any,
    coordinator: Any,
    proposal: Proposal,
) -> None:
    url = proposal.programme.get_absolute_url()

    newcomer = client_for(member).get(url).text
    as_mentor = client_for(mentor).get(url).text
    as_mentee = client_for(mentee).get(url).text
    as_coordinator = client_for(coordinator).get(url).text

    assert "Apply as a mentee" in newcomer
    assert "Offer to mentor" in newcomer
    assert "Coordinate" not in newcomer
    assert "0 of 2 places taken." in as_mentor
    assert _url("offer-withdraw", proposal.offer_id) in as_mentor
    assert "Your application: A mentor has been asked." in as_mentee
    assert _url("application-withdraw", proposal.application_id) in as_mentee
    assert _url("coordinate", proposal.programme_id) in as_coordinator


def test_a_mentee_withdraws_from_the_pool_and_their_open_proposal_is_cancelled(
    client_for: Callable[[Any], Client], mentee: Any, proposal: Proposal
) -> None:
    response = client_for(mentee).post(
        _url("application-withdraw", proposal.application_id), follow=True
    )

    assert _said(response) == ["Your application is withdrawn."]
    assert "You withdrew this application." in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CANCELLED


def test_the_mentor_sees_the_pair_the_reasons_and_the_forms_to_answer(
    client_for: Callable[[Any], Client], mentor: Any, proposal: Proposal
) -> None:
    page = client_for(mentor).get(proposal.get_absolute_url()).text

    assert "Would you mentor Mae Mentee?" in page
    assert "Learn to chair a board meeting." in page
    assert 'name="action" value="accept"' in page
    assert 'name="action" value="decline"' in page
    assert 'name="reason"' in page


@pytest.mark.parametrize("name", ["mentor", "mentee", "coordinator"])
def test_no_page_carries_inline_script_or_style_the_csp_would_block(
    client_as: Callable[[str], Client], name: str, check_in: CheckIn, finished_run: MatchRun
) -> None:
    client = client_as(name)
    relationship = check_in.relationship
    pk = relationship.programme_id
    urls = [
        reverse("mentoring:programme-list"),
        relationship.programme.get_absolute_url(),
        _url("offer-edit", pk),
        _url("application-edit", pk),
        reverse("mentoring:mentor-dashboard"),
        reverse("mentoring:mine"),
        reverse("mentoring:exclusions"),
        relationship.get_absolute_url(),
    ]
    if name != "mentee":
        urls.append(relationship.proposal.get_absolute_url())
    if name == "coordinator":
        urls += [
            _url("coordinate", pk),
            _url("run-detail", finished_run.pk),
            _url("programme-edit", pk),
        ]

    for url in urls:
        response: Any = client.get(url)
        assert response.status_code == 200, url
        main = main_content(response)
        for forbidden in [" style=", "onclick", "<script", "javascript:"]:
            assert forbidden not in main, (url, forbidden)
