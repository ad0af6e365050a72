"""Programme, stage and schedule pages: thin; services decide, selectors check access."""

from datetime import date, datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leadership.fragments import NAMES, fragment_key
from leadership.selectors import community_get, person_for_user

from ..forms import ProgrammeForm, StageForm
from ..fragments import TRAINING, from_now_slice
from ..models import ProgrammeLevel, Stage
from ..selectors import schedule as schedule_selectors
from ..selectors.enrolment import person_progress
from ..selectors.library import stage_resources
from ..services.base import TrainingError
from ..services.programmes import programme_save, stage_delete, stage_save

# The furthest a month view goes from today: the horizon is three years, and a little past it
# lets a coordinator see that nothing is scheduled there.
MONTHS_AROUND = 48


def programme_list(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    page = schedule_selectors.programmes_page(
        viewer=request.user, level=level, cursor=request.GET.get("cursor")
    )
    context = {
        "page": page,
        "programmes": page.items,
        "levels": ProgrammeLevel.choices,
        "level": level,
        "can_add": request.user.has_perm("training.add_trainingprogramme"),
    }
    return render(request, "training/programme_list.html", context)


def programme_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("training.add_trainingprogramme"):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None, editor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_save(
                programme=form.save(commit=False),
                languages=form.cleaned_data["languages"],
                created_by=request.user,
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The programme was created. Now add its stages."))
            return redirect(programme)
    return render(request, "training/programme_form.html", {"form": form})


def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = schedule_selectors.programme_get(viewer=request.user, pk=pk, to_run=True)
    form = ProgrammeForm(request.POST or None, instance=programme, editor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            programme_save(
                programme=form.save(commit=False), languages=form.cleaned_data["languages"]
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The programme was saved."))
            return redirect(programme)
    return render(request, "training/programme_form.html", {"form": form, "programme": programme})


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = schedule_selectors.programme_get(viewer=request.user, pk=pk)
    person = person_for_user(user=request.user)
    context = {
        "programme": programme,
        "stages": schedule_selectors.programme_stages(programme=programme),
        "progress": person_progress(person=person, programme=programme) if person else [],
        "languages": list(programme.languages.all()),
        "can_run": request.user.has_perm("training.run_programme", programme),
    }
    return render(request, "training/programme_detail.html", context)


def stage_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = schedule_selectors.programme_get(viewer=request.user, pk=pk, to_run=True)
    last = Stage.objects.filter(programme=programme).order_by("-order").first()
    form = StageForm(
        request.POST or None,
        programme=programme,
        instance=Stage(programme=programme),
        # The usual path: each stage requires the one before.
        initial={"prerequisites": [last] if last else []},
    )
    if request.method == "POST" and form.is_valid():
        try:
            stage = stage_save(
                stage=form.save(commit=False),
                skills=form.cleaned_data["skills"],
                prerequisites=form.cleaned_data["prerequisites"],
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The stage was added."))
            return redirect(stage)
    return render(request, "training/stage_form.html", {"form": form, "programme": programme})


def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = schedule_selectors.stage_get(viewer=request.user, pk=pk, to_run=True)
    form = StageForm(request.POST or None, programme=stage.programme, instance=stage)
    if request.method == "POST" and form.is_valid():
        try:
            stage_save(
                stage=form.save(commit=False),
                skills=form.cleaned_data["skills"],
                prerequisites=form.cleaned_data["prerequisites"],
            )
        except TrainingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The stage was saved."))
            return redirect(stage)
    context = {"form": form, "programme": stage.programme, "stage": stage}
    return render(request, "training/stage_form.html", context)


@require_POST
def stage_remove(request: HttpRequest, pk: int) -> HttpResponse:
    stage = schedule_selectors.stage_get(viewer=request.user, pk=pk, to_run=True)
    programme = stage.programme
    try:
        stage_delete(stage=stage)
    except TrainingError as error:
        messages.error(request, str(error))
        return redirect(stage)
    messages.success(request, _("The stage was deleted."))
    return redirect(programme)


def stage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stage = schedule_selectors.stage_get(viewer=request.user, pk=pk)
    person = person_for_user(user=request.user)
    page = schedule_selectors.schedule_page(
        programme=stage.programme,
        stage=stage,
        after=timezone.now(),
        cursor=request.GET.get("cursor"),
        person=person,
    )
    context = {
        "stage": stage,
        "programme": stage.programme,
        "prerequisites": list(stage.prerequisites.select_related("programme").order_by("order")),
        "skills": list(stage.skills.all()),
        "series": schedule_selectors.stage_series(stage=stage),
        "page": page,
        "resources": stage_resources(stage=stage, viewer=request.user),
        "can_run": request.user.has_perm("training.run_programme", stage.programme),
    }
    return render(request, "training/stage_detail.html", context)


def _start_of(value: str | None) -> datetime:
    """The moment the schedule list starts: a day asked for (?from=YYYY-MM-DD), or now."""
    if value:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return datetime.combine(day, time(), tzinfo=timezone.get_current_timezone())
    return timezone.now()


def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    programme = schedule_selectors.programme_get(viewer=request.user, pk=pk)
    start = _start_of(request.GET.get("from"))
    cursor = request.GET.get("cursor")
    person = person_for_user(user=request.user)
    today = timezone.localdate()
    context = {
        "programme": programme,
        # Read only when the content is not in the cache (training/fragments.py).
        "page": SimpleLazyObject(
            lambda: schedule_selectors.schedule_page(
                programme=programme, after=start, cursor=cursor, person=person
            )
        ),
        "fragment_key": fragment_key(
            "schedule",
            programme,
            request.GET.get("from", ""),
            cursor,
            person.pk if person else None,
            from_now_slice(),
            scopes=[TRAINING, (NAMES, None)],
        ),
        "from": request.GET.get("from", ""),
        "this_month": (today.year, today.month),
    }
    return render(request, "training/schedule_list.html", context)


def _month_step(year: int, month: int, step: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + step
    return index // 12, index % 12 + 1


def schedule_month(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    programme = schedule_selectors.programme_get(viewer=request.user, pk=pk)
    today = timezone.localdate()
    distance = abs((year * 12 + month) - (today.year * 12 + today.month))
    if not 1 <= month <= 12 or distance > MONTHS_AROUND:
        raise Http404
    zone = timezone.get_current_timezone()
    context = {
        "programme": programme,
        "weeks": schedule_selectors.schedule_month(
            programme=programme, year=year, month=month, zone=zone
        ),
        "month": date(year, month, 1),
        "previous": _month_step(year, month, -1),
        "next": _month_step(year, month, 1),
        "today": today,
        "zone": str(zone),
    }
    return render(request, "training/schedule_month.html", context)


def community_trainings(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_get(slug=slug, viewer=request.user)
    cursor = request.GET.get("cursor")
    person = person_for_user(user=request.user)
    now = timezone.now()
    context = {
        "community": community,
        # Read only when the content is not in the cache (training/fragments.py).
        "page": SimpleLazyObject(
            lambda: schedule_selectors.community_upcoming(
                community=community, now=now, cursor=cursor, person=person
            )
        ),
        "programmes": SimpleLazyObject(
            lambda: list(
                schedule_selectors.community_programmes(community=community).order_by("title", "pk")
            )
        ),
        "fragment_key": fragment_key(
            "community-trainings",
            community,
            cursor,
            person.pk if person else None,
            from_now_slice(),
            scopes=[TRAINING, (NAMES, None)],
        ),
    }
    return render(request, "training/community_trainings.html", context)
