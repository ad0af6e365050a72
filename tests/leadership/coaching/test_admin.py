"""Coaching in the admin: what was said never shows there, even to a superuser.

Private notes (CoachingNote) and session summaries have no admin page, column, field, search or
inline; engagements and coaches are read-only, their states moved only by the services.
"""

from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from leadership.coaching import services
from leadership.coaching.models import CoachAssignment, CoachingNote, CoachingSession, CoachProfile
from leadership.models import Community
from tests.factories import CoachAssignmentFactory, CoachProfileFactory, PersonFactory

pytestmark = pytest.mark.django_db

SUMMARY = "Zanzibar budget worries discussed at length"
NOTE = "Quetzal private worry about burnout"


@pytest.fixture
def engagement(coach: Any, member: Any, community: Community) -> CoachAssignment:
    """Cole Coach with Mo Member, with two sessions, each with a summary and a private note."""
    CoachProfile.objects.filter(person=coach.person).update(open_count=1)
    assignment = CoachAssignmentFactory.create(
        coach=coach.person.coach_profile,
        coachee=member.person,
        community=community,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 3, 1),
    )
    for day, minutes in ((date(2026, 10, 1), 45), (date(2026, 11, 5), 75)):
        services.session_log(
            assignment=assignment,
            happened_on=day,
            duration_minutes=minutes,
            summary=SUMMARY,
            private_notes=NOTE,
            today=date(2026, 11, 30),
        )
    return assignment


def _pages(engagement: CoachAssignment) -> list[str]:
    profile = engagement.coach_id
    return [
        "/admin/",
        "/admin/leadership/",
        "/admin/leadership/coachprofile/",
        f"/admin/leadership/coachprofile/{profile}/change/",
        f"/admin/leadership/coachprofile/{profile}/history/",
        "/admin/leadership/coachassignment/",
        f"/admin/leadership/coachassignment/{engagement.pk}/change/",
        f"/admin/leadership/coachassignment/{engagement.pk}/history/",
        f"/admin/leadership/coachassignment/?q={SUMMARY.split()[0]}",
        f"/admin/leadership/coachassignment/?q={NOTE.split()[0]}",
        f"/admin/leadership/coachprofile/?q={NOTE.split()[0]}",
        f"/admin/leadership/coachprofile/?q={SUMMARY.split()[0]}",
    ]


def test_no_admin_page_shows_a_superuser_a_summary_or_a_private_note(
    engagement: CoachAssignment, client_for: Any, superuser: Any
) -> None:
    client = client_for(superuser)

    for url in _pages(engagement):
        response = client.get(url)

        assert response.status_code == 200, url
        # (The search box repeats its query, the first word: the rest must appear nowhere.)
        text = response.content.decode()
        assert SUMMARY.split(maxsplit=1)[1] not in text, url
        assert NOTE.split(maxsplit=1)[1] not in text, url


def test_searching_for_a_summary_or_a_note_finds_nothing(
    engagement: CoachAssignment, client_for: Any, superuser: Any
) -> None:
    client = client_for(superuser)

    for query in (SUMMARY, NOTE, "Zanzibar", "Quetzal"):
        for model in ("coachassignment", "coachprofile"):
            response = client.get(f"/admin/leadership/{model}/", {"q": query})

            assert response.status_code == 200
            assert list(response.context["cl"].result_list) == []
    # while a search by the coach's name does find the engagement (the search works at all)
    response = client.get("/admin/leadership/coachassignment/", {"q": "Cole"})
    assert [a.pk for a in response.context["cl"].result_list] == [engagement.pk]


def test_an_engagement_shows_its_sessions_dates_and_lengths_only(
    engagement: CoachAssignment, client_for: Any, superuser: Any
) -> None:
    response = client_for(superuser).get(
        f"/admin/leadership/coachassignment/{engagement.pk}/change/"
    )

    (inline,) = response.context["inline_admin_formsets"]
    assert inline.opts.model is CoachingSession
    assert list(inline.fields()) != []
    assert [field["name"] for field in inline.fields()] == ["happened_on", "duration_minutes"]
    text = response.content.decode()
    assert "45" in text
    assert "75" in text
    assert "Zanzibar" not in text


