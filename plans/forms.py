"""Forms of the plan pages: they validate and normalise; the services apply the rules."""

from typing import Any, cast

from crispy_forms.layout import Fieldset
from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from leadership.forms import DATE_INPUT, form_helper
from leadership.models import Community, Person, PersonSkill, Skill
from leadership.widgets import FastSelect

from . import csv_io
from .models import LeadershipPlan, PathwayStep, Readiness, Role, StepKind
from .services import PLAN_FIELDS, ROLE_FIELDS, SkillNeed, StepData


class PlanForm(forms.ModelForm):
    class Meta:
        model = LeadershipPlan
        fields = list(PLAN_FIELDS)
        widgets = {
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
            "review_on": DATE_INPUT,
            **{
                f: forms.Textarea(attrs={"rows": 4})
                for f in (
                    "vision",
                    "goals",
                    "diversity_goals",
                    "resources_needed",
                    "leader_support",
                )
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Fieldset(_("Period"), "starts_on", "ends_on", "review_on"),
            Fieldset(
                _("The plan"),
                "vision",
                "goals",
                "diversity_goals",
                "resources_needed",
                "leader_support",
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end <= start:
            self.add_error("ends_on", _("The period must end after it starts."))
        return data


class RoleForm(forms.ModelForm):
    """A role's description and rules, and the level it needs of each skill (one field each)."""

    class Meta:
        model = Role
        fields = list(ROLE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "responsibilities": forms.Textarea(attrs={"rows": 4}),
            "filled_by": FastSelect,
        }

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        levels = (
            {n.skill_id: n.min_level for n in self.instance.role_skills.all()}
            if self.instance.pk
            else {}
        )
        choices = [("", _("Not needed")), *PersonSkill.Level.choices]
        self.skills: dict[str, Skill] = {}
        for skill in Skill.objects.order_by("name"):
            name = f"skill_{skill.pk}"
            self.skills[name] = skill
            self.fields[name] = forms.TypedChoiceField(
                label=skill.name,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=levels.get(skill.pk),
                widget=FastSelect(attrs={"class": "form-select"}),
            )
        self.helper = form_helper(
            Fieldset(_("The role"), "title", "description", "responsibilities", "is_leadership"),
            Fieldset(_("Seats and terms"), "seats", "filled_by", "term_months"),
            Fieldset(
                _("Term limits"), "max_consecutive_terms", "cool_off_months", "max_total_years"
            ),
            Fieldset(_("Succession"), "succession_lead_months"),
            Fieldset(_("Skills it needs, at least at this level"), *self.skills),
        )

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        taken = Role.objects.filter(community=self.community, title__iexact=title)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This community already has a role with this title."))
        return title

    def validate_constraints(self) -> None:
        # The title's uniqueness is said in words above; the services check the rest.
        pass

    def data_for_service(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in ROLE_FIELDS}

    def skill_needs(self) -> list[SkillNeed]:
        return [
            SkillNeed(skill, self.cleaned_data[name])
            for name, skill in self.skills.items()
            if self.cleaned_data.get(name)
        ]


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def _offer_members(field: Any, role: Role, shown: list[Person] | None) -> None:
    """Any member of the role's community validates; the list shows only `shown` (a search's
    matches), so that a community of 10,000 members is not sent to the browser as one <select>."""
    field.queryset = Person.objects.filter(memberships__community_id=role.community_id)
    if shown is not None:
        field.choices = [("", "---------"), *((p.pk, p.display_name) for p in shown)]


class TermDatesForm(forms.Form):
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_INPUT)
    ends_on = forms.DateField(
        label=_("Ends on"),
        widget=DATE_INPUT,
        help_text=_("The day the term ends: a successor may start that day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class TermForm(TermDatesForm):
    """A new term: the person among the community's members, the seat (or the first free one)."""

    person = MemberChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    seat = forms.TypedChoiceField(label=_("Seat"), coerce=int, empty_value=None, required=False)
    field_order = ["person", "seat", "starts_on", "ends_on"]

    def __init__(
        self, *args: Any, role: Role, shown: list[Person] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _offer_members(self.fields["person"], role, shown)
        self.fields["seat"].choices = [  # type: ignore[attr-defined]
            ("", _("The first free seat")),
            *((n, _("Seat %(number)s") % {"number": n}) for n in range(1, role.seats + 1)),
        ]
        self.fields["seat"].widget.attrs["class"] = "form-select"


class TermEndForm(forms.Form):
    ended_on = forms.DateField(
        label=_("Stepped down on"),
        widget=DATE_INPUT,
        help_text=_("The seat is free from this day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class StepForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=StepKind.choices, widget=FastSelect(attrs={"class": "form-select"})
    )
    # Optional: a row left empty (the blank one offered for a new step) is dropped.
    title = forms.CharField(label=_("Step"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    def step(self) -> StepData:
        d = self.cleaned_data
        return StepData(
            d["kind"], d["title"], d.get("description", ""), d.get("url", ""), d.get("id")
        )


class BaseStepFormSet(forms.BaseFormSet):
    def steps(self) -> list[StepData]:
        """The steps in their order: filled-in rows not marked for removal."""
        kept = (
            [f for f in self.ordered_forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            if self.can_order
            else [f for f in self.forms if f.cleaned_data]
        )
        return [f.step() for f in kept if f.cleaned_data.get("title")]


# The factory returns a subclass of BaseStepFormSet; its stubs say only BaseFormSet.
StepFormSet = cast(
    type[BaseStepFormSet],
    formset_factory(
        StepForm,
        formset=BaseStepFormSet,
        extra=1,
        can_delete=True,
        can_order=True,
        max_num=30,
        validate_max=True,
    ),
)


def step_initial(steps: list[PathwayStep]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.pk,
            "kind": s.kind,
            "title": s.title,
            "description": s.description,
            "url": s.url,
            "ORDER": i,
        }
        for i, s in enumerate(steps, start=1)
    ]


class CandidateForm(forms.Form):
    person = MemberChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    readiness = forms.ChoiceField(
        label=_("Readiness"),
        choices=Readiness.choices,
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def __init__(
        self, *args: Any, role: Role, shown: list[Person] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _offer_members(self.fields["person"], role, shown)


class ImportForm(forms.Form):
    """One CSV file, refused before it is read if too large or not named as a CSV."""

    # What spreadsheets save a CSV as. The name is checked rather than the browser's content
    # type, which says only what the name ends with; the import then checks the bytes.
    EXTENSIONS = (".csv", ".txt")

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma-separated, with the header row described below."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > csv_io.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(size)s MB.")
                % {"size": csv_io.MAX_BYTES // (1024 * 1024)}
            )
        if not (upload.name or "").lower().endswith(self.EXTENSIONS):
            raise forms.ValidationError(
                _("Only a CSV file can be imported: its name ends with .csv (or .txt).")
            )
        return upload


class CandidateChangeForm(forms.Form):
    """A named successor's readiness and notes, changed from the succession page's list."""

    readiness = forms.ChoiceField(label=_("Readiness"), choices=Readiness.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)
