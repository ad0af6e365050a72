"""The plan pages for every named user: who sees what, who may write, and what each page costs."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.models import (
    LeadershipPlan,
    PathwayStep,
    Readiness,
    Role,
    RoleSkill,
    SuccessorCandidate,
    Term,
)
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    PersonFactory,
    RoleFactory,
    TermFactory,
)
from tests.pages import main_content

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)
EVERYONE = ["anonymous", "member", "organiser", "outsider", "coordinator", "superuser"]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-23 12:00Z", tick=False):
        yield


@pytest.fixture
def plan(community):
    return LeadershipPlan.objects.create(
        community=community,
        starts_on=date(2026, 1, 1),
        ends_on=date(2029, 1, 1),
        status=LeadershipPlan.Status.PUBLISHED,
        vision="Leaders who reflect Testland.",
    )


@pytest.fixture
def draft(community):
    return LeadershipPlan.objects.create(
        community=community, starts_on=date(2029, 1, 1), ends_on=date(2031, 1, 1)
    )


@pytest.fixture
def chair(community):
    """Two-year terms, two in a row, then a year off; a successor in view six months ahead."""
    return RoleFactory.create(
        community=community,
        title="Chair",
        term_months=24,
        max_consecutive_terms=2,
        cool_off_months=12,
        succession_lead_months=6,
    )


@pytest.fixture
def holder(community):
    person = PersonFactory.create(display_name="Hana Holder")
    MembershipFactory.create(person=person, community=community)
    return person


@pytest.fixture
def term(chair, holder):
    return TermFactory.create(
        role=chair, person=holder, starts_on=date(2025, 5, 23), ends_on=date(2027, 5, 23)
    )


def _status(client, url):
    response = client.get(url)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login"))
        return "login"
    return response.status_code


# Who sees which page

VIEW_EXPECTED = {
    "anonymous": "login",
    "member": 200,
    "organiser": 200,
    "outsider": 404,
    "coordinator": 200,
    "superuser": 200,
}
EDIT_EXPECTED = VIEW_EXPECTED | {"member": 403}


@pytest.mark.parametrize("name", EVERYONE)
def test_members_and_planners_see_the_plan_its_roles_timeline_and_log_and_outsiders_do_not(
    client_as, name, plan, term
):
    client = client_as(name)
    role = term.role
    for url in [
        plan.get_absolute_url(),
        reverse("plans:plan-timeline", kwargs={"pk": plan.pk}),
        reverse("plans:plan-history", kwargs={"pk": plan.pk}),
        role.get_absolute_url(),
    ]:
        assert _status(client, url) == VIEW_EXPECTED[name], url


@pytest.mark.parametrize("name", EVERYONE)
def test_only_organisers_and_coordinators_open_the_editing_pages(client_as, name, plan, term):
    client = client_as(name)
    slug = plan.community.slug
    for url in [
        reverse("plans:plan-edit", kwargs={"pk": plan.pk}),
        # the export names each holder by their login email
        reverse("plans:plan-export", kwargs={"pk": plan.pk}),
        reverse("plans:role-edit", kwargs={"pk": term.role_id}),
        reverse("plans:role-succession", kwargs={"pk": term.role_id}),
        reverse("plans:term-create", kwargs={"pk": term.role_id}),
        reverse("plans:term-edit", kwargs={"pk": term.pk}),
        reverse("plans:term-end", kwargs={"pk": term.pk}),
    ]:
        assert _status(client, url) == EDIT_EXPECTED[name], url
    community_pages = {"anonymous": "login", "member": 403, "outsider": 403}
    for url in [
        reverse("plans:plan-create", kwargs={"slug": slug}),
        reverse("plans:role-create", kwargs={"slug": slug}),
        reverse("plans:roles-import", kwargs={"slug": slug}),
    ]:
        assert _status(client, url) == community_pages.get(name, 200), url


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("anonymous", "login"),
        ("member", 200),
        ("organiser", 200),
        ("outsider", 403),
        ("coordinator", 200),
        ("superuser", 200),
    ],
)
def test_the_community_plans_page_is_for_its_members_and_coordinators(
    client_as, community, name, expected
):
    url = reverse("plans:community-plans", kwargs={"slug": community.slug})
    assert _status(client_as(name), url) == expected


@pytest.mark.parametrize(
    ("name", "sees_it"),
    [("member", False), ("outsider", False), ("organiser", True), ("coordinator", True)],
)
def test_a_draft_is_seen_only_by_those_who_may_edit_it(client_as, draft, name, sees_it):
    response = client_as(name).get(draft.get_absolute_url())

    assert response.status_code == (200 if sees_it else 404)
    listing = client_as(name).get(
        reverse("plans:community-plans", kwargs={"slug": draft.community.slug})
    )
    assert (draft.get_absolute_url() in listing.text) is sees_it


# Plans


def _plan_post(**changes):
    data = {
        "starts_on": "2027-01-01",
        "ends_on": "2029-01-01",
        "vision": "A board that changes hands.",
        "goals": "",
        "diversity_goals": "Half the board from outside the capital.",
        "resources_needed": "",
        "leader_support": "",
        "review_on": "",
    }
    return data | changes


def test_an_organiser_starts_a_draft_plan_and_publishes_it_archiving_the_previous_one(
    client_for, organiser, community, plan
):
    client = client_for(organiser)

    response = client.post(
        reverse("plans:plan-create", kwargs={"slug": community.slug}), _plan_post()
    )

    new = LeadershipPlan.objects.exclude(pk=plan.pk).get()
    assert response.status_code == 302
    assert new.status == LeadershipPlan.Status.DRAFT
    client.post(reverse("plans:plan-status", kwargs={"pk": new.pk}), {"action": "publish"})
    new.refresh_from_db()
    plan.refresh_from_db()
    assert new.status == LeadershipPlan.Status.PUBLISHED
    assert plan.status == LeadershipPlan.Status.ARCHIVED
    log = client.get(reverse("plans:plan-history", kwargs={"pk": new.pk}))
    assert "by Olga Organiser" in log.text
    assert "draft" in log.text
    assert "published" in log.text


def test_a_plan_whose_period_ends_before_it_starts_is_refused_and_nothing_is_saved(
    client_for, organiser, plan
):
    response = client_for(organiser).post(
        reverse("plans:plan-edit", kwargs={"pk": plan.pk}),
        _plan_post(starts_on="2030-01-01", ends_on="2029-01-01"),
    )

    assert response.status_code == 200
    assert "The period must end after it starts." in response.text
    plan.refresh_from_db()
    assert plan.starts_on == date(2026, 1, 1)


@pytest.mark.parametrize("name", ["member", "outsider"])
def test_a_refused_plan_edit_changes_nothing(client_as, name, plan):
    before = plan.history.count()

    response = client_as(name).post(
        reverse("plans:plan-edit", kwargs={"pk": plan.pk}), _plan_post(vision="Mine now")
    )

    assert response.status_code in (403, 404)
    plan.refresh_from_db()
    assert plan.vision == "Leaders who reflect Testland."
    assert plan.history.count() == before
    client_as(name).post(
        reverse("plans:plan-status", kwargs={"pk": plan.pk}), {"action": "archive"}
    )
    plan.refresh_from_db()
    assert plan.status == LeadershipPlan.Status.PUBLISHED


def test_an_archived_plan_is_kept_as_it_was(client_for, organiser, plan):
    client = client_for(organiser)
    client.post(reverse("plans:plan-status", kwargs={"pk": plan.pk}), {"action": "archive"})

    response = client.post(
        reverse("plans:plan-edit", kwargs={"pk": plan.pk}), _plan_post(vision="Rewritten")
    )

    assert "An archived plan is kept as it was" in response.text
    plan.refresh_from_db()
    assert plan.vision == "Leaders who reflect Testland."


def test_the_plan_page_shows_its_sections_and_who_holds_each_seat(client_for, member, plan, term):
    response = client_for(member).get(plan.get_absolute_url())

    text = main_content(response)
    assert "Leaders who reflect Testland." in text
    assert "Hana Holder" in text
    assert "At most 2 terms in a row, then 12 months off" in text
    assert "ending soon" in text  # six months before 23 May 2027


# Roles


def _role_post(**changes):
    data = {
        "title": "Treasurer",
        "description": "",
        "responsibilities": "Keeps the accounts.",
        "seats": "1",
        "filled_by": "elected",
        "term_months": "24",
        "max_consecutive_terms": "2",
        "cool_off_months": "12",
        "max_total_years": "",
        "is_leadership": "on",
        "succession_lead_months": "3",
    }
    return data | changes


def test_an_organiser_adds_a_role_with_its_rules(client_for, organiser, community):
    response = client_for(organiser).post(
        reverse("plans:role-create", kwargs={"slug": community.slug}), _role_post()
    )

    role = Role.objects.get(community=community)
    assert response.status_code == 302
    assert (role.title, role.term_months, role.max_consecutive_terms) == ("Treasurer", 24, 2)


def test_a_role_title_the_community_already_uses_is_refused(client_for, organiser, chair):
    response = client_for(organiser).post(
        reverse("plans:role-create", kwargs={"slug": chair.community.slug}),
        _role_post(title="chair"),
    )

    assert "This community already has a role with this title." in response.text
    assert Role.objects.count() == 1


def test_a_role_cannot_drop_a_seat_someone_holds(client_for, organiser, community, holder):
    board = RoleFactory.create(community=community, title="Board", seats=3)
    TermFactory.create(role=board, seat=3, person=holder)

    response = client_for(organiser).post(
        reverse("plans:role-edit", kwargs={"pk": board.pk}), _role_post(title="Board", seats="2")
    )

    assert "Terms are held in seats above 2" in response.text
    board.refresh_from_db()
    assert board.seats == 3


# Terms: the rules, said where the organiser is


def test_a_third_consecutive_term_is_refused_with_the_date_the_person_is_eligible_again(
    client_for, organiser, chair, holder
):
    TermFactory.create(
        role=chair, person=holder, starts_on=date(2023, 1, 1), ends_on=date(2025, 1, 1)
    )
    TermFactory.create(
        role=chair, person=holder, starts_on=date(2025, 1, 1), ends_on=date(2027, 1, 1)
    )

    response = client_for(organiser).post(
        reverse("plans:term-create", kwargs={"pk": chair.pk}),
        {"person": holder.pk, "seat": "", "starts_on": "2027-01-01", "ends_on": "2029-01-01"},
    )

    assert response.status_code == 200
    assert "term number 3 in a row as Chair" in response.text
    assert "eligible again from Jan. 1, 2028" in response.text
    assert Term.objects.count() == 2


def test_an_organiser_gives_a_member_a_term(client_for, organiser, chair, holder):
    response = client_for(organiser).post(
        reverse("plans:term-create", kwargs={"pk": chair.pk}),
        {"person": holder.pk, "seat": "1", "starts_on": "2027-01-01", "ends_on": "2029-01-01"},
    )

    assert response.status_code == 302
    assert Term.objects.get().person == holder


def test_someone_outside_the_community_cannot_be_given_a_term(
    client_for, organiser, chair, outsider
):
    response = client_for(organiser).post(
        reverse("plans:term-create", kwargs={"pk": chair.pk}),
        {"person": outsider.person.pk, "starts_on": "2027-01-01", "ends_on": "2029-01-01"},
    )

    assert "Select a valid choice" in response.text
    assert not Term.objects.exists()


def test_the_member_list_of_the_term_form_is_narrowed_by_a_search(
    client_for, organiser, chair, holder
):
    response = client_for(organiser).get(
        reverse("plans:term-create", kwargs={"pk": chair.pk}) + "?q=hana"
    )

    choices = [label for _value, label in response.context["form"].fields["person"].choices]
    assert choices == ["---------", "Hana Holder"]


def test_ending_a_term_early_frees_the_seat_and_changes_the_timeline(
    client_for, organiser, plan, term
):
    client = client_for(organiser)
    timeline = reverse("plans:plan-timeline", kwargs={"pk": plan.pk})
    assert 'data-status="ending_soon"' in client.get(timeline).text

    response = client.post(
        reverse("plans:term-end", kwargs={"pk": term.pk}), {"ended_on": "2026-11-23"}
    )

    assert response.status_code == 302
    term.refresh_from_db()
    assert term.ended_on == TODAY
    after = client.get(timeline).text
    assert 'data-status="ended"' in after
    assert 'data-status="ending_soon"' not in after


def test_a_term_cannot_be_ended_after_its_end(client_for, organiser, term):
    response = client_for(organiser).post(
        reverse("plans:term-end", kwargs={"pk": term.pk}), {"ended_on": "2028-01-01"}
    )

    assert "A term can end early only between its start" in response.text
    term.refresh_from_db()
    assert term.ended_on is None


def test_extending_a_term_past_the_term_length_is_refused(client_for, organiser, term):
    response = client_for(organiser).post(
        reverse("plans:term-edit", kwargs={"pk": term.pk}),
        {"starts_on": "2025-05-23", "ends_on": "2027-12-01"},
    )

    assert "lasts at most 24 months" in response.text
    term.refresh_from_db()
    assert term.ends_on == date(2027, 5, 23)


def test_a_holdover_term_can_be_extended(client_for, organiser, chair, holder):
    late = TermFactory.create(
        role=chair, person=holder, starts_on=date(2025, 1, 1), ends_on=date(2026, 6, 1)
    )

    response = client_for(organiser).post(
        reverse("plans:term-edit", kwargs={"pk": late.pk}),
        {"starts_on": "2025-01-01", "ends_on": "2026-12-01"},
    )

    assert response.status_code == 302
    late.refresh_from_db()
    assert late.ends_on == date(2026, 12, 1)


@pytest.mark.parametrize("name", ["member", "outsider"])
def test_a_refused_term_change_changes_nothing(client_as, name, term):
    client = client_as(name)
    client.post(reverse("plans:term-end", kwargs={"pk": term.pk}), {"ended_on": "2026-11-23"})
    client.post(
        reverse("plans:term-edit", kwargs={"pk": term.pk}),
        {"starts_on": "2025-06-01", "ends_on": "2027-01-01"},
    )
    client.post(
        reverse("plans:term-create", kwargs={"pk": term.role_id}),
        {"person": term.person_id, "starts_on": "2027-06-01", "ends_on": "2029-06-01"},
    )

    term.refresh_from_db()
    assert (term.ends_on, term.ended_on) == (date(2027, 5, 23), None)
    assert Term.objects.count() == 1


# Succession


def test_an_organiser_sets_the_pathway_and_names_a_successor(client_for, organiser, chair, holder):
    client = client_for(organiser)
    url = reverse("plans:role-succession", kwargs={"pk": chair.pk})
    steps = {
        "steps": "1",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-0-kind": "training",
        "steps-0-title": "Governance basics",
        "steps-0-ORDER": "2",
        "steps-1-kind": "shadowing",
        "steps-1-title": "Shadow the chair for a quarter",
        "steps-1-ORDER": "1",
        "steps-2-kind": "resource",
        "steps-2-title": "",
    }

    client.post(url, steps)
    client.post(url, {"candidate": "1", "person": holder.pk, "readiness": Readiness.READY_NOW})

    assert [s.title for s in PathwayStep.objects.order_by("position")] == [
        "Shadow the chair for a quarter",
        "Governance basics",
    ]
    candidate = SuccessorCandidate.objects.get()
    assert (candidate.person, candidate.readiness) == (holder, Readiness.READY_NOW)
    page = client_for(organiser).get(chair.get_absolute_url())
    assert "Shadow the chair for a quarter" in page.text
    assert "ready now" in page.text


def test_naming_the_same_successor_twice_is_refused(client_for, organiser, chair, holder):
    SuccessorCandidate.objects.create(role=chair, person=holder, readiness=Readiness.LATER)

    response = client_for(organiser).post(
        reverse("plans:role-succession", kwargs={"pk": chair.pk}),
        {"candidate": "1", "person": holder.pk, "readiness": Readiness.READY_NOW},
        follow=True,
    )

    assert "Hana Holder is already named for Chair." in response.text
    assert SuccessorCandidate.objects.get().readiness == Readiness.LATER


def test_a_candidates_readiness_is_changed_and_then_they_are_removed(
    client_for, organiser, chair, holder
):
    candidate = SuccessorCandidate.objects.create(
        role=chair, person=holder, readiness=Readiness.LATER
    )
    client = client_for(organiser)
    url = reverse("plans:candidate-change", kwargs={"pk": candidate.pk})

    client.post(url, {"action": "update", "readiness": Readiness.WITHIN_A_YEAR, "notes": "Keen"})
    candidate.refresh_from_db()
    assert (candidate.readiness, candidate.notes) == (Readiness.WITHIN_A_YEAR, "Keen")
    client.post(url, {"action": "remove"})
    assert not SuccessorCandidate.objects.exists()


@pytest.mark.parametrize("name", ["member", "outsider"])
def test_a_refused_succession_change_changes_nothing(client_as, name, chair, holder):
    candidate = SuccessorCandidate.objects.create(
        role=chair, person=holder, readiness=Readiness.LATER
    )

    response = client_as(name).post(
        reverse("plans:candidate-change", kwargs={"pk": candidate.pk}), {"action": "remove"}
    )

    assert response.status_code in (403, 404)
    assert SuccessorCandidate.objects.filter(pk=candidate.pk).exists()


# Import and export


def test_the_import_page_refuses_a_file_with_a_bad_row_and_lists_it(
    client_for, organiser, community, holder
):
    email = holder.user.email
    content = (
        "role,term_months,person_email,starts_on,ends_on\n"
        f"Secretary,24,{email},2024-01-01,2026-01-01\n"
        f"Secretary,24,{email},2026-01-01,2030-01-01\n"
    ).encode()

    response = client_for(organiser).post(
        reverse("plans:roles-import", kwargs={"slug": community.slug}),
        {"file": SimpleUploadedFile("roles.csv", content, content_type="text/csv")},
    )

    assert response.status_code == 200
    assert "Nothing was imported" in response.text
    assert "Line 3" in response.text
    assert not Role.objects.exists()


def test_the_export_is_a_csv_download_of_the_plans_roles_and_terms(
    client_for, organiser, plan, term
):
    response = client_for(organiser).get(reverse("plans:plan-export", kwargs={"pk": plan.pk}))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")  # with a BOM, Excel reads it as UTF-8
    assert body.splitlines()[0].startswith("role,")
    assert "Chair" in body
    assert term.person.user.email in body


# Seats at risk across communities


def test_a_coordinator_sees_seats_at_risk_in_every_community_and_an_organiser_only_theirs(
    client_for, coordinator, organiser, chair, other_community
):
    RoleFactory.create(community=other_community, title="Otherland chair")
    url = reverse("plans:at-risk")

    everywhere = main_content(client_for(coordinator).get(url))
    mine = main_content(client_for(organiser).get(url))

    assert "Chair" in everywhere
    assert "Otherland chair" in everywhere
    assert "Chair" in mine
    assert "Otherland chair" not in mine


# What each page costs


def _roles_with_history(community, count):
    for n in range(count):
        # Each ends within its lead time with nobody ready: every seat is at risk.
        role = RoleFactory.create(community=community, title=f"Role {n:02d}")
        person = PersonFactory.create()
        TermFactory.create(
            role=role, person=person, starts_on=date(2025, 1, 1), ends_on=date(2027, 1, 1)
        )
        SuccessorCandidate.objects.create(role=role, person=person, readiness=Readiness.LATER)


def _warm(client):
    assert client.get(reverse("leadership:community-list")).status_code == 200
    return client


@pytest.mark.parametrize("roles", [5, 50])
def test_the_plan_pages_cost_the_same_with_5_or_50_roles(
    client_for, organiser, coordinator, plan, roles, django_assert_num_queries
):
    _roles_with_history(plan.community, roles)
    client = _warm(client_for(organiser))
    slug = plan.community.slug

    # 1 session, 2 user, 3 the plan with its community and the viewer's role there,
    # 4 roles, 5 terms with their holders, 6 skills the roles need, 7 the viewer's person (menu)
    with django_assert_num_queries(7):
        assert client.get(plan.get_absolute_url()).status_code == 200
    with django_assert_num_queries(7):
        assert client.get(reverse("plans:plan-timeline", kwargs={"pk": plan.pk})).status_code == 200
    # 1 session, 2 user, 3 the community with the viewer's role, 4 plans, 5-7 roles, terms and
    # skills, 8-10 seats at risk (roles, terms, ready candidates), 11 the viewer's person
    with django_assert_num_queries(11):
        response = client.get(reverse("plans:community-plans", kwargs={"slug": slug}))
    assert len(response.context["roles"]) == roles
    # 1 session, 2 user, 3 coordinator check, 4 the page of seats, 5 their roles and
    # communities, 6 their terms and holders, 7 the viewer's person
    coordinator_client = _warm(client_for(coordinator))
    with django_assert_num_queries(7):
        response = coordinator_client.get(reverse("plans:at-risk"))
    assert len(response.context["page"].items) == min(roles, 50)


@pytest.mark.parametrize("name", ["anonymous", "member", "outsider"])
def test_a_refused_plan_role_or_import_post_creates_nothing(client_as, name, community, holder):
    client = client_as(name)
    slug = community.slug
    content = (
        "role,term_months,person_email,starts_on,ends_on\n"
        f"X,12,{holder.user.email},2026-01-01,2027-01-01\n"
    )

    client.post(reverse("plans:plan-create", kwargs={"slug": slug}), _plan_post())
    client.post(reverse("plans:role-create", kwargs={"slug": slug}), _role_post())
    client.post(
        reverse("plans:roles-import", kwargs={"slug": slug}),
        {"file": SimpleUploadedFile("r.csv", content.encode(), content_type="text/csv")},
    )

    assert not LeadershipPlan.objects.exists()
    assert not Role.objects.exists()
    assert not Term.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in_from_the_seats_at_risk(client):
    assert _status(client, reverse("plans:at-risk")) == "login"


def test_a_good_file_is_imported_from_the_import_page(client_for, organiser, community, holder):
    content = (
        "role,term_months,max_consecutive_terms,person_email,starts_on,ends_on\n"
        f"Secretary,12,2,{holder.user.email},2025-01-01,2026-01-01\n"
        f"Secretary,12,2,{holder.user.email},2026-01-01,2027-01-01\n"
    )

    response = client_for(organiser).post(
        reverse("plans:roles-import", kwargs={"slug": community.slug}),
        {"file": SimpleUploadedFile("r.csv", content.encode(), content_type="text/csv")},
        follow=True,
    )

    assert "Imported 1 new role and 2 terms." in response.text
    assert Term.objects.filter(role__title="Secretary").count() == 2


def test_a_holdover_from_before_the_plan_shows_on_the_timeline_until_today(
    client_for, member, plan, chair, holder
):
    TermFactory.create(
        role=chair, person=holder, starts_on=date(2023, 6, 1), ends_on=date(2025, 6, 1)
    )

    response = client_for(member).get(reverse("plans:plan-timeline", kwargs={"pk": plan.pk}))

    assert 'data-status="holdover"' in response.text


def test_removing_a_pathway_step_keeps_the_others_rows_and_deletes_only_it(
    client_for, organiser, chair
):
    a, b, c = (
        PathwayStep.objects.create(role=chair, position=n, kind="training", title=title)
        for n, title in enumerate("ABC", start=1)
    )
    client = client_for(organiser)
    url = reverse("plans:role-succession", kwargs={"pk": chair.pk})
    formset = client.get(url).context["formset"]
    data = {"steps": "1", "steps-TOTAL_FORMS": "4", "steps-INITIAL_FORMS": "3"}
    for i, form in enumerate(formset.forms[:3]):
        for name, value in form.initial.items():
            data[f"steps-{i}-{name}"] = value
    data["steps-0-DELETE"] = "on"

    client.post(url, data)

    assert [(s.pk, s.title, s.position) for s in PathwayStep.objects.order_by("position")] == [
        (b.pk, "B", 1),
        (c.pk, "C", 2),
    ]
    assert not PathwayStep.objects.filter(pk=a.pk).exists()


def test_editing_a_role_keeps_each_skills_own_level(client_for, organiser, chair):
    from leadership.models import Skill

    governance, finance = Skill.objects.order_by("name")[:2]
    RoleSkill.objects.create(role=chair, skill=governance, min_level=1)
    RoleSkill.objects.create(role=chair, skill=finance, min_level=4)
    client = client_for(organiser)
    url = reverse("plans:role-edit", kwargs={"pk": chair.pk})
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}
    data["title"] = "Chairperson"

    response = client.post(url, data)

    assert response.status_code == 302
    levels = dict(RoleSkill.objects.filter(role=chair).values_list("skill_id", "min_level"))
    assert levels == {governance.pk: 1, finance.pk: 4}
    chair.refresh_from_db()
    assert chair.title == "Chairperson"


def test_a_holdover_who_stepped_down_leaves_the_seat_vacant(client_for, organiser, chair, holder):
    late = TermFactory.create(
        role=chair, person=holder, starts_on=date(2024, 6, 1), ends_on=date(2026, 6, 1)
    )
    client = client_for(organiser)
    assert (
        "Record when Hana Holder stepped down"
        in client.get(reverse("plans:term-end", kwargs={"pk": late.pk})).text
    )

    response = client.post(
        reverse("plans:term-end", kwargs={"pk": late.pk}), {"ended_on": "2026-10-01"}
    )

    assert response.status_code == 302
    late.refresh_from_db()
    assert late.ended_on == date(2026, 10, 1)
    [seat] = client.get(chair.get_absolute_url()).context["row"].seats
    assert seat.status == Term.Status.ENDED


def test_a_holdovers_stepping_down_is_not_recorded_ahead_or_past_a_successor(
    client_for, organiser, chair, holder
):
    late = TermFactory.create(
        role=chair, person=holder, starts_on=date(2024, 6, 1), ends_on=date(2026, 6, 1)
    )
    TermFactory.create(role=chair, starts_on=date(2026, 9, 1), ends_on=date(2028, 9, 1))
    url = reverse("plans:term-end", kwargs={"pk": late.pk})
    client = client_for(organiser)

    ahead = client.post(url, {"ended_on": "2026-12-01"})
    past = client.post(url, {"ended_on": "2026-10-01"})

    assert "record the day they step down once it has come" in ahead.text
    assert "cannot have stayed on past that day" in past.text
    late.refresh_from_db()
    assert late.ended_on is None


def test_a_candidates_notes_are_for_those_who_plan_not_for_members(
    client_for, organiser, member, chair, holder
):
    SuccessorCandidate.objects.create(
        role=chair, person=holder, readiness=Readiness.LATER, notes="Not ready to chair yet"
    )

    assert "Not ready to chair yet" in client_for(organiser).get(chair.get_absolute_url()).text
    assert "Not ready to chair yet" not in client_for(member).get(chair.get_absolute_url()).text


def test_a_readiness_that_does_not_exist_changes_nothing(client_for, organiser, chair, holder):
    candidate = SuccessorCandidate.objects.create(
        role=chair, person=holder, readiness=Readiness.LATER, notes="Keen"
    )

    response = client_for(organiser).post(
        reverse("plans:candidate-change", kwargs={"pk": candidate.pk}),
        {"action": "update", "readiness": "tomorrow", "notes": "x" * 3000},
        follow=True,
    )

    assert "Nothing was changed" in response.text
    candidate.refresh_from_db()
    assert (candidate.readiness, candidate.notes) == (Readiness.LATER, "Keen")


@pytest.mark.parametrize(
    ("zone", "status"),
    [("Asia/Tokyo", Term.Status.HOLDOVER), ("America/Los_Angeles", Term.Status.ENDING_SOON)],
)
def test_a_terms_status_follows_its_communitys_own_date(client_for, coordinator, zone, status):
    community = CommunityFactory.create(time_zone=ZoneInfo(zone))
    role = RoleFactory.create(community=community, title="Chair", succession_lead_months=6)
    TermFactory.create(role=role, starts_on=date(2024, 11, 24), ends_on=date(2026, 11, 24))

    # 16:00 UTC on the 23rd: already the 24th in Tokyo, still the 23rd in Los Angeles
    with time_machine.travel("2026-11-23 16:00Z", tick=False):
        response = client_for(coordinator).get(role.get_absolute_url())

    [seat] = response.context["row"].seats
    assert seat.status == status
