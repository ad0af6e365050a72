"""Coaching pages: thin; the services decide, the selectors check who may see what.

Forbidden object pages answer 404 (as mentoring's), so that nobody learns which engagements
exist; the coordinators' own pages (lists, new coach, new engagement) answer 403.

Permissions are asked through `selectors.may` (the rules alone), never `user.has_perm`: a
superuser must not read summaries nor act as a coach.
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from leadership.fragments import NAMES, PERSON, fragment_key
from leadership.rules import person_id_of
from leadership.selectors import person_for_user

from . import selectors, services
from .forms import (
    AssignmentFilterForm,
    AssignmentForm,
    CoachAddForm,
    CoachFilterForm,
    CoachForm,
    CompleteForm,
    DeclineForm,
    NeedForm,
    ProposeForm,
    SessionForm,
)
from .fragments import COACHING, suggestions_key
from .models import (
    CLOSED_STATUSES,
    AssignmentStatus,
    CoachAssignment,
    CoachProfile,
    PlanUnit,
)
from .services import CoachingError, EngagementPlan
from .suggestions import Suggestion, coach_suggestions

# An engagement asked for without dates runs for about six months from today.
DEFAULT_ENGAGEMENT_DAYS = 182
SESSIONS_SHOWN = 200


def _today() -> date:
    return timezone.localdate()


def _empty_forms_key() -> str:
    """The cache key of the empty forms a page shows (decline, complete, log a session): their
    markup depends only on the language and on today (the session's default date), and crispy
    takes a few milliseconds to write each."""
    return fragment_key(EMPTY_FORMS, _today())


EMPTY_FORMS = "coaching-empty-forms"


def _coordinators_only(request: HttpRequest) -> None:
    if not selectors.may(request.user, "coaching.assign"):
        raise PermissionDenied


# Home

HOME_LISTS_SECONDS = 3600


def _home_lists(
    user: Any, person: Any, coach: CoachProfile | None
) -> tuple[list[CoachAssignment], list[CoachAssignment]]:
    """The engagements the person coaches and those they are coached in, with the running ones'
    progress: four queries, cached under the versions of what they read (any coaching write,
    the person's own memberships, the names of communities; leadership/coaching/fragments.py)."""
    if person is None:
        return [], []
    key = fragment_key(
        "coaching-home-lists",
        person.pk,
        coach.pk if coach else None,
        _today(),
        scopes=[COACHING, (PERSON, person.pk), (NAMES, None)],
    )
    found = cache.get(key)
    if found is not None:
        return found
    as_coach = selectors.assignments_as_coach(person=person) if coach else []
    as_coachee = selectors.assignments_as_coachee(user=user)
    running = [a for a in [*as_coach, *as_coachee] if a.status not in CLOSED_STATUSES]
    progress = selectors.progress_by_assignment(assignments=running)
    for assignment in running:
        assignment.progress = progress[assignment.pk]  # type: ignore[attr-defined]
    cache.set(key, (as_coach, as_coachee), HOME_LISTS_SECONDS)
    return as_coach, as_coachee


def home(request: HttpRequest) -> HttpResponse:
    person = person_for_user(user=request.user)
    coach = selectors.coach_for_person(person=person)
    as_coach, as_coachee = _home_lists(request.user, person, coach)
    context = {
        "coach": coach,
        "proposals": [a for a in as_coach if a.status == AssignmentStatus.PROPOSED],
        "coaching": [a for a in as_coach if a.is_running],
        "closed": [a for a in as_coach if a.status in CLOSED_STATUSES],
        "coached": as_coachee,
        "is_coordinator": selectors.may(request.user, "coaching.assign"),
        "decline_form": DeclineForm(),
        "forms_key": _empty_forms_key(),
    }
    return render(request, "coaching/home.html", context)


# Coaches


def coach_list(request: HttpRequest) -> HttpResponse:
    _coordinators_only(request)
    form = CoachFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.coaches_page(
        cursor=request.GET.get("cursor"),
        today=_today(),
        accepting_only=bool(filters.get("accepting")),
        region=filters.get("region") or "",
    )
    context = {"page": page, "form": form, "today": _today()}
    return render(request, "coaching/coach_list.html", context)


def coach_add(request: HttpRequest) -> HttpResponse:
    if not selectors.may(request.user, "coaching.add_coach"):
        raise PermissionDenied
    form = CoachAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            coach = services.coach_create(person=form.cleaned_data["person"])
        except CoachingError as error:
            form.add_error("person", str(error))
        else:
            messages.success(request, _("%(person)s is now a coach.") % {"person": coach.person})
            return redirect(coach)
    return render(request, "coaching/coach_add.html", {"form": form})


def coach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    coach = selectors.coach_get(user=request.user, pk=pk)
    assignments = selectors.assignments_as_coach(person=coach.person)
    context = {
        "coach": coach,
        "assignments": assignments,
        "can_edit": selectors.may(request.user, "coaching.change_coach", coach),
        "today": _today(),
    }
    return render(request, "coaching/coach_detail.html", context)


def coach_edit(request: HttpRequest, pk: int) -> HttpResponse:
    coach = selectors.coach_get(user=request.user, pk=pk)
    if not selectors.may(request.user, "coaching.change_coach", coach):
        raise Http404
    initial = {
        "languages": list(coach.languages.all()),
        "regions": [r.region for r in coach.coach_regions.all()],
        "communities": list(coach.communities.all()),
        "skills": list(coach.skills.all()),
        "caseload_cap": coach.caseload_cap,
        "availability": coach.availability,
        "accepting": coach.accepting,
        "away_until": coach.away_until,
        "approach": coach.approach,
    }
    form = CoachForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.coach_update(
                coach=coach,
                data=form.profile_data(),
                languages=form.cleaned_data["languages"],
                communities=form.cleaned_data["communities"],
                skills=form.cleaned_data["skills"],
                regions=form.cleaned_data["regions"],
            )
        except CoachingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The coach's profile is saved."))
            return redirect(coach)
    return render(request, "coaching/coach_edit.html", {"form": form, "coach": coach})


# Engagements


def assignment_list(request: HttpRequest) -> HttpResponse:
    _coordinators_only(request)
    form = AssignmentFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    community = filters.get("community")
    # Read only when the rows are not in the cache (below).
    page = SimpleLazyObject(
        lambda: selectors.assignments_page(
            cursor=request.GET.get("cursor"),
            status=filters.get("status") or "",
            community_id=community.pk if community else None,
            coach_id=filters.get("coach"),
        )
    )
    # The filters' markup (a menu of every community) and the rows are the page's costliest
    # parts: cached by the query, the communities' names and (the rows) every coaching write.
    query = request.GET.urlencode()
    context = {
        "page": page,
        "form": form,
        "filter_key": fragment_key("coaching-engagement-filters", query, scopes=[(NAMES, None)]),
        "rows_key": fragment_key(
            "coaching-engagement-rows", query, scopes=[COACHING, (NAMES, None)]
        ),
    }
    return render(request, "coaching/assignment_list.html", context)


def _plan(need: dict[str, Any], today: date, propose: dict[str, Any] | None = None) -> Any:
    starts_on = need.get("starts_on") or today
    extra = propose or {}
    return EngagementPlan(
        community=need["community"],
        coachee=need.get("coachee"),
        goals=extra.get("goals", ""),
        starts_on=starts_on,
        ends_on=need.get("ends_on") or starts_on + timedelta(days=DEFAULT_ENGAGEMENT_DAYS),
        plan_unit=extra.get("plan_unit") or PlanUnit.SESSIONS,
        planned_amount=extra.get("planned_amount") or 6,
        quiet_weeks=extra.get("quiet_weeks") or 4,
        skills=tuple(need.get("skills") or ()),
        requested_by=extra.get("requested_by"),
        request_reason=extra.get("request_reason", ""),
    )


SUGGESTIONS_SHOWN = 10
# The suggestions read every coach (2,000 in `make bench`: 190 ms); cached under the versions of
# what they read (leadership/coaching/fragments.py), an hour at most like every fragment.
SUGGESTIONS_SECONDS = 3600


def _suggestions(plan: EngagementPlan, today: date) -> list[Suggestion]:
    key = suggestions_key(
        community=plan.community,
        coachee=plan.coachee,
        skill_ids=[skill.pk for skill in plan.skills],
        today=today,
        limit=SUGGESTIONS_SHOWN,
    )
    found = cache.get(key)
    if found is None:
        found = coach_suggestions(plan=plan, today=today, limit=SUGGESTIONS_SHOWN)
        cache.set(key, found, SUGGESTIONS_SECONDS)
    return found


def assignment_new(request: HttpRequest) -> HttpResponse:
    """The need (a GET form), the suggested coaches, and a proposal to one of them (POST)."""
    _coordinators_only(request)
    today = _today()
    need = NeedForm(request.GET or None)
    propose = ProposeForm(request.POST or None)
    suggestions: list[Suggestion] = []
    if need.is_valid():
        if request.method == "POST" and propose.is_valid():
            coach = get_object_or_404(CoachProfile, pk=propose.cleaned_data["coach"])
            try:
                assignment = services.assignment_propose(
                    coach=coach,
                    plan=_plan(need.cleaned_data, today, propose.cleaned_data),
                    by=person_for_user(user=request.user),
                    today=today,
                )
            except CoachingError as error:
                propose.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("The engagement was proposed to %(coach)s.") % {"coach": coach.person},
                )
                return redirect(assignment)
        suggestions = _suggestions(_plan(need.cleaned_data, today), today)
    context = {
        "need": need,
        "propose": propose,
        "suggestions": suggestions,
        "forms_key": _forms_key(request, need),
    }
    return render(request, "coaching/assignment_new.html", context)


def _forms_key(request: HttpRequest, need: NeedForm) -> str | None:
    """The cache key of the two forms as a GET with a valid need shows them, or None.

    Their markup (a thousand communities, the focus areas, crispy's templates: 10 ms) depends
    then only on the query string and the names of communities and skills: a valid need shows
    no error and the proposal form is unbound. A POST (errors, values typed) is never cached.
    """
    if request.method != "GET" or not need.is_valid():
        return None
    return fragment_key(sorted(request.GET.lists()), scopes=[(NAMES, None)])


def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    user = request.user
    with_summaries = selectors.may(user, "coaching.view_summaries", assignment)
    is_coach = assignment.coach.person_id == person_id_of(user)
    can_log = selectors.may(user, "coaching.log_session", assignment)
    sessions = selectors.assignment_sessions(
        assignment=assignment, with_summaries=with_summaries, limit=SESSIONS_SHOWN + 1
    )
    # Empty for anyone but the coach: the one reader of the notes decides.
    notes = selectors.session_notes_for_coach(assignment=assignment, user=user)
    for session in sessions:
        session.coach_note = notes.get(session.pk, "")
    progress = selectors.assignment_progress(
        assignment=assignment,
        # All of them loaded (one more was asked for than is shown): counted here, not again.
        sessions=sessions if len(sessions) <= SESSIONS_SHOWN else None,
    )
    sessions = sessions[:SESSIONS_SHOWN]
    context = {
        "assignment": assignment,
        "skills": list(assignment.skills.all()),
        "progress": progress,
        "sessions": sessions,
        "with_summaries": with_summaries,
        "is_coach": is_coach,
        # Why a coach said no is for the coordinators and the coach, never the coachee's side.
        "show_decline_reason": is_coach or selectors.may(user, "coaching.assign"),
        "can_answer": selectors.may(user, "coaching.answer_assignment", assignment),
        "can_withdraw": selectors.may(user, "coaching.withdraw_assignment", assignment),
        "can_change": selectors.may(user, "coaching.change_assignment", assignment),
        "can_pause": selectors.may(user, "coaching.pause_assignment", assignment),
        "can_complete": selectors.may(user, "coaching.complete_assignment", assignment),
        "can_log": can_log,
        "session_form": SessionForm(initial={"happened_on": _today()}) if can_log else None,
        "decline_form": DeclineForm(),
        "complete_form": CompleteForm(),
        "forms_key": _empty_forms_key(),
    }
    return render(request, "coaching/assignment_detail.html", context)


def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    if not selectors.may(request.user, "coaching.change_assignment", assignment):
        raise PermissionDenied
    form = AssignmentForm(
        request.POST or None,
        instance=CoachAssignment.objects.get(pk=assignment.pk),  # a copy the form may change
        initial={"skills": list(assignment.skills.all())},
    )
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in services.ASSIGNMENT_FIELDS}
        try:
            services.assignment_update(
                assignment=assignment,
                data=data,
                skills=form.cleaned_data["skills"],
                today=timezone.localdate(),
            )
        except CoachingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The engagement is saved."))
            return redirect(assignment)
    context = {"form": form, "assignment": assignment}
    return render(request, "coaching/assignment_edit.html", context)


