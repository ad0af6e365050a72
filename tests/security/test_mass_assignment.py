"""Mass assignment: what a form saves is what it lists, never what a hand-made POST adds.

Every ModelForm of ours names its fields (no `"__all__"`, no `exclude`), and none of them is a
field that decides who someone is or what they may do (staff, superuser, groups, the owner or
the community of a row, a counter the database keeps). The posting of extra fields to every
form of every page is in test_fuzz_forms.py's world; here, the forms' own declarations.
"""

import importlib
import inspect
from typing import Any

import pytest
from django import forms
from django.urls import reverse

FORM_MODULES = [
    "leadership.forms",
    "leadership.coaching.forms",
    "plans.forms",
    "mentoring.forms",
    "training.forms",
    "training.forms_library",
]
# Fields no form may save from what was posted: who someone is, what they may do, whose or
# which community's a row is, and what the database or a service keeps.
NEVER_POSTED = {
    "user",
    "is_staff",
    "is_superuser",
    "is_active",
    "groups",
    "user_permissions",
    "password",
    "last_login",
    "email",
    "person",
    "coach",
    "coachee",
    "community",
    "status",
    "open_count",
    "seats_taken",
    "created_at",
    "claimed_by",
    "requested_by",
    "started_by",
    "owner",
    "signed_off_by",
    "coordinators",
    "facilitators",
    "communities",
}
# Where a form does take one of those, the reason (the view scopes it; tests in the app's views).
ALLOWED = {
    # A programme's status (draft, open, closed) is set on its form by those who run it, whose
    # form it is alone (tests/security/matrix.py).
    ("mentoring.forms", "ProgrammeForm", "status"),
    ("training.forms", "ProgrammeForm", "status"),
    # A training programme's community: coordinators choose any; an organiser only their own
    # communities (training/forms.py; the test below posts another one).
    ("training.forms", "ProgrammeForm", "community"),
    # A mentoring programme's communities: its form is the coordinators' alone.
    ("mentoring.forms", "ProgrammeForm", "communities"),
}


# Every choice of a community, a person or a stage in any form (plain forms too), and why a
# hand-made POST of another one gains nothing: a new such field fails the test until reviewed.
SCOPED_CHOICES = {
    ("leadership.coaching.forms", "AssignmentFilterForm", "community"): "a list filter",
    ("leadership.coaching.forms", "CoachForm", "communities"): (
        "the communities a coach serves: a preference for suggestions, no right over them"
    ),
    ("leadership.coaching.forms", "NeedForm", "community"): "the coordinators' form alone",
    ("plans.forms", "CandidateForm", "person"): (
        "anyone may be named a successor (leaders need not be members); the plan's editors' form"
    ),
    ("plans.forms", "TermForm", "person"): "as for candidates: whoever holds the seat",
    ("mentoring.forms", "ApplicationForm", "community"): (
        "the service refuses a community one does not belong to (tests/mentoring/"
        "test_services.py::test_applying_through_a_community_one_does_not_belong_to_is_refused)"
    ),
    ("mentoring.forms", "OfferForm", "community"): "as for applications",
    ("mentoring.forms", "_ThroughCommunity", "community"): "as for applications",
    ("mentoring.forms", "ProgrammeForm", "communities"): "the coordinators' form alone",
    ("training.forms", "ProgrammeForm", "community"): (
        "an organiser's own communities only (the test below)"
    ),
    ("training.forms", "StageForm", "prerequisites"): (
        "stages of this programme or of published ones (training/forms.py)"
    ),
    ("training.forms_library", "LibraryFilterForm", "stage"): "a list filter, drafts left out",
    ("training.forms_library", "ResourceForm", "stages"): (
        "the stages of programmes the author runs (tests/training/test_library.py)"
    ),
}
SCOPED_MODELS = {"Community", "Person", "Stage", "TrainingProgramme", "MentoringProgramme"}


def all_forms() -> list[tuple[str, str, Any]]:
    found = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module_name:
                found.append((module_name, name, cls))
    return found


def test_every_choice_of_a_community_person_or_stage_in_a_form_is_reviewed():
    choices = {
        (module, name, field)
        for module, name, form in all_forms()
        for field, form_field in form.base_fields.items()
        if isinstance(form_field, forms.ModelChoiceField)
        and form_field.queryset is not None
        and form_field.queryset.model.__name__ in SCOPED_MODELS
    }

    assert choices == set(SCOPED_CHOICES)


def model_forms() -> list[tuple[str, str, type[forms.ModelForm]]]:
    found = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.ModelForm) and cls.__module__ == module_name:
                found.append((module_name, name, cls))
    return found


def test_the_forms_of_every_app_are_found():
    assert len(model_forms()) >= 10


@pytest.mark.parametrize(("module", "name", "form"), model_forms())
def test_every_model_form_names_its_fields_and_none_that_decides_access_or_ownership(
    module: str, name: str, form: type[forms.ModelForm]
):
    meta = form._meta

    assert meta.fields is not None, f"{name} must list its fields"
    assert meta.fields != "__all__", f"{name} must list its fields, not take them all"
    assert not meta.exclude, f"{name} must list its fields, not exclude some"
    forbidden = {
        field for field in form.base_fields if (module, name, field) not in ALLOWED
    } & NEVER_POSTED
    assert not forbidden, f"{name} lets a POST set {sorted(forbidden)}"


@pytest.mark.django_db
def test_an_organiser_cannot_move_their_communitys_programme_into_another_community(
    client_as: Any, community: Any, other_community: Any, organiser: Any
):
    from tests.factories import TrainingProgrammeFactory
    from training.models import TrainingProgramme

    programme = TrainingProgrammeFactory.create(
        title="Testland Academy", level=TrainingProgramme.Level.LOCAL, community=community
    )
    url = reverse("training:programme-edit", args=[programme.pk])
    data = {
        "title": "Testland Academy",
        "level": "local",
        "community": other_community.pk,
        "status": programme.status,
        "time_zone": "Europe/Berlin",
        "starts_on": programme.starts_on.isoformat(),
        "ends_on": programme.ends_on.isoformat(),
        # and what no form of ours takes
        "is_staff": "on",
        "is_superuser": "on",
        "coordinators": [organiser.person.pk],
    }

    response = client_as("organiser").post(url, data)

    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    programme.refresh_from_db()
    assert programme.community_id == community.pk
    assert not programme.coordinators.exists()
    organiser.refresh_from_db()
    assert (organiser.is_staff, organiser.is_superuser) == (False, False)
