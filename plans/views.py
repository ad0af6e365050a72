"""The plan pages: thin, each reads through the selectors and writes through the services.

"Today" on a community's pages is the community's own date (its time zone): a term ending on
1 March has ended in Auckland while it is still 28 February in Honolulu.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from leadership import selectors as core_selectors
from leadership.fragments import NAMES, fragment_key
from leadership.models import Community
from leadership.rules import is_coordinator

from . import csv_io, history, selectors, services
from .forms import (
    CandidateChangeForm,
    CandidateForm,
    ImportForm,
    PlanForm,
    RoleForm,
    StepFormSet,
    TermDatesForm,
    TermEndForm,
    TermForm,
    step_initial,
)
from .fragments import EVERY_COMMUNITY, community_scope
from .models import LeadershipPlan, Readiness, SuccessorCandidate


def _today(community: Community) -> date:
    return timezone.localdate(timezone=community.time_zone)


def _community(request: HttpRequest, slug: str, *, for_editing: bool = False) -> Community:
    community = core_selectors.community_get(slug=slug, viewer=request.user)
    if not request.user.has_perm("plans.view_community_plans", community):
        raise PermissionDenied
    if for_editing and not request.user.has_perm("plans.change_community_plans", community):
        raise PermissionDenied
    return community


# A community's plans and roles


def community_plans(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    can_edit = request.user.has_perm("plans.change_community_plans", community)
    today = _today(community)
    context = {
        "community": community,
        "can_edit": can_edit,
        # Read only when the content is not in the cache (see plans/fragments.py).
        "plans": SimpleLazyObject(
            lambda: selectors.community_plans(community=community, include_drafts=can_edit)
        ),
        "roles": SimpleLazyObject(
            lambda: selectors.community_roles(community=community, today=today)
        ),
        "at_risk": SimpleLazyObject(
            lambda: selectors.seats_at_risk(community=community, today=today)
        ),
        "today": today,
        "fragment_key": _plans_key(community.pk, community, can_edit, today),
    }
    return render(request, "plans/community_plans.html", context)


def _plans_key(community_id: int, *parts: object) -> str:
    """The cache key of content showing `parts` and the plan rows of the community."""
    return fragment_key(*parts, scopes=[community_scope(community_id), (NAMES, None)])


@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, for_editing=True)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(community=community, data=form.cleaned_data)
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The draft plan was saved. Publish it when it is ready."))
            return redirect(plan)
    return render(request, "plans/plan_form.html", {"community": community, "form": form})


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    today = _today(plan.community)
    can_edit = request.user.has_perm("plans.change_leadershipplan", plan)
    context = {
        "plan": plan,
        "community": plan.community,
        "can_edit": can_edit,
        "roles": SimpleLazyObject(
            lambda: selectors.community_roles(community=plan.community, today=today)
        ),
        "today": today,
        "fragment_key": _plans_key(plan.community_id, plan, can_edit, today),
    }
    return render(request, "plans/plan_detail.html", context)


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(viewer=request.user, pk=pk, for_editing=True)
    form = PlanForm(request.POST or None, instance=LeadershipPlan.objects.get(pk=plan.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(plan=plan, data=form.cleaned_data)
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The plan was saved."))
            return redirect(plan)
    context = {"community": plan.community, "plan": plan, "form": form}
    return render(request, "plans/plan_form.html", context)


@require_POST
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(viewer=request.user, pk=pk, for_editing=True)
    action = request.POST.get("action")
    try:
        if action == "publish":
            services.plan_publish(plan=plan)
            messages.success(request, _("The plan is published: the community's members see it."))
        elif action == "archive":
            services.plan_archive(plan=plan)
            messages.success(request, _("The plan is archived."))
        else:
            messages.error(request, _("Choose to publish or to archive the plan."))
    except services.PlanError as error:
        messages.error(request, str(error))
    return redirect(plan)


def plan_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    today = _today(plan.community)
    context = {
        "plan": plan,
        "community": plan.community,
        "timeline": SimpleLazyObject(lambda: selectors.plan_timeline(plan=plan, today=today)),
        "today": today,
        "fragment_key": _plans_key(plan.community_id, plan, today),
    }
    return render(request, "plans/plan_timeline.html", context)


def plan_history(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    try:
        before = parse_datetime(request.GET.get("before", ""))
    except ValueError:
        before = None
    if before is not None and before.tzinfo is None:
        before = None  # not a cursor this page made: start from the newest
    changes = history.plan_changes(plan=plan, before=before)
    context = {"plan": plan, "community": plan.community, "changes": changes}
    return render(request, "plans/plan_history.html", context)


def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    # For those who keep the plan: the file names each holder by their login email.
    plan = selectors.plan_get(viewer=request.user, pk=pk, for_editing=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{plan.community.slug}-plan-{plan.starts_on.year}-{plan.ends_on.year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte order mark first: Excel then reads the file as UTF-8 (the import accepts it).
    response.write("\ufeff" + csv_io.plan_export_csv(plan=plan))
    return response


@require_http_methods(["GET", "POST"])
def roles_import(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, for_editing=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        # The form refused a file too large before it was read: this one fits in memory.
        result = csv_io.roles_terms_import(
            community=community, data=form.cleaned_data["file"].read()
        )
        if not result.errors:
            roles = ngettext("%(count)s new role", "%(count)s new roles", result.roles_created) % {
                "count": result.roles_created
            }
            terms = ngettext("%(count)s term", "%(count)s terms", result.terms_created) % {
                "count": result.terms_created
            }
            messages.success(
                request,
                _("Imported %(roles)s and %(terms)s.") % {"roles": roles, "terms": terms},
            )
            return redirect("plans:community-plans", slug=community.slug)
    context = {"community": community, "form": form, "result": result, "columns": csv_io.COLUMNS}
    return render(request, "plans/roles_import.html", context)


# Roles


@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug, for_editing=True)
    form = RoleForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_create(
                community=community, data=form.data_for_service(), skills=form.skill_needs()
            )
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The role was added."))
            return redirect(role)
    return render(request, "plans/role_form.html", {"community": community, "form": form})


def role_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(viewer=request.user, pk=pk)
    today = _today(role.community)
    steps, candidates = selectors.role_succession(role=role)
    context = {
        "role": role,
        "community": role.community,
        "can_edit": request.user.has_perm("plans.change_role", role),
        "row": selectors.role_row(role=role, today=today),
        "steps": steps,
        "candidates": candidates,
        "today": today,
    }
    return render(request, "plans/role_detail.html", context)


@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(viewer=request.user, pk=pk, for_editing=True)
    form = RoleForm(request.POST or None, instance=role, community=role.community)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_update(role=role, data=form.data_for_service(), skills=form.skill_needs())
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The role was saved."))
            return redirect(role)
    context = {"community": role.community, "role": role, "form": form}
    return render(request, "plans/role_form.html", context)


@require_http_methods(["GET", "POST"])
def role_succession(request: HttpRequest, pk: int) -> HttpResponse:
    """The role's pathway steps (edited as one list) and its named successor candidates."""
    role = selectors.role_get(viewer=request.user, pk=pk, for_editing=True)
    steps, candidates = selectors.role_succession(role=role)
    query = request.GET.get("q", "")
    shown = selectors.members_matching(community=role.community, query=query)
    formset = StepFormSet(
        request.POST if "steps" in request.POST else None,
        initial=step_initial(steps),
        prefix="steps",
    )
    candidate_form = CandidateForm(
        request.POST if "candidate" in request.POST else None, role=role, shown=shown
    )
    if request.method == "POST":
        try:
            if "steps" in request.POST and formset.is_valid():
                services.pathway_set(role=role, steps=formset.steps())
                messages.success(request, _("The pathway was saved."))
                return redirect("plans:role-succession", pk=role.pk)
            if "candidate" in request.POST and candidate_form.is_valid():
                services.candidate_add(role=role, **candidate_form.cleaned_data)
                messages.success(request, _("The candidate was named."))
                return redirect("plans:role-succession", pk=role.pk)
        except services.PlanError as error:
            messages.error(request, str(error))
    context = {
        "role": role,
        "community": role.community,
        "steps": steps,
        "candidates": candidates,
        "formset": formset,
        "candidate_form": candidate_form,
        "readiness_choices": Readiness.choices,
        "query": query,
    }
    return render(request, "plans/role_succession.html", context)


