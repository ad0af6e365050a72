from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ReminderLog


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    """What went out to whom, and what did not and why: read-only, since the rows are the record.

    The sweep (reminders/services.py) is the only writer; a row changed here could send a
    reminder twice or hide one that was missed.
    """

    list_display = [
        "due_on",
        "kind",
        "offset_days",
        "recipient",
        "state",
        "sent_at",
        "attempts",
        "error",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["recipient__display_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "due_on"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
