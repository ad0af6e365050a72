from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rules.contrib.admin import ObjectPermissionsModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Community, Language, Membership, Person, PersonLanguage, PersonSkill, Skill


class ReadOnlyAdminMixin:
    """Shown in the admin, never changed there: rows whose states only the services move (places
    counted under a lock, a mentor's load, calendars' sequence numbers)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "autonym"]
    search_fields = ["code", "name", "autonym"]


@admin.register(Community)
class CommunityAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "slug", "kind", "region", "time_zone"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["languages"]
    show_full_result_count = False


class PersonLanguageInline(admin.TabularInline):
    model = PersonLanguage
    extra = 0
    autocomplete_fields = ["language"]


class PersonSkillInline(admin.TabularInline):
    model = PersonSkill
    extra = 0
    autocomplete_fields = ["skill"]


class PersonMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["community"]
    fields = ["community", "role", "joined_on"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "wiki_username",
        "user",
        "time_zone",
        "open_to_being_mentored",
        "open_to_mentoring",
        "open_to_coaching",
    ]
    list_filter = ["open_to_being_mentored", "open_to_mentoring", "open_to_coaching"]
    search_fields = ["display_name", "wiki_username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    inlines = [PersonLanguageInline, PersonSkillInline, PersonMembershipInline]
    show_full_result_count = False


@admin.register(PersonLanguage)
class PersonLanguageAdmin(admin.ModelAdmin):
    list_display = ["person", "language", "proficiency"]
    list_filter = ["proficiency"]
    search_fields = ["person__display_name", "language__name", "language__code"]
    autocomplete_fields = ["person", "language"]
    list_select_related = ["person", "language"]
    show_full_result_count = False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "category"]
    list_filter = ["category"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PersonSkill)
class PersonSkillAdmin(admin.ModelAdmin):
    list_display = ["person", "skill", "level"]
    list_filter = ["level", "skill__category", "skill"]
    search_fields = ["person__display_name", "skill__name"]
    autocomplete_fields = ["person", "skill"]
    list_select_related = ["person", "skill"]
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin):
    """Object permissions check a membership as it was; the community choices and the save
    check keep a staff organiser from moving one into a community they do not organise."""

    list_display = ["person", "community", "role", "joined_on"]
    list_filter = ["role", "community__kind", "community__region"]
    search_fields = ["person__display_name", "community__name", "person__user__email"]
    autocomplete_fields = ["person", "community"]
    list_select_related = ["person", "community"]
    date_hierarchy = "joined_on"
    show_full_result_count = False

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "community" and not request.user.has_perm("leadership.coordinate"):
            organised = Membership.objects.filter(
                person__user_id=request.user.pk or 0, role=Membership.Role.ORGANISER
            ).values("community_id")
            kwargs["queryset"] = Community.objects.filter(pk__in=organised)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if not request.user.has_perm("leadership.change_community", obj.community):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


# Coaching's models belong to this app: their admin registers here, as the admin finds only
# each app's `admin` module.
from .coaching import admin as coaching_admin  # noqa: E402, F401
