"""Mentoring: programmes, who offers and who asks, the matching runs, proposals and relationships.

The life of a pair:

1. People apply to a programme: a `MentorOffer` (capacity, skills offered, availability, away
   until) or a `MenteeApplication` (goals, skills wanted, preferences). Languages and time zone
   come from the person's profile, never copied.
2. A coordinator starts a `MatchRun`; the job (tasks.py -> services.match_run_execute) writes
   its pairs as `Proposal`s in state STAGED, for review. Pinned proposals survive a re-run;
   removed ones are never proposed again in that review.
3. Publishing turns staged proposals into PROPOSED, with a deadline: the mentor accepts (a
   `Relationship` begins) or declines; unanswered, the proposal EXPIRES at its deadline. Either
   way the mentee goes back to the pool with their original `waiting_since`.
4. A relationship has check-ins (notes private to the pair), may end early or on a rematch
   request, and is flagged when quiet for the programme's `quiet_weeks`.

Capacity is a counter on the offer (`active_count`) under a CHECK against `capacity`, changed
only under the offer's row lock: two accepts at the same moment cannot over-fill a mentor, and a
partial unique index keeps one active relationship per mentee application.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from leadership.models import Community, Person, Skill

MAX_CAPACITY = 5


class ProgrammeScope(models.TextChoices):
    COMMUNITY = "community", _("One community")
    COMMUNITIES = "communities", _("Several communities")
    MOVEMENT = "movement", _("Movement-wide")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Trait(models.TextChoices):
    """What a mentor may say of themselves, optionally, and a mentee may ask for.

    Self-identified and optional; used only to honour a mentee's stated wish, never shown to
    anyone but the mentor themselves and, for a pair, as "matches your preference".
    """

    UNDERREPRESENTED = "underrepresented", _("From a group underrepresented in the movement")
    GENDER = "gender", _("A woman, non-binary or gender-diverse person")
    EMERGING = "emerging", _("From an emerging community")
    SAME_REGION = "region", _("Lives in the same part of the world")
    VOLUNTEER = "volunteer", _("A volunteer rather than a staff member")
    FIRST_GENERATION = "first_generation", _("First in their community to hold a leadership role")


class MentoringProgramme(models.Model):
    Scope = ProgrammeScope
    Status = ProgrammeStatus

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    scope = models.CharField(
        _("scope"), max_length=20, choices=Scope.choices, default=Scope.COMMUNITY
    )
    communities = models.ManyToManyField(
        Community,
        verbose_name=_("communities"),
        related_name="mentoring_programmes",
        blank=True,
        help_text=_("Whose members may take part. Empty for a movement-wide programme."),
    )
    coordinators = models.ManyToManyField(
        Person,
        verbose_name=_("programme coordinators"),
        related_name="coordinated_programmes",
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    cohort_starts_on = models.DateField(_("cohort starts"))
    cohort_ends_on = models.DateField(_("cohort ends"))
    applications_open_on = models.DateField(_("applications open"))
    applications_close_on = models.DateField(_("applications close"))
    relationship_weeks = models.PositiveSmallIntegerField(
        _("length of a relationship (weeks)"), default=24
    )
    response_days = models.PositiveSmallIntegerField(
        _("days a mentor has to answer a proposal"), default=7
    )
    quiet_weeks = models.PositiveSmallIntegerField(
        _("weeks without a check-in before a relationship is flagged as quiet"), default=4
    )
    default_mentor_capacity = models.PositiveSmallIntegerField(
        _("default mentor capacity"), default=2
    )
    # Matching rules.
    require_shared_language = models.BooleanField(_("require a shared language"), default=True)
    allow_same_community = models.BooleanField(
        _("allow mentor and mentee from the same community"),
        default=False,
        help_text=_("Off by default: a mentor inside the mentee's own community is a conflict."),
    )
    max_tz_distance_hours = models.PositiveSmallIntegerField(
        _("largest time-zone distance (hours)"),
        null=True,
        blank=True,
        help_text=_("Empty: any distance."),
    )
    skills_weight = models.PositiveSmallIntegerField(_("weight of skills"), default=6)
    tz_weight = models.PositiveSmallIntegerField(_("weight of time-zone closeness"), default=2)
    language_weight = models.PositiveSmallIntegerField(_("weight of languages"), default=2)
    preference_weight = models.PositiveSmallIntegerField(
        _("weight of the mentee's preferences"), default=2
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[communities])

    class Meta:
        ordering = ["-cohort_starts_on", "title", "pk"]
        verbose_name = _("mentoring programme")
        verbose_name_plural = _("mentoring programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=ProgrammeScope.values), name="programme_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProgrammeStatus.values), name="programme_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(cohort_ends_on__gt=F("cohort_starts_on")),
                name="programme_cohort_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(applications_close_on__gte=F("applications_open_on")),
                name="programme_applications_window",
            ),
            models.CheckConstraint(
                condition=Q(default_mentor_capacity__gte=1, default_mentor_capacity__lte=5),
                name="programme_default_capacity_range",
            ),
            models.CheckConstraint(
                condition=Q(response_days__gte=1)
                & Q(relationship_weeks__gte=1)
                & Q(quiet_weeks__gte=1),
                name="programme_durations_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_tz_distance_hours__isnull=True) | Q(max_tz_distance_hours__lte=12),
                name="programme_tz_distance_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(skills_weight__gt=0)
                    | Q(tz_weight__gt=0)
                    | Q(language_weight__gt=0)
                    | Q(preference_weight__gt=0)
                ),
                name="programme_some_weight",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("mentoring:programme-detail", kwargs={"pk": self.pk})

    def accepts_applications_on(self, day: date) -> bool:
        return (
            self.status == ProgrammeStatus.OPEN
            and self.applications_open_on <= day <= self.applications_close_on
        )


class OfferStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MentorOffer(models.Model):
    Status = OfferStatus

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="offers"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mentor_offers")
    # The community the mentor takes part through (one of their memberships in the programme's
    # scope): the conflict-of-interest rule compares it, and every other membership, with the
    # mentee's.
    community = models.ForeignKey(
        Community, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    capacity = models.PositiveSmallIntegerField(_("how many mentees at once"), default=2)
    active_count = models.PositiveSmallIntegerField(_("active mentees"), default=0, editable=False)
    skills: "models.ManyToManyField[Skill, MentorOfferSkill]" = models.ManyToManyField(
        Skill, through="MentorOfferSkill", related_name="+", verbose_name=_("skills offered")
    )
    availability = models.CharField(
        _("availability"),
        max_length=300,
        blank=True,
        help_text=_("For example: two hours a month, weekday evenings."),
    )
    away_until = models.DateField(
        _("away until"),
        null=True,
        blank=True,
        help_text=_("No new proposals reach you until this day."),
    )
    traits = models.JSONField(_("about you (optional)"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("offered"), auto_now_add=True)

    # Self-identified traits are not kept in history: cleared, they are gone.
    history = HistoricalRecords(excluded_fields=["active_count", "traits"])

    class Meta:
        ordering = ["programme", "person__display_name", "pk"]
        verbose_name = _("mentor offer")
        verbose_name_plural = _("mentor offers")
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="offer_unique"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="offer_capacity_range",
            ),
            # Never over-filled: the counter moves only under the offer's row lock.
            models.CheckConstraint(
                condition=Q(active_count__lte=F("capacity")) | Q(status=OfferStatus.WITHDRAWN),
                name="offer_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OfferStatus.values), name="offer_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.programme})"

    def is_away_on(self, day: date) -> bool:
        return self.away_until is not None and self.away_until > day


class MentorOfferSkill(models.Model):
    offer = models.ForeignKey(MentorOffer, on_delete=models.CASCADE, related_name="offer_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("skill offered")
        verbose_name_plural = _("skills offered")
        constraints = [
            models.UniqueConstraint(fields=["offer", "skill"], name="offer_skill_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id} offered in {self.offer_id}"


class ApplicationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a mentor")
    PROPOSED = "proposed", _("A mentor has been asked")
    MATCHED = "matched", _("Matched")
    # The relationship ended (completed or early): the person may apply again.
    FINISHED = "finished", _("Finished")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MenteeApplication(models.Model):
    Status = ApplicationStatus

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="applications"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mentee_applications")
    community = models.ForeignKey(
        Community, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    goals = models.TextField(_("what you want to achieve"), max_length=3000)
    skills: "models.ManyToManyField[Skill, MenteeApplicationSkill]" = models.ManyToManyField(
        Skill, through="MenteeApplicationSkill", related_name="+", verbose_name=_("skills wanted")
    )
    preferences = models.JSONField(_("you would like a mentor who is (optional)"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    # Kept when a proposal is declined or expires: ties go to whoever has waited longest.
    waiting_since = models.DateTimeField(_("waiting since"))
    created_at = models.DateTimeField(_("applied"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "waiting_since", "pk"]
        verbose_name = _("mentee application")
        verbose_name_plural = _("mentee applications")
        indexes = [
            models.Index(
                fields=["programme", "status", "waiting_since"], name="application_pool_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="application_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.programme})"


class MenteeApplicationSkill(models.Model):
    application = models.ForeignKey(
        MenteeApplication, on_delete=models.CASCADE, related_name="application_skills"
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("skill wanted")
        verbose_name_plural = _("skills wanted")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "skill"], name="application_skill_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill_id} wanted in {self.application_id}"


class Exclusion(models.Model):
    """`person` does not want to be paired with `excluded`, as mentor or mentee, anywhere."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="exclusions")
    excluded = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("excluded pair")
        verbose_name_plural = _("excluded pairs")
        constraints = [
            models.UniqueConstraint(fields=["person", "excluded"], name="exclusion_unique"),
            models.CheckConstraint(condition=~Q(person=F("excluded")), name="exclusion_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.person} excludes {self.excluded}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RunStage(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    READING = "reading", _("Reading applications")
    SCORING = "scoring", _("Scoring pairs")
    SOLVING = "solving", _("Finding the best matching")
    PRICING = "pricing", _("Proving it optimal")
    WRITING = "writing", _("Writing proposals")
    DONE = "done", _("Done")


class MatchRun(models.Model):
    """One run of the matching job: who asked, with what, and what came out."""

    Status = RunStatus
    Stage = RunStage

    programme = models.ForeignKey(MentoringProgramme, on_delete=models.CASCADE, related_name="runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    parameters = models.JSONField(default=dict)
    # What the bits of the explanation masks stand for: {"languages": [codes], "skills": [ids],
    # "traits": [values]}, bit b of a mask being the b-th entry.
    bits = models.JSONField(default=dict)
    mentees = models.PositiveIntegerField(default=0)
    mentors = models.PositiveIntegerField(default=0)
    pinned = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    total_score = models.BigIntegerField(default=0)
    # Matched * BIG + score * scale + wait bonus (mentoring/matching.py): beyond 64 bits at scale.
    objective = models.DecimalField(max_digits=40, decimal_places=0, null=True)
    certified = models.BooleanField(default=False)
    rounds = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True)
    timings = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Written with each progress step: a running run whose heartbeat stopped long ago lost its
    # worker, and no longer blocks the next run.
    heartbeat_at = models.DateTimeField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="run_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_range"),
            # One run at a time per programme: a second click while one runs is refused.
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]),
                name="run_one_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.programme}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


