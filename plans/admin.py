from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import LeadershipPlan, PathwayStep, Role, RoleSkill, SuccessorCandidate, Term


@admin.register(LeadershipPlan)
class LeadershipPlanAdmin(SimpleHistoryAdmin):
    list_display = ["community", "starts_on", "ends_on", "status", "review_on"]
    list_filter = ["status"]
    search_fields = ["community__name"]
    autocomplete_fields = ["community"]
    list_select_related = ["community"]
    show_full_result_count = False


class RoleSkillInline(admin.TabularInline):
    model = RoleSkill
    extra = 0
    autocomplete_fields = ["skill"]


class PathwayStepInline(admin.TabularInline):
    model = PathwayStep
    extra = 0
    fields = ["position", "kind", "title", "description", "url"]


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "community",
        "seats",
        "filled_by",
        "term_months",
        "max_consecutive_terms",
        "cool_off_months",
        "max_total_years",
    ]
    list_filter = ["filled_by", "is_leadership"]
    search_fields = ["title", "community__name"]
    autocomplete_fields = ["community"]
    list_select_related = ["community"]
    inlines = [RoleSkillInline, PathwayStepInline]
    show_full_result_count = False


@admin.register(SuccessorCandidate)
class SuccessorCandidateAdmin(SimpleHistoryAdmin):
    list_display = ["person", "role", "readiness", "created_at"]
    list_filter = ["readiness"]
    search_fields = ["person__display_name", "role__title", "role__community__name"]
    autocomplete_fields = ["role", "person"]
    list_select_related = ["role", "person"]
    show_full_result_count = False


@admin.register(Term)
class TermAdmin(SimpleHistoryAdmin):
    """Terms, their history and who changed them; read-only here.

    A term is given or ended through the plans' services, which apply the role's rules (term
    length, seats, consecutive terms, cool-off, total years) and explain a refusal: an admin form
    would write past them.
    """

    list_display = ["role", "seat", "person", "starts_on", "ends_on", "ended_on"]
    list_filter = ["role__community__kind"]
    search_fields = ["person__display_name", "role__title", "role__community__name"]
    list_select_related = ["role", "person"]
    date_hierarchy = "starts_on"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
