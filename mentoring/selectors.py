"""Reads of mentoring shared by pages, tasks and the admin; each checks who may see what."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadership.models import Community, Language, Person, Skill

from .models import (
    ApplicationStatus,
    CheckIn,
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
)

# Rows per table on a dashboard (25): the longest waits, the fullest mentors, the quietest pairs
# first. A page, not the whole programme, so a dashboard costs the same at any size.
PAGE_SIZE = 25
# The record of the programme's latest runs, on its coordinator's page (the admin has them all).
RUNS_SHOWN = 10


# What only the mentor or the mentee may do is asked of the rules alone: Django's has_perm says
# yes to every superuser, and a superuser is not one of the pair (check-in notes are the pair's
# alone; nobody answers a proposal or writes a check-in in someone else's name).
PERSONAL_PERMS = frozenset(
    {
        "mentoring.answer_proposal",
        "mentoring.change_mentoroffer",
        "mentoring.change_relationship",
        "mentoring.view_checkin_notes",
    }
)


def may(viewer: Any, perm: str, obj: Any) -> bool:
    """Whether `viewer` has `perm` on `obj`; a personal permission only by the rules."""
    if perm in PERSONAL_PERMS:
        return bool(rules.has_perm(perm, viewer, obj))
    return bool(viewer.has_perm(perm, obj))


def _check(obj: Any, viewer: Any, view_perm: str, edit_perm: str | None) -> Any:
    if not may(viewer, view_perm, obj):
        raise Http404
    if edit_perm is not None and not may(viewer, edit_perm, obj):
        raise PermissionDenied
    return obj


def programme_get(*, viewer: Any, pk: int, to_run: bool = False) -> MentoringProgramme:
    """The programme if `viewer` may see it (404), and run it when `to_run` (403)."""
    programme = get_object_or_404(MentoringProgramme, pk=pk)
    return _check(
        programme,
        viewer,
        "mentoring.view_mentoringprogramme",
        "mentoring.run_programme" if to_run else None,
    )


def programmes_visible(*, viewer: Any) -> list[MentoringProgramme]:
    """Open and closed programmes, and the drafts `viewer` runs, newest cohort first."""
    qs = MentoringProgramme.objects.annotate(
        mentees_count=Count("applications", distinct=True),
        mentors_count=Count("offers", distinct=True),
    ).prefetch_related("communities")
    if not viewer.has_perm("leadership.coordinate"):
        qs = qs.filter(
            ~Q(status=MentoringProgramme.Status.DRAFT) | Q(coordinators__user=viewer)
        ).distinct()
    return list(qs)


def communities_to_take_part_through(
    *, programme: MentoringProgramme, person: Person
) -> QuerySet[Community]:
    """The person's communities through which they may take part, by name (all of them if the
    programme is movement-wide; else those in its scope)."""
    qs = Community.objects.filter(memberships__person=person).order_by("name")
    if programme.scope != MentoringProgramme.Scope.MOVEMENT:
        qs = qs.filter(mentoring_programmes=programme)
    return qs


def proposal_get(*, viewer: Any, pk: int, to_answer: bool = False) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("programme", "run", "offer__person", "application__person"),
        pk=pk,
    )
    if proposal.published_at is None and not may(
        viewer, "mentoring.run_programme", proposal.programme
    ):
        # Never sent (under review, removed, or cancelled before publishing): the mentor was
        # not asked, and must not learn that they nearly were.
        raise Http404
    return _check(
        proposal,
        viewer,
        "mentoring.view_proposal",
        "mentoring.answer_proposal" if to_answer else None,
    )


def relationship_get(*, viewer: Any, pk: int, to_change: bool = False) -> Relationship:
    relationship = get_object_or_404(
        Relationship.objects.select_related(
            "programme", "offer__person", "application__person", "proposal"
        ),
        pk=pk,
    )
    return _check(
        relationship,
        viewer,
        "mentoring.view_relationship",
        "mentoring.change_relationship" if to_change else None,
    )


def run_get(*, viewer: Any, pk: int) -> MatchRun:
    run = get_object_or_404(
        MatchRun.objects.select_related("programme", "started_by__person"), pk=pk
    )
    _check(run.programme, viewer, "mentoring.view_mentoringprogramme", "mentoring.run_programme")
    return run


# Explanations


@dataclass(frozen=True)
class Names:
    """Names for the bits of a run's masks: languages by code, skills by id."""

    languages: dict[str, str]
    skills: dict[int, str]


