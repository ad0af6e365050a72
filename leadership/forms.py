from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from .models import Community, Language, Person, PersonLanguage, PersonSkill, Skill


class CommunitySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind")), *Community.Kind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    region = forms.ChoiceField(
        label=_("Region"),
        required=False,
        choices=[("", _("Any region")), *Community.Region.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "display_name",
            "wiki_username",
            "pronouns",
            "time_zone",
            "bio",
            "open_to_being_mentored",
            "open_to_mentoring",
            "open_to_coaching",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                _("About you"), "display_name", "wiki_username", "pronouns", "time_zone", "bio"
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


class PersonLanguageForm(forms.ModelForm):
    class Meta:
        model = PersonLanguage
        fields = ["language", "proficiency"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].queryset = Language.objects.order_by("name")  # type: ignore[attr-defined]


LanguageFormSet = inlineformset_factory(
    Person,
    PersonLanguage,
    form=PersonLanguageForm,
    extra=2,
    can_delete=True,
    max_num=20,
    validate_max=True,
)


class SkillLevelsForm(forms.Form):
    """One level choice per skill of the framework, grouped by category; blank means not rated."""

    def __init__(self, *args: Any, skills: list[Skill], levels: dict[int, int], **kwargs: Any):
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
                initial=levels.get(skill.pk),
                help_text=skill.description,
            )
            by_category.setdefault(skill.get_category_display(), []).append(name)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *(Fieldset(category, *names) for category, names in by_category.items())
        )

    def levels(self) -> list[tuple[Skill, int]]:
        return [
            (self.skills[name], value)
            for name, value in self.cleaned_data.items()
            if name in self.skills and value
        ]


class CommunityForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "kind", "region", "time_zone", "languages", "description"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "languages": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Community.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another community already has this name."))
        return name