def _act(
    request: HttpRequest,
    pk: int,
    perm: str,
    action: Callable[[CoachAssignment], Any],
    done: str,
) -> HttpResponse:
    # 404 for who may not see the engagement (assignment_get), 403 for who sees it but may not do
    # this, as everywhere in Pathways (tests/security/matrix.py).
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    if not selectors.may(request.user, perm, assignment):
        raise PermissionDenied
    try:
        action(assignment)
    except CoachingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(assignment)


@require_POST
def assignment_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "coaching.answer_assignment",
        lambda a: services.assignment_accept(assignment=a, now=timezone.now()),
        _("You accepted the engagement: it has begun."),
    )


@sensitive_post_parameters("reason")
@require_POST
def assignment_decline(request: HttpRequest, pk: int) -> HttpResponse:
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        pk,
        "coaching.answer_assignment",
        lambda a: services.assignment_decline(assignment=a, reason=reason, now=timezone.now()),
        _("You declined the engagement; the coordinators see your reason on it."),
    )


@require_POST
def assignment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "coaching.withdraw_assignment",
        lambda a: services.assignment_withdraw(assignment=a, today=_today()),
        _("The proposal is withdrawn."),
    )


@require_POST
def assignment_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "coaching.pause_assignment",
        lambda a: services.assignment_pause(assignment=a),
        _("The engagement is paused."),
    )


