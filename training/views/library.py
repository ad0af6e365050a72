"""The knowledge library's pages: thin; the services decide, the selectors say who may.

Anyone signed in reads the library (LoginRequiredMiddleware sends the others to log in);
coordinators and organisers add; the owner and coordinators edit, translate and delete.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadership.selectors import person_for_user, person_required

from ..forms_library import LibraryFilterForm, ResourceForm, TranslationEditForm, TranslationForm
from ..models import Resource
from ..selectors import library as selectors
from ..services import library as services
from ..services.base import TrainingError


def _editable(request: HttpRequest, pk: int) -> Resource:
    resource = selectors.resource_get(viewer=request.user, pk=pk)
    if not selectors.may_edit_resource(request.user, resource):
        raise PermissionDenied
    return resource


@require_http_methods(["GET", "HEAD"])
def library(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET)
    page = selectors.library_page(
        viewer=request.user,
        q=form.value("q"),
        skill=form.value("skill"),
        stage=form.value("stage"),
        kind=form.value("kind"),
        language=form.value("language"),
        cursor=request.GET.get("after", ""),
    )
    next_query = None
    if page.next_cursor is not None:
        query = request.GET.copy()
        query["after"] = page.next_cursor
        next_query = query.urlencode()
    context = {
        "form": form,
        "page": page,
        "next_query": next_query,
        "is_first_page": not request.GET.get("after"),
        "can_add": selectors.may_add_resource(request.user),
    }
    return render(request, "training/resource_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get(viewer=request.user, pk=pk)
    if request.method == "POST":
        # Marking as done or not done: the person's own record, open to anyone who reads.
        person = person_required(user=request.user)
        if request.POST.get("done") == "1":
            services.resource_mark_done(resource=resource, person=person)
            messages.success(request, _("Marked as done."))
        else:
            services.resource_mark_undone(resource=resource, person=person)
            messages.success(request, _("Marked as not done."))
        return redirect(resource)
    context = {
        "d": selectors.resource_detail(viewer=request.user, resource=resource),
        "can_edit": selectors.may_edit_resource(request.user, resource),
        "has_person": person_for_user(user=request.user) is not None,
    }
    return render(request, "training/resource_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def resource_create(request: HttpRequest) -> HttpResponse:
    if not selectors.may_add_resource(request.user):
        raise PermissionDenied
    form = ResourceForm(request.POST or None, editor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_create(
                by=person_required(user=request.user), **form.cleaned_data
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The resource was added to the library."))
            return redirect(resource)
    return render(request, "training/resource_form.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _editable(request, pk)
    form: Any
    if resource.translation_of_id is not None:
        form = TranslationEditForm(
            request.POST or None, initial=TranslationEditForm.initial_for(resource)
        )
    else:
        form = ResourceForm(
            request.POST or None,
            initial=ResourceForm.initial_for(resource),
            editor=request.user,
            resource=resource,
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(
                resource=resource, by=person_required(user=request.user), **form.cleaned_data
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The resource was saved."))
            return redirect(resource)
    return render(request, "training/resource_form.html", {"form": form, "resource": resource})


@require_http_methods(["GET", "HEAD", "POST"])
def resource_translate(request: HttpRequest, pk: int) -> HttpResponse:
    original = _editable(request, pk)
    form = TranslationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            translation = services.resource_translate(
                original=original, by=person_required(user=request.user), **form.cleaned_data
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The translation was added."))
            return redirect(translation)
    return render(request, "training/resource_translate.html", {"form": form, "original": original})


@require_http_methods(["GET", "HEAD", "POST"])
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _editable(request, pk)
    if request.method == "POST":
        original = resource.translation_of
        services.resource_delete(resource=resource)
        messages.success(request, _("The resource was deleted."))
        return redirect(original if original is not None else "training:library")
    translations = resource.translations.count() if resource.translation_of_id is None else 0
    return render(
        request,
        "training/resource_delete.html",
        {"resource": resource, "translations": translations},
    )


@require_http_methods(["GET", "HEAD"])
def resource_review(request: HttpRequest) -> HttpResponse:
    context = {"resources": selectors.resources_due_for_review(viewer=request.user)}
    return render(request, "training/resource_review.html", context)
