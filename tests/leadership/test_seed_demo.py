"""seed_demo: same seed, same data; nothing added on a second run; working demo logins."""

from io import StringIO
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from leadership.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD, SCALES
from leadership.models import CoachAssignment, Community, Language, Membership, Person, Skill
from mentoring.demo_data import COMPANIONS
from mentoring.models import MentoringProgramme, Proposal
from plans.models import LeadershipPlan, Role, SuccessorCandidate, Term
from training.models import Enrolment, Resource, TrainingProgramme

pytestmark = pytest.mark.django_db

DEMO_CHAPTER = "wikimedia-demo-chapter"


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--scale", "small", *args, stdout=out)
    return out.getvalue()


def demo_email(key: str) -> str:
    return next(email for k, email, *_rest in DEMO_ACCOUNTS if k == key)


def dump() -> dict[str, Any]:
    """Everything seed_demo writes, by natural key (primary keys differ between databases)."""
    communities = {
        c.slug: (
            c.name,
            c.kind,
            c.region,
            str(c.time_zone),
            c.description,
            sorted(language.code for language in c.languages.all()),
        )
        for c in Community.objects.prefetch_related("languages")
    }
    people = {
        p.user.username: (
            p.display_name,
            p.wiki_username,
            p.pronouns,
            str(p.time_zone),
            p.bio,
            (p.open_to_being_mentored, p.open_to_mentoring, p.open_to_coaching),
            sorted((pl.language_id, pl.proficiency) for pl in p.person_languages.all()),
            sorted((ps.skill.slug, ps.level) for ps in p.person_skills.all()),
        )
        for p in Person.objects.select_related("user").prefetch_related(
            "person_languages", "person_skills__skill"
        )
    }
    users = {
        u.username: (
            u.email,
            u.is_active,
            u.is_staff,
            u.is_superuser,
            u.has_usable_password(),
            sorted(group.name for group in u.groups.all()),
        )
        for u in get_user_model().objects.prefetch_related("groups")
    }
    memberships = sorted(
        (m.person.user.username, m.community.slug, m.role, m.joined_on)
        for m in Membership.objects.select_related("person__user", "community")
    )
    emails = sorted(EmailAddress.objects.values_list("email", "verified", "primary"))
    plans = sorted(
        LeadershipPlan.objects.values_list("community__slug", "starts_on", "ends_on", "status")
    )
    roles = sorted(
        Role.objects.values_list(
            "community__slug", "title", "seats", "term_months", "max_consecutive_terms"
        )
    )
    terms = sorted(
        Term.objects.values_list(
            "role__community__slug",
            "role__title",
            "seat",
            "person__user__username",
            "starts_on",
            "ends_on",
            "ended_on",
        ),
        key=str,
    )
    candidates = sorted(
        SuccessorCandidate.objects.values_list(
            "role__community__slug", "role__title", "person__user__username", "readiness"
        )
    )
    proposals = sorted(
        Proposal.objects.values_list(
            "programme__title",
            "offer__person__user__username",
            "application__person__user__username",
            "status",
            "pinned",
        )
    )
    enrolments = sorted(
        Enrolment.objects.values_list(
            "session__stage__programme__title",
            "session__starts_at",
            "person__user__username",
            "status",
            "attended",
        ),
        key=str,
    )
    return {
        "enrolments": enrolments,
        "proposals": proposals,
        "candidates": candidates,
        "plans": plans,
        "roles": roles,
        "terms": terms,
        "communities": communities,
        "people": people,
        "users": users,
        "memberships": memberships,
        "emails": emails,
    }


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def wipe_seeded_rows() -> None:
    """Back to a migrated database: reference data stays, seeded rows go (by cascade)."""
    # Engagements protect their people and communities: closed first, as an admin would.
    CoachAssignment.objects.all().delete()
    TrainingProgramme.objects.all().delete()
    Resource.objects.all().delete()
    Community.objects.all().delete()
    MentoringProgramme.objects.all().delete()
    get_user_model().objects.all().delete()


