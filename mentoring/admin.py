"""Mentoring in the admin.

Programmes are edited here as on their pages. Offers, applications, runs, proposals and
relationships are read-only: their states move only through the services (an accept changes a
mentor's load under a lock; a proposal edited here could over-fill a mentor). Check-in notes are
the pair's alone and are not shown here at all: the admin sees that a check-in happened.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from leadership.admin import ReadOnlyAdminMixin

from .models import (
    CheckIn,
    MatchRun,
    MenteeApplication,
    MentoringProgramme,
    MentorOffer,
    Proposal,
    Relationship,
)


@admin.register(MentoringProgramme)
class MentoringProgrammeAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "scope",
        "status",
        "applications_open_on",
        "applications_close_on",
        "cohort_starts_on",
    ]
    list_filter = ["status", "scope"]
    search_fields = ["title"]
    autocomplete_fields = ["communities", "coordinators"]
    exclude = ["created_by"]


@admin.register(MentorOffer)
class MentorOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "programme", "capacity", "active_count", "away_until", "status"]
    list_filter = ["status", "programme"]
    search_fields = ["person__display_name"]
    list_select_related = ["person", "programme"]
    # The traits are self-identified and used only to honour a mentee's wish.
    exclude = ["traits"]
    show_full_result_count = False


@admin.register(MenteeApplication)
class MenteeApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["person", "programme", "status", "waiting_since"]
    list_filter = ["status", "programme"]
    search_fields = ["person__display_name"]
    list_select_related = ["person", "programme"]
    show_full_result_count = False


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "programme",
        "status",
        "created_at",
        "started_by",
        "mentees",
        "mentors",
        "matched",
        "certified",
        "seconds",
    ]
    list_filter = ["status", "certified"]
    list_select_related = ["programme", "started_by"]
    show_full_result_count = False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "programme",
        "offer",
        "application",
        "status",
        "score",
        "respond_by",
    ]
    list_filter = ["status"]
    search_fields = ["offer__person__display_name", "application__person__display_name"]
    list_select_related = [
        "programme",
        "offer__person",
        "offer__programme",
        "application__person",
        "application__programme",
    ]
    raw_id_fields = ["offer", "application", "run"]
    show_full_result_count = False


class CheckInInline(admin.TabularInline):
    model = CheckIn
    fields = ["happened_on", "created_by", "created_at"]  # never the notes
    readonly_fields = ["happened_on", "created_by", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Relationship)
class RelationshipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "programme",
        "offer",
        "application",
        "status",
        "started_on",
        "last_activity_on",
        "ended_on",
    ]
    list_filter = ["status", "end_reason"]
    list_select_related = [
        "programme",
        "offer__person",
        "offer__programme",
        "application__person",
        "application__programme",
    ]
    raw_id_fields = ["offer", "application", "proposal", "ended_by"]
    inlines = [CheckInInline]
    show_full_result_count = False
