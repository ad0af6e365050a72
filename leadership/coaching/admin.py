"""Coaching in the admin: coaches and engagements, read-only, with their history.

Read-only because their states move only through the services: the caseload counter
(`open_count`) and an engagement's status change under the coach's row lock
(leadership/coaching/services.py), and a cap or a status edited here could over-fill a coach.

What was said stays out of the admin entirely (leadership/coaching/__init__.py): `CoachingNote`
(the coach's private notes) is not registered, and neither is `CoachingSession`, whose summary is
for the coach and the coachee. An engagement shows its sessions' dates and lengths only.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from leadership.admin import ReadOnlyAdminMixin

from .models import CoachAssignment, CoachingSession, CoachProfile, CoachRegion


class CoachRegionInline(admin.TabularInline):
    model = CoachRegion
    fields = ["region"]
    readonly_fields = ["region"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CoachProfile)
class CoachProfileAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["person", "caseload_cap", "open_count", "accepting", "away_until"]
    list_filter = ["accepting", "coach_regions__region", "languages"]
    search_fields = ["person__display_name", "person__user__email"]
    list_select_related = ["person"]
    fields = [
        "person",
        "caseload_cap",
        "open_count",
        "accepting",
        "away_until",
        "availability",
        "approach",
        "languages",
        "communities",
        "skills",
        "created_at",
    ]
    readonly_fields = ["open_count", "created_at"]
    inlines = [CoachRegionInline]
    show_full_result_count = False


class CoachingSessionInline(admin.TabularInline):
    model = CoachingSession
    # Never the summary (the coach's and the coachee's), nor the private note (the coach's).
    fields = ["happened_on", "duration_minutes"]
    readonly_fields = ["happened_on", "duration_minutes"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        # defer: the summary is not even read to draw the page.
        return (
            super()
            .get_queryset(request)
            .only("pk", "assignment_id", "happened_on", "duration_minutes")
        )


@admin.register(CoachAssignment)
class CoachAssignmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "pk",
        "coach",
        "leader",
        "community",
        "status",
        "starts_on",
        "ends_on",
        "last_session_on",
    ]
    list_filter = ["status", "plan_unit", "community__region"]
    search_fields = [
        "coach__person__display_name",
        "coachee__display_name",
        "community__name",
    ]
    list_select_related = ["coach__person", "coachee", "community"]
    raw_id_fields = ["coach", "coachee", "community", "requested_by", "created_by"]
    fields = [
        "coach",
        "coachee",
        "community",
        "status",
        "goals",
        "skills",
        "starts_on",
        "ends_on",
        "plan_unit",
        "planned_amount",
        "quiet_weeks",
        "last_session_on",
        "requested_by",
        "request_reason",
        "created_by",
        "created_at",
        "responded_at",
        "decline_reason",
        "ended_on",
        "end_note",
    ]
    readonly_fields = ["created_at"]
    date_hierarchy = "starts_on"
    inlines = [CoachingSessionInline]
    show_full_result_count = False

    @admin.display(description=_("leader"), ordering="coachee__display_name")
    def leader(self, obj: CoachAssignment) -> str:
        return obj.coachee_label
