from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from . import fragments, selectors, services
from .forms import (
    CommunityForm,
    CommunitySearchForm,
    LanguageFormSet,
    ProfileForm,
    SelfIdentificationForm,
    SkillLevelsForm,
)
from .fragments import fragment_key
from .middleware import remember_time_zone
from .models import Community, Person, SelfIdentification


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "leadership/home_anonymous.html")
    memberships = selectors.user_memberships(user=request.user)
    return render(request, "leadership/home.html", {"memberships": memberships})


@vary_on_headers("HX-Request")
def community_list(request: HttpRequest) -> HttpResponse:
    form = CommunitySearchForm(request.GET or None)
    # An invalid filter (a kind that does not exist) is dropped; the valid ones still apply.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    page = selectors.community_search(
        query=filters.get("q", ""),
        kind=filters.get("kind", ""),
        region=filters.get("region", ""),
        cursor=request.GET.get("cursor"),
    )
    # A history restore asks with HX-Request too, but wants the whole page back.
    htmx = request.htmx  # type: ignore[attr-defined]
    partial = bool(htmx) and not htmx.history_restore_request
    template = (
        "leadership/partials/community_results.html"
        if partial
        else "leadership/community_list.html"
    )
    return render(request, template, {"form": form, "page": page})


def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cursor = request.GET.get("cursor")
    if set(request.GET) - {"cursor"}:
        # The page takes a cursor and nothing else; other parameters would only multiply its
        # cached copies. Its address without them:
        query = f"?{urlencode({'cursor': cursor})}" if cursor else ""
        return redirect(reverse("leadership:community-detail", kwargs={"slug": slug}) + query)
    community = selectors.community_get(slug=slug, viewer=request.user)
    can_see_members = request.user.has_perm("leadership.view_community_members", community)
    can_edit = request.user.has_perm("leadership.change_community", community)
    context = {
        "community": community,
        "can_see_members": can_see_members,
        "can_edit": can_edit,
        # Read only when the content is not in the cache (see fragments.py).
        "organisers": SimpleLazyObject(lambda: selectors.community_organisers(community=community)),
        "members": (
            SimpleLazyObject(
                lambda: selectors.community_members(community=community, cursor=cursor)
            )
            if can_see_members
            else None
        ),
        "fragment_key": fragment_key(
            community,
            can_see_members,
            can_edit,
            cursor,
            scopes=[(fragments.COMMUNITY, community.pk)],
        ),
    }
    return render(request, "leadership/community_detail.html", context)


@require_http_methods(["GET", "POST"])
def community_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = selectors.community_get(slug=slug, viewer=request.user)
    if not request.user.has_perm("leadership.change_community", community):
        raise PermissionDenied
    form = CommunityForm(request.POST or None, instance=Community.objects.get(pk=community.pk))
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in services.COMMUNITY_FIELDS}
        try:
            services.community_update(
                community=community, data=data, languages=form.cleaned_data["languages"]
            )
        except services.LeadershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The community's details were saved."))
            return redirect(community)
    return render(request, "leadership/community_edit.html", {"community": community, "form": form})


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.user
    person = selectors.person_get_for_viewing(user=viewer, pk=pk)
    context = {
        "person": person,
        "is_me": person.user_id == viewer.pk,
        # Read only when the content is not in the cache (see fragments.py).
        "profile_languages": SimpleLazyObject(lambda: selectors.person_languages(person=person)),
        "profile_skills": SimpleLazyObject(lambda: selectors.person_skills(person=person)),
        "profile_memberships": SimpleLazyObject(
            lambda: selectors.person_memberships_visible_to(user=viewer, person=person)
        ),
        "fragment_key": fragments.profile_key(person=person, viewer=viewer),
    }
    return render(request, "leadership/person_detail.html", context)


def _own_person(request: HttpRequest) -> Person:
    person = selectors.person_for_user(user=request.user)
    if person is None:
        raise Http404
    return person


# A profile is edited in three parts, each on its own page and saved on its own: a page with
# every part at once was five times the base layout's cost (`make bench`) and 67 KB to load.
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    form = ProfileForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                person=person, data={f: form.cleaned_data[f] for f in services.PROFILE_FIELDS}
            )
        except services.LeadershipError as error:
            form.add_error(None, str(error))
        else:
            remember_time_zone(request, str(person.time_zone))
            messages.success(request, _("Your profile was saved."))
            return redirect(person)
    context = {
        "person": person,
        "form": form,
        # A blank form shows only the person's fields: cached by them (see fragments.py).
        "fragment_key": None if form.is_bound else fragment_key(person),
    }
    return render(request, "leadership/profile_edit.html", context)


@require_http_methods(["GET", "POST"])
def profile_languages_edit(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    formset = LanguageFormSet(request.POST or None, instance=person, prefix="languages")
    if request.method == "POST" and formset.is_valid():
        try:
            services.person_languages_set(person=person, languages=formset.levels())
        except services.LeadershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your languages were saved."))
            # Back to the form: it offers two more empty rows after each save.
            return redirect("leadership:profile-languages")
    context = {
        "person": person,
        "formset": formset,
        # A blank formset is cached under the person's languages and the languages' names: its
        # rows and choices are then read only when it is not in the cache (see fragments.py).
        "fragment_key": None
        if formset.is_bound
        else fragment_key(
            person.pk, scopes=[(fragments.PERSON, person.pk), (fragments.NAMES, None)]
        ),
    }
    return render(request, "leadership/profile_languages.html", context)


@require_http_methods(["GET", "POST"])
def profile_skills_edit(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    skills = selectors.skills_with_levels(person=person)
    if request.method != "POST":
        # The blank form shows only the skills and the person's levels: cached by them, and built
        # only when it is not in the cache (see fragments.py).
        blank = SimpleLazyObject(lambda: SkillLevelsForm(skills=skills, prefix="skills"))
        context = {"person": person, "form": blank, "fragment_key": fragment_key(skills)}
        return render(request, "leadership/profile_skills.html", context)
    form = SkillLevelsForm(request.POST, skills=skills, prefix="skills")
    if form.is_valid():
        levels = [services.SkillLevel(skill, level) for skill, level in form.levels()]
        try:
            services.person_skills_set(person=person, skills=levels)
        except services.LeadershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your skills were saved."))
            return redirect(person)
    return render(request, "leadership/profile_skills.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
def profile_identity_edit(request: HttpRequest) -> HttpResponse:
    """What the person chooses to say about themselves: private, counted only in aggregate."""
    person = _own_person(request)
    current = SelfIdentification.objects.filter(person=person).first()
    form = SelfIdentificationForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in services.SELF_IDENTIFICATION_FIELDS}
        try:
            saved = services.self_identification_set(person=person, data=data)
        except services.LeadershipError as error:
            form.add_error(None, str(error))
        else:
            if saved is None:
                messages.success(request, _("Nothing is kept: you chose not to say."))
            else:
                messages.success(request, _("Saved. Only you can see your answers."))
            return redirect("leadership:profile-identity")
    context = {"person": person, "form": form, "has_answers": current is not None}
    return render(request, "leadership/profile_identity.html", context)


@require_http_methods(["POST"])
def profile_identity_erase(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    services.self_identification_erase(person=person)
    messages.success(request, _("Erased. Nothing you said about yourself is kept."))
    return redirect("leadership:profile-identity")
