"""Writes of programmes and their stages."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadership.models import Language, Person, Skill

from ..models import (
    MAX_HORIZON_YEARS,
    EnrolmentStatus,
    ProgrammeLevel,
    Session,
    Stage,
    StageCompletion,
    TrainingProgramme,
    horizon_end,
)
from .base import TrainingError

# The largest number Stage.order (a PositiveSmallIntegerField) holds.
MAX_STAGE_ORDER = 32767


def programme_save(
    *,
    programme: TrainingProgramme,
    languages: Iterable[Language] = (),
    coordinators: Iterable[Person] | None = None,
    created_by: Any = None,
) -> TrainingProgramme:
    """Create or update a programme from a validated instance; refuses a horizon past three years
    and a horizon that would leave scheduled sessions outside it."""
    if programme.ends_on < programme.starts_on:
        raise TrainingError(_("The last day comes before the first day."))
    if programme.starts_on.year + MAX_HORIZON_YEARS >= date.max.year:
        # Its horizon (and a day past it, which the checks below read) would be past the
        # calendar's last day.
        raise TrainingError(
            _("A programme must start before the year %(year)s.")
            % {"year": date.max.year - MAX_HORIZON_YEARS}
        )
    latest = horizon_end(programme.starts_on)
    if programme.ends_on > latest:
        raise TrainingError(
            _("A programme is scheduled at most three years ahead: its last day can be %(day)s.")
            % {"day": latest.isoformat()}
        )
    if programme.level == ProgrammeLevel.LOCAL and programme.community_id is None:
        raise TrainingError(_("A local programme belongs to a community: choose it."))
    if programme.level == ProgrammeLevel.REGIONAL and not programme.region:
        if programme.community_id is None:
            raise TrainingError(_("A regional programme serves a region: choose it."))
        programme.region = programme.community.region  # type: ignore[union-attr]
    if programme.level != ProgrammeLevel.REGIONAL:
        programme.region = ""
    with transaction.atomic():
        if programme.pk is not None:
            _check_sessions_within(programme)
        elif created_by is not None:
            programme.created_by = created_by
        programme.save()
        programme.languages.set(list(languages))
        if coordinators is not None:
            programme.coordinators.set(list(coordinators))
    return programme


def _check_sessions_within(programme: TrainingProgramme) -> None:
    """Refuse a horizon that leaves scheduled sessions outside it (they would be unreachable)."""
    # A session counts by its own local date. Any instant after the first day's midnight at
    # UTC-12 (the last midnight on Earth) is on or after that day everywhere, and any instant
    # before the day after the last day begins at UTC+14 (the first) is on or before it
    # everywhere: only the sessions outside those bounds need their own zone read.
    surely_after = datetime.combine(programme.starts_on, time(), tzinfo=ZoneInfo("Etc/GMT+12"))
    surely_before = datetime.combine(
        programme.ends_on + timedelta(days=1), time(), tzinfo=ZoneInfo("Etc/GMT-14")
    )
    candidates = (
        Session.objects.filter(stage__programme=programme, status=Session.Status.SCHEDULED)
        .filter(Q(starts_at__lt=surely_after) | Q(starts_at__gte=surely_before))
        .only("starts_at", "time_zone")
    )
    outside = [
        session
        for session in candidates
        if not programme.starts_on <= session.local_start.date() <= programme.ends_on
    ]
    if outside:
        raise TrainingError(
            ngettext(
                "%(count)d session is scheduled outside these days; move or cancel it first.",
                "%(count)d sessions are scheduled outside these days; move or cancel them first.",
                len(outside),
            )
            % {"count": len(outside)}
        )


def stage_save(
    *,
    stage: Stage,
    skills: Iterable[Skill] = (),
    prerequisites: Iterable[Stage] = (),
) -> Stage:
    """Create or update a stage; a new stage without an order goes last. Refuses an order already
    taken and prerequisites that would form a circle."""
    prerequisites = list(prerequisites)
    if stage.order and not 1 <= stage.order <= MAX_STAGE_ORDER:
        raise TrainingError(_("A stage's number is from 1 to %(max)s.") % {"max": MAX_STAGE_ORDER})
    with transaction.atomic():
        # The programme's row lock: two stages added at once do not both take the next order.
        TrainingProgramme.objects.select_for_update().get(pk=stage.programme_id)
        if not stage.order:
            top = Stage.objects.filter(programme_id=stage.programme_id).aggregate(Max("order"))
            if (top["order__max"] or 0) >= MAX_STAGE_ORDER:
                raise TrainingError(
                    _("The last stage is number %(max)s: give this one a free number below it.")
                    % {"max": MAX_STAGE_ORDER}
                )
            stage.order = (top["order__max"] or 0) + 1
        elif (
            Stage.objects.filter(programme_id=stage.programme_id, order=stage.order)
            .exclude(pk=stage.pk)
            .exists()
        ):
            raise TrainingError(
                _("Stage %(order)d already exists in this programme; choose another number.")
                % {"order": stage.order}
            )
        if stage.pk is not None:
            _check_no_circle(stage, prerequisites)
        stage.save()
        stage.skills.set(list(skills))
        stage.prerequisites.set(prerequisites)
    return stage


def _check_no_circle(stage: Stage, prerequisites: list[Stage]) -> None:
    """A stage may not require itself, directly or through the stages it requires."""
    seen: set[int] = set()
    frontier = {p.pk for p in prerequisites}
    while frontier:
        if stage.pk in frontier:
            raise TrainingError(
                _("A stage cannot require itself, directly or through other stages.")
            )
        seen |= frontier
        frontier = (
            set(
                Stage.prerequisites.through.objects.filter(from_stage_id__in=frontier).values_list(
                    "to_stage_id", flat=True
                )
            )
            - seen
        )


def stage_delete(*, stage: Stage) -> None:
    """Delete a stage that nobody has enrolled in or completed; refuses otherwise."""
    with transaction.atomic():
        # The sessions' row locks: an enrolment (which locks its session) cannot slip in between
        # the check and the delete, and be lost with the stage.
        list(Session.objects.select_for_update().filter(stage=stage).values_list("pk", flat=True))
        if StageCompletion.objects.filter(stage=stage).exists():
            raise TrainingError(_("People have completed this stage: it cannot be deleted."))
        if Session.objects.filter(
            stage=stage,
            enrolments__status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED],
        ).exists():
            raise TrainingError(
                _("People are enrolled in sessions of this stage: cancel the sessions first.")
            )
        stage.delete()