class ProposalStatus(models.TextChoices):
    STAGED = "staged", _("Staged for review")
    REMOVED = "removed", _("Removed by the coordinator")
    PROPOSED = "proposed", _("Waiting for the mentor")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Proposal(models.Model):
    Status = ProposalStatus

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="proposals"
    )
    run = models.ForeignKey(
        MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    application = models.ForeignKey(
        MenteeApplication, on_delete=models.CASCADE, related_name="proposals"
    )
    offer = models.ForeignKey(MentorOffer, on_delete=models.CASCADE, related_name="proposals")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.STAGED
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    score = models.PositiveSmallIntegerField(_("score"))
    # The why of the pair, as bit masks over the run's `bits` (MatchRun): rendered in the
    # reader's language when shown, not stored as English sentences.
    shared_languages = models.BigIntegerField(default=0)
    shared_fluent_languages = models.BigIntegerField(default=0)
    shared_skills = models.BigIntegerField(default=0)
    preferences_met = models.BigIntegerField(default=0)
    tz_distance_minutes = models.PositiveSmallIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "-created_at", "pk"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            models.Index(fields=["programme", "status"], name="proposal_programme_status_idx"),
            models.Index(fields=["offer", "status"], name="proposal_offer_status_idx"),
            models.Index(
                fields=["respond_by"],
                condition=Q(status=ProposalStatus.PROPOSED),
                name="proposal_open_deadline_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"
            ),
            models.CheckConstraint(condition=Q(score__lte=1000), name="proposal_score_range"),
            # A mentee is offered to one mentor at a time in a programme.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=[ProposalStatus.STAGED, ProposalStatus.PROPOSED]),
                name="proposal_one_open_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.STAGED)
                | Q(status=ProposalStatus.REMOVED)
                | Q(status=ProposalStatus.CANCELLED)
                | Q(published_at__isnull=False, respond_by__isnull=False),
                name="proposal_published_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer.person} - {self.application.person}"

    def get_absolute_url(self) -> str:
        return reverse("mentoring:proposal-detail", kwargs={"pk": self.pk})

    @property
    def halfway_at(self) -> datetime | None:
        if self.published_at is None or self.respond_by is None:
            return None
        return self.published_at + (self.respond_by - self.published_at) / 2


class RelationshipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class EndReason(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    EARLY = "early", _("Ended early")
    REMATCH = "rematch", _("Rematch requested")


class Relationship(models.Model):
    Status = RelationshipStatus
    EndReason = EndReason

    programme = models.ForeignKey(
        MentoringProgramme, on_delete=models.CASCADE, related_name="relationships"
    )
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="relationship")
    offer = models.ForeignKey(MentorOffer, on_delete=models.CASCADE, related_name="relationships")
    application = models.ForeignKey(
        MenteeApplication, on_delete=models.CASCADE, related_name="relationships"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    goals = models.TextField(_("goals"), blank=True, max_length=3000)
    started_on = models.DateField(_("started"))
    planned_end_on = models.DateField(_("planned end"))
    # The last check-in's date (or the start): what the quiet flag and its reminder watch.
    last_activity_on = models.DateField(_("last check-in"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("why it ended"), max_length=20, choices=EndReason.choices, blank=True
    )
    ended_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_note = models.TextField(_("reason"), blank=True, max_length=1000)

    history = HistoricalRecords(excluded_fields=["last_activity_on"])

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name = _("mentoring relationship")
        verbose_name_plural = _("mentoring relationships")
        indexes = [
            # A programme's quiet pairs, quietest first (the coordinator's dashboard), and the
            # reminder sweep's active pairs.
            models.Index(
                fields=["programme", "last_activity_on", "id"],
                condition=Q(status=RelationshipStatus.ACTIVE),
                name="relationship_quiet_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RelationshipStatus.values), name="relationship_status_valid"
            ),
            # A mentee never has two active mentors in one programme.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status=RelationshipStatus.ACTIVE),
                name="relationship_one_active_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(status=RelationshipStatus.ACTIVE, ended_on__isnull=True)
                | Q(status=RelationshipStatus.ENDED, ended_on__isnull=False),
                name="relationship_ended_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer.person} mentors {self.application.person}"

    def get_absolute_url(self) -> str:
        return reverse("mentoring:relationship-detail", kwargs={"pk": self.pk})

    def quiet_since(self, today: date, quiet_weeks: int) -> bool:
        return self.status == RelationshipStatus.ACTIVE and (
            today - self.last_activity_on >= timedelta(weeks=quiet_weeks)
        )


class CheckIn(models.Model):
    """A conversation of the pair. Its notes are the pair's alone; others see only the date."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="check_ins"
    )
    happened_on = models.DateField(_("date"))
    notes = models.TextField(_("notes (only the two of you can read them)"), blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"Check-in on {self.happened_on}"


class Feedback(models.Model):
    """What one side thought of the relationship when it ended."""

    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="feedback"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("how useful was it (1-5)"))
    comment = models.TextField(_("anything to add"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(fields=["relationship", "person"], name="feedback_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback by {self.person}"
