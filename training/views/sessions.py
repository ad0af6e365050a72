"""Scheduling sessions, a session's page, enrolment, attendance, sign-off, "my trainings" and
progress: thin; the services decide, the selectors check who may see what."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from leadership.fragments import NAMES, fragment_key
from leadership.models import Person
from leadership.selectors import community_get, person_for_user, person_required

from ..forms import Repeats, ScheduleForm, SessionEditForm
from ..fragments import TRAINING, from_now_slice
from ..models import CompletionRule, Enrolment, EnrolmentStatus, Session
from ..recurrence import RuleError, end_date
from ..selectors import enrolment as enrolment_selectors
from ..selectors import progress as progress_selectors
from ..selectors import schedule as schedule_selectors
from ..services.base import TrainingError
from ..services.enrolment import (
    attendance_mark,
    enrolment_cancel,
    session_enrol,
    stage_sign_off,
    stage_sign_off_undo,
)
from ..services.schedule import (
    EditMode,
    series_create,
    series_edit,
    session_cancel,
    session_create,
    session_restore,
    session_skip,
)

# Scheduling


def series_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    stage = schedule_selectors.stage_get(viewer=request.user, pk=pk, to_run=True)
    programme = stage.programme
    form = ScheduleForm(
        request.POST or None,
        initial={
            "time_zone": programme.time_zone,
            "first_date": max(timezone.localdate(), programme.starts_on),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common: dict[str, Any] = {
            "stage": stage,
            "by": person_for_user(user=request.user),
            "duration_minutes": data["duration_minutes"],
            "time_zone": str(data["time_zone"]),
            "capacity": data["capacity"],
            "language": data["language"],
            "online_url": data["online_url"],
            "place": data["place"],
            "facilitators": data["facilitators"],
            "title": data["title"],
        }
        try:
            if data["repeats"] == Repeats.ONCE:
                session = session_create(
                    day=data["first_date"], start_time=data["start_time"], **common
                )
                messages.success(request, _("The session was scheduled."))
                return redirect(session)
            series = series_create(
                rrule=data["rule"],
                first_date=data["first_date"],
                start_time=data["start_time"],
                **common,
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            count = series.sessions.count()
            messages.success(
                request,
                ngettext(
                    "%(count)d session was scheduled: %(rule)s.",
                    "%(count)d sessions were scheduled: %(rule)s.",
                    count,
                )
                % {"count": count, "rule": series.description},
            )
            return redirect(stage)
    context = {"form": form, "stage": stage, "programme": programme}
    return render(request, "training/series_form.html", context)


def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = schedule_selectors.session_get(viewer=request.user, pk=pk, to_run=True)
    local = session.local_start
    initial = {
        "mode": EditMode.THIS,
        "day": local.date(),
        "start_time": local.time().replace(second=0, microsecond=0),
        "duration_minutes": int((session.ends_at - session.starts_at).total_seconds() // 60),
        "time_zone": str(session.time_zone),
        "capacity": session.capacity,
        "language": session.language_id,
        "online_url": session.online_url,
        "place": session.place,
        "title": session.title,
        "facilitators": ", ".join(
            p.user.email for p in session.facilitators.select_related("user").order_by("pk")
        ),
    }
    if session.series is not None:
        initial["end_date"] = end_date(session.series.rrule, str(session.series.time_zone))
    form = SessionEditForm(
        request.POST or None, initial=initial, in_series=session.series_id is not None
    )
    form.series = session.series
    if request.method == "POST" and form.is_valid():
        try:
            changes = form.changes()
            series_edit(
                session=session,
                mode=form.cleaned_data.get("mode", EditMode.THIS),
                by=person_for_user(user=request.user),
                changes=changes,
            )
        except (TrainingError, RuleError) as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The changes were saved."))
            moved = Session.objects.filter(pk=session.pk).first()
            return redirect(moved or session.stage)
    context = {"form": form, "session": session, "stage": session.stage}
    context["programme"] = session.stage.programme
    return render(request, "training/session_edit.html", context)


def _runner_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    session = schedule_selectors.session_get(viewer=request.user, pk=pk, to_run=True)
    stage = session.stage
    try:
        action(session=session, by=person_for_user(user=request.user))
    except TrainingError as error:
        messages.error(request, str(error))
        return redirect(session)
    messages.success(request, done)
    return redirect(Session.objects.filter(pk=pk).first() or stage)


@require_POST
def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _runner_action(
        request, pk, session_cancel, _("The session was cancelled; the people enrolled are told.")
    )


@require_POST
def session_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _runner_action(request, pk, session_restore, _("The session is back on the schedule."))


@require_POST
def session_skip_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _runner_action(request, pk, session_skip, _("The date was taken out of the series."))


# A session and enrolment


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = schedule_selectors.session_get(viewer=request.user, pk=pk)
    person = person_for_user(user=request.user)
    can_run = request.user.has_perm("training.run_programme", session.stage.programme)
    can_mark = can_run or request.user.has_perm("training.mark_attendance", session)
    place = enrolment_selectors.viewer_place(person=person, session=session, now=timezone.now())
    mine = place.enrolment
    waiting = enrolment_selectors.waiting_list(session=session) if can_run else []
    context = {
        "session": session,
        "stage": session.stage,
        "programme": session.stage.programme,
        "facilitators": list(session.facilitators.order_by("display_name")),
        "mine": mine,
        "position": place.position,
        "refusal": place.refusal,
        "waiting": waiting,
        "waiting_count": len(waiting)
        if can_run
        else Enrolment.objects.filter(session=session, status=EnrolmentStatus.WAITLISTED).count(),
        # The online link is for those taking part and those running it: a public link invites
        # strangers into the call.
        "show_link": can_mark or (mine is not None and mine.status == EnrolmentStatus.ENROLLED),
        "can_run": can_run,
        "can_mark": can_mark,
        "started": session.starts_at <= timezone.now(),
    }
    return render(request, "training/session_detail.html", context)


@require_POST
def session_enrol_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = schedule_selectors.session_get(viewer=request.user, pk=pk)
    try:
        enrolment = session_enrol(person=person_required(user=request.user), session=session)
    except TrainingError as error:
        messages.error(request, str(error))
    else:
        if enrolment.status == EnrolmentStatus.ENROLLED:
            messages.success(request, _("You are enrolled. See you there!"))
        else:
            messages.info(
                request,
                _(
                    "The session is full: you are on its waiting list. If a place frees up, "
                    "it is yours and we email you."
                ),
            )
    return redirect(session)


@require_POST
def enrolment_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_required(user=request.user)
    enrolment = get_object_or_404(Enrolment.objects.select_related("session"), pk=pk, person=person)
    try:
        enrolment_cancel(enrolment=enrolment, by=person)
    except TrainingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You are no longer enrolled in this session."))
    return redirect(enrolment.session)


# Attendance and sign-off


def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = schedule_selectors.session_get(viewer=request.user, pk=pk)
    if not request.user.has_perm("training.mark_attendance", session):
        raise PermissionDenied
    roster = enrolment_selectors.session_roster(session=session)
    if request.method == "POST":
        marked = {
            enrolment.person_id: request.POST.get(f"attended-{enrolment.person_id}") == "yes"
            for enrolment in roster
        }
        try:
            completions = attendance_mark(
                session=session, by=person_required(user=request.user), attended=marked
            )
        except TrainingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "Attendance was saved; %(count)d person completed the stage.",
                    "Attendance was saved; %(count)d people completed the stage.",
                    len(completions),
                )
                % {"count": len(completions)},
            )
            return redirect(session)
    context = {
        "session": session,
        "stage": session.stage,
        "programme": session.stage.programme,
        "roster": roster,
        "started": session.starts_at <= timezone.now(),
    }
    return render(request, "training/session_attendance.html", context)


def stage_sign_off_view(request: HttpRequest, pk: int) -> HttpResponse:
    stage = schedule_selectors.stage_get(viewer=request.user, pk=pk)
    if not request.user.has_perm("training.sign_off_stage", stage):
        raise PermissionDenied
    if stage.completion_rule != CompletionRule.SIGN_OFF:
        raise Http404
    participants = enrolment_selectors.stage_participants(stage=stage)
    if request.method == "POST":
        # A hand-made POST may carry anything: no one, someone who is not a participant (nor
        # signed off before), or not a number at all, is told so and changes nothing. Never by
        # name: the page would otherwise tell a facilitator the name of any person id.
        chosen = request.POST.get("person", "")
        target = None
        # At most 18 digits: a longer number is no person (and int() refuses past 4,300).
        if chosen.isdecimal() and len(chosen) <= 18:
            target = next((p.person for p in participants if p.person.pk == int(chosen)), None)
            if target is None:
                target = Person.objects.filter(
                    pk=int(chosen), stage_completions__stage=stage
                ).first()
        if target is None:
            messages.error(request, _("Choose a participant to sign off."))
            return redirect("training:stage-sign-off", pk=stage.pk)
        try:
            if request.POST.get("undo"):
                stage_sign_off_undo(
                    stage=stage, person=target, by=person_required(user=request.user)
                )
                messages.success(request, _("The sign-off was withdrawn."))
            else:
                stage_sign_off(stage=stage, person=target, by=person_required(user=request.user))
                messages.success(
                    request,
                    _("%(person)s completed %(stage)s.")
                    % {"person": target.display_name, "stage": stage.title},
                )
        except TrainingError as error:
            messages.error(request, str(error))
        return redirect("training:stage-sign-off", pk=stage.pk)
    context = {
        "stage": stage,
        "programme": stage.programme,
        "participants": participants,
    }
    return render(request, "training/stage_sign_off.html", context)


# "My trainings" and progress


def mine(request: HttpRequest) -> HttpResponse:
    person = person_required(user=request.user)
    now = timezone.now()
    context = {
        # Read only when the content is not in the cache (training/fragments.py).
        "enrolments": SimpleLazyObject(
            lambda: enrolment_selectors.my_enrolments(person=person, now=now)
        ),
        "programmes": SimpleLazyObject(
            lambda: enrolment_selectors.my_programmes_progress(person=person)
        ),
        "facilitating": SimpleLazyObject(
            lambda: enrolment_selectors.sessions_facilitated(person=person, now=now)
        ),
        "fragment_key": fragment_key(
            "mine",
            person.pk,
            from_now_slice(),
            scopes=[TRAINING, (NAMES, None)],
        ),
    }
    return render(request, "training/mine.html", context)


def programme_progress(request: HttpRequest, pk: int) -> HttpResponse:
    programme = schedule_selectors.programme_get(viewer=request.user, pk=pk, to_run=True)
    context = {
        "programme": programme,
        "stages": enrolment_selectors.programme_progress(programme=programme),
        "page": progress_selectors.programme_participants(
            programme=programme, cursor=request.GET.get("cursor")
        ),
        "stage_count": programme.stages.count(),
    }
    return render(request, "training/programme_progress.html", context)


def community_progress(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_get(slug=slug, viewer=request.user)
    if not request.user.has_perm("leadership.change_community", community):
        raise PermissionDenied
    context = {
        "community": community,
        "programmes": enrolment_selectors.community_progress(community=community),
        "page": progress_selectors.community_members_progress(
            community=community, cursor=request.GET.get("cursor")
        ),
    }
    return render(request, "training/community_progress.html", context)


def person_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    if not request.user.has_perm("training.view_progress", person):
        raise Http404
    context = {
        "person": person,
        "programmes": enrolment_selectors.my_programmes_progress(person=person),
    }
    return render(request, "training/person_progress.html", context)
