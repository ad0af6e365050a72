from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from .models import (
    Community,
    Language,
    Person,
    PersonLanguage,
    PersonSkill,
    SelfIdentification,
    Skill,
)
from .services import PROFILE_FIELDS, LanguageLevel
from .widgets import FastSelect, FastSelectMultiple, SharedTimeZoneFormField

# crispy-bootstrap5's field template less the layouts Pathways does not use (see the template).
LEAN_FIELD_TEMPLATE = "leadership/crispy/field.html"
# A date picker that round-trips ISO dates, for every app's forms.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def form_helper(*layout: Any, lean: bool = True) -> FormHelper:
    """A crispy helper for fields laid out inside the page's own <form> (its tag and CSRF
    token are the template's).

    `lean=False` for forms with groups of checkboxes or radios: the lean template has no branch
    for them (it would give each box a `form-control` and the group an empty `<label for="">`),
    while the pack's puts the group in a fieldset with a legend.
    """
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if lean:
        helper.field_template = LEAN_FIELD_TEMPLATE
    if layout:
        helper.layout = Layout(*layout)
    return helper


class CommunitySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind")), *Community.Kind.choices],
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        choices=[("", _("Any region")), *Community.Region.choices],
        widget=FastSelect(attrs={"class": "form-select"}),
    )


class ProfileForm(forms.ModelForm):
    time_zone = SharedTimeZoneFormField(label=_("Time zone"), widget=FastSelect)

    class Meta:
        model = Person
        fields = list(PROFILE_FIELDS)
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Fieldset(
                _("About you"),
                "display_name",
                "wiki_username",
                "pronouns",
                "time_zone",
                "email_language",
                "bio",
            ),
            Fieldset(
                _("What you are open to"),
                "open_to_being_mentored",
                "open_to_mentoring",
                "open_to_coaching",
            ),
        )

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Your display name cannot be empty."))
        return name

    def clean_wiki_username(self) -> str:
        # Said here in words: otherwise the database constraint's name is shown to the person.
        name: str = self.cleaned_data["wiki_username"].strip()
        taken = Person.objects.filter(wiki_username__iexact=name).exclude(pk=self.instance.pk)
        if name and taken.exists():
            raise forms.ValidationError(_("Another person already uses this wiki username."))
        return name


class PersonLanguageForm(forms.ModelForm):
    class Meta:
        model = PersonLanguage
        fields = ["language", "proficiency"]
        widgets = {
            "language": FastSelect(attrs={"class": "form-select"}),
            "proficiency": FastSelect(attrs={"class": "form-select"}),
        }

    def __init__(
        self, *args: Any, language_choices: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        field.queryset = Language.objects.order_by("name")  # type: ignore[attr-defined]
        if language_choices is not None:
            field.choices = language_choices  # type: ignore[attr-defined]


class BaseLanguageFormSet(BaseInlineFormSet):
    """Every row offers the same languages: load them once for the page, not once per row."""

    def levels(self) -> list[LanguageLevel]:
        """The languages kept after validation: filled-in rows not marked for removal."""
        return [
            LanguageLevel(f.cleaned_data["language"], f.cleaned_data["proficiency"])
            for f in self.forms
            if f.cleaned_data.get("language") and not f.cleaned_data.get("DELETE")
        ]

    def add_fields(self, form: forms.ModelForm, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        if not hasattr(self, "_language_choices"):
            # Plain (code, name) pairs, not model instances: every row shows the same ~110
            # languages, and FastSelect renders the options of equal lists once.
            empty = self.form.base_fields["language"].empty_label  # type: ignore[attr-defined]
            names = Language.objects.order_by("name").values_list("code", "name")
            self._language_choices = [("", empty), *names]
        kwargs["language_choices"] = self._language_choices
        return kwargs


# The factory returns a subclass of BaseLanguageFormSet; its stubs say only BaseInlineFormSet.
LanguageFormSet = cast(
    type[BaseLanguageFormSet],
    inlineformset_factory(
        Person,
        PersonLanguage,
        form=PersonLanguageForm,
        formset=BaseLanguageFormSet,
        extra=2,
        can_delete=True,
        max_num=20,
        validate_max=True,
    ),
)


class SkillLevelsForm(forms.Form):
    """One level choice per skill of the framework, grouped by category; blank means not rated.

    `skills` come from `selectors.skills_with_levels`: each carries the person's `level`.
    """

    def __init__(self, *args: Any, skills: list[Skill], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skills = {f"skill_{skill.pk}": skill for skill in skills}
        choices = [("", _("Not rated")), *PersonSkill.Level.choices]
        by_category: dict[str, list[str]] = {}
        for name, skill in self.skills.items():
            self.fields[name] = forms.TypedChoiceField(
                label=skill.name,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=skill.level,  # type: ignore[attr-defined]
                help_text=skill.description,
                widget=FastSelect(attrs={"class": "form-select"}),
            )
            by_category.setdefault(skill.get_category_display(), []).append(name)
        self.by_category = by_category

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields grouped by skill category, in the framework's order, for the template."""
        return [
            (category, [self[name] for name in names])
            for category, names in self.by_category.items()
        ]

    def levels(self) -> list[tuple[Skill, int]]:
        return [
            (self.skills[name], value)
            for name, value in self.cleaned_data.items()
            if name in self.skills and value
        ]


class CommunityForm(forms.ModelForm):
    time_zone = SharedTimeZoneFormField(label=_("Time zone"), widget=FastSelect)

    class Meta:
        model = Community
        fields = ["name", "kind", "region", "time_zone", "languages", "description"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "languages": FastSelectMultiple(attrs={"size": 8}),
            "kind": FastSelect,
            "region": FastSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Community.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another community already has this name."))
        return name


class SelfIdentificationForm(forms.ModelForm):
    """Every answer optional; "Prefer not to say" is the blank choice."""

    class Meta:
        model = SelfIdentification
        fields = ["gender", "age_band", "underrepresented"]
        widgets = {
            "gender": forms.RadioSelect,
            "age_band": forms.RadioSelect,
            "underrepresented": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = {
            "gender": SelfIdentification.Gender.choices,
            "age_band": SelfIdentification.AgeBand.choices,
            "underrepresented": [("yes", _("Yes")), ("no", _("No"))],
        }
        for name in self.Meta.fields:
            field = cast(forms.ChoiceField, self.fields[name])
            field.required = False
            field.choices = [("", _("Prefer not to say")), *offered[name]]
        self.helper = form_helper(*self.Meta.fields, lean=False)
