"""Which coaches fit an engagement: the coordinators' shortlist when they propose one.

Coaches who cannot take it are left out (not accepting, away, full, the coachee themselves, a
role or organiser in the community, or already coaching the same leader or team); the others are
scored out of 100 and explained in short reasons and warnings.

It stays fast with thousands of coaches: the same few queries whatever their number (the coaches
as plain values, one query per many-to-many, each distinct time zone's offset computed once),
and one last query for the shortlisted coaches' profiles.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadership.models import Community, PersonLanguage, Region

from .models import OPEN_STATUSES, CoachAssignment, CoachProfile, CoachRegion
from .services import EngagementPlan, conflicted_coach_person_ids

# The weights add up to 100. A shared language weighs most: without one, there is no coaching
# conversation at all. Time zones next: sessions must fit into both people's waking day, and
# that gets hard fast past a few hours. Focus areas then, as the coordinator asked for them.
# Knowing the community (or at least its region) helps the coach read its situation. The free
# places only spread the load between otherwise equal coaches, so they weigh least.
LANGUAGE_POINTS = 40
TIME_ZONE_POINTS = 25
FOCUS_POINTS = 20
COMMUNITY_POINTS = 10
REGION_POINTS = 5  # serving the region, not the community itself: half as telling
CASELOAD_POINTS = 5

# The time-zone points fall linearly to none at this distance: from 8 hours apart one side is
# always early in the morning or late at night.
ZONE_HOURS_NO_POINTS = 8
# From this distance on, the time difference is shown as a warning rather than a reason.
ZONE_HOURS_WARNING = 6


@dataclass(frozen=True)
class Suggestion:
    coach: CoachProfile  # with .person loaded
    score: int  # 0..100, higher is a better fit
    reasons: list[str]
    warnings: list[str]


@dataclass
class _Candidate:
    pk: int
    name: str
    zone: str
    cap: int
    open_count: int


def _offset_hours(zone: str, today: date) -> float:
    """The zone's UTC offset in hours at noon on `today` (so the day's DST state counts)."""
    offset = datetime.combine(today, time(12), tzinfo=ZoneInfo(zone)).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 0.0


def _zone_distance(a: float, b: float) -> float:
    """Hours between two UTC offsets, round the clock (UTC+13 and UTC-11 are 0 hours apart)."""
    diff = abs(a - b) % 24
    return min(diff, 24 - diff)


def _hours_text(hours: float) -> str:
    shown = f"{hours:g}"
    return ngettext("%(hours)s hour apart", "%(hours)s hours apart", round(hours) or 1) % {
        "hours": shown
    }


def _names(names: list[str]) -> str:
    return ", ".join(sorted(names, key=str.casefold))


def coach_suggestions(*, plan: EngagementPlan, today: date, limit: int = 10) -> list[Suggestion]:
    """Up to `limit` coaches who could take `plan`, best fit first (ties: name, then pk)."""
    community: Community = plan.community

    # Whom the coach will speak with: the leader, or the community's team.
    if plan.coachee is not None:
        wanted_languages = dict(
            PersonLanguage.objects.filter(person=plan.coachee).values_list(
                "language_id", "language__name"
            )
        )
        coachee_zone = str(plan.coachee.time_zone)
        same_coachee = Q(coachee=plan.coachee)
    else:
        wanted_languages = dict(community.languages.values_list("code", "name"))
        coachee_zone = str(community.time_zone)
        same_coachee = Q(coachee__isnull=True, community=community)

    excluded_people = conflicted_coach_person_ids(community=community, today=today)
    if plan.coachee is not None:
        excluded_people.add(plan.coachee.pk)
    already_open = CoachAssignment.objects.filter(same_coachee, status__in=OPEN_STATUSES).values(
        "coach_id"
    )
    rows = (
        CoachProfile.objects.filter(accepting=True, open_count__lt=F("caseload_cap"))
        .filter(Q(away_until__isnull=True) | Q(away_until__lte=today))
        .exclude(person_id__in=excluded_people)
        .exclude(pk__in=already_open)
        .values_list(
            "pk", "person__display_name", "person__time_zone", "caseload_cap", "open_count"
        )
    )
    candidates = {
        pk: _Candidate(pk=pk, name=name, zone=str(zone), cap=cap, open_count=open_count)
        for pk, name, zone, cap, open_count in rows
    }
    if not candidates:
        return []
    ids = list(candidates)

    # One query per many-to-many, only for the rows that can score.
    shared_languages: dict[int, list[str]] = {}
    if wanted_languages:
        for coach_id, code in CoachProfile.languages.through.objects.filter(
            coachprofile_id__in=ids, language_id__in=list(wanted_languages)
        ).values_list("coachprofile_id", "language_id"):
            shared_languages.setdefault(coach_id, []).append(wanted_languages[code])
    skill_names = {skill.pk: skill.name for skill in plan.skills}
    shared_skills: dict[int, list[str]] = {}
    if skill_names:
        for coach_id, skill_id in CoachProfile.skills.through.objects.filter(
            coachprofile_id__in=ids, skill_id__in=list(skill_names)
        ).values_list("coachprofile_id", "skill_id"):
            shared_skills.setdefault(coach_id, []).append(skill_names[skill_id])
    serving_community = set(
        CoachProfile.communities.through.objects.filter(
            coachprofile_id__in=ids, community_id=community.pk
        ).values_list("coachprofile_id", flat=True)
    )
    serving_region = set(
        CoachRegion.objects.filter(coach_id__in=ids, region=community.region).values_list(
            "coach_id", flat=True
        )
    )

    # Each distinct zone's offset once: thousands of coaches share a few dozen zones.
    offsets = {
        zone: _offset_hours(zone, today)
        for zone in {coachee_zone, *(c.zone for c in candidates.values())}
    }
    region_label = str(Region(community.region).label)

    scored: list[tuple[int, _Candidate, list[str], list[str]]] = []
    for candidate in candidates.values():
        points = 0.0
        reasons: list[str] = []
        warnings: list[str] = []

        languages = shared_languages.get(candidate.pk)
        if languages:
            points += LANGUAGE_POINTS
            reasons.append(_("Speaks %(languages)s") % {"languages": _names(languages)})
        elif wanted_languages:
            warnings.append(_("No shared language"))

        hours = _zone_distance(offsets[coachee_zone], offsets[candidate.zone])
        points += TIME_ZONE_POINTS * max(0.0, 1 - hours / ZONE_HOURS_NO_POINTS)
        if hours >= ZONE_HOURS_WARNING:
            warnings.append(_hours_text(hours))
        elif hours == 0:
            reasons.append(_("Same local time"))
        else:
            reasons.append(_hours_text(hours))

        skills = shared_skills.get(candidate.pk)
        if skills:
            points += FOCUS_POINTS * len(skills) / len(skill_names)
            reasons.append(_("Focus: %(skills)s") % {"skills": _names(skills)})

        if candidate.pk in serving_community:
            points += COMMUNITY_POINTS
            reasons.append(_("Knows %(community)s") % {"community": community.name})
        elif candidate.pk in serving_region:
            points += REGION_POINTS
            reasons.append(_("Serves %(region)s") % {"region": region_label})

        free = candidate.cap - candidate.open_count
        points += CASELOAD_POINTS * free / candidate.cap
        reasons.append(
            ngettext("%(free)s of %(cap)s place free", "%(free)s of %(cap)s places free", free)
            % {"free": free, "cap": candidate.cap}
        )

        scored.append((min(round(points), 100), candidate, reasons, warnings))

    scored.sort(key=lambda row: (-row[0], row[1].name.casefold(), row[1].pk))
    top = scored[:limit]
    profiles = CoachProfile.objects.select_related("person").in_bulk(
        [c.pk for _s, c, _r, _w in top]
    )
    # A profile deleted since the first query is simply left out.
    return [
        Suggestion(coach=profiles[c.pk], score=score, reasons=reasons, warnings=warnings)
        for score, c, reasons, warnings in top
        if c.pk in profiles
    ]
