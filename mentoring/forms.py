"""Forms of the mentoring pages: they validate and normalise; the services apply the rules."""

from typing import Any, cast

from crispy_forms.layout import Fieldset
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadership.forms import DATE_INPUT, form_helper
from leadership.models import Community, Person, Skill

from .models import MAX_CAPACITY, EndReason, MentoringProgramme, Trait

PROGRAMME_FIELDS = [
    "title",
    "description",
    "scope",
    "communities",
    "status",
    "cohort_starts_on",
    "cohort_ends_on",
    "applications_open_on",
    "applications_close_on",
    "relationship_weeks",
    "response_days",
    "quiet_weeks",
    "default_mentor_capacity",
    "require_shared_language",
    "allow_same_community",
    "max_tz_distance_hours",
    "skills_weight",
    "tz_weight",
    "language_weight",
    "preference_weight",
]


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = MentoringProgramme
        fields = PROGRAMME_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "cohort_starts_on": DATE_INPUT,
            "cohort_ends_on": DATE_INPUT,
            "applications_open_on": DATE_INPUT,
            "applications_close_on": DATE_INPUT,
            "communities": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelMultipleChoiceField, self.fields["communities"]
        ).queryset = Community.objects.order_by("name")
        self.fields["default_mentor_capacity"].widget = forms.NumberInput(
            attrs={"min": 1, "max": MAX_CAPACITY}
        )
        self.helper = form_helper(
            Fieldset(_("The programme"), "title", "description", "status"),
            Fieldset(_("Who takes part"), "scope", "communities"),
            Fieldset(
                _("Dates"),
                "applications_open_on",
                "applications_close_on",
                "cohort_starts_on",
                "cohort_ends_on",
                "relationship_weeks",
                "response_days",
                "quiet_weeks",
            ),
            Fieldset(
                _("Matching rules"),
                "require_shared_language",
                "allow_same_community",
                "max_tz_distance_hours",
                "default_mentor_capacity",
            ),
            Fieldset(
                _("What makes a good pair (weights)"),
                "skills_weight",
                "tz_weight",
                "language_weight",
                "preference_weight",
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("cohort_starts_on"), data.get("cohort_ends_on")
        if start and end and end <= start:
            self.add_error("cohort_ends_on", _("The cohort must end after it starts."))
        opens, closes = data.get("applications_open_on"), data.get("applications_close_on")
        if opens and closes and closes < opens:
            self.add_error("applications_close_on", _("Applications must close after they open."))
        capacity = data.get("default_mentor_capacity")
        if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
            self.add_error(
                "default_mentor_capacity",
                _("Between 1 and %(max)s.") % {"max": MAX_CAPACITY},
            )
        hours = data.get("max_tz_distance_hours")
        if hours is not None and hours > 12:
            self.add_error("max_tz_distance_hours", _("At most 12: no two places are further."))
        weights = [data.get(f) or 0 for f in PROGRAMME_FIELDS if f.endswith("_weight")]
        if not any(weights):
            self.add_error("skills_weight", _("At least one weight must be above zero."))
        if data.get("scope") != MentoringProgramme.Scope.MOVEMENT and not data.get("communities"):
            self.add_error("communities", _("Choose the community or communities."))
        return data


def _skills_field(label: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Skill.objects.order_by("category", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def _traits_field(label: Any, help_text: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=Trait.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=help_text,
    )


class _ThroughCommunity(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Taking part as a member of"),
        queryset=Community.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, communities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if communities is not None:
            cast(forms.ModelChoiceField, self.fields["community"]).queryset = communities
            self.fields["community"].required = communities.exists()


class OfferForm(_ThroughCommunity):
    capacity = forms.TypedChoiceField(
        label=_("How many mentees at once"),
        choices=[(n, str(n)) for n in range(1, MAX_CAPACITY + 1)],
        coerce=int,
    )
    skills = _skills_field(_("Skills you can help with"))
    availability = forms.CharField(
        label=_("Availability"),
        max_length=300,
        required=False,
        help_text=_("For example: two hours a month, weekday evenings."),
    )
    away_until = forms.DateField(
        label=_("Away until"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("No new proposals reach you until this day."),
    )
    traits = _traits_field(
        _("About you (optional)"),
        _("Only used when a mentee asks for a mentor like you; nobody else sees it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(lean=False)


class ApplicationForm(_ThroughCommunity):
    goals = forms.CharField(
        label=_("What you want to achieve"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
    )
    skills = _skills_field(_("Skills you want to grow"))
    preferences = _traits_field(
        _("You would like a mentor who is (optional)"),
        _("Honoured where possible; never required. Mentors say this of themselves."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(lean=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, seen by the coordinators)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )


class AwayForm(forms.Form):
    away_until = forms.DateField(label=_("Away until"), widget=DATE_INPUT, required=False)


class CheckInForm(forms.Form):
    happened_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    notes = forms.CharField(
        label=_("Notes (only the two of you can read them)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class GoalsForm(forms.Form):
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why does it end?"), choices=EndReason.choices)
    note = forms.CharField(
        label=_("A few words (needed when asking for another match)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == EndReason.REMATCH and not (data.get("note") or "").strip():
            self.add_error("note", _("Say briefly why you ask for another match."))
        return data


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was it?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(lean=False)


class ExclusionForm(forms.Form):
    who = forms.CharField(
        label=_("Their wiki username or display name"),
        max_length=255,
        help_text=_("You will never be paired with them, as mentor or as mentee."),
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_who(self) -> Person:
        who = self.cleaned_data["who"].strip()
        found = list(
            Person.objects.filter(Q(wiki_username__iexact=who) | Q(display_name__iexact=who))
            .exclude(pk=self.person.pk)
            .order_by("pk")[:2]
        )
        if not found:
            raise forms.ValidationError(_("Nobody goes by that name here."))
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several people go by that name: give their wiki username.")
            )
        return found[0]
