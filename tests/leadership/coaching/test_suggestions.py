"""Which coaches fit an engagement: ranking, exclusions, explanations, and a fixed query count."""

from datetime import date
from typing import Any

import pytest

from leadership.coaching.models import CoachAssignment, CoachProfile, CoachRegion
from leadership.coaching.services import EngagementPlan
from leadership.coaching.suggestions import Suggestion, coach_suggestions
from leadership.models import Community, Language, Membership, Person, Skill
from tests.factories import (
    CoachAssignmentFactory,
    CoachProfileFactory,
    CommunityFactory,
    LanguageFactory,
    MembershipFactory,
    PersonFactory,
    PersonLanguageFactory,
    RoleFactory,
    SkillFactory,
    TermFactory,
)

TODAY = date(2026, 12, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish() -> Language:
    return LanguageFactory.create(code="es", name="Spanish")


@pytest.fixture
def french() -> Language:
    return LanguageFactory.create(code="fr", name="French")


@pytest.fixture
def leader(member: Any, spanish: Language) -> Person:
    """Mo Member of Wikimedia Testland, in UTC, who speaks Spanish."""
    person: Person = member.person
    PersonLanguageFactory.create(person=person, language=spanish)
    return person


def _coach(
    name: str,
    *,
    languages: tuple[Language, ...] = (),
    time_zone: str = "UTC",
    skills: tuple[Skill, ...] = (),
    cap: int = 3,
    open_count: int = 0,
    **fields: Any,
) -> CoachProfile:
    coach = CoachProfileFactory.create(
        person=PersonFactory.create(display_name=name, time_zone=time_zone),
        caseload_cap=cap,
        **fields,
    )
    if open_count:
        CoachProfile.objects.filter(pk=coach.pk).update(open_count=open_count)
    coach.languages.set(languages)
    coach.skills.set(skills)
    return coach


def _plan(community: Community, coachee: Person | None, *skills: Skill) -> EngagementPlan:
    return EngagementPlan(
        community=community,
        coachee=coachee,
        goals="Chair the board with confidence.",
        starts_on=TODAY,
        ends_on=date(2027, 6, 1),
        skills=skills,
    )


def _names(suggestions: list[Suggestion]) -> list[str]:
    return [s.coach.person.display_name for s in suggestions]


def _one(suggestions: list[Suggestion], name: str) -> Suggestion:
    return next(s for s in suggestions if s.coach.person.display_name == name)


# --- ranking, one factor at a time


def test_a_coach_who_speaks_the_leaders_language_ranks_first(
    community: Community, leader: Person, spanish: Language, french: Language
) -> None:
    # given two coaches alike but for the language; the one without comes first by name
    _coach("Ana", languages=(french,))
    _coach("Zoe", languages=(spanish,))

    # when
    suggestions = coach_suggestions(plan=_plan(community, leader), today=TODAY)

    # then
    assert _names(suggestions) == ["Zoe", "Ana"]
    assert "Speaks Spanish" in _one(suggestions, "Zoe").reasons
    assert _one(suggestions, "Ana").warnings == ["No shared language"]
    assert _one(suggestions, "Zoe").score - _one(suggestions, "Ana").score == 40


def test_a_team_is_matched_on_the_communitys_languages_and_time_zone(
    community: Community, spanish: Language, french: Language
) -> None:
    # given a team engagement in a French-speaking community in Paris
    community.languages.set([french])
    Community.objects.filter(pk=community.pk).update(time_zone="Europe/Paris")
    community.refresh_from_db()
    _coach("Ana", languages=(spanish,), time_zone="Europe/Paris")
    _coach("Zoe", languages=(french,), time_zone="Europe/Paris")

    # when
    suggestions = coach_suggestions(plan=_plan(community, None), today=TODAY)

    # then
    assert _names(suggestions) == ["Zoe", "Ana"]
    assert _one(suggestions, "Zoe").reasons[:2] == ["Speaks French", "Same local time"]


def test_no_languages_known_on_the_coachees_side_gives_no_language_warning(
    community: Community, spanish: Language
) -> None:
    # given a team whose community lists no language
    _coach("Ana", languages=(spanish,))

    # when
    (suggestion,) = coach_suggestions(plan=_plan(community, None), today=TODAY)

    # then nothing is claimed either way
    assert suggestion.warnings == []
    assert not any(reason.startswith("Speaks") for reason in suggestion.reasons)


def test_a_coach_in_a_nearer_time_zone_ranks_first(community: Community, leader: Person) -> None:
    # given a leader in UTC, coaches 2 and 5 hours away (the nearer one later by name)
    _coach("Ana", time_zone="America/Bogota")  # UTC-5
    _coach("Zoe", time_zone="Africa/Cairo")  # UTC+2 in December

    # when
    suggestions = coach_suggestions(plan=_plan(community, leader), today=TODAY)

    # then
    assert _names(suggestions) == ["Zoe", "Ana"]
    assert "2 hours apart" in _one(suggestions, "Zoe").reasons
    assert "5 hours apart" in _one(suggestions, "Ana").reasons


def test_time_zones_wrap_around_the_day(community: Community, leader: Person) -> None:
    # given a leader in Samoa (UTC+13) and a coach in Pago Pago (UTC-11): the same clock time
    Person.objects.filter(pk=leader.pk).update(time_zone="Pacific/Apia")
    leader.refresh_from_db()
    _coach("Ana", time_zone="Pacific/Pago_Pago")
    _coach("Zoe", time_zone="UTC")

    # when
    suggestions = coach_suggestions(plan=_plan(community, leader), today=TODAY)

    # then: 0 hours apart, not 24; UTC is 11 hours from Samoa's 13, wrapped
    assert _names(suggestions) == ["Ana", "Zoe"]
    assert "Same local time" in _one(suggestions, "Ana").reasons
    assert "11 hours apart" in _one(suggestions, "Zoe").warnings


@pytest.mark.parametrize(
    ("today", "hours"),
    [
        (date(2026, 3, 1), 6),  # both on winter time
        (date(2026, 3, 15), 5),  # New York on summer time since 8 March, Berlin from 29 March
        (date(2026, 4, 15), 6),  # both on summer time
    ],
)
def test_the_time_difference_follows_daylight_saving_on_the_day(
    community: Community, leader: Person, today: date, hours: int
) -> None:
    # given a leader in Berlin and a coach in New York
    Person.objects.filter(pk=leader.pk).update(time_zone="Europe/Berlin")
    leader.refresh_from_db()
    _coach("Ana", time_zone="America/New_York")

    # when
    (suggestion,) = coach_suggestions(plan=_plan(community, leader), today=today)

    # then: under 6 hours a reason, from 6 a warning
    text = f"{hours} hours apart"
    assert text in (suggestion.warnings if hours >= 6 else suggestion.reasons)


def test_a_coach_with_more_of_the_focus_areas_ranks_first(
    community: Community, leader: Person
) -> None:
    # given
    facilitation = SkillFactory.create(name="Facilitation", slug="facilitation")
    fundraising = SkillFactory.create(name="Fundraising", slug="fundraising")
    _coach("Ana", skills=(facilitation,))
    _coach("Zoe", skills=(fundraising, facilitation))

    # when
    suggestions = coach_suggestions(
        plan=_plan(community, leader, facilitation, fundraising), today=TODAY
    )

    # then
    assert _names(suggestions) == ["Zoe", "Ana"]
    assert "Focus: Facilitation, Fundraising" in _one(suggestions, "Zoe").reasons
    assert "Focus: Facilitation" in _one(suggestions, "Ana").reasons


def test_a_coach_with_more_free_places_ranks_first(community: Community, leader: Person) -> None:
    # given
    _coach("Ana", cap=3, open_count=1)
    _coach("Zoe", cap=3, open_count=0)

    # when
    suggestions = coach_suggestions(plan=_plan(community, leader), today=TODAY)

    # then
    assert _names(suggestions) == ["Zoe", "Ana"]
    assert "3 of 3 places free" in _one(suggestions, "Zoe").reasons
    assert "2 of 3 places free" in _one(suggestions, "Ana").reasons


def test_serving_the_community_beats_serving_its_region_beats_neither(
    community: Community, leader: Person
) -> None:
    # given (Wikimedia Testland is in Northern and Western Europe)
    _coach("Ana")
    region_coach = _coach("Bea")
    CoachRegion.objects.create(coach=region_coach, region=community.region)
    community_coach = _coach("Zoe")
    community_coach.communities.add(community)

    # when
    suggestions = coach_suggestions(plan=_plan(community, leader), today=TODAY)

    # then
    assert _names(suggestions) == ["Zoe", "Bea", "Ana"]
    assert "Knows Wikimedia Testland" in _one(suggestions, "Zoe").reasons
    assert f"Serves {community.region_label}" in _one(suggestions, "Bea").reasons
    assert [s.score for s in suggestions] == [40, 35, 30]


def test_equal_coaches_are_ordered_by_name_then_pk(community: Community, leader: Person) -> None:
    # given
    first = _coach("Same")
    second = _coach("Same")
    _coach("Abe")

    # when
    suggestions = coach_suggestions(plan=_plan(community, leader), today=TODAY)

    # then
    assert [s.coach.pk for s in suggestions][1:] == [first.pk, second.pk]
    assert _names(suggestions) == ["Abe", "Same", "Same"]


def test_the_limit_keeps_the_best(community: Community, leader: Person, spanish: Language) -> None:
    _coach("Ana")
    _coach("Bea")
    _coach("Zoe", languages=(spanish,))

    assert _names(coach_suggestions(plan=_plan(community, leader), today=TODAY, limit=2)) == [
        "Zoe",
        "Ana",
    ]


def test_a_perfect_fit_scores_100_and_has_no_warnings(
    community: Community, leader: Person, spanish: Language
) -> None:
    # given
    facilitation = SkillFactory.create(name="Facilitation", slug="facilitation")
    coach = _coach("Zoe", languages=(spanish,), skills=(facilitation,))
    coach.communities.add(community)

    # when
    (suggestion,) = coach_suggestions(plan=_plan(community, leader, facilitation), today=TODAY)

    # then
    assert suggestion.score == 100
    assert suggestion.warnings == []
    assert suggestion.reasons == [
        "Speaks Spanish",
        "Same local time",
        "Focus: Facilitation",
        "Knows Wikimedia Testland",
        "3 of 3 places free",
    ]


# --- hard exclusions


def test_coaches_who_cannot_take_it_are_left_out(
    community: Community, leader: Person, other_community: Community
) -> None:
    # given one coach who can, and one for each reason not to
    _coach("Able")
    _coach("Not Accepting", accepting=False)
    _coach("Away", away_until=date(2026, 12, 2))
    _coach("Full", cap=2, open_count=2)
    _coach("Back Today", away_until=TODAY)
    busy = _coach("Busy With Mo")
    CoachAssignmentFactory.create(coach=busy, coachee=leader, community=community)
    done = _coach("Done With Mo")
    CoachAssignmentFactory.create(
        coach=done,
        coachee=leader,
        community=community,
        status=CoachAssignment.Status.COMPLETED,
        ended_on=date(2026, 11, 1),
    )

    # when
    suggestions = coach_suggestions(plan=_plan(community, leader), today=TODAY)

    # then
    assert _names(suggestions) == ["Able", "Back Today", "Done With Mo"]


def test_the_coachee_is_never_suggested_to_themselves(community: Community, leader: Person) -> None:
    # given the leader is a coach too
    CoachProfileFactory.create(person=leader)
    _coach("Other")

    assert _names(coach_suggestions(plan=_plan(community, leader), today=TODAY)) == ["Other"]


def test_a_coach_with_a_role_or_organising_in_the_community_is_left_out(
    community: Community, leader: Person, other_community: Community
) -> None:
    # given a board member, an organiser, and a board member elsewhere
    board = _coach("Board")
    TermFactory.create(
        role=RoleFactory.create(community=community),
        person=board.person,
        starts_on=date(2026, 1, 1),
        ends_on=date(2028, 1, 1),
    )
    organiser = _coach("Organiser")
    MembershipFactory.create(
        person=organiser.person, community=community, role=Membership.Role.ORGANISER
    )
    elsewhere = _coach("Elsewhere")
    TermFactory.create(
        role=RoleFactory.create(community=other_community),
        person=elsewhere.person,
        starts_on=date(2026, 1, 1),
        ends_on=date(2028, 1, 1),
    )

    assert _names(coach_suggestions(plan=_plan(community, leader), today=TODAY)) == ["Elsewhere"]


def test_a_coach_already_with_the_team_is_left_out_of_a_team_engagement(
    community: Community,
) -> None:
    # given
    busy = _coach("Busy")
    CoachAssignmentFactory.create(coach=busy, coachee=None, community=community)
    with_a_leader = _coach("With A Leader")
    CoachAssignmentFactory.create(coach=with_a_leader, community=community)

    assert _names(coach_suggestions(plan=_plan(community, None), today=TODAY)) == ["With A Leader"]


def test_no_coach_at_all_gives_an_empty_list(community: Community, leader: Person) -> None:
    assert coach_suggestions(plan=_plan(community, leader), today=TODAY) == []


# --- queries


@pytest.mark.parametrize("coaches", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_coaches(
    community: Community,
    leader: Person,
    spanish: Language,
    coaches: int,
    django_assert_num_queries: Any,
) -> None:
    # given coaches in several zones, with languages, focus areas, communities and regions
    facilitation = SkillFactory.create(name="Facilitation", slug="facilitation")
    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
    for n in range(coaches):
        coach = _coach(
            f"Coach {n:02d}",
            languages=(spanish,),
            skills=(facilitation,),
            time_zone=zones[n % len(zones)],
        )
        coach.communities.add(community if n % 2 else CommunityFactory.create())
        CoachRegion.objects.create(coach=coach, region=community.region)
    plan = _plan(community, leader, facilitation)

    # when / then
    with django_assert_num_queries(9):
        # the leader's languages; role holders and organisers (conflicts of interest); the
        # coaches who can take it (with the open-engagement subquery); their shared
        # languages, focus areas, communities and regions; the shortlist's profiles
        suggestions = coach_suggestions(plan=plan, today=TODAY)
        names = [s.coach.person.display_name for s in suggestions]

    assert len(names) == min(coaches, 10)
