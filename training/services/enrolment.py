"""Writes of enrolment and progression: enrol, cancel, the waiting list, attendance, sign-off.

Every refused change raises TrainingError with a message for the person who asked and changes
nothing. `Session.seats_taken` moves only under the session's row lock (SELECT ... FOR UPDATE),
and the lock is always taken first, before any enrolment row: so two writers on one session queue
on one lock and never wait for each other in a circle, and the CHECK (seats_taken <= capacity)
is the last line of defence, never the referee.

A promotion from the waiting list sets `promoted_at`; the reminder engine watches it
(training/reminders.py, `session_promoted`) and sends the email. So that it goes out within
seconds rather than at the next beat, the sweep is enqueued when the transaction commits; the
engine's claim row keeps it to exactly one email however many sweeps run.
"""

from collections.abc import Mapping
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_update_with_history

from leadership.models import Person
from leadership.queue import enqueue_on_commit

from ..models import (
    CompletionHow,
    CompletionRule,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
    Stage,
    StageCompletion,
)
from ..selectors.enrolment import enrolment_refusal
from .base import TrainingError


def _locked_session(session: Session) -> Session:
    """The session's row, locked until the transaction ends, with its stage and programme."""
    # of=("self",): the stage and programme rows are read, not locked; only the session's row
    # orders the writers of its places.
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("stage__programme")
        .get(pk=session.pk)
    )


def _enqueue_sweep() -> None:
    """After the commit, run the reminder sweep: a promoted person hears within seconds (or
    within the 5 minutes of beat's own sweep, if the broker cannot take it now)."""
    from reminders.tasks import reminders_sweep_task

    enqueue_on_commit(reminders_sweep_task)


def _history_user(instance: object, by: Person | None) -> None:
    # simple_history records who made the change when the instance says so.
    if by is not None:
        instance._history_user = by.user  # type: ignore[attr-defined]


def session_enrol(*, person: Person, session: Session, now: datetime | None = None) -> Enrolment:
    """Enrol `person`: a place if one is free and nobody is waiting for it, else the waiting
    list (those already in line are moved up first). Raises TrainingError."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_session(session)
        refusal = enrolment_refusal(person=person, session=locked, now=now)
        if refusal is not None:
            raise TrainingError(refusal)
        if (
            locked.seats_taken < locked.capacity
            and Enrolment.objects.filter(
                session_id=locked.pk, status=EnrolmentStatus.WAITLISTED
            ).exists()
        ):
            # A free place with people in line (a session restored after its cancellation, a
            # place freed while the list could not move): it is theirs, not a newcomer's.
            session_fill_from_waiting_list(session=locked, now=now)
        if locked.seats_taken < locked.capacity:
            Session.objects.filter(pk=locked.pk).update(seats_taken=F("seats_taken") + 1)
            enrolment = Enrolment.objects.create(
                session=locked, person=person, status=EnrolmentStatus.ENROLLED, enrolled_at=now
            )
            session.seats_taken = locked.seats_taken + 1
        else:
            enrolment = Enrolment.objects.create(
                session=locked, person=person, status=EnrolmentStatus.WAITLISTED, waitlisted_at=now
            )
    return enrolment


def session_fill_from_waiting_list(*, session: Session, now: datetime) -> list[Enrolment]:
    """Promote the first in line into every free place; call under the session's row lock.

    For the schedule services too: after raising a session's capacity, within the same
    transaction that locked the session (select_for_update) and saved the new capacity, call
    this so that the waiting list moves up at once. Nobody is promoted into a cancelled session
    or one that has started. The promoted are told by email (on commit). Returns them in order.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("session_fill_from_waiting_list must run inside the session's lock.")
    # Read afresh: the caller's instance may predate its own lock.
    row = (
        Session.objects.filter(pk=session.pk)
        .values("capacity", "seats_taken", "status", "starts_at")
        .get()
    )
    free = row["capacity"] - row["seats_taken"]
    if free <= 0 or row["status"] == SessionStatus.CANCELLED or row["starts_at"] <= now:
        return []
    promoted = list(
        Enrolment.objects.select_for_update()
        .filter(session_id=session.pk, status=EnrolmentStatus.WAITLISTED)
        .order_by("waitlisted_at", "pk")[:free]
    )
    if not promoted:
        return []
    for enrolment in promoted:
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.enrolled_at = now
        enrolment.promoted_at = now
        enrolment.save(update_fields=["status", "enrolled_at", "promoted_at"])
    Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + len(promoted))
    session.seats_taken = row["seats_taken"] + len(promoted)
    _enqueue_sweep()
    return promoted


def enrolment_cancel(*, enrolment: Enrolment, by: Person, now: datetime | None = None) -> Enrolment:
    """Cancel an enrolment or a place in line; a freed place goes to the first in line."""
    now = now or timezone.now()
    with transaction.atomic():
        # The module's lock order: the session first, then the enrolment.
        session = _locked_session(enrolment.session)
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.status == EnrolmentStatus.CANCELLED:
            raise TrainingError(_("This enrolment is already cancelled."))
        if session.starts_at <= now and not session.is_cancelled:
            raise TrainingError(_("This session has already started: it can no longer be left."))
        held_place = locked.status == EnrolmentStatus.ENROLLED
        locked.status = EnrolmentStatus.CANCELLED
        locked.cancelled_at = now
        _history_user(locked, by)
        locked.save(update_fields=["status", "cancelled_at"])
        if held_place:
            Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") - 1)
            session_fill_from_waiting_list(session=session, now=now)
    enrolment.status = locked.status
    enrolment.cancelled_at = locked.cancelled_at
    return locked


