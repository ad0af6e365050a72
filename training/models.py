"""Training: multi-stage programmes, their sessions over up to three years, enrolment and progress.

The shape of a programme:

- A `TrainingProgramme` (local to one community, regional, or movement-wide) has ordered
  `Stage`s. A stage develops skills, may require other stages first (its `prerequisites`, any
  stages, even of another programme: a local academy can lead into a global one), and is
  completed by a rule: attending at least `min_sessions` of its sessions, or a facilitator's
  sign-off. A `StageCompletion` row records it; it is what makes the next stage open.
- A stage's sessions are rows (`Session`), each with its own start and end instants and its own
  IANA time zone. A `SessionSeries` is the recurrence rule (RFC 5545) that generated some of
  them: its wall-clock start time is kept in its time zone across daylight-saving changes, its
  occurrences are stored for the whole horizon (at most three years), and each occurrence keeps
  the instant the rule gave it (`original_start`, iCalendar's RECURRENCE-ID), so that one moved
  or cancelled occurrence is still known as the same one.
- People enrol in a session. `seats_taken` counts the enrolled under a CHECK against the
  capacity, changed only under the session's row lock: the last seat taken by two people at
  the same moment goes to one, and the other is waitlisted. A cancellation promotes the first
  in line.
- The knowledge library: `Resource`s (links to guides, tutorials, templates, recordings) tagged
  with skills and stages, translated (a translation points at its original), each with an owner
  and a review date, and marked done by people.
"""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField

from leadership.models import Community, Language, Person, Region, Skill

from .recurrence import describe

# Sessions are scheduled, and series stored, at most this far ahead of a programme's start.
MAX_HORIZON_YEARS = 3
# The longest session: a whole-day workshop runs long, but a two-day "session" is two sessions.
MAX_SESSION_MINUTES = 24 * 60
MAX_CAPACITY = 10_000


class ProgrammeLevel(models.TextChoices):
    LOCAL = "local", _("Local")
    REGIONAL = "regional", _("Regional")
    MOVEMENT = "movement", _("Movement-wide")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Registration open")
    CLOSED = "closed", _("Registration closed")
    ARCHIVED = "archived", _("Archived")


def horizon_end(starts_on: date) -> date:
    """The last day a programme starting on `starts_on` may schedule a session."""
    try:
        return starts_on.replace(year=starts_on.year + MAX_HORIZON_YEARS)
    except ValueError:  # 29 February: three years on there is none; the 28th is the last day.
        return starts_on.replace(year=starts_on.year + MAX_HORIZON_YEARS, day=28)