def names_for(runs: list[MatchRun | None]) -> Names:
    """Two queries, whatever the number of proposals explained."""
    codes: set[str] = set()
    skill_ids: set[int] = set()
    for run in runs:
        if run is not None:
            codes.update(run.bits.get("languages", []))
            skill_ids.update(run.bits.get("skills", []))
    return Names(
        languages=dict(Language.objects.filter(code__in=codes).values_list("code", "name")),
        skills=dict(Skill.objects.filter(pk__in=skill_ids).values_list("pk", "name")),
    )


def _bits(mask: int, values: list[Any]) -> list[Any]:
    mask &= (1 << 64) - 1  # stored as a signed bigint
    return [value for bit, value in enumerate(values) if mask >> bit & 1]


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def explain(proposal: Proposal, names: Names) -> list[str]:
    """Why this pair, in plain words: languages, time zones, skills, preferences."""
    run = proposal.run
    if run is None or not run.bits:
        # Written without a run (or its run was deleted): the masks cannot be read.
        return []
    bits = run.bits
    reasons: list[str] = []
    shared = _bits(proposal.shared_languages, bits.get("languages", []))
    fluent = set(_bits(proposal.shared_fluent_languages, bits.get("languages", [])))
    if shared:
        spoken = [
            _("%(language)s (both fluent)") % {"language": names.languages.get(code, code)}
            if code in fluent
            else names.languages.get(code, code)
            for code in shared
        ]
        reasons.append(_("Both speak %(languages)s") % {"languages": _join(spoken)})
    minutes = proposal.tz_distance_minutes
    if minutes == 0:
        reasons.append(_("Same time zone"))
    else:
        hours = minutes / 60
        shown = f"{hours:g}"
        reasons.append(
            ngettext("%(hours)s hour apart", "%(hours)s hours apart", 1 if hours == 1 else 2)
            % {"hours": shown}
        )
    skills = [
        names.skills.get(s, str(s)) for s in _bits(proposal.shared_skills, bits.get("skills", []))
    ]
    if skills:
        reasons.append(
            _("Offers %(skills)s, which the mentee asked for") % {"skills": _join(skills)}
        )
    else:
        reasons.append(_("None of the skills the mentee asked for"))
    met = _bits(proposal.preferences_met, bits.get("traits", []))
    if met:
        # What the mentor said of themselves is theirs: nobody is told which wish it met.
        reasons.append(_("Matches a wish the mentee stated"))
    return reasons


# Dashboards


@dataclass
class MentorRow:
    offer: MentorOffer
    open_proposals: int
    median_response_days: float | None


@dataclass
class CoordinatorDashboard:
    programme: MentoringProgramme
    counts: dict[str, int]
    waiting: list[MenteeApplication]
    today: date
    mentors: list[MentorRow]
    quiet: list[Relationship]
    quiet_count: int
    staged: list[Proposal]
    staged_count: int
    explanations: dict[int, list[str]]
    latest_run: MatchRun | None
    running: MatchRun | None
    runs: list[MatchRun]

    @property
    def waiting_rows(self) -> list[tuple[MenteeApplication, int]]:
        """The mentees waiting, with the days each has waited by `today` (in whole days: the
        page is cached for the day)."""
        return [
            (a, max(0, (self.today - timezone.localdate(a.waiting_since)).days))
            for a in self.waiting
        ]

    @property
    def staged_rows(self) -> list[tuple[Proposal, list[str]]]:
        """The staged pairs with their reasons: a template cannot index a dict by a variable."""
        return [(p, self.explanations.get(p.pk, [])) for p in self.staged]