def test_seeding_with_the_same_seed_twice_gives_the_same_data():
    # given
    seed("--quiet-logins")
    first = dump()
    wipe_seeded_rows()
    assert Person.objects.count() == 0

    # when
    seed("--quiet-logins")

    # then
    assert dump() == first
    small = SCALES["small"]
    assert len(first["communities"]) == small.communities
    # The generated people, the demo accounts, and the demo mentor's two mentees.
    assert len(first["people"]) == small.people + len(DEMO_ACCOUNTS) + len(COMPANIONS)


def test_a_second_run_adds_no_row_and_changes_nothing():
    # given
    seed("--quiet-logins")
    counts, data = row_counts(), dump()

    # when
    seed("--quiet-logins")

    # then
    assert row_counts() == counts
    assert dump() == data


def test_a_different_seed_gives_different_people():
    # given
    seed("--quiet-logins")
    default_seed = dump()
    wipe_seeded_rows()

    # when
    seed("--quiet-logins", "--seed", "7")

    # then: the same accounts at the same scale, but other people in them
    other_seed = dump()
    assert other_seed["people"].keys() == default_seed["people"].keys()
    generated = [u for u in default_seed["people"] if u.startswith("person")]
    differing = [u for u in generated if default_seed["people"][u] != other_seed["people"][u]]
    assert len(differing) > len(generated) // 2
    # The demo accounts are the same whatever the seed.
    for _key, email, *_rest in DEMO_ACCOUNTS:
        assert other_seed["people"][email] == default_seed["people"][email]


def test_the_four_demo_accounts_have_their_roles():
    # when
    seed("--quiet-logins")

    # then
    users = {u.email: u for u in get_user_model().objects.filter(email__endswith="@example.org")}
    organiser, member = users[demo_email("organiser")], users[demo_email("member")]
    coordinator, admin = users[demo_email("coordinator")], users[demo_email("admin")]
    assert Membership.objects.get(person__user=organiser, community__slug=DEMO_CHAPTER).role == (
        Membership.Role.ORGANISER
    )
    assert Membership.objects.get(person__user=member, community__slug=DEMO_CHAPTER).role == (
        Membership.Role.MEMBER
    )
    assert list(coordinator.groups.values_list("name", flat=True)) == [
        settings.PATHWAYS_COORDINATORS_GROUP
    ]
    assert admin.is_staff
    assert admin.is_superuser
    for user in (organiser, member, coordinator):
        assert not user.is_staff
        assert not user.is_superuser
    assert not organiser.groups.exists()
    # allauth makes people verify their address before logging in.
    for user in (organiser, member, coordinator, admin):
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()


def test_the_demo_passwords_work_and_generated_people_cannot_log_in():
    # when
    seed("--quiet-logins")

    # then
    for _key, email, *_rest in DEMO_ACCOUNTS:
        user = get_user_model().objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        assert not user.check_password("not-" + DEMO_PASSWORD)
    generated = get_user_model().objects.filter(username__startswith="person")
    assert generated.count() == SCALES["small"].people
    assert not any(user.has_usable_password() for user in generated)


def test_the_logins_are_printed_unless_asked_not_to():
    printed = seed()
    quiet = seed("--quiet-logins")

    for _key, email, *_rest in DEMO_ACCOUNTS:
        assert email in printed
    assert printed.count(f"password: {DEMO_PASSWORD}") == len(DEMO_ACCOUNTS)
    assert quiet == ""


@pytest.mark.parametrize("reference", [Language, Skill])
def test_seeding_without_reference_data_stops_with_a_command_error(reference):
    # given: a database whose reference-data migration did not run
    reference.objects.all().delete()

    # when / then
    with pytest.raises(CommandError, match="Reference data is missing"):
        seed("--quiet-logins")
    assert not Community.objects.exists()
    assert not Person.objects.exists()