@require_POST
def assignment_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "coaching.pause_assignment",
        lambda a: services.assignment_resume(assignment=a, today=_today()),
        _("The engagement is running again."),
    )


@sensitive_post_parameters("note")
@require_POST
def assignment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    form = CompleteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _act(
        request,
        pk,
        "coaching.complete_assignment",
        lambda a: services.assignment_complete(assignment=a, note=note, today=_today()),
        _("The engagement is completed. Thank you."),
    )


# Sessions (the coach's alone)


@sensitive_post_parameters("summary", "private_notes")
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    if not selectors.may(request.user, "coaching.log_session", assignment):
        raise PermissionDenied
    form = SessionForm(request.POST or None, initial={"happened_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_log(assignment=assignment, today=_today(), **form.cleaned_data)
        except CoachingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The session is logged."))
            return redirect(assignment)
    context = {"form": form, "assignment": assignment}
    return render(request, "coaching/session_form.html", context)


@sensitive_post_parameters("summary", "private_notes")
@sensitive_variables("note", "initial")
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    assignment = session.assignment
    note = selectors.session_notes_for_coach(assignment=assignment, user=request.user).get(
        session.pk, ""
    )
    initial = {
        "happened_on": session.happened_on,
        "duration_minutes": session.duration_minutes,
        "summary": session.summary,
        "private_notes": note,
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, today=_today(), **form.cleaned_data)
        except CoachingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The session is saved."))
            return redirect(assignment)
    context = {"form": form, "assignment": assignment, "session": session}
    return render(request, "coaching/session_form.html", context)


@require_POST
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        services.session_delete(session=session)
    except CoachingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The session is removed, with its notes."))
    return redirect(session.assignment)


@require_POST
def note_erase(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    services.note_erase(session=session)
    messages.success(request, _("Your private notes on that session are erased."))
    return redirect(session.assignment)