def _by_status(rows: QuerySet[Any]) -> dict[str, int]:
    """{status: number of rows}, in one GROUP BY."""
    return dict(
        rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )


def coordinator_dashboard(*, programme: MentoringProgramme, today: date) -> CoordinatorDashboard:
    """The coordinator's view of a programme, a page of each table. A fixed number of queries."""
    counts = _by_status(MenteeApplication.objects.filter(programme=programme))
    offers = MentorOffer.objects.filter(programme=programme, status=OfferStatus.ACTIVE).order_by()
    totals = offers.aggregate(
        mentors=Count("pk"),
        capacity=Coalesce(Sum("capacity"), Value(0)),
        active=Coalesce(Sum("active_count"), Value(0)),
        away=Count("pk", filter=Q(away_until__gt=today)),
    )
    proposal_counts = _by_status(Proposal.objects.filter(programme=programme))
    waiting = list(
        MenteeApplication.objects.filter(programme=programme, status=ApplicationStatus.WAITING)
        .select_related("person", "community")
        .order_by("waiting_since", "pk")[:PAGE_SIZE]
    )
    mentor_offers = list(
        # The page's people are fetched for its 50 offers alone (prefetch): a join would read
        # every offer's person before the sort, a scan of the whole people table.
        offers.prefetch_related("person")
        .annotate(
            # A scalar subquery, not a join and GROUP BY over every offer: Postgres evaluates
            # it after the sort and the LIMIT, for the page's rows only.
            open_proposals=Coalesce(
                Subquery(
                    Proposal.objects.filter(offer=OuterRef("pk"), status=ProposalStatus.PROPOSED)
                    .order_by()
                    .values("offer")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                Value(0),
            )
        )
        .order_by(F("active_count").desc(), "pk")[:PAGE_SIZE]
    )
    response_days: dict[int, list[float]] = {}
    for offer_id, published_at, answered_at in Proposal.objects.filter(
        offer__in=[o.pk for o in mentor_offers],
        answered_at__isnull=False,
        published_at__isnull=False,
    ).values_list("offer_id", "published_at", "answered_at"):
        if answered_at is not None and published_at is not None:  # filtered so; for mypy
            response_days.setdefault(offer_id, []).append(
                (answered_at - published_at).total_seconds() / 86400
            )
    mentors = [
        MentorRow(
            offer=offer,
            open_proposals=offer.open_proposals,
            median_response_days=(
                round(median(response_days[offer.pk]), 1) if offer.pk in response_days else None
            ),
        )
        for offer in mentor_offers
    ]
    quiet_qs = Relationship.objects.filter(
        programme=programme,
        status=RelationshipStatus.ACTIVE,
        last_activity_on__lte=today - timedelta(weeks=programme.quiet_weeks),
    )
    quiet = list(
        quiet_qs.select_related("offer__person", "application__person").order_by(
            "last_activity_on", "pk"
        )[:PAGE_SIZE]
    )
    staged_qs = Proposal.objects.filter(programme=programme, status=ProposalStatus.STAGED)
    staged = list(
        staged_qs.select_related("run", "offer__person", "application__person").order_by(
            "-pinned", "application__waiting_since", "pk"
        )[:PAGE_SIZE]
    )
    runs = list(
        MatchRun.objects.filter(programme=programme).select_related("started_by__person")[
            :RUNS_SHOWN
        ]
    )
    latest = runs[0] if runs else None
    running = latest if latest is not None and not latest.is_finished else None
    names = names_for([p.run for p in staged])
    return CoordinatorDashboard(
        programme=programme,
        counts={
            "waiting": counts.get(ApplicationStatus.WAITING, 0),
            "proposed": counts.get(ApplicationStatus.PROPOSED, 0),
            "matched": counts.get(ApplicationStatus.MATCHED, 0),
            "mentors": totals["mentors"] or 0,
            "capacity": totals["capacity"] or 0,
            "active": totals["active"] or 0,
            "away": totals["away"] or 0,
            "staged": proposal_counts.get(ProposalStatus.STAGED, 0),
            "awaiting_answer": proposal_counts.get(ProposalStatus.PROPOSED, 0),
            "declined": proposal_counts.get(ProposalStatus.DECLINED, 0),
            "expired": proposal_counts.get(ProposalStatus.EXPIRED, 0),
        },
        waiting=waiting,
        today=today,
        mentors=mentors,
        quiet=quiet,
        quiet_count=quiet_qs.count(),
        staged=staged,
        staged_count=proposal_counts.get(ProposalStatus.STAGED, 0),
        explanations={p.pk: explain(p, names) for p in staged},
        latest_run=latest,
        running=running,
        runs=runs,
    )


@dataclass
class MentorDashboard:
    pending: list[Proposal]
    explanations: dict[int, list[str]]
    relationships: list[Relationship]

    @property
    def pending_rows(self) -> list[tuple[Proposal, list[str]]]:
        """The proposals awaiting an answer with their reasons, for the template."""
        return [(p, self.explanations.get(p.pk, [])) for p in self.pending]


def mentor_offers(*, person: Person) -> list[MentorOffer]:
    """A mentor's offers (load against capacity, away) with their programmes."""
    return list(
        MentorOffer.objects.filter(person=person)
        .exclude(status=OfferStatus.WITHDRAWN)
        .select_related("programme")
        .order_by("-programme__cohort_starts_on", "pk")[:PAGE_SIZE]
    )


def mentor_dashboard(*, person: Person) -> MentorDashboard:
    """The proposals awaiting a mentor, and their mentees (the ended ones awaiting feedback)."""
    pending = list(
        Proposal.objects.filter(offer__person=person, status=ProposalStatus.PROPOSED)
        .select_related("programme", "run", "application__person")
        .order_by("respond_by", "pk")[:PAGE_SIZE]
    )
    # Active mentees, and the ended relationships still waiting for the mentor's feedback.
    relationships = list(
        Relationship.objects.filter(offer__person=person)
        .filter(
            Q(status=RelationshipStatus.ACTIVE)
            | ~Exists(Feedback.objects.filter(relationship=OuterRef("pk"), person=person))
        )
        .select_related("programme", "application__person")
        .order_by("status", "started_on", "pk")[:PAGE_SIZE]
    )
    names = names_for([p.run for p in pending])
    return MentorDashboard(
        pending=pending,
        explanations={p.pk: explain(p, names) for p in pending},
        relationships=relationships,
    )


@dataclass
class MenteeOverview:
    applications: list[MenteeApplication]
    relationships: dict[int, Relationship]  # active ones, by application id
    # The latest ended one, by application id: the mentee's way back to it to give feedback.
    ended: dict[int, Relationship] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[MenteeApplication, Relationship | None, Relationship | None]]:
        """Each application with its active and its latest ended relationship, for the template."""
        return [(a, self.relationships.get(a.pk), self.ended.get(a.pk)) for a in self.applications]


def mentee_overview(*, person: Person) -> MenteeOverview:
    applications = list(
        MenteeApplication.objects.filter(person=person)
        .select_related("programme")
        .order_by("-created_at", "pk")
    )
    relationships: dict[int, Relationship] = {}
    ended: dict[int, Relationship] = {}
    # One query for both: oldest first, so the latest ended relationship is the one kept.
    for r in (
        Relationship.objects.filter(application__person=person)
        .select_related("offer__person", "programme")
        .order_by("started_on", "pk")
    ):
        if r.status == RelationshipStatus.ACTIVE:
            relationships[r.application_id] = r
        else:
            ended[r.application_id] = r
    return MenteeOverview(applications=applications, relationships=relationships, ended=ended)


def check_ins(*, relationship: Relationship) -> QuerySet[CheckIn]:
    return relationship.check_ins.select_related("created_by").order_by("-happened_on", "-pk")
