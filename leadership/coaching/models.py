"""Coaching: trusted advisors who accompany leaders and leadership teams across the movement.

- `CoachProfile`: a person a coordinator has made a coach, with the languages, regions,
  communities and focus areas (skills) they serve, their caseload cap and availability.
- `CoachAssignment` (an engagement): a coach with one leader, or with a community's leadership
  team (its organisers), for goals, between two dates, with a planned number of sessions or
  hours. It is proposed by a coordinator, accepted or declined by the coach, then active, maybe
  paused, and completed.
- `CoachingSession`: one conversation, with a summary the coachee reads.
- `CoachingNote`: the coach's private notes on one session, in a table of their own. Nobody
  else reads them: not the coachee, not organisers or coordinators, and not admins (no admin
  page, export, search or history holds them: leadership/coaching/__init__.py says why).

The caseload is a counter on the profile (`open_count`: engagements proposed, active or paused)
under a CHECK against `caseload_cap`, moved only under the profile's row lock, as a mentor's
capacity is (mentoring/models.py).

These models belong to the `leadership` app: leadership/models.py imports them.
"""

from datetime import date, timedelta

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from leadership.models import Community, Language, Person, Region, Skill

MAX_CASELOAD = 30
MAX_QUIET_WEEKS = 26
MAX_SESSION_MINUTES = 8 * 60


