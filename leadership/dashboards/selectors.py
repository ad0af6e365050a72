"""Reads of the dashboards: a scope's snapshot, with access checked, turned into tables.

Every table is built once here from the snapshot and used three ways: shown as a table (which
screen readers read), drawn as a chart from the same numbers, and exported as CSV.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadership.models import AgeBand, Community, Gender, Region
from leadership.rules import may

from .models import DashboardSnapshot, Level
from .services import snapshot_ensure
from .suppression import MIN_CELL

CHART_COLOURS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997"]


@dataclass
class Table:
    """One table of figures: its rows are what the chart draws and the CSV holds."""

    name: str  # in the CSV's address: /csv/<name>/
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None  # a Chart.js configuration over the same numbers
    note: str = ""

    @property
    def chart_id(self) -> str:
        return f"chart-{self.name}"


@dataclass
class Section:
    slug: str
    title: str
    figures: list[tuple[str, Any]] = field(default_factory=list)  # headline figures
    tables: list[Table] = field(default_factory=list)
    note: str = ""


@dataclass
class Dashboard:
    level: str
    key: str
    title: str
    community: Community | None
    snapshot: DashboardSnapshot
    breadcrumbs: list[tuple[str, str]]  # (label, url)

    @cached_property
    def sections(self) -> list[Section]:
        """Built when first read: a page whose body is in the cache never builds them."""
        return build_sections(self.level, self.snapshot.data, self.snapshot.as_of)

    @property
    def cache_key(self) -> str:
        """What the rendered body depends on: the scope and when its figures were computed."""
        return f"{self.level}:{self.key}:{self.snapshot.computed_at.isoformat()}"

    @property
    def url(self) -> str:
        return dashboard_url(self.level, self.key, self.community)

    def table(self, name: str) -> Table:
        for section in self.sections:
            for table in section.tables:
                if table.name == name:
                    return table
        raise Http404


def dashboard_url(level: str, key: str, community: Community | None = None) -> str:
    if level == Level.COMMUNITY:
        assert community is not None
        return reverse("dashboards:community", kwargs={"slug": community.slug})
    if level == Level.REGION:
        return reverse("dashboards:region", kwargs={"region": key})
    return reverse("dashboards:movement")


def scope_get(*, user: Any, level: str, slug: str = "", region: str = "") -> tuple[str, Any]:
    """The scope's key and object (a community, a region's code, None), for a viewer allowed to
    see its dashboard; 404 for anyone else."""
    if level == Level.COMMUNITY:
        community = get_object_or_404(Community, slug=slug)
        if not may(user, "dashboards.view_community", community):
            raise Http404
        return str(community.pk), community
    if level == Level.REGION:
        if region not in Region.values or not may(user, "dashboards.view_region"):
            raise Http404
        return region, None
    if not may(user, "dashboards.view_movement"):
        raise Http404
    return "all", None


def dashboard_get(*, user: Any, level: str, slug: str = "", region: str = "") -> Dashboard:
    """The dashboard of a scope the viewer may see (computed now if never computed)."""
    key, community = scope_get(user=user, level=level, slug=slug, region=region)
    snapshot = snapshot_ensure(level=level, key=key)
    if level == Level.COMMUNITY:
        title = str(community)
    elif level == Level.REGION:
        title = str(Region(key).label)
    else:
        title = _("The movement")
    crumbs: list[tuple[str, str]] = []
    if may(user, "dashboards.view_movement"):
        crumbs.append((_("Movement"), dashboard_url(Level.MOVEMENT, "all")))
        if community is not None:
            crumbs.append(
                (str(Region(community.region).label), dashboard_url(Level.REGION, community.region))
            )
    return Dashboard(
        level=level,
        key=key,
        title=title,
        community=community,
        snapshot=snapshot,
        breadcrumbs=crumbs,
    )


def dashboards_for(*, user: Any) -> dict[str, Any]:
    """What the dashboards' index offers the viewer: the movement and the regions for
    coordinators, and the communities they organise."""
    from leadership.rules import organised_community_ids

    return {
        "movement": may(user, "dashboards.view_movement"),
        "regions": list(Region) if may(user, "dashboards.view_region") else [],
        "communities": list(
            Community.objects.filter(pk__in=organised_community_ids(user)).order_by("name")
        ),
    }


# --- tables


def _chart(
    kind: str, labels: list[str], datasets: list[tuple[str, list[Any]]], **options: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": label,
                    "data": values,
                    "backgroundColor": CHART_COLOURS[index % len(CHART_COLOURS)],
                    "borderColor": CHART_COLOURS[index % len(CHART_COLOURS)],
                }
                for index, (label, values) in enumerate(datasets)
            ],
        },
        "options": options,
    }


def _pct(value: int | None) -> str:
    return "" if value is None else f"{value}%"


def _pipeline(data: dict[str, Any]) -> Section:
    steps = [
        ("members", _("Members")),
        ("training", _("In a training stage")),
        ("mentored", _("Mentored")),
        ("leaders", _("Holding a leadership role")),
    ]
    conversion = data.get("conversion", {})
    rows = [
        [label, data.get(step, 0), _pct(conversion.get(step)) if i else ""]
        for i, (step, label) in enumerate(steps)
    ]
    funnel = Table(
        name="pipeline",
        title=_("Leadership pipeline"),
        headers=[_("Step"), _("People"), _("Of the step before")],
        rows=rows,
        chart=_chart("bar", [r[0] for r in rows], [(_("People"), [r[1] for r in rows])]),
    )
    stage_labels = [_("Stage 1"), _("Stage 2"), _("Stage 3 or later")]
    stages = Table(
        name="training-stages",
        title=_("People in training, by the furthest stage they are in"),
        headers=[_("Stage"), _("People")],
        rows=[[label, n] for label, n in zip(stage_labels, data.get("by_stage", []), strict=False)],
    )
    stages.chart = _chart("bar", stage_labels, [(_("People"), [r[1] for r in stages.rows])])
    quarters = data.get("quarters", [])
    over_time = Table(
        name="pipeline-over-time",
        title=_("The pipeline at each quarter's end"),
        headers=[
            _("Quarter ending"),
            _("Members"),
            _("Ever in training"),
            _("Ever mentored"),
            _("Holding a role"),
            _("Training / members"),
            _("Holding a role / members"),
        ],
        rows=[
            [
                q["end"],
                q["members"],
                q["training"],
                q["mentored"],
                q["leaders"],
                _pct(_share(q["training"], q["members"])),
                _pct(_share(q["leaders"], q["members"])),
            ]
            for q in quarters
        ],
    )
    over_time.chart = _chart(
        "line",
        [q["end"] for q in quarters],
        [
            (_("Training / members (%)"), [_share(q["training"], q["members"]) for q in quarters]),
            (_("Mentored / members (%)"), [_share(q["mentored"], q["members"]) for q in quarters]),
            (
                _("Holding a role / members (%)"),
                [_share(q["leaders"], q["members"]) for q in quarters],
            ),
        ],
    )
    return Section(
        slug="pipeline",
        title=_("Leadership pipeline"),
        figures=[(label, data.get(step, 0)) for step, label in steps],
        tables=[funnel, stages, over_time],
        note=_(
            "Each person counts once, however many communities they belong to. In training: "
            "enrolled in a session in the last year or ahead. Mentored: in a mentoring "
            "relationship now or in the last year."
        ),
    )


def _share(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _terms(data: dict[str, Any], level: str) -> Section:
    ending = Table(
        name="terms-ending",
        title=_("Terms ending in the next 12 months"),
        headers=[_("Month"), _("Terms ending")],
        rows=[list(row) for row in data.get("ending_by_month", [])],
    )
    ending.chart = _chart(
        "bar", [r[0] for r in ending.rows], [(_("Terms ending"), [r[1] for r in ending.rows])]
    )
    if level == Level.COMMUNITY:
        at_risk = Table(
            name="seats-at-risk",
            title=_("Seats at risk: ending with no ready successor"),
            headers=[_("Role"), _("Seat"), _("Term ends")],
            rows=[list(row) for row in data.get("at_risk_list", [])],
        )
    else:
        at_risk = Table(
            name="seats-at-risk",
            title=_("Communities with the most seats at risk"),
            headers=[_("Community"), _("Seats at risk")],
            rows=[[name, count] for name, _slug, count in data.get("at_risk_list", [])],
        )
    return Section(
        slug="terms",
        title=_("Terms and succession"),
        figures=[
            (_("Seats"), data.get("seats", 0)),
            (_("Vacant"), data.get("vacant", 0)),
            (_("Holdovers"), data.get("holdovers", 0)),
            (_("At risk"), data.get("at_risk", 0)),
        ],
        tables=[ending, at_risk],
        note=_(
            "Holdovers: terms that have run out with nobody after them. At risk: terms ending "
            "within their role's lead time with no successor planned and no candidate ready now."
        ),
    )


QUESTION_LABELS = {
    "gender": gettext_lazy("Gender"),
    "age_band": gettext_lazy("Age"),
    "underrepresented": gettext_lazy("Part of a group under-represented in the movement"),
}


def _group_label(question: str, group: str) -> str:
    if group == "not_stated":
        return _("Not stated")
    if question == "gender":
        return str(Gender(group).label)
    if question == "age_band":
        return str(AgeBand(group).label)
    return _("Yes") if group == "yes" else _("No")


def _published(line: dict[str, Any], group: str) -> str:
    if line.get("withheld"):
        return _("withheld")
    value = line["cells"].get(group)
    return _("fewer than %(n)s") % {"n": MIN_CELL} if value is None else str(value)


def _line_share(line: dict[str, Any], group: str) -> int | None:
    value = line["cells"].get(group)
    if line.get("withheld") or value is None or not line.get("total"):
        return None
    return round(100 * value / line["total"])


def _representation(data: dict[str, Any], as_of: str | None) -> Section:
    tables = []
    for question, label in QUESTION_LABELS.items():
        lines = data.get(question)
        if not lines:
            continue
        leaders, everyone = lines["leaders"], lines["community"]
        groups = list(everyone["cells"])
        rows = [
            [
                _group_label(question, group),
                _published(leaders, group),
                _pct(_line_share(leaders, group)),
                _published(everyone, group),
                _pct(_line_share(everyone, group)),
            ]
            for group in groups
        ]
        table = Table(
            name=f"representation-{question.replace('_', '-')}",
            title=str(label),
            headers=[
                _("Group"),
                _("Leaders"),
                _("Share of leaders"),
                _("Community"),
                _("Share of the community"),
            ],
            rows=rows,
        )
        table.chart = _chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("Share of leaders (%)"), [_line_share(leaders, g) for g in groups]),
                (_("Share of the community (%)"), [_line_share(everyone, g) for g in groups]),
            ],
        )
        tables.append(table)
    return Section(
        slug="representation",
        title=_("Representation"),
        tables=tables,
        note=_(
            "From what people chose to say about themselves, privately. Only groups of at least "
            "%(n)s people are shown, rounded to the nearest 5; a whole column is withheld where "
            "showing it would give a smaller group away. Shares are of the rounded figures. "
            "These figures are computed once a day (last: %(day)s)."
        )
        % {"n": MIN_CELL, "day": as_of or "-"},
    )


def _renewal(data: dict[str, Any]) -> Section:
    as_ = data.get("veterans_as", {})
    veterans = Table(
        name="veterans",
        title=_("Veterans who stay active"),
        headers=[_("Active as"), _("People")],
        rows=[
            [_("Mentors"), as_.get("mentors", 0)],
            [_("Coaches"), as_.get("coaches", 0)],
            [_("Facilitators"), as_.get("facilitators", 0)],
        ],
    )
    veterans.chart = _chart(
        "bar", [r[0] for r in veterans.rows], [(_("People"), [r[1] for r in veterans.rows])]
    )
    renewal = Table(
        name="renewal",
        title=_("Renewal in the last 12 months"),
        headers=[_("Measure"), _("Value")],
        rows=[
            [_("Terms begun"), data.get("terms_started", 0)],
            [_("Handed to someone new"), data.get("handovers", 0)],
            [_("Renewed by the same person"), data.get("renewals", 0)],
            [_("Seats held now"), data.get("seats_held", 0)],
            [_("Held beyond the term limit"), data.get("beyond_limit", 0)],
            [_("Veterans (left a leadership role)"), data.get("veterans", 0)],
            [_("Veterans still active"), data.get("veterans_active", 0)],
        ],
    )
    return Section(
        slug="renewal",
        title=_("Renewal and retention"),
        figures=[
            (_("Handovers in 12 months"), data.get("handovers", 0)),
            (_("Beyond the term limit"), _pct(data.get("beyond_limit_share")) or "0%"),
            (_("Veterans still active"), _pct(data.get("veterans_active_share")) or "-"),
        ],
        tables=[renewal, veterans],
        note=_(
            "Beyond the term limit should be zero: a seat held in a run of consecutive terms "
            "longer than its role allows."
        ),
    )


def _health(data: dict[str, Any]) -> Section:
    coaching = data.get("coaching", {})
    mentoring = Table(
        name="mentoring-health",
        title=_("Mentoring"),
        headers=[_("Measure"), _("Value")],
        rows=[
            [_("Mentees waiting for a mentor"), data.get("waiting", 0)],
            [_("Median days waiting"), _or_dash(data.get("waiting_days_median"))],
            [_("Longest wait in days"), _or_dash(data.get("waiting_days_max"))],
            [_("Waiting more than 90 days"), data.get("waiting_over_90_days", 0)],
            [_("Proposals answered in 90 days"), data.get("answered_90_days", 0)],
            [_("Median hours to answer"), _or_dash(data.get("response_hours_median"))],
            [_("People in a mentoring relationship"), data.get("mentored", 0)],
            [_("Quiet relationships"), data.get("quiet_relationships", 0)],
        ],
    )
    bucket_labels = [_("No engagement"), _("Under half full"), _("Half full or more"), _("Full")]
    caseloads = Table(
        name="coach-caseloads",
        title=_("Coach caseloads"),
        headers=[_("Caseload"), _("Coaches")],
        rows=[
            [label, n]
            for label, n in zip(bucket_labels, coaching.get("caseload", []), strict=False)
        ],
    )
    caseloads.chart = _chart("bar", bucket_labels, [(_("Coaches"), [r[1] for r in caseloads.rows])])
    engagements = Table(
        name="coaching-health",
        title=_("Coaching"),
        headers=[_("Measure"), _("Value")],
        rows=[
            [_("Proposed, awaiting the coach"), coaching.get("proposed", 0)],
            [_("Active"), coaching.get("active", 0)],
            [_("Paused"), coaching.get("paused", 0)],
            [_("Completed in 12 months"), coaching.get("completed_12_months", 0)],
            [_("Quiet (no session for their weeks)"), coaching.get("quiet", 0)],
            [
                _("Median hours for a coach to answer"),
                _or_dash(coaching.get("response_hours_median")),
            ],
            [_("Coaches at full caseload"), coaching.get("coaches_full", 0)],
        ],
    )
    return Section(
        slug="health",
        title=_("Mentoring and coaching health"),
        figures=[
            (_("Mentees waiting"), data.get("waiting", 0)),
            (_("Quiet relationships"), data.get("quiet_relationships", 0)),
            (_("Active coaching"), coaching.get("active", 0)),
            (_("Quiet coaching"), coaching.get("quiet", 0)),
        ],
        tables=[mentoring, engagements, caseloads],
    )


def _or_dash(value: Any) -> Any:
    return "-" if value is None else value


def build_sections(level: str, data: dict[str, Any], as_of: date) -> list[Section]:
    return [
        _pipeline(data.get("pipeline", {})),
        _terms(data.get("terms", {}), level),
        _representation(data.get("representation", {}), data.get("representation_as_of")),
        _renewal(data.get("renewal", {})),
        _health(data.get("health", {})),
    ]
