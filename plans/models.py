"""Leadership plans: a community's roles and their rules, and who holds which seat when.

Roles belong to the community rather than to one plan: a board outlives a 2026-2028 plan, and
term limits count a person's terms across plans. A plan is the community's document for a period
(its vision, goals and diversity goals) and shows the roles and terms of that period.

Seat, term and person are kept apart: a role has seats (1..seats), a term is one person in one
seat from a start to an end, and a person may hold several terms over the years.
"""

from collections.abc import Collection
from datetime import date

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from leadership.models import Community, Person, PersonSkill, Skill

from . import term_rules


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


class LeadershipPlan(models.Model):
    Status = PlanStatus

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="plans", verbose_name=_("community")
    )
    starts_on = models.DateField(_("period starts"))
    ends_on = models.DateField(_("period ends"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    vision = models.TextField(_("vision"), blank=True)
    goals = models.TextField(_("goals"), blank=True)
    diversity_goals = models.TextField(_("diversity and inclusion goals"), blank=True)
    resources_needed = models.TextField(_("resources needed"), blank=True)
    leader_support = models.TextField(_("how leaders are trained and supported"), blank=True)
    review_on = models.DateField(_("next review"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["community", "-starts_on", "pk"]
        verbose_name = _("leadership plan")
        verbose_name_plural = _("leadership plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="plan_period_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="plan_status_valid"
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=Q(status=PlanStatus.PUBLISHED),
                name="plan_one_published_per_community",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.starts_on.year}-{self.ends_on.year}"

    def get_absolute_url(self) -> str:
        return reverse("plans:plan-detail", kwargs={"pk": self.pk})


class RoleFilledBy(models.TextChoices):
    ELECTED = "elected", _("elected")
    APPOINTED = "appointed", _("appointed")
    VOLUNTEER = "volunteer", _("volunteer")


class Role(models.Model):
    FilledBy = RoleFilledBy

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="roles", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    responsibilities = models.TextField(_("responsibilities"), blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    filled_by = models.CharField(
        _("filled by"), max_length=20, choices=FilledBy.choices, default=FilledBy.ELECTED
    )
    term_months = models.PositiveSmallIntegerField(
        _("term length (months)"), help_text=_("The longest a single term may last.")
    )
    max_consecutive_terms = models.PositiveSmallIntegerField(
        _("maximum consecutive terms"),
        null=True,
        blank=True,
        help_text=_(
            "Terms are consecutive when the next one starts before the cool-off after the "
            "previous one has passed (with no cool-off: on the day it ends). Empty: no limit."
        ),
    )
    cool_off_months = models.PositiveSmallIntegerField(
        _("cool-off (months)"),
        default=0,
        help_text=_(
            "How long someone must step away before a new run of terms, once they served the "
            "maximum consecutive terms."
        ),
    )
    max_total_years = models.PositiveSmallIntegerField(
        _("maximum total years"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    is_leadership = models.BooleanField(_("counts as a leadership role"), default=True)
    succession_lead_months = models.PositiveSmallIntegerField(
        _("succession lead time (months)"),
        default=3,
        help_text=_("How long before a term ends a successor should be in view."),
    )
    skills = models.ManyToManyField(
        Skill, through="RoleSkill", related_name="roles", blank=True, verbose_name=_("skills")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["community", "title", "pk"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                "community", Lower("title"), name="role_title_unique_in_community"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="role_has_a_seat"),
            models.CheckConstraint(condition=Q(term_months__gte=1), name="role_term_not_empty"),
            models.CheckConstraint(
                condition=Q(max_consecutive_terms__isnull=True) | Q(max_consecutive_terms__gte=1),
                name="role_consecutive_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_total_years__isnull=True) | Q(max_total_years__gte=1),
                name="role_total_years_positive",
            ),
            models.CheckConstraint(
                condition=Q(filled_by__in=RoleFilledBy.values), name="role_filled_by_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:role-detail", kwargs={"pk": self.pk})

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Postgres can neither store nor compare a NUL character: refused with the fields' own
        # errors, so that the title's uniqueness is not looked up with one (full_clean() skips
        # the constraints of fields in error). Forms refuse them already; an imported file does
        # not go through a form.
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.error_dict
        for field in self._meta.concrete_fields:
            value = getattr(self, field.attname)
            if (exclude is None or field.name not in exclude) and isinstance(value, str):
                try:
                    ProhibitNullCharactersValidator()(value)
                except ValidationError as error:
                    errors.setdefault(field.name, []).append(error)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        # Fewer seats than are held would leave holders in seats the role no longer has.
        if self.pk is not None and self.terms.filter(seat__gt=self.seats).exists():
            raise ValidationError(
                {
                    "seats": _(
                        "Terms are held in seats above %(seats)s: end them before removing "
                        "those seats."
                    )
                    % {"seats": self.seats}
                }
            )


class RoleSkill(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="role_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(
        _("minimum level"), choices=PersonSkill.Level.choices
    )

    class Meta:
        ordering = ["role", "skill"]
        verbose_name = _("skill a role needs")
        verbose_name_plural = _("skills a role needs")
        constraints = [
            models.UniqueConstraint(fields=["role", "skill"], name="role_skill_unique"),
            models.CheckConstraint(
                condition=Q(min_level__gte=1, min_level__lte=4), name="role_skill_level_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.skill} ({self.min_level})"


class StepKind(models.TextChoices):
    TRAINING = "training", _("training")
    MENTORING = "mentoring", _("mentoring")
    SHADOWING = "shadowing", _("shadowing")
    RESOURCE = "resource", _("resource")
    OTHER = "other", _("other")


class PathwayStep(models.Model):
    """One step of a role's succession pathway: what prepares someone to take the role on."""

    Kind = StepKind

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="pathway_steps", verbose_name=_("role")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("step"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    url = models.URLField(_("link"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "position", "pk"]
        verbose_name = _("pathway step")
        verbose_name_plural = _("pathway steps")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StepKind.values), name="step_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Readiness(models.TextChoices):
    READY_NOW = "ready_now", _("ready now")
    WITHIN_A_YEAR = "within_a_year", _("ready within a year")
    LATER = "later", _("ready later")


class SuccessorCandidate(models.Model):
    """Someone named as a possible successor in a role, and how soon they could take it on."""

    Readiness = Readiness

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("role")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="candidacies", verbose_name=_("person")
    )
    readiness = models.CharField(_("readiness"), max_length=20, choices=Readiness.choices)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("named"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "readiness", "pk"]
        verbose_name = _("successor candidate")
        verbose_name_plural = _("successor candidates")
        constraints = [
            models.UniqueConstraint(fields=["role", "person"], name="candidate_once_per_role"),
            models.CheckConstraint(
                condition=Q(readiness__in=Readiness.values), name="candidate_readiness_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} for {self.role} ({self.get_readiness_display()})"


class TermStatus(models.TextChoices):
    UPCOMING = "upcoming", _("upcoming")
    CURRENT = "current", _("current")
    ENDING_SOON = "ending_soon", _("ending soon")
    HOLDOVER = "holdover", _("holdover")
    ENDED = "ended", _("ended")


class DateRange(Func):
    """Postgres's daterange(start, end, '[)'): a term's days, its end excluded."""

    function = "DATERANGE"
    output_field = DateRangeField()


# A term's days run from its start up to (not including) its actual end, or its planned end.
_TERM_DAYS = DateRange("starts_on", Coalesce("ended_on", "ends_on"), RangeBoundary())


class Term(models.Model):
    """A person in one seat of a role, for the days [starts_on, ended_on or ends_on)."""

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="terms", verbose_name=_("role")
    )
    seat = models.PositiveSmallIntegerField(_("seat"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="terms", verbose_name=_("person")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(
        _("ends on"), help_text=_("The day the term ends: a successor may start that day.")
    )
    ended_on = models.DateField(
        _("stepped down on"),
        null=True,
        blank=True,
        help_text=_(
            "When the holder left: before the planned end (stepped down early), or after it "
            "for a holder who stayed on with nobody after them."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "seat", "starts_on", "pk"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        indexes = [
            models.Index(fields=["person", "role", "starts_on"], name="term_person_idx"),
            # A seat's latest term (the roles at risk across communities) in one index probe.
            models.Index(fields=["role", "seat", "starts_on"], name="term_seat_idx"),
            # The reminder sweep's terms ending on given days (plans/reminders.py).
            models.Index(
                fields=["ends_on"], condition=Q(ended_on__isnull=True), name="term_open_end_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seat__gte=1), name="term_seat_positive"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="term_not_empty"),
            # Ended early, or (a holdover who stayed on with nobody after them) after the
            # planned end: either way after it began.
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=F("starts_on")),
                name="term_ended_after_start",
            ),
            # Postgres only (see the migration): one term per seat on any day, which with seats
            # numbered up to the role's (the services and Role.clean) keeps a role from being
            # over-filled, and one seat per person and role.
            ExclusionConstraint(
                name="term_seat_not_shared",
                expressions=[
                    (_TERM_DAYS, RangeOperators.OVERLAPS),
                    ("role", RangeOperators.EQUAL),
                    ("seat", RangeOperators.EQUAL),
                ],
            ),
            ExclusionConstraint(
                name="term_person_one_seat_per_role",
                expressions=[
                    (_TERM_DAYS, RangeOperators.OVERLAPS),
                    ("role", RangeOperators.EQUAL),
                    ("person", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} #{self.seat}: {self.person} {self.starts_on} to {self.end}"

    Status = TermStatus

    @property
    def end(self) -> date:
        """The day the term actually ends: early if the holder stepped down."""
        return self.ended_on or self.ends_on

    def status_on(self, today: date, *, successor_started: bool) -> TermStatus:
        """Where the term stands on `today`: derived from its dates, never stored.

        `successor_started`: whether a later term in the same seat has begun by `today`. Until
        one has, a holder whose term ran out (and who did not step down) stays on: a holdover.
        """
        if today < self.starts_on:
            return TermStatus.UPCOMING
        if today < self.end:
            lead = term_rules.add_months(self.end, -self.role.succession_lead_months)
            return TermStatus.ENDING_SOON if today >= lead else TermStatus.CURRENT
        if self.ended_on is None and not successor_started:
            return TermStatus.HOLDOVER
        return TermStatus.ENDED