class CoachProfile(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="coach_profile")
    languages = models.ManyToManyField(
        Language,
        related_name="+",
        blank=True,
        verbose_name=_("languages you coach in"),
    )
    communities = models.ManyToManyField(
        Community,
        related_name="coaches",
        blank=True,
        verbose_name=_("communities served"),
        help_text=_("Communities you know well and would like to serve; optional."),
    )
    skills = models.ManyToManyField(
        Skill, related_name="+", blank=True, verbose_name=_("focus areas")
    )
    caseload_cap = models.PositiveSmallIntegerField(
        _("most engagements at once"),
        default=3,
        help_text=_("Proposed, active and paused engagements count towards it."),
    )
    open_count = models.PositiveSmallIntegerField(_("open engagements"), default=0, editable=False)
    availability = models.CharField(
        _("availability"),
        max_length=300,
        blank=True,
        help_text=_("For example: two evenings a month, UTC+1."),
    )
    accepting = models.BooleanField(
        _("accepting new engagements"),
        default=True,
        help_text=_("Untick to receive no new proposals (current engagements go on)."),
    )
    away_until = models.DateField(
        _("away until"),
        null=True,
        blank=True,
        help_text=_("No new proposals reach you until this day."),
    )
    approach = models.TextField(
        _("how you coach"), max_length=2000, blank=True, help_text=_("Shown to coordinators.")
    )
    created_at = models.DateTimeField(_("coach since"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["open_count"])

    class Meta:
        ordering = ["person__display_name", "pk"]
        verbose_name = _("coach")
        verbose_name_plural = _("coaches")
        constraints = [
            models.CheckConstraint(
                condition=Q(caseload_cap__gte=1, caseload_cap__lte=MAX_CASELOAD),
                name="coach_caseload_cap_range",
            ),
            # Never over-filled: the counter moves only under the profile's row lock.
            models.CheckConstraint(
                condition=Q(open_count__lte=F("caseload_cap")), name="coach_within_caseload"
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)

    def get_absolute_url(self) -> str:
        return reverse("coaching:coach-detail", kwargs={"pk": self.pk})

    @property
    def remaining(self) -> int:
        return max(self.caseload_cap - self.open_count, 0)

    def is_away_on(self, day: date) -> bool:
        return self.away_until is not None and self.away_until > day


class CoachRegion(models.Model):
    """A region a coach serves (a table, not an array: SQLite runs `make run` too)."""

    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="coach_regions")
    region = models.CharField(_("region"), max_length=10, choices=Region.choices)

    class Meta:
        ordering = ["region"]
        verbose_name = _("region served")
        verbose_name_plural = _("regions served")
        constraints = [
            models.UniqueConstraint(fields=["coach", "region"], name="coach_region_unique"),
            models.CheckConstraint(
                condition=Q(region__in=Region.values), name="coach_region_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(Region(self.region).label)


class AssignmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined by the coach")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The statuses that hold a place in the coach's caseload.
OPEN_STATUSES = (AssignmentStatus.PROPOSED, AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED)
CLOSED_STATUSES = (
    AssignmentStatus.COMPLETED,
    AssignmentStatus.DECLINED,
    AssignmentStatus.WITHDRAWN,
)
# The statuses of an engagement under way (sessions can be logged).
RUNNING_STATUSES = (AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED)


class PlanUnit(models.TextChoices):
    SESSIONS = "sessions", _("sessions")
    HOURS = "hours", _("hours")


class CoachAssignment(models.Model):
    """An engagement: a coach with a leader (`coachee`) or with `community`'s leadership team.

    `community` is always set: the community the leader leads in, or the team's. It is what the
    conflict-of-interest rule compares (a coach never works inside a community where they hold
    a role or organise).
    """

    Status = AssignmentStatus
    PlanUnit = PlanUnit

    coach = models.ForeignKey(
        CoachProfile, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("coach")
    )
    # PROTECT, as a term's person is: deleting a person or a community must not silently take
    # engagements with it (and the coach's caseload counter would no longer match them). An
    # engagement is closed through the services first.
    coachee = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coaching_received",
        verbose_name=_("leader"),
        help_text=_("Empty: the engagement is with the community's leadership team."),
    )
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="coaching_assignments",
        verbose_name=_("community"),
    )
    goals = models.TextField(_("goals"), max_length=3000)
    skills = models.ManyToManyField(
        Skill, related_name="+", blank=True, verbose_name=_("focus areas")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("planned end"))
    plan_unit = models.CharField(
        _("planned in"), max_length=10, choices=PlanUnit.choices, default=PlanUnit.SESSIONS
    )
    planned_amount = models.PositiveSmallIntegerField(
        _("planned number"), default=6, help_text=_("Sessions or hours, as chosen above.")
    )
    quiet_weeks = models.PositiveSmallIntegerField(
        _("remind the coach after this many weeks without a session"), default=4
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    requested_by = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked for by"),
    )
    request_reason = models.TextField(_("why it was asked for"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    # When the coach accepted or declined: the dashboards' proposal response times.
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.CharField(_("why declined"), max_length=500, blank=True)
    # The last session's day, and the day the engagement last resumed from a pause: the quiet
    # clock runs from the later of them (or the start), see `quiet_clock_from`.
    last_session_on = models.DateField(_("last session"), null=True, blank=True)
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_note = models.TextField(_("closing note"), max_length=2000, blank=True)

    history = HistoricalRecords(excluded_fields=["last_session_on", "resumed_on"])

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("coaching engagement")
        verbose_name_plural = _("coaching engagements")
        indexes = [
            # The coordinators' list, newest first (keyset pagination on its ordering).
            models.Index(fields=["-starts_on", "-id"], name="assignment_starts_idx"),
            models.Index(fields=["coach", "status"], name="assignment_coach_status_idx"),
            models.Index(fields=["community", "status"], name="assignment_community_idx"),
            models.Index(fields=["coachee", "status"], name="assignment_coachee_idx"),
            # The quiet sweep and the coordinators' quiet list: running engagements by last
            # session.
            models.Index(
                fields=["last_session_on", "id"],
                condition=Q(status=AssignmentStatus.ACTIVE),
                name="assignment_quiet_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(plan_unit__in=PlanUnit.values), name="assignment_plan_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="assignment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(planned_amount__gte=1, planned_amount__lte=500),
                name="assignment_planned_range",
            ),
            models.CheckConstraint(
                condition=Q(quiet_weeks__gte=1, quiet_weeks__lte=MAX_QUIET_WEEKS),
                name="assignment_quiet_weeks_range",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(status__in=CLOSED_STATUSES),
                name="assignment_ended_only_when_closed",
            ),
            # One open engagement of a coach with the same leader, or the same team.
            models.UniqueConstraint(
                fields=["coach", "coachee"],
                condition=Q(status__in=OPEN_STATUSES, coachee__isnull=False),
                name="assignment_one_open_per_leader",
            ),
            models.UniqueConstraint(
                fields=["coach", "community"],
                condition=Q(status__in=OPEN_STATUSES, coachee__isnull=True),
                name="assignment_one_open_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coach} with {self.coachee_label}"

    def get_absolute_url(self) -> str:
        return reverse("coaching:assignment-detail", kwargs={"pk": self.pk})

    @property
    def is_team(self) -> bool:
        return self.coachee_id is None

    @property
    def coachee_label(self) -> str:
        if self.coachee_id is None:
            return str(_("the leadership team of %(community)s") % {"community": self.community})
        return str(self.coachee)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    def quiet_clock_from(self) -> date:
        """The day the weeks without a session count from: the last session, the last resume
        from a pause, or the start, whichever is latest."""
        return quiet_clock_from(self.starts_on, self.last_session_on, self.resumed_on)

    def quiet_on(self) -> date:
        """The day the engagement counts as quiet if no session is logged before it."""
        return self.quiet_clock_from() + timedelta(weeks=self.quiet_weeks)


def quiet_clock_from(
    starts_on: date, last_session_on: date | None, resumed_on: date | None
) -> date:
    """The quiet clock's start from an engagement's three dates (for code reading values)."""
    return max(day for day in (starts_on, last_session_on, resumed_on) if day is not None)


class CoachingSession(models.Model):
    """One coaching conversation. Its summary is shared with the coachee; the coach's private
    notes are a `CoachingNote`, in another table."""

    assignment = models.ForeignKey(
        CoachAssignment, on_delete=models.CASCADE, related_name="sessions"
    )
    happened_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("length in minutes"), default=60)
    summary = models.TextField(_("summary (shared with the coachee)"), max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        indexes = [
            models.Index(fields=["assignment", "happened_on"], name="coaching_session_day_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_SESSION_MINUTES),
                name="coaching_session_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Coaching session on {self.happened_on}"


class CoachingNote(models.Model):
    """The coach's private notes on one session: read by the coach alone, never by an admin.

    No admin page, history, export, search or other selector reads this table; the coach can
    erase a note at any time, and erasing it deletes the row.
    """

    session = models.OneToOneField(
        CoachingSession, on_delete=models.CASCADE, related_name="private_note"
    )
    text = models.TextField(_("private notes (only you can read them)"), max_length=10000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("private coaching note")
        verbose_name_plural = _("private coaching notes")
        default_permissions = ()

    def __str__(self) -> str:
        # Never the text: a note's str() may reach a log or an error page.
        return f"Private note #{self.pk}"
