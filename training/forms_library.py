"""Forms of the knowledge library: they validate and normalise; the services apply the rules."""

from typing import Any, cast

from crispy_forms.layout import Fieldset
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from leadership.forms import DATE_INPUT, form_helper
from leadership.models import Language, Skill
from leadership.rules import is_coordinator, organised_community_ids, person_id_of

from .models import Resource, ResourceKind, Stage, TrainingProgramme


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.programme.title}: {obj}"


class StagesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.programme.title}: {obj}"


def _stages() -> Any:
    return Stage.objects.select_related("programme").order_by("programme__title", "order", "pk")


def stages_linkable_by(user: Any) -> Any:
    """The stages `user` may point a resource at: every stage for coordinators, else the stages
    of the programmes they run (they coordinate it, or organise its community). Not another
    community's stages, nor the title of a draft they may not see."""
    if is_coordinator(user):
        return _stages()
    runs = Q(programme__coordinators=person_id_of(user)) | Q(
        programme__community_id__in=organised_community_ids(user)
    )
    return _stages().filter(pk__in=Stage.objects.filter(runs).values("pk"))


class ResourceForm(forms.Form):
    """An original: what it is, where it lives, what it is about, and when to look at it again."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    url = forms.URLField(
        label=_("Link"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the guide, tutorial, template or recording is."),
    )
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.all())
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    stages = StagesChoiceField(
        label=_("Stages"),
        queryset=_stages(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("The stages whose participants should use it."),
    )
    review_by = forms.DateField(
        label=_("Review by"),
        widget=DATE_INPUT,
        help_text=_("After this day the resource is flagged as due for review."),
    )

    def __init__(
        self, *args: Any, editor: Any, resource: Resource | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        linkable = stages_linkable_by(editor)
        cast(forms.ModelMultipleChoiceField, self.fields["stages"]).queryset = linkable
        # The resource's links to stages the editor may not link (a coordinator's, another
        # community's) are kept as they are: not shown in the menu, not dropped on saving.
        self._kept_stages: list[Stage] = (
            list(resource.stages.exclude(pk__in=linkable.values("pk")))
            if resource is not None
            else []
        )
        self.helper = form_helper(
            Fieldset(_("The resource"), "title", "summary", "kind", "url", "language"),
            Fieldset(_("What it is for"), "skills", "stages"),
            Fieldset(_("Review"), "review_by"),
        )

    def clean_stages(self) -> list[Stage]:
        return [*self.cleaned_data["stages"], *self._kept_stages]

    @staticmethod
    def initial_for(resource: Resource) -> dict[str, Any]:
        return {
            "title": resource.title,
            "summary": resource.summary,
            "kind": resource.kind,
            "url": resource.url,
            "language": resource.language_id,
            "skills": list(resource.skills.all()),
            "stages": list(resource.stages.all()),
            "review_by": resource.review_by,
        }


class TranslationForm(forms.Form):
    """A translation: its language, title, summary and link (the original gives the rest)."""

    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.all())
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class TranslationEditForm(TranslationForm):
    """Editing a translation: also its own review date."""

    review_by = forms.DateField(label=_("Review by"), widget=DATE_INPUT)

    @staticmethod
    def initial_for(resource: Resource) -> dict[str, Any]:
        return {
            "language": resource.language_id,
            "title": resource.title,
            "summary": resource.summary,
            "url": resource.url,
            "review_by": resource.review_by,
        }


class LibraryFilterForm(forms.Form):
    """The library's search and filters, read from the query string; a bad value is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *ResourceKind.choices]
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        required=False,
        empty_label=_("Any skill"),
        queryset=Skill.objects.filter(
            Exists(Resource.skills.through.objects.filter(skill=OuterRef("pk")))
        ).order_by("name"),
    )
    stage = StageChoiceField(
        label=_("Stage"),
        required=False,
        empty_label=_("Any stage"),
        # Stages with resources, of programmes out of draft: a draft is not public yet.
        queryset=_stages()
        .filter(Exists(Resource.stages.through.objects.filter(stage=OuterRef("pk"))))
        .exclude(programme__status=TrainingProgramme.Status.DRAFT),
    )
    language = forms.ModelChoiceField(
        label=_("Language"),
        required=False,
        empty_label=_("Any language"),
        # Only the languages the library has something in: the full list has hundreds.
        queryset=Language.objects.filter(Exists(Resource.objects.filter(language=OuterRef("pk")))),
    )

    def value(self, name: str) -> Any:
        """The cleaned value of `name`, or its empty value when the field was invalid."""
        if not self.is_valid():
            return self.cleaned_data.get(name) or self.fields[name].to_python("")
        return self.cleaned_data[name]
