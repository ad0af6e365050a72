"""Forms of the coaching pages: they validate and normalise; the services apply the rules."""

from collections.abc import Iterator
from typing import Any

from allauth.account.models import EmailAddress
from crispy_forms.layout import Fieldset
from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from leadership.forms import DATE_INPUT, form_helper
from leadership.models import Community, Language, Membership, Person, Region, Skill
from leadership.widgets import FastSelect, FastSelectMultiple

from .models import (
    MAX_CASELOAD,
    MAX_QUIET_WEEKS,
    MAX_SESSION_MINUTES,
    AssignmentStatus,
    CoachAssignment,
    PlanUnit,
)


def _communities() -> Any:
    # Only the id and the name: the picker lists every community (a thousand or more), and
    # FastSelect writes their options once and reuses them (leadership/widgets.py).
    return Community.objects.only("pk", "name").order_by("name", "pk")


class _IdNameIterator(ModelChoiceIterator):
    """The choices as (id, name) values, not model instances: a thousand communities built as
    instances on every render of the picker cost 15 ms a page in `make bench`. What is chosen
    is still validated against the queryset by the field."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


def _use_id_names(field: Any) -> None:
    field.iterator = _IdNameIterator
    field.queryset = _communities()  # set after the iterator: choices are made from both


def _skills_field(label: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Skill.objects.order_by("category", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def person_by_email(email: str) -> Person | None:
    """The person whose login email this is (case-insensitive), or None."""
    email = email.strip()
    users = (
        get_user_model().objects.filter(email__iexact=email).select_related("person").order_by("pk")
    )
    # Found through allauth's addresses first: their email column is indexed (and stored in
    # lower case), auth_user's is not: UPPER(email) over 100,000 users is a 40 ms scan.
    user = users.filter(
        pk__in=EmailAddress.objects.filter(email__in={email, email.lower()}).values("user_id")
    ).first()
    if user is None:
        # An account without an allauth address (made in the shell): the scan, rarely.
        user = users.first()
    return getattr(user, "person", None) if user is not None else None


class EmailPersonField(forms.EmailField):
    """A person given by their login email; a clear error for an unknown one."""

    def clean(self, value: Any) -> Person | None:
        email = super().clean(value)
        if not email:
            return None
        person = person_by_email(email)
        if person is None:
            raise forms.ValidationError(_("Nobody signs in with that email address."))
        return person


# Coaches


class CoachAddForm(forms.Form):
    person = EmailPersonField(
        label=_("Their login email"), help_text=_("The person must already have an account.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class CoachFilterForm(forms.Form):
    accepting = forms.BooleanField(
        label=_("Only those with room for a new engagement"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    region = forms.ChoiceField(
        label=_("Region served"),
        required=False,
        choices=[("", _("Any region")), *Region.choices],
        widget=FastSelect(attrs={"class": "form-select"}),
    )


class CoachForm(forms.Form):
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages you coach in"),
        queryset=Language.objects.order_by("name"),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 8, "class": "form-select"}),
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions you serve"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities served"),
        queryset=Community.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 8, "class": "form-select"}),
        help_text=_("Communities you know well and would like to serve; optional."),
    )
    skills = _skills_field(_("Focus areas"))
    caseload_cap = forms.IntegerField(
        label=_("Most engagements at once"),
        min_value=1,
        max_value=MAX_CASELOAD,
        help_text=_("Proposed, active and paused engagements count towards it."),
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=300,
        required=False,
        help_text=_("For example: two evenings a month, UTC+1."),
    )
    accepting = forms.BooleanField(
        label=_("Accepting new engagements"),
        required=False,
        help_text=_("Untick to receive no new proposals (current engagements go on)."),
    )
    away_until = forms.DateField(
        label=_("Away until"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("No new proposals reach you until this day."),
    )
    approach = forms.CharField(
        label=_("How you coach"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("Shown to coordinators."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_id_names(self.fields["communities"])
        self.helper = form_helper(
            Fieldset(
                _("Your availability"), "caseload_cap", "accepting", "away_until", "availability"
            ),
            Fieldset(_("Whom you serve"), "languages", "regions", "communities", "skills"),
            Fieldset(_("About your coaching"), "approach"),
            lean=False,
        )

    def profile_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            field: data[field]
            for field in ("caseload_cap", "availability", "accepting", "away_until", "approach")
        }


# Engagements


class AssignmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *AssignmentStatus.choices],
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("Any community"),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    coach = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_id_names(self.fields["community"])


class NeedForm(forms.Form):
    """What a coordinator looks for (a GET form: its parameter names are a contract, the bench
    opens `?community=<id>&coachee=<email>`)."""

    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        widget=FastSelect(attrs={"class": "form-select"}),
    )
    coachee = EmailPersonField(
        label=_("The leader's login email"),
        required=False,
        help_text=_("Empty: the engagement is with the community's leadership team."),
    )
    skills = _skills_field(_("Focus areas"))
    starts_on = forms.DateField(
        label=_("Starts on"), widget=DATE_INPUT, required=False, help_text=_("Empty: today.")
    )
    ends_on = forms.DateField(
        label=_("Planned end"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("Empty: about six months after the start."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_id_names(self.fields["community"])
        self.helper = form_helper(lean=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        community, coachee = data.get("community"), data.get("coachee")
        if (
            community is not None
            and coachee is not None
            and not coachee.memberships.filter(community=community).exists()
        ):
            self.add_error(
                "coachee",
                _("%(person)s is not a member of %(community)s.")
                % {"person": coachee, "community": community},
            )
        if (
            community is not None
            and coachee is None
            and "coachee" not in self.errors
            and not community.memberships.filter(role=Membership.Role.ORGANISER).exists()
        ):
            # A team engagement's coachee side is its organisers: with none, nobody is coached.
            self.add_error(
                "coachee",
                _(
                    "%(community)s has no organisers: nobody would be coached. Give the email "
                    "of one of its leaders instead."
                )
                % {"community": community},
            )
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end <= start:
            self.add_error("ends_on", _("The planned end must be after the start."))
        return data


class ProposeForm(forms.Form):
    """The rest of the engagement, posted with one suggested coach."""

    coach = forms.IntegerField(widget=forms.HiddenInput)
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )
    plan_unit = forms.ChoiceField(
        label=_("Planned in"), choices=PlanUnit.choices, initial=PlanUnit.SESSIONS
    )
    planned_amount = forms.IntegerField(
        label=_("Planned number"), min_value=1, max_value=500, initial=6
    )
    quiet_weeks = forms.IntegerField(
        label=_("Remind the coach after this many weeks without a session"),
        min_value=1,
        max_value=MAX_QUIET_WEEKS,
        initial=4,
    )
    requested_by = EmailPersonField(label=_("Asked for by (login email)"), required=False)
    request_reason = forms.CharField(
        label=_("Why it was asked for"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not `coach`: each suggestion's button carries it.
        self.helper = form_helper(
            "goals",
            "plan_unit",
            "planned_amount",
            "quiet_weeks",
            "requested_by",
            "request_reason",
        )


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = CoachAssignment
        fields = ["goals", "ends_on", "plan_unit", "planned_amount", "quiet_weeks"]
        widgets = {"goals": forms.Textarea(attrs={"rows": 4}), "ends_on": DATE_INPUT}

    skills = _skills_field(_("Focus areas"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(lean=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you decline (seen by the coordinators)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
    )


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=_("A closing note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class SessionForm(forms.Form):
    happened_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"), min_value=1, max_value=MAX_SESSION_MINUTES, initial=60
    )
    summary = forms.CharField(
        label=_("Summary (shared with the coachee)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    private_notes = forms.CharField(
        label=_("Private notes (only you can read them)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
