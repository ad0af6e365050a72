"""Mentoring pages: thin; the services decide, the selectors check who may see what."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from leadership.fragments import NAMES, fragment_key
from leadership.models import Person
from leadership.selectors import person_for_user, person_required

from . import selectors, services
from .forms import (
    ApplicationForm,
    AwayForm,
    CheckInForm,
    DeclineForm,
    EndForm,
    ExclusionForm,
    FeedbackForm,
    GoalsForm,
    OfferForm,
    ProgrammeForm,
)
from .fragments import PEOPLE, PROGRAMMES, mentor_scope, programme_scope
from .models import (
    Exclusion,
    Feedback,
    MenteeApplication,
    MentorOffer,
    Relationship,
    RelationshipStatus,
)
from .services import MentoringError


def _today() -> Any:
    return timezone.localdate()


# Programmes


def programme_list(request: HttpRequest) -> HttpResponse:
    context = {
        "programmes": selectors.programmes_visible(viewer=request.user),
        "can_add": request.user.has_perm("mentoring.add_mentoringprogramme"),
    }
    return render(request, "mentoring/programme_list.html", context)


def programme_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("mentoring.add_mentoringprogramme"):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_save(
                programme=form.save(commit=False),
                communities=form.cleaned_data["communities"],
                created_by=request.user,
            )
        except MentoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The programme was created."))
            return redirect(programme)
    return render(request, "mentoring/programme_form.html", {"form": form})


def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, pk=pk, to_run=True)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_save(
                programme=form.save(commit=False), communities=form.cleaned_data["communities"]
            )
        except MentoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The programme was saved."))
            return redirect(programme)
    return render(request, "mentoring/programme_form.html", {"form": form, "programme": programme})


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, pk=pk)
    person = person_for_user(user=request.user)
    context = {
        "programme": programme,
        "communities": list(programme.communities.all()),
        "can_run": request.user.has_perm("mentoring.run_programme", programme),
        "open": programme.accepts_applications_on(_today()),
        "offer": MentorOffer.objects.filter(programme=programme, person=person).first(),
        "application": MenteeApplication.objects.filter(programme=programme, person=person).first(),
    }
    return render(request, "mentoring/programme_detail.html", context)


def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, pk=pk)
    person = person_required(user=request.user)
    offer = MentorOffer.objects.filter(programme=programme, person=person).first()
    if offer is not None:
        initial = {
            "capacity": offer.capacity,
            "skills": list(offer.skills.all()),
            "availability": offer.availability,
            "away_until": offer.away_until,
            "traits": offer.traits,
            "community": offer.community_id,
        }
    else:
        initial = {
            "capacity": programme.default_mentor_capacity,
            # The profile's proficient and expert skills, as a start.
            "skills": list(person.skills.filter(person_skills__level__gte=3)),
        }
    form = OfferForm(
        request.POST or None,
        initial=initial,
        communities=selectors.communities_to_take_part_through(programme=programme, person=person),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_submit(
                programme=programme,
                person=person,
                capacity=form.cleaned_data["capacity"],
                skills=form.cleaned_data["skills"],
                availability=form.cleaned_data["availability"],
                away_until=form.cleaned_data["away_until"],
                traits=form.cleaned_data["traits"],
                community=form.cleaned_data["community"],
                today=_today(),
            )
        except MentoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you: your offer to mentor is saved."))
            return redirect("mentoring:mentor-dashboard")
    context = {"programme": programme, "form": form, "offer": offer}
    return render(request, "mentoring/offer_form.html", context)


@require_POST
def offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(MentorOffer.objects.select_related("programme"), pk=pk)
    if not selectors.may(request.user, "mentoring.change_mentoroffer", offer):
        raise Http404
    try:
        services.offer_withdraw(offer=offer)
    except MentoringError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your offer is withdrawn."))
    return redirect("mentoring:mentor-dashboard")


@require_POST
def offer_away(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(MentorOffer, pk=pk)
    if not selectors.may(request.user, "mentoring.change_mentoroffer", offer):
        raise Http404
    form = AwayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date, or leave it empty to be back."))
    else:
        away_until = form.cleaned_data["away_until"]
        if away_until is not None and away_until <= _today():
            messages.error(request, _("Choose a day after today, or leave it empty."))
        else:
            services.offer_set_away(offer=offer, away_until=away_until)
            if away_until:
                messages.success(request, _("No new proposals will reach you until then."))
            else:
                messages.success(request, _("Welcome back: you can receive proposals again."))
    return redirect("mentoring:mentor-dashboard")


def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, pk=pk)
    person = person_required(user=request.user)
    application = MenteeApplication.objects.filter(programme=programme, person=person).first()
    initial = (
        {
            "goals": application.goals,
            "skills": list(application.skills.all()),
            "preferences": application.preferences,
            "community": application.community_id,
        }
        if application is not None
        else {}
    )
    form = ApplicationForm(
        request.POST or None,
        initial=initial,
        communities=selectors.communities_to_take_part_through(programme=programme, person=person),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                programme=programme,
                person=person,
                goals=form.cleaned_data["goals"],
                skills=form.cleaned_data["skills"],
                preferences=form.cleaned_data["preferences"],
                community=form.cleaned_data["community"],
                now=timezone.now(),
            )
        except MentoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your application is saved. We will find you a mentor."))
            return redirect("mentoring:mine")
    context = {"programme": programme, "form": form, "application": application}
    return render(request, "mentoring/application_form.html", context)


@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(MenteeApplication, pk=pk)
    if application.person_id != person_required(user=request.user).pk:
        raise Http404
    try:
        services.application_withdraw(application=application)
    except MentoringError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("mentoring:mine")


# Coordinating: matching, review, publishing


def coordinate(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, pk=pk, to_run=True)
    today = _today()
    context = {
        "programme": programme,
        # Read only when the content is not in the cache (see mentoring/fragments.py).
        "d": SimpleLazyObject(
            lambda: selectors.coordinator_dashboard(programme=programme, today=today)
        ),
        "fragment_key": fragment_key(
            programme, today, scopes=[programme_scope(programme.pk), PEOPLE, (NAMES, None)]
        ),
    }
    return render(request, "mentoring/coordinate.html", context)


@require_POST
def run_start(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, pk=pk, to_run=True)
    try:
        run = services.match_run_start(programme=programme, user=request.user, now=timezone.now())
    except MentoringError as error:
        messages.error(request, str(error))
        return redirect("mentoring:coordinate", pk=programme.pk)
    return redirect("mentoring:run-detail", pk=run.pk)


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(viewer=request.user, pk=pk)
    context = {"run": run, "programme": run.programme}
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "mentoring/partials/run_progress.html", context)
        if run.is_finished:
            # Stop polling: the fragment without hx-trigger replaces itself for good.
            response["HX-Trigger"] = "runFinished"
        return response
    return render(request, "mentoring/run_detail.html", context)


@require_POST
def proposal_review(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(viewer=request.user, pk=pk)
    if not request.user.has_perm("mentoring.run_programme", proposal.programme):
        raise PermissionDenied
    action = request.POST.get("action")
    try:
        if action == "pin":
            services.proposal_pin(proposal=proposal, pinned=True)
        elif action == "unpin":
            services.proposal_pin(proposal=proposal, pinned=False)
        elif action == "remove":
            services.proposal_remove(proposal=proposal)
            messages.success(request, _("The pair was removed; it will not be proposed again."))
        else:
            messages.error(request, _("Choose to pin, unpin or remove the pair."))
    except MentoringError as error:
        messages.error(request, str(error))
    return redirect("mentoring:coordinate", pk=proposal.programme_id)


@require_POST
def programme_publish(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, pk=pk, to_run=True)
    try:
        sent = services.programme_publish(programme=programme, now=timezone.now())
    except MentoringError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s proposal was sent; its mentor is told by email.",
                "%(count)s proposals were sent; their mentors are told by email.",
                sent,
            )
            % {"count": sent},
        )
    return redirect("mentoring:coordinate", pk=programme.pk)


# Proposals


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(viewer=request.user, pk=pk)
    names = selectors.names_for([proposal.run])
    context = {
        "proposal": proposal,
        "programme": proposal.programme,
        "reasons": selectors.explain(proposal, names),
        "can_answer": selectors.may(request.user, "mentoring.answer_proposal", proposal),
        "decline_form": DeclineForm(),
        "relationship": Relationship.objects.filter(proposal=proposal).first(),
    }
    return render(request, "mentoring/proposal_detail.html", context)


@require_POST
def proposal_answer(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get(viewer=request.user, pk=pk, to_answer=True)
    action = request.POST.get("action")
    try:
        if action == "accept":
            relationship = services.proposal_accept(proposal=proposal, now=timezone.now())
            messages.success(request, _("Thank you! Your mentoring relationship has begun."))
            return redirect(relationship)
        if action == "decline":
            form = DeclineForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.proposal_decline(proposal=proposal, reason=reason, now=timezone.now())
            messages.success(request, _("You declined; the mentee will be matched again."))
            return redirect("mentoring:mentor-dashboard")
        messages.error(request, _("Choose to accept or to decline."))
    except MentoringError as error:
        messages.error(request, str(error))
    return redirect(proposal)


# Dashboards of the people


def mentor_dashboard(request: HttpRequest) -> HttpResponse:
    person = person_required(user=request.user)
    today = _today()
    context = {
        "offers": selectors.mentor_offers(person=person),
        # Read only when the content is not in the cache (see mentoring/fragments.py).
        "d": SimpleLazyObject(lambda: selectors.mentor_dashboard(person=person)),
        "today": today,
        "fragment_key": fragment_key(
            person.pk,
            today,
            scopes=[mentor_scope(person.pk), PEOPLE, PROGRAMMES, (NAMES, None)],
        ),
    }
    return render(request, "mentoring/mentor_dashboard.html", context)


def mine(request: HttpRequest) -> HttpResponse:
    person = person_required(user=request.user)
    overview = selectors.mentee_overview(person=person)
    return render(request, "mentoring/mine.html", {"o": overview})


# Relationships


def relationship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = selectors.relationship_get(viewer=request.user, pk=pk)
    person = person_for_user(user=request.user)
    of_the_pair = selectors.may(request.user, "mentoring.change_relationship", relationship)
    given = set(
        Feedback.objects.filter(relationship=relationship).values_list("person_id", flat=True)
    )
    context = {
        "relationship": relationship,
        "programme": relationship.programme,
        "of_the_pair": of_the_pair,
        "show_notes": selectors.may(request.user, "mentoring.view_checkin_notes", relationship),
        "check_ins": list(selectors.check_ins(relationship=relationship)[:100]),
        "checkin_form": CheckInForm(initial={"happened_on": _today()}),
        "goals_form": GoalsForm(initial={"goals": relationship.goals}),
        "end_form": EndForm(),
        "feedback_form": FeedbackForm(),
        "can_give_feedback": of_the_pair
        and relationship.status == RelationshipStatus.ENDED
        and person is not None
        and person.pk not in given,
        "quiet": relationship.quiet_since(_today(), relationship.programme.quiet_weeks),
    }
    return render(request, "mentoring/relationship_detail.html", context)


def _pair_action(request: HttpRequest, pk: int) -> tuple[Relationship, Person]:
    relationship = selectors.relationship_get(viewer=request.user, pk=pk, to_change=True)
    return relationship, person_required(user=request.user)


@require_POST
def check_in_add(request: HttpRequest, pk: int) -> HttpResponse:
    relationship, person = _pair_action(request, pk)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date of the check-in."))
    else:
        try:
            services.check_in_add(
                relationship=relationship,
                by=person,
                happened_on=form.cleaned_data["happened_on"],
                notes=form.cleaned_data["notes"],
                today=_today(),
            )
        except MentoringError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The check-in is recorded."))
    return redirect(relationship)


@require_POST
def goals_update(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _pair_action(request, pk)[0]
    form = GoalsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the goals (at most 3,000 characters)."))
    else:
        try:
            services.relationship_goals_update(
                relationship=relationship, goals=form.cleaned_data["goals"]
            )
        except MentoringError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The goals are saved."))
    return redirect(relationship)


@require_POST
def relationship_end(request: HttpRequest, pk: int) -> HttpResponse:
    relationship, person = _pair_action(request, pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(relationship)
    try:
        services.relationship_end(
            relationship=relationship,
            by=person,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            today=_today(),
        )
    except MentoringError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The relationship has ended. Tell us how it went below."))
    return redirect(relationship)


@require_POST
def feedback_give(request: HttpRequest, pk: int) -> HttpResponse:
    relationship, person = _pair_action(request, pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating from 1 to 5."))
    else:
        try:
            services.feedback_give(
                relationship=relationship,
                person=person,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except MentoringError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you for your feedback."))
    return redirect(relationship)


# Exclusions


def exclusions(request: HttpRequest) -> HttpResponse:
    person = person_required(user=request.user)
    form = ExclusionForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.exclusion_add(person=person, excluded=form.cleaned_data["who"])
        except MentoringError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("You will not be paired with them."))
            return redirect("mentoring:exclusions")
    context = {
        "form": form,
        "exclusions": list(
            Exclusion.objects.filter(person=person).select_related("excluded").order_by("pk")
        ),
    }
    return render(request, "mentoring/exclusions.html", context)


@require_POST
def exclusion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    exclusion = get_object_or_404(Exclusion, pk=pk, person=person_required(user=request.user))
    services.exclusion_remove(exclusion=exclusion)
    messages.success(request, _("The exclusion is removed."))
    return redirect("mentoring:exclusions")
