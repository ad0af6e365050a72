"""The plan's change log: who changed what, in words, a page at a time."""

from datetime import date

import pytest
from django.urls import reverse

from plans import services
from plans.history import PAGE_SIZE, plan_changes
from plans.models import LeadershipPlan, Readiness, SuccessorCandidate
from tests.factories import PersonFactory, RoleFactory, UserFactory
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(community):
    return LeadershipPlan.objects.create(
        community=community, starts_on=date(2026, 1, 1), ends_on=date(2029, 1, 1)
    )


def test_people_are_named_and_a_save_that_changed_nothing_is_left_out(community, plan):
    role = RoleFactory.create(community=community, title="Chair")
    person = PersonFactory.create(display_name="Hana Holder")
    candidate = SuccessorCandidate.objects.create(
        role=role, person=person, readiness=Readiness.LATER
    )
    candidate.save()  # no change

    changes = plan_changes(plan=plan).items

    assert [c.subject for c in changes] == ["Candidate for Chair", "Role Chair", "The plan"]
    fields = {f.field: f.new for f in changes[0].fields}
    assert fields["person"] == "Hana Holder"
    assert fields["readiness"] == "ready later"


def test_a_long_log_is_read_a_page_at_a_time_with_nothing_lost_or_repeated(community, plan):
    for n in range(PAGE_SIZE + 10):
        services.plan_update(plan=plan, data={"vision": f"Vision {n}"})

    first = plan_changes(plan=plan)
    second = plan_changes(plan=plan, before=first.older)

    assert len(first.items) == PAGE_SIZE
    assert second.older is None
    visions = [f.new for page in (first, second) for c in page.items for f in c.fields]
    expected = [f"Vision {n}" for n in reversed(range(PAGE_SIZE + 10))] + [
        "2026-01-01",
        "2029-01-01",
        "draft",
    ]
    assert visions == expected


def test_the_log_names_who_made_a_change_and_never_an_accounts_email(
    client_for, organiser, member, plan
):
    admin = UserFactory.create(email="root@example.org", is_staff=True, is_superuser=True)
    client_for(organiser).post(
        reverse("plans:plan-status", kwargs={"pk": plan.pk}), {"action": "publish"}
    )
    plan.refresh_from_db()
    plan._history_user = admin  # as the admin would, with no profile
    plan.vision = "From the admin"
    plan.save()

    page = main_content(
        client_for(member).get(reverse("plans:plan-history", kwargs={"pk": plan.pk}))
    )

    assert "by Olga Organiser" in page
    assert "by an administrator" in page
    assert "root@example.org" not in page


def test_a_cursor_that_is_not_a_time_starts_from_the_newest(client_for, organiser, plan):
    url = reverse("plans:plan-history", kwargs={"pk": plan.pk})

    for junk in ("yesterday", "2026-13-45T99:00:00Z", "2026-01-01T00:00:00"):
        response = client_for(organiser).get(url, {"before": junk})
        assert response.status_code == 200
        assert "The plan" in main_content(response)