@require_POST
def candidate_change(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(
        SuccessorCandidate.objects.select_related("role__community", "person"), pk=pk
    )
    role = selectors.role_get(viewer=request.user, pk=candidate.role_id, for_editing=True)
    try:
        if request.POST.get("action") == "remove":
            services.candidate_remove(candidate=candidate)
            messages.success(
                request, _("%(name)s is no longer named.") % {"name": candidate.person}
            )
        else:
            form = CandidateChangeForm(request.POST)
            if not form.is_valid():
                # The list's inputs cap the notes and offer only the readinesses: only a
                # hand-made request gets here.
                errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
                messages.error(request, _("Nothing was changed: %(errors)s") % {"errors": errors})
                return redirect("plans:role-succession", pk=role.pk)
            services.candidate_update(candidate=candidate, **form.cleaned_data)
            messages.success(request, _("The readiness was saved."))
    except services.PlanError as error:
        messages.error(request, str(error))
    return redirect("plans:role-succession", pk=role.pk)


# Terms


@require_http_methods(["GET", "POST"])
def term_create(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(viewer=request.user, pk=pk, for_editing=True)
    query = request.GET.get("q", "")
    shown = selectors.members_matching(community=role.community, query=query)
    form = TermForm(request.POST or None, role=role, shown=shown)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_create(role=role, **form.cleaned_data)
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The term was added."))
            return redirect(role)
    context = {"role": role, "community": role.community, "form": form, "query": query}
    return render(request, "plans/term_form.html", context)


@require_http_methods(["GET", "POST"])
def term_edit(request: HttpRequest, pk: int) -> HttpResponse:
    term = selectors.term_get(viewer=request.user, pk=pk, for_editing=True)
    initial = {"starts_on": term.starts_on, "ends_on": term.ends_on}
    form = TermDatesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_update(term=term, **form.cleaned_data)
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The term's dates were saved."))
            return redirect(term.role)
    context = {"term": term, "role": term.role, "community": term.role.community, "form": form}
    return render(request, "plans/term_edit.html", context)


@require_http_methods(["GET", "POST"])
def term_end(request: HttpRequest, pk: int) -> HttpResponse:
    term = selectors.term_get(viewer=request.user, pk=pk, for_editing=True)
    today = _today(term.role.community)
    form = TermEndForm(request.POST or None, initial={"ended_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.term_end_early(term=term, ended_on=form.cleaned_data["ended_on"])
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s's term ends early; the seat is free from that day.")
                % {"name": term.person.display_name},
            )
            return redirect(term.role)
    context = {
        "term": term,
        "role": term.role,
        "community": term.role.community,
        "form": form,
        "holdover": term.ended_on is None and term.ends_on <= today,
    }
    return render(request, "plans/term_end.html", context)


# Across communities


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def roles_at_risk(request: HttpRequest) -> HttpResponse:
    moment = selectors.at_risk_moment(timezone.now())
    number = _page_number(request)
    everywhere = is_coordinator(request.user)
    communities = None if everywhere else selectors.communities_of(user=request.user)
    context = {
        "page": SimpleLazyObject(
            lambda: selectors.seats_at_risk_across(communities=communities, now=moment, page=number)
        ),
        "everywhere": everywhere,
        # Any plan's change anywhere renews it (see plans/fragments.py), and so does the next
        # quarter hour, when some community's date may change.
        "fragment_key": fragment_key(
            communities, moment, number, scopes=[EVERY_COMMUNITY, (NAMES, None)]
        ),
    }
    return render(request, "plans/roles_at_risk.html", context)
