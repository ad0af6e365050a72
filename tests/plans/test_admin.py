"""The plans' admin pages render for a superuser; terms can be read there but not written."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from plans.models import LeadershipPlan, PathwayStep, SuccessorCandidate
from tests.factories import RoleFactory, TermFactory


@pytest.fixture
def term(community, member):
    role = RoleFactory.create(community=community, title="Treasurer")
    LeadershipPlan.objects.create(
        community=community, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )
    SuccessorCandidate.objects.create(
        role=role, person=member.person, readiness=SuccessorCandidate.Readiness.LATER
    )
    return TermFactory.create(role=role, person=member.person)


@pytest.mark.parametrize("model", ["leadershipplan", "role", "term", "successorcandidate"])
def test_every_plans_changelist_and_change_page_renders_for_a_superuser(
    client_for, superuser, term, model
):
    client = client_for(superuser)
    obj = {
        "leadershipplan": term.role.community.plans.get(),
        "role": term.role,
        "term": term,
        "successorcandidate": term.role.candidates.get(),
    }[model]

    listed = client.get(reverse(f"admin:plans_{model}_changelist"), {"q": "Testland"})
    shown = client.get(reverse(f"admin:plans_{model}_change", args=[obj.pk]))
    history = client.get(reverse(f"admin:plans_{model}_history", args=[obj.pk]))

    assert listed.status_code == shown.status_code == history.status_code == 200
    assert str(obj) in listed.text


def test_terms_cannot_be_added_or_changed_past_the_rules_in_the_admin(client_for, superuser, term):
    client = client_for(superuser)

    add = client.get(reverse("admin:plans_term_add"))
    change = client.post(
        reverse("admin:plans_term_change", args=[term.pk]), {"ends_on": "2040-01-01"}
    )

    term.refresh_from_db()
    assert add.status_code == 403
    assert change.status_code == 403
    assert term.ends_on == date(2026, 1, 1)


def test_a_role_cannot_lose_a_seat_someone_holds(client_for, superuser, term):
    # given: a second seat, held
    role = term.role
    role.seats = 2
    role.save()
    TermFactory.create(role=role, seat=2)

    # when: the admin's form asks for one seat
    role.seats = 1
    with pytest.raises(ValidationError, match="Terms are held in seats above 1"):
        role.full_clean()

    role.refresh_from_db()
    assert role.seats == 2


def test_a_roles_pathway_steps_show_in_its_admin_page(client_for, superuser, term):
    PathwayStep.objects.create(
        role=term.role, position=1, kind="shadowing", title="Shadow the chair for a quarter"
    )

    page = client_for(superuser).get(reverse("admin:plans_role_change", args=[term.role_id]))

    assert "Shadow the chair for a quarter" in page.text