def test_private_notes_and_sessions_have_no_admin_page(client_for: Any, superuser: Any) -> None:
    assert CoachingNote not in admin.site._registry
    assert CoachingSession not in admin.site._registry
    client = client_for(superuser)
    assert client.get("/admin/leadership/coachingnote/").status_code == 404
    assert client.get("/admin/leadership/coachingsession/").status_code == 404


def _reaches_private(model: Any, name: Any) -> bool:
    """Whether a field name or lookup on `model` (`sessions__summary`) reaches a session's
    summary or a private note."""
    if not isinstance(name, str):
        return False  # a callable column: it is read in the test of the pages
    current = model
    for part in name.lstrip("^=@").split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if CoachingNote in (field.model, getattr(field, "related_model", None)):
            return True
        if field.model is CoachingSession and field.name == "summary":
            return True
        if not field.is_relation or field.related_model is None:
            return False
        current = field.related_model
    return False


def test_no_model_admin_reaches_a_summary_or_a_private_note(superuser: Any) -> None:
    request = RequestFactory().get("/admin/")
    request.user = superuser
    checked = 0
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *model_admin.get_inline_instances(request)]
        for each in admins:
            names: list[Any] = [
                *getattr(each, "search_fields", ()),
                *each.get_fields(request),
                *each.get_readonly_fields(request),
            ]
            if each is model_admin:
                names += each.get_list_display(request)
                names += [f if isinstance(f, str) else f[0] for f in each.get_list_filter(request)]  # type: ignore[index]
            assert not [n for n in names if _reaches_private(each.model, n)], (model, each)
            checked += 1
    # the coaching admins were among those checked
    assert CoachAssignment in admin.site._registry
    assert CoachProfile in admin.site._registry
    assert checked > 10


def test_the_helper_recognises_a_private_lookup() -> None:
    # the check above could not fail if this one did not
    assert _reaches_private(CoachingSession, "summary")
    assert _reaches_private(CoachAssignment, "sessions__summary")
    assert _reaches_private(CoachAssignment, "^sessions__private_note__text")
    assert _reaches_private(CoachingSession, "private_note")
    assert not _reaches_private(CoachAssignment, "coach__person__display_name")
    assert not _reaches_private(CoachingSession, "happened_on")


def test_coaches_and_engagements_cannot_be_changed_in_the_admin(
    engagement: CoachAssignment, client_for: Any, superuser: Any
) -> None:
    client = client_for(superuser)

    # when a superuser posts a change
    response = client.post(
        f"/admin/leadership/coachassignment/{engagement.pk}/change/",
        {"status": "completed", "goals": "Changed"},
    )
    profile_response = client.post(
        f"/admin/leadership/coachprofile/{engagement.coach_id}/change/",
        {"caseload_cap": 1},
    )
    add = client.get("/admin/leadership/coachassignment/add/")

    # then nothing changed
    assert response.status_code == 403
    assert profile_response.status_code == 403
    assert add.status_code == 403
    engagement.refresh_from_db()
    assert engagement.status == CoachAssignment.Status.ACTIVE
    assert engagement.goals != "Changed"
    profile = CoachProfile.objects.get(pk=engagement.coach_id)
    assert profile.caseload_cap == 3
    assert profile.open_count == 1


@pytest.mark.parametrize("name", ["outsider", "coach", "coordinator", "member"])
def test_people_who_are_not_staff_do_not_reach_the_coaching_admin(
    name: str, engagement: CoachAssignment, client_as: Any
) -> None:
    client: Client = client_as(name)

    response = client.get(f"/admin/leadership/coachassignment/{engagement.pk}/change/")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_engagement_list_makes_the_same_queries_whatever_its_length(
    engagement: CoachAssignment, client_for: Any, superuser: Any, community: Community
) -> None:
    client = client_for(superuser)
    client.get("/admin/leadership/coachassignment/")  # the session's first-visit writes

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/leadership/coachassignment/").status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        coach = CoachProfileFactory.create(person=PersonFactory.create())
        CoachAssignmentFactory.create(coach=coach, community=community)
        CoachAssignmentFactory.create(coach=coach, community=community, coachee=None)

    assert count() == one