class TrainingProgramme(models.Model):
    Level = ProgrammeLevel
    Status = ProgrammeStatus

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.LOCAL)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_programmes",
        verbose_name=_("owning community"),
        help_text=_("Empty for a programme run for the movement as a whole."),
    )
    region = models.CharField(
        _("region"),
        max_length=10,
        choices=Region.choices,
        blank=True,
        help_text=_("For a regional programme: the region it serves."),
    )
    coordinators = models.ManyToManyField(
        Person,
        verbose_name=_("programme coordinators"),
        related_name="coordinated_trainings",
        blank=True,
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages"), related_name="training_programmes", blank=True
    )
    time_zone = TimeZoneField(
        _("time zone"),
        default="UTC",
        help_text=_("New sessions start in this time zone unless you choose another."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(
        _("last day (horizon)"),
        help_text=_("Sessions are scheduled up to this day, at most three years after the first."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[languages])

    class Meta:
        ordering = ["-starts_on", "title", "pk"]
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        indexes = [
            models.Index(fields=["community", "status"], name="training_programme_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=ProgrammeLevel.values), name="training_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProgrammeStatus.values), name="training_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="training_horizon_after_start"
            ),
            # A local programme belongs to a community.
            models.CheckConstraint(
                condition=~Q(level=ProgrammeLevel.LOCAL) | Q(community__isnull=False),
                name="training_local_has_community",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:programme-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.starts_on and self.ends_on:
            if self.ends_on < self.starts_on:
                errors["ends_on"] = _("The last day comes before the first day.")
            elif self.ends_on > horizon_end(self.starts_on):
                errors["ends_on"] = _(
                    "A programme is scheduled at most three years ahead: its last day can be "
                    "%(day)s."
                ) % {"day": horizon_end(self.starts_on).isoformat()}
        if self.level == ProgrammeLevel.LOCAL and self.community_id is None:
            errors["community"] = _("A local programme belongs to a community: choose it.")
        if errors:
            raise ValidationError(errors)


class CompletionRule(models.TextChoices):
    ATTENDANCE = "attendance", _("Attend at least a number of its sessions")
    SIGN_OFF = "sign_off", _("A facilitator's sign-off")


class Stage(models.Model):
    Rule = CompletionRule

    programme = models.ForeignKey(
        TrainingProgramme, on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills it develops"), related_name="training_stages", blank=True
    )
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="unlocks",
        blank=True,
        verbose_name=_("stages to complete first"),
        help_text=_("Usually the previous stage; any stages, even of another programme."),
    )
    completion_rule = models.CharField(
        _("completed when"),
        max_length=20,
        choices=Rule.choices,
        default=Rule.ATTENDANCE,
    )
    min_sessions = models.PositiveSmallIntegerField(
        _("sessions to attend"),
        default=1,
        help_text=_("For completion by attendance: how many of the stage's sessions."),
    )

    history = HistoricalRecords(m2m_fields=[prerequisites])

    class Meta:
        ordering = ["programme", "order", "pk"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["programme", "order"], name="stage_order_unique"),
            models.CheckConstraint(
                condition=Q(completion_rule__in=CompletionRule.values),
                name="stage_completion_rule_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_sessions__gte=1, min_sessions__lte=100),
                name="stage_min_sessions_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("training:stage-detail", kwargs={"pk": self.pk})


class SessionSeries(models.Model):
    """A recurrence rule that generated sessions of a stage, and what they share.

    `rrule` is an RFC 5545 RRULE value without DTSTART (e.g. "FREQ=WEEKLY;BYDAY=TU;COUNT=10"),
    bounded by COUNT or by UNTIL (stored in UTC, as RFC 5545 requires when DTSTART has a time
    zone). The first occurrence is `first_date` at `start_time` in `time_zone`: every occurrence
    keeps that wall-clock time, whatever the UTC offset on its day. `exdates` are the local dates
    skipped (exceptions). The rows it generated are `sessions`; editing "all" or "this and
    following" (services) rewrites them and, for "following", splits the series in two.
    """

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(_("title"), max_length=200, blank=True)
    rrule = models.CharField(_("recurrence rule"), max_length=500)
    first_date = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(_("length (minutes)"))
    time_zone = TimeZoneField(_("time zone"))
    exdates = models.JSONField(_("skipped dates"), default=list, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    online_url = models.URLField(_("online link"), blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    facilitators = models.ManyToManyField(
        Person, verbose_name=_("facilitators"), related_name="facilitated_series", blank=True
    )
    # RFC 5545 SEQUENCE of the series' master event: raised on each change calendars must see.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["stage", "first_date", "start_time", "pk"]
        verbose_name = _("series of sessions")
        verbose_name_plural = _("series of sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_SESSION_MINUTES),
                name="series_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="series_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.stage.title} ({self.rrule})"

    @property
    def first_start(self) -> datetime:
        """The series' DTSTART: the first occurrence's start, aware, in its own time zone."""
        return datetime.combine(
            self.first_date, self.start_time, tzinfo=ZoneInfo(str(self.time_zone))
        )

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def description(self) -> str:
        """The rule in words: "Weekly on Tuesday, until 31 Dec 2027"."""
        return describe(self.rrule, time_zone=str(self.time_zone))


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Session(models.Model):
    Status = SessionStatus

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="sessions")
    series = models.ForeignKey(
        SessionSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    # The instant the series' rule gave this occurrence (iCalendar's RECURRENCE-ID); unchanged
    # when the occurrence alone is moved. Empty for a session outside any series.
    original_start = models.DateTimeField(_("start in the series"), null=True, blank=True)
    # Edited on its own ("this one"): later edits of the series leave its time and place alone.
    detached = models.BooleanField(_("edited on its own"), default=False)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = TimeZoneField(_("time zone"))
    online_url = models.URLField(_("online link"), blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places"))
    # Enrolled people, moved only under this row's lock (services.session_enrol and friends).
    seats_taken = models.PositiveIntegerField(_("places taken"), default=0, editable=False)
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    facilitators = models.ManyToManyField(
        Person, verbose_name=_("facilitators"), related_name="facilitated_sessions", blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    # RFC 5545 SEQUENCE: raised whenever the time, place or status changes.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    attendance_marked_at = models.DateTimeField(_("attendance marked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["seats_taken"])

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["stage", "starts_at", "id"], name="session_stage_start_idx"),
            models.Index(fields=["starts_at", "id"], name="session_start_idx"),
            models.Index(fields=["series", "original_start"], name="session_series_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="session_capacity_range",
            ),
            # Never over-filled: the counter moves only under the session's row lock.
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="session_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.UniqueConstraint(
                fields=["series", "original_start"],
                condition=Q(series__isnull=False),
                name="session_occurrence_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} ({self.starts_at:%Y-%m-%d %H:%M} UTC)"

    def get_absolute_url(self) -> str:
        return reverse("training:session-detail", kwargs={"pk": self.pk})

    @property
    def display_title(self) -> str:
        return self.title or self.stage.title

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def local_start(self) -> datetime:
        """The start in the session's own time zone."""
        return self.starts_at.astimezone(ZoneInfo(str(self.time_zone)))

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(ZoneInfo(str(self.time_zone)))


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Enrolment(models.Model):
    Status = EnrolmentStatus

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    # The place in the waiting list: first come, first served (ties by id).
    waitlisted_at = models.DateTimeField(_("joined the waiting list"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    # Set when a seat came from the waiting list; the reminder engine watches it.
    promoted_at = models.DateTimeField(_("promoted from the waiting list"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # None: not marked yet.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "waitlisted_at", "pk"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        indexes = [
            # The waiting list of a session, in order.
            models.Index(
                fields=["session", "status", "waitlisted_at", "id"], name="enrolment_queue_idx"
            ),
            models.Index(fields=["person", "status"], name="enrolment_person_idx"),
        ]
        constraints = [
            # One live enrolment (enrolled or waiting) per person and session; cancelled ones
            # stay as history, and the person may enrol again.
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=~Q(status=EnrolmentStatus.CANCELLED),
                name="enrolment_live_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrolmentStatus.values), name="enrolment_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrolmentStatus.WAITLISTED) | Q(waitlisted_at__isnull=False),
                name="enrolment_waitlisted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrolmentStatus.ENROLLED) | Q(enrolled_at__isnull=False),
                name="enrolment_enrolled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.session_id} ({self.status})"


class CompletionHow(models.TextChoices):
    ATTENDANCE = "attendance", _("By attendance")
    SIGN_OFF = "sign_off", _("Signed off")


class StageCompletion(models.Model):
    """A person completed a stage: what makes the stages after it open to them."""

    How = CompletionHow

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="completions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="stage_completions")
    completed_on = models.DateField(_("completed on"))
    how = models.CharField(_("how"), max_length=20, choices=How.choices)
    signed_off_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["stage", "completed_on", "pk"]
        verbose_name = _("completed stage")
        verbose_name_plural = _("completed stages")
        indexes = [models.Index(fields=["person", "stage"], name="completion_person_idx")]
        constraints = [
            models.UniqueConstraint(fields=["stage", "person"], name="completion_unique"),
            models.CheckConstraint(
                condition=Q(how__in=CompletionHow.values), name="completion_how_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} completed {self.stage}"


class ResourceKind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    TUTORIAL = "tutorial", _("Tutorial")
    TEMPLATE = "template", _("Template")
    RECORDING = "recording", _("Recording")


class Resource(models.Model):
    Kind = ResourceKind

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    url = models.URLField(_("link"), max_length=500)
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    # A translation points at its original; an original points nowhere.
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills"), related_name="resources", blank=True
    )
    stages = models.ManyToManyField(
        Stage, verbose_name=_("stages"), related_name="resources", blank=True
    )
    owner = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_resources"
    )
    review_by = models.DateField(
        _("review by"), help_text=_("After this day the resource is flagged as due for review.")
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [models.Index(fields=["review_by"], name="resource_review_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ResourceKind.values), name="resource_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(translation_of=F("pk")), name="resource_not_own_translation"
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                condition=Q(translation_of__isnull=False),
                name="resource_one_translation_per_language",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:resource-detail", kwargs={"pk": self.pk})

    def due_for_review_on(self, day: date) -> bool:
        return self.review_by < day


class ResourceDone(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="done_by")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="resources_done")
    done_at = models.DateTimeField(_("done"), auto_now_add=True)

    class Meta:
        verbose_name = _("resource done")
        verbose_name_plural = _("resources done")
        constraints = [
            models.UniqueConstraint(fields=["resource", "person"], name="resource_done_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} did {self.resource_id}"


class FeedToken(models.Model):
    """A person's secret key to their personal calendar feed; regenerating it replaces the row."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="training_feed")
    token = models.CharField(_("key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal calendar key")
        verbose_name_plural = _("personal calendar keys")

    def __str__(self) -> str:
        return f"calendar key of {self.person_id}"
