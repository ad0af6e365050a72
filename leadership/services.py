"""Writes to the core. Views, the admin, commands and tasks all come through here."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Community,
    Language,
    Membership,
    Person,
    PersonLanguage,
    PersonSkill,
    SelfIdentification,
    Skill,
)


class LeadershipError(Exception):
    """A write refused for a reason the person can act on; the message is translated."""


@dataclass(frozen=True)
class LanguageLevel:
    language: Language
    proficiency: int


@dataclass(frozen=True)
class SkillLevel:
    skill: Skill
    level: int


def person_create_for_user(*, user: Any, display_name: str = "") -> Person:
    """Create the profile of a new user (idempotent: returns the existing one if there is)."""
    name = display_name.strip() or (
        user.get_full_name() or user.email.split("@")[0] or user.username
    )
    person, _created = Person.objects.get_or_create(
        user=user, defaults={"display_name": name[:150]}
    )
    return person


PROFILE_FIELDS = (
    "display_name",
    "wiki_username",
    "pronouns",
    "time_zone",
    "email_language",
    "bio",
    "open_to_being_mentored",
    "open_to_mentoring",
    "open_to_coaching",
)


def person_update(*, person: Person, data: Mapping[str, Any]) -> Person:
    """Change a profile's own fields (those in PROFILE_FIELDS that `data` names).

    Raises LeadershipError for a field that cannot be changed here, an empty display name or
    something that is not a time zone; nothing is changed then.
    """
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise LeadershipError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    if "display_name" in data and not str(data["display_name"]).strip():
        raise LeadershipError(_("Your display name cannot be empty."))
    # A ZoneInfo is always a real IANA zone (it cannot be built for an unknown name); strings
    # and fixed offsets are refused.
    if "time_zone" in data and not isinstance(data["time_zone"], ZoneInfo):
        raise LeadershipError(_("Choose a valid time zone."))
    # Blank: the site's language.
    if "email_language" in data and data["email_language"] not in {"", *dict(settings.LANGUAGES)}:
        raise LeadershipError(_("Choose one of the site's languages for your emails."))
    for field, value in data.items():
        setattr(person, field, value)
    person.save(update_fields=list(data))
    return person


def person_languages_set(*, person: Person, languages: Iterable[LanguageLevel]) -> Person:
    """Make `languages` the profile's languages: others are removed, listed ones kept or set.

    Raises LeadershipError if a language is listed twice or a proficiency is out of range;
    nothing is changed then.
    """
    languages = list(languages)
    codes = [item.language.pk for item in languages]
    if len(codes) != len(set(codes)):
        raise LeadershipError(_("Each language can be listed only once."))
    if any(not 1 <= item.proficiency <= 4 for item in languages):
        raise LeadershipError(_("Choose a proficiency for each language."))
    with transaction.atomic():
        PersonLanguage.objects.filter(person=person).exclude(language_id__in=codes).delete()
        for item in languages:
            PersonLanguage.objects.update_or_create(
                person=person, language=item.language, defaults={"proficiency": item.proficiency}
            )
    return person


def person_skills_set(*, person: Person, skills: Iterable[SkillLevel]) -> Person:
    """Make `skills` the profile's skill levels: skills not listed become unrated.

    Raises LeadershipError if a skill is listed twice or a level is not 1 to 4; nothing is
    changed then.
    """
    skills = list(skills)
    skill_ids = [item.skill.pk for item in skills]
    if len(skill_ids) != len(set(skill_ids)):
        raise LeadershipError(_("Each skill can be listed only once."))
    if any(not 1 <= item.level <= 4 for item in skills):
        raise LeadershipError(_("Skill levels go from 1 to 4."))
    with transaction.atomic():
        PersonSkill.objects.filter(person=person).exclude(skill_id__in=skill_ids).delete()
        for item in skills:
            PersonSkill.objects.update_or_create(
                person=person, skill=item.skill, defaults={"level": item.level}
            )
    return person


COMMUNITY_FIELDS = ("name", "kind", "region", "time_zone", "description")


def community_update(
    *, community: Community, data: Mapping[str, Any], languages: Iterable[Language]
) -> Community:
    """Change a community's descriptive fields and languages; recorded in its history."""
    unknown = set(data) - set(COMMUNITY_FIELDS)
    if unknown:
        raise LeadershipError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    if "name" in data:
        name = str(data["name"]).strip()
        if not name:
            raise LeadershipError(_("A community needs a name."))
        if Community.objects.filter(name__iexact=name).exclude(pk=community.pk).exists():
            raise LeadershipError(_("Another community already has this name."))
    try:
        with transaction.atomic():
            for field, value in data.items():
                setattr(community, field, value)
            community.save(update_fields=list(data))
            community.languages.set(list(languages))
    except IntegrityError as error:
        # Two renames to the same name at once: the database's unique index decides.
        raise LeadershipError(_("Another community already has this name.")) from error
    return community


def membership_add(
    *,
    person: Person,
    community: Community,
    role: str = Membership.Role.MEMBER,
    joined_on: date | None = None,
) -> Membership:
    """Add a person to a community (or change their role if they already belong)."""
    if role not in Membership.Role.values:
        raise LeadershipError(_("Unknown role."))
    membership, created = Membership.objects.get_or_create(
        person=person,
        community=community,
        defaults={"role": role, "joined_on": joined_on or timezone.localdate()},
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def user_create(*, email: str, password: str | None, display_name: str) -> Person:
    """A user with a verified primary email address and a profile (used by seeding and tests)."""
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    email = email.strip().lower()
    with transaction.atomic():
        user, created = user_model.objects.get_or_create(username=email, defaults={"email": email})
        if created:
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return person_create_for_user(user=user, display_name=display_name)


SELF_IDENTIFICATION_FIELDS = ("gender", "age_band", "underrepresented")


def self_identification_set(
    *, person: Person, data: Mapping[str, str]
) -> SelfIdentification | None:
    """Keep what the person chose to say about themselves; all answers blank erases the row.

    Raises LeadershipError for a field or value that is not offered (nothing is written).
    """
    unknown = set(data) - set(SELF_IDENTIFICATION_FIELDS)
    if unknown:
        raise LeadershipError(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    choices = {
        "gender": SelfIdentification.Gender.values,
        "age_band": SelfIdentification.AgeBand.values,
        "underrepresented": ["yes", "no"],
    }
    values = {field: (data.get(field) or "").strip() for field in SELF_IDENTIFICATION_FIELDS}
    for field, value in values.items():
        if value and value not in choices[field]:
            raise LeadershipError(_("That answer is not one of those offered."))
    if not any(values.values()):
        self_identification_erase(person=person)
        return None
    identification, _created = SelfIdentification.objects.update_or_create(
        person=person, defaults=values
    )
    return identification


def self_identification_erase(*, person: Person) -> None:
    """Erase everything the person said about themselves (the row is deleted, no history)."""
    SelfIdentification.objects.filter(person=person).delete()