# Attendance and completion


def attendance_mark(
    *,
    session: Session,
    by: Person,
    attended: Mapping[int, bool],
    now: datetime | None = None,
) -> list[StageCompletion]:
    """Mark who attended (person id: True/False) among the enrolled; returns new completions."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_session(session)
        if locked.is_cancelled:
            raise TrainingError(_("This session was cancelled: there is no attendance to mark."))
        if locked.starts_at > now:
            raise TrainingError(_("Attendance can be marked once the session has started."))
        enrolments = {
            e.person_id: e
            for e in Enrolment.objects.select_for_update().filter(
                session=locked, status=EnrolmentStatus.ENROLLED, person_id__in=list(attended)
            )
        }
        strangers = set(attended) - set(enrolments)
        if strangers:
            raise TrainingError(
                ngettext(
                    "%(count)s person is not enrolled in this session: attendance is marked "
                    "for those enrolled only.",
                    "%(count)s people are not enrolled in this session: attendance is marked "
                    "for those enrolled only.",
                    len(strangers),
                )
                % {"count": len(strangers)}
            )
        changed = []
        for person_id, was_there in attended.items():
            enrolment = enrolments[person_id]
            if enrolment.attended != bool(was_there):
                enrolment.attended = bool(was_there)
                _history_user(enrolment, by)
                changed.append(enrolment)
        if changed:
            bulk_update_with_history(
                changed, Enrolment, ["attended"], default_user=by.user if by else None
            )
        locked.attendance_marked_at = now
        _history_user(locked, by)
        locked.save(update_fields=["attendance_marked_at"])
        session.attendance_marked_at = now
        # Un-marking (True to False) never deletes a completion already recorded: it may have
        # opened the next stage and an enrolment there, which a correction here must not strand
        # in silence. A coordinator who finds a completion wrong removes it on purpose (admin).
        return _complete_by_attendance(
            stage=locked.stage,
            person_ids=[pk for pk, was_there in attended.items() if was_there],
            on=locked.local_start.date(),
        )


def _complete_by_attendance(
    *, stage: Stage, person_ids: list[int], on: date
) -> list[StageCompletion]:
    """Record completion for those who now attended enough of the stage's sessions."""
    if stage.completion_rule != CompletionRule.ATTENDANCE or not person_ids:
        return []
    done = set(
        StageCompletion.objects.filter(stage=stage, person_id__in=person_ids).values_list(
            "person_id", flat=True
        )
    )
    enough = [
        row["person_id"]
        for row in Enrolment.objects.filter(
            session__stage=stage,
            status=EnrolmentStatus.ENROLLED,
            attended=True,
            person_id__in=[pk for pk in person_ids if pk not in done],
        )
        .values("person_id")
        .annotate(n=Count("session", distinct=True))
        .filter(n__gte=stage.min_sessions)
        .order_by("person_id")
    ]
    new = [
        StageCompletion(stage=stage, person_id=pk, completed_on=on, how=CompletionHow.ATTENDANCE)
        for pk in enough
    ]
    # ignore_conflicts: a sign-off or a concurrent marking recorded it first; it stands.
    StageCompletion.objects.bulk_create(new, ignore_conflicts=True)
    return new


def stage_sign_off(
    *, stage: Stage, person: Person, by: Person, on: date | None = None
) -> StageCompletion:
    """Record a facilitator's sign-off of `person` in a SIGN_OFF stage they were enrolled in."""
    if stage.completion_rule != CompletionRule.SIGN_OFF:
        raise TrainingError(
            _("%(stage)s is completed by attendance, not by a sign-off.") % {"stage": stage.title}
        )
    if not Enrolment.objects.filter(
        session__stage=stage, person=person, status=EnrolmentStatus.ENROLLED
    ).exists():
        raise TrainingError(
            _("%(person)s was never enrolled in a session of %(stage)s.")
            % {"person": person.display_name, "stage": stage.title}
        )
    try:
        with transaction.atomic():
            return StageCompletion.objects.create(
                stage=stage,
                person=person,
                completed_on=on or timezone.localdate(),
                how=CompletionHow.SIGN_OFF,
                signed_off_by=by,
            )
    except IntegrityError:
        raise TrainingError(
            _("%(person)s has already completed %(stage)s.")
            % {"person": person.display_name, "stage": stage.title}
        ) from None


def stage_sign_off_undo(*, stage: Stage, person: Person, by: Person) -> None:
    """Withdraw a sign-off (a mistake); completions by attendance are not undone here."""
    deleted, _rows = StageCompletion.objects.filter(
        stage=stage, person=person, how=CompletionHow.SIGN_OFF
    ).delete()
    if not deleted:
        raise TrainingError(
            _("%(person)s has no sign-off in %(stage)s to withdraw.")
            % {"person": person.display_name, "stage": stage.title}
        )
