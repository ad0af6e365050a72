"""Forms of the programme and stage pages: they validate and normalise; the services decide."""

import re
from typing import Any, cast

from crispy_forms.layout import Fieldset
from django import forms
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadership.forms import DATE_INPUT, form_helper
from leadership.models import Community, Language, Membership, Person, Skill
from leadership.rules import is_coordinator
from leadership.widgets import FastSelect, SharedTimeZoneFormField

from . import recurrence
from .models import MAX_CAPACITY, MAX_SESSION_MINUTES, SessionSeries, Stage, TrainingProgramme
from .recurrence import MAX_OCCURRENCES
from .services.schedule import EditMode, SeriesChanges


class ProgrammeForm(forms.ModelForm):
    time_zone = SharedTimeZoneFormField(
        label=_("Time zone"),
        widget=FastSelect,
        help_text=_("New sessions start in this time zone unless you choose another."),
    )

    class Meta:
        model = TrainingProgramme
        fields = [
            "title",
            "description",
            "level",
            "community",
            "region",
            "status",
            "languages",
            "time_zone",
            "starts_on",
            "ends_on",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
            "languages": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, editor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = Community.objects.order_by("name")
        if not is_coordinator(editor):
            # An organiser runs their own community's programme: they may not move it into another
            # community, nor make it regional or movement-wide (which would put it on other
            # communities' pages and feeds). Coordinators decide those.
            communities = communities.filter(
                Q(pk=self.instance.community_id)
                | Q(
                    memberships__person__user=editor,
                    memberships__role=Membership.Role.ORGANISER,
                )
            ).distinct()
            self.fields["level"].disabled = True
            self.fields["region"].disabled = True
        cast(forms.ModelChoiceField, self.fields["community"]).queryset = communities
        cast(
            forms.ModelMultipleChoiceField, self.fields["languages"]
        ).queryset = Language.objects.order_by("name")
        self.helper = form_helper(
            Fieldset(_("The programme"), "title", "description", "status"),
            Fieldset(_("Who it is for"), "level", "community", "region", "languages"),
            Fieldset(_("When"), "time_zone", "starts_on", "ends_on"),
        )


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = [
            "order",
            "title",
            "description",
            "skills",
            "prerequisites",
            "completion_rule",
            "min_sessions",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "skills": forms.CheckboxSelectMultiple,
            "prerequisites": forms.SelectMultiple(attrs={"size": 6}),
            "completion_rule": forms.RadioSelect,
        }

    def __init__(self, *args: Any, programme: TrainingProgramme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Empty: after the last stage.")
        cast(forms.ModelMultipleChoiceField, self.fields["skills"]).queryset = Skill.objects.all()
        # Any stage may be required, even of another programme (a local academy leading into a
        # global one); this programme's stages come first.
        prerequisites = cast(forms.ModelMultipleChoiceField, self.fields["prerequisites"])
        # Drafts of other programmes are not shown: they are not public yet.
        others = (
            Stage.objects.select_related("programme")
            .exclude(programme__status=TrainingProgramme.Status.ARCHIVED)
            .exclude(Q(programme__status=TrainingProgramme.Status.DRAFT) & ~Q(programme=programme))
        )
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        prerequisites.queryset = others.order_by("programme__title", "programme_id", "order")
        prerequisites.label_from_instance = lambda stage: (  # type: ignore[method-assign,assignment]
            f"{stage.programme.title}: {stage.order}. {stage.title}"
        )
        self.helper = form_helper(
            Fieldset(_("The stage"), "order", "title", "description", "skills"),
            Fieldset(
                _("Who may take it, and when it is done"),
                "prerequisites",
                "completion_rule",
                "min_sessions",
            ),
            lean=False,
        )


WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class Repeats(models.TextChoices):
    ONCE = "once", _("Does not repeat: one session")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week, on the days chosen below")
    MONTHLY_WEEKDAY = (
        "monthly_weekday",
        _("Every month, on a day of the week (e.g. first Saturday)"),
    )
    MONTHLY_DAY = "monthly_day", _("Every month, on the same date")
    CUSTOM = "custom", _("A custom rule (RFC 5545 RRULE)")


class Ends(models.TextChoices):
    HORIZON = "horizon", _("At the programme's last day")
    ON = "on", _("On a date")
    AFTER = "after", _("After a number of sessions")


class FacilitatorsField(forms.CharField):
    """Facilitators by their login emails, separated by commas: a list of 100,000 people would be
    no use as a menu."""

    def clean(self, value: Any) -> list[Person]:
        text = super().clean(value)
        emails = list(dict.fromkeys(e.strip().lower() for e in text.split(",") if e.strip()))
        if not emails:
            return []
        people = {
            person.user.email.lower(): person
            for person in Person.objects.select_related("user").filter(
                user__email__iregex=r"^(" + "|".join(re.escape(e) for e in emails) + r")$"
            )
        }
        unknown = [email for email in emails if email not in people]
        if unknown:
            raise forms.ValidationError(
                _("Nobody signs in with %(emails)s.") % {"emails": ", ".join(unknown)}
            )
        return [people[email] for email in emails]


class _SessionFields(forms.Form):
    """What a series and a single session share."""

    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Empty: the stage's title."),
    )
    start_time = forms.TimeField(label=_("Start time"), widget=TIME_INPUT)
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=5, max_value=MAX_SESSION_MINUTES, initial=90
    )
    time_zone = SharedTimeZoneFormField(
        label=_("Time zone"),
        widget=FastSelect,
        help_text=_("The session keeps its clock time in this zone, also when clocks change."),
    )
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=MAX_CAPACITY, initial=20
    )
    language = forms.ModelChoiceField(
        label=_("Language"), queryset=Language.objects.order_by("name"), required=False
    )
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        help_text=_("Shown only to the people enrolled, the facilitators and the coordinators."),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    facilitators = FacilitatorsField(
        label=_("Facilitators"),
        required=False,
        help_text=_("Their login emails, separated by commas."),
    )


