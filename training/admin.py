"""Training in the admin.

Programmes, stages and library resources are edited here as on their pages (the programme's own
coordinators are named here). Series, sessions, enrolments and completions are read-only: places
are counted under a lock and calendars follow each change's sequence number, which only the
services keep right. Personal calendar keys are secrets and are not shown.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from leadership.admin import ReadOnlyAdminMixin

from .models import (
    Enrolment,
    Resource,
    Session,
    SessionSeries,
    Stage,
    StageCompletion,
    TrainingProgramme,
)


@admin.register(TrainingProgramme)
class TrainingProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "level", "community", "status", "starts_on", "ends_on"]
    list_filter = ["status", "level"]
    search_fields = ["title"]
    list_select_related = ["community"]
    autocomplete_fields = ["community", "coordinators", "languages"]
    exclude = ["created_by"]


@admin.register(Stage)
class StageAdmin(SimpleHistoryAdmin):
    list_display = ["title", "programme", "order", "completion_rule", "min_sessions"]
    list_filter = ["completion_rule"]
    search_fields = ["title", "programme__title"]
    list_select_related = ["programme"]
    autocomplete_fields = ["programme", "prerequisites", "skills"]


@admin.register(SessionSeries)
class SessionSeriesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "stage", "first_date", "start_time", "time_zone", "rrule"]
    list_select_related = ["stage"]
    search_fields = ["stage__title", "title"]
    show_full_result_count = False


@admin.register(Session)
class SessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "stage",
        "starts_at",
        "time_zone",
        "status",
        "seats_taken",
        "capacity",
    ]
    list_filter = ["status"]
    list_select_related = ["stage"]
    search_fields = ["stage__title", "title"]
    date_hierarchy = "starts_at"
    show_full_result_count = False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "session", "status", "waitlisted_at", "enrolled_at", "attended"]
    list_filter = ["status"]
    list_select_related = ["person", "session__stage"]
    search_fields = ["person__display_name"]
    show_full_result_count = False


@admin.register(StageCompletion)
class StageCompletionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "stage", "completed_on", "how"]
    list_select_related = ["person", "stage"]
    search_fields = ["person__display_name", "stage__title"]
    show_full_result_count = False


@admin.register(Resource)
class ResourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "language", "owner", "review_by"]
    list_filter = ["kind", "language"]
    search_fields = ["title"]
    list_select_related = ["language", "owner"]
    autocomplete_fields = ["translation_of", "skills", "stages", "owner", "language"]