class ScheduleForm(_SessionFields):
    """One session, or a series by a rule, from the first date on."""

    first_date = forms.DateField(label=_("Date (first session)"), widget=DATE_INPUT)
    repeats = forms.ChoiceField(label=_("Repeats"), choices=Repeats.choices, initial=Repeats.WEEKLY)
    interval = forms.IntegerField(
        label=_("Every how many days, weeks or months"),
        min_value=1,
        max_value=52,
        initial=1,
        required=False,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "For a weekly series (empty: the first date's day); for a monthly one, one day."
        ),
    )
    week_of_month = forms.TypedChoiceField(
        label=_("Which one in the month"),
        choices=[
            (1, _("First")),
            (2, _("Second")),
            (3, _("Third")),
            (4, _("Fourth")),
            (-1, _("Last")),
        ],
        coerce=int,
        initial=1,
        required=False,
        empty_value=1,  # type: ignore[arg-type]
    )
    rrule = forms.CharField(
        label=_("Custom rule"),
        required=False,
        max_length=500,
        help_text=_(
            "For example FREQ=WEEKLY;BYDAY=TU,TH. Without an end, it ends with the horizon."
        ),
    )
    ends = forms.ChoiceField(
        label=_("Ends"), choices=Ends.choices, initial=Ends.HORIZON, widget=forms.RadioSelect
    )
    end_date = forms.DateField(label=_("Last date"), required=False, widget=DATE_INPUT)
    count = forms.IntegerField(
        label=_("Number of sessions"), required=False, min_value=1, max_value=MAX_OCCURRENCES
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Fieldset(_("When"), "first_date", "start_time", "duration_minutes", "time_zone"),
            Fieldset(
                _("Repeats"),
                "repeats",
                "interval",
                "weekdays",
                "week_of_month",
                "rrule",
                "ends",
                "end_date",
                "count",
            ),
            Fieldset(
                _("The sessions"),
                "title",
                "capacity",
                "language",
                "online_url",
                "place",
                "facilitators",
            ),
            lean=False,
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        repeats = data.get("repeats")
        if repeats in (None, Repeats.ONCE) or self.errors:
            return data
        ends = data.get("ends")
        count = data.get("count") if ends == Ends.AFTER else None
        end_date = data.get("end_date") if ends == Ends.ON else None
        if ends == Ends.AFTER and count is None:
            self.add_error("count", _("How many sessions?"))
            return data
        if ends == Ends.ON and end_date is None:
            self.add_error("end_date", _("On which date does the series end?"))
            return data
        try:
            if repeats == Repeats.CUSTOM:
                if not data.get("rrule"):
                    self.add_error("rrule", _("Write the rule, or choose a simpler repetition."))
                    return data
                rule = recurrence.parse(data["rrule"])
                data["rule"] = (
                    recurrence.with_end(rule, count=count, end_date=end_date)
                    if count or end_date
                    else str(rule)
                )
                return data
            weekdays = data.get("weekdays") or [data["first_date"].weekday()]
            data["rule"] = recurrence.build(
                frequency="MONTHLY" if repeats.startswith("monthly") else repeats.upper(),
                interval=data.get("interval") or 1,
                weekdays=weekdays if repeats in (Repeats.WEEKLY, Repeats.MONTHLY_WEEKDAY) else (),
                week_of_month=data["week_of_month"] if repeats == Repeats.MONTHLY_WEEKDAY else None,
                month_day=data["first_date"].day if repeats == Repeats.MONTHLY_DAY else None,
                count=count,
                end_date=end_date,
            )
        except recurrence.RuleError as error:
            self.add_error("rrule" if repeats == Repeats.CUSTOM else "repeats", str(error))
        return data


class SessionEditForm(_SessionFields):
    """Changes to a session, and to the sessions after it or to all of its series."""

    mode = forms.ChoiceField(
        label=_("Apply to"),
        choices=EditMode.choices,
        initial=EditMode.THIS,
        widget=forms.RadioSelect,
    )
    day = forms.DateField(
        label=_("Date"),
        widget=DATE_INPUT,
        help_text=_("Moves this session alone to another day."),
    )
    end_date = forms.DateField(
        label=_("Series ends on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("For this and the following sessions, or all: the last date of the series."),
    )

    def __init__(self, *args: Any, in_series: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["mode"]
            del self.fields["end_date"]
        self.helper = form_helper(
            *(["mode"] if in_series else []),
            Fieldset(
                _("When"),
                "day",
                "start_time",
                "duration_minutes",
                "time_zone",
                *(["end_date"] if in_series else []),
            ),
            Fieldset(
                _("The session"),
                "title",
                "capacity",
                "language",
                "online_url",
                "place",
                "facilitators",
            ),
            lean=False,
        )

    def changes(self) -> SeriesChanges:
        """What differs from the session as it was (None where nothing changed)."""
        data = self.cleaned_data
        changed = set(self.changed_data)

        def pick(name: str) -> Any:
            return data.get(name) if name in changed else None

        mode = data.get("mode", EditMode.THIS)
        day = pick("day")
        if day is not None and mode != EditMode.THIS:
            raise forms.ValidationError(
                _("Only one session at a time moves to another date: choose “This session”.")
            )
        rule = None
        if "end_date" in changed and data.get("end_date") and self.series is not None:
            rule = recurrence.with_end(self.series.rrule, end_date=data["end_date"])
        time_zone = pick("time_zone")
        return SeriesChanges(
            start_time=pick("start_time"),
            duration_minutes=pick("duration_minutes"),
            time_zone=str(time_zone) if time_zone is not None else None,
            rrule=rule,
            capacity=pick("capacity"),
            place=data.get("place") if "place" in changed else None,
            online_url=data.get("online_url") if "online_url" in changed else None,
            language=pick("language"),
            facilitators=data.get("facilitators") if "facilitators" in changed else None,
            title=data.get("title") if "title" in changed else None,
            day=day,
        )

    series: SessionSeries | None = None
