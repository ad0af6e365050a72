"""The core: communities, people, their languages and skills, and who belongs where."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField


class Language(models.Model):
    """A language by its BCP 47 code; the list is reference data loaded by a migration."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    autonym = models.CharField(_("name in the language itself"), max_length=80, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        if self.autonym and self.autonym != self.name:
            return f"{self.name} ({self.autonym})"
        return self.name


class CommunityKind(models.TextChoices):
    CHAPTER = "chapter", _("Chapter")
    THEMATIC = "thematic", _("Thematic organisation")
    USER_GROUP = "user_group", _("User group")
    ONLINE = "online", _("Online community")
    MOVEMENT = "movement", _("Movement-wide")


class Region(models.TextChoices):
    # The regions used by the Wikimedia movement's regional hubs and reports.
    SUB_SAHARAN_AFRICA = "ssa", _("Sub-Saharan Africa")
    MENA = "mena", _("Middle East and North Africa")
    CEE = "cee", _("Central and Eastern Europe and Central Asia")
    NWE = "nwe", _("Northern and Western Europe")
    SOUTH_ASIA = "sa", _("South Asia")
    ESEAP = "eseap", _("East, Southeast Asia and the Pacific")
    LAC = "lac", _("Latin America and the Caribbean")
    NORTH_AMERICA = "na", _("North America")
    GLOBAL = "global", _("Global")


class Community(models.Model):
    Kind = CommunityKind
    Region = Region

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=10, choices=Region.choices)
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages"), related_name="communities", blank=True
    )
    time_zone = TimeZoneField(_("time zone"), default="UTC")
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[languages])

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        indexes = [models.Index(fields=["name", "id"], name="community_name_id_idx")]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="community_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(kind__in=CommunityKind.values),
                name="community_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(region__in=Region.values),
                name="community_region_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("leadership:community-detail", kwargs={"slug": self.slug})

    # get_FOO_display() translates every choice on each call; these translate one.
    @property
    def kind_label(self) -> str:
        return str(CommunityKind(self.kind).label)

    @property
    def region_label(self) -> str:
        return str(Region(self.region).label)


class Person(models.Model):
    """The one profile of a user: who they are in the movement and what they are open to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person"
    )
    display_name = models.CharField(_("display name"), max_length=150)
    wiki_username = models.CharField(
        _("wiki username"),
        max_length=255,
        blank=True,
        help_text=_("Your username on Wikimedia projects, if you have one."),
    )
    pronouns = models.CharField(
        _("pronouns"), max_length=40, blank=True, help_text=_("Optional, e.g. she/her, they/them.")
    )
    time_zone = TimeZoneField(_("time zone"), default="UTC")
    # Blank: the site's language (LANGUAGE_CODE), so that changing the default reaches everyone
    # who never chose.
    email_language = models.CharField(
        _("language of emails"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_("Reminders and notices are sent in this language. Empty: the site's language."),
    )
    bio = models.TextField(_("short bio"), max_length=2000, blank=True)
    open_to_being_mentored = models.BooleanField(_("open to being mentored"), default=False)
    open_to_mentoring = models.BooleanField(_("open to mentoring others"), default=False)
    open_to_coaching = models.BooleanField(_("open to coaching others"), default=False)
    languages = models.ManyToManyField(
        Language, through="PersonLanguage", related_name="people", blank=True
    )
    skills: "models.ManyToManyField[Skill, PersonSkill]" = models.ManyToManyField(
        "Skill", through="PersonSkill", related_name="people", blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["display_name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["display_name", "id"], name="person_name_id_idx")]
        constraints = [
            # A wiki account belongs to one person; blank means "none given".
            models.UniqueConstraint(
                Lower("wiki_username"),
                condition=~models.Q(wiki_username=""),
                name="person_wiki_username_unique_ci",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("leadership:person-detail", kwargs={"pk": self.pk})

    @property
    def language_for_email(self) -> str:
        """The language to write to this person in: their choice, or the site's."""
        return self.email_language or settings.LANGUAGE_CODE


class PersonLanguage(models.Model):
    class Proficiency(models.IntegerChoices):
        BASIC = 1, _("Basic")
        INTERMEDIATE = 2, _("Intermediate")
        ADVANCED = 3, _("Advanced")
        NATIVE = 4, _("Native")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="person_languages")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    proficiency = models.PositiveSmallIntegerField(
        _("proficiency"), choices=Proficiency.choices, default=Proficiency.INTERMEDIATE
    )

    class Meta:
        ordering = ["-proficiency", "language__name"]
        verbose_name = _("language of a person")
        verbose_name_plural = _("languages of people")
        constraints = [
            models.UniqueConstraint(fields=["person", "language"], name="person_language_unique"),
            models.CheckConstraint(
                condition=models.Q(proficiency__gte=1, proficiency__lte=4),
                name="person_language_proficiency_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.language} ({self.get_proficiency_display()})"


class SkillCategory(models.TextChoices):
    GOVERNANCE = "governance", _("Governance and strategy")
    PEOPLE = "people", _("People and community")
    RESOURCES = "resources", _("Resources and operations")
    COMMUNICATION = "communication", _("Communication and outreach")
    TECHNICAL = "technical", _("Technical")


class Skill(models.Model):
    """One skill of the leadership skills framework."""

    Category = SkillCategory

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__in=SkillCategory.values),
                name="skill_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PersonSkill(models.Model):
    class Level(models.IntegerChoices):
        AWARE = 1, _("1 - Aware: knows the basics")
        PRACTISING = 2, _("2 - Practising: does it with support")
        PROFICIENT = 3, _("3 - Proficient: does it independently")
        EXPERT = 4, _("4 - Expert: can teach others")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="person_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="person_skills")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    class Meta:
        ordering = ["skill__category", "skill__name"]
        verbose_name = _("skill of a person")
        verbose_name_plural = _("skills of people")
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="person_skill_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="person_skill_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.level}"


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    ORGANISER = "organiser", _("Organiser")


class Membership(models.Model):
    Role = MembershipRole

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["community__name", "person__display_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            # A community's organisers, and its members newest first by keyset pagination.
            models.Index(
                fields=["community", "role", "joined_on", "id"], name="membership_newest_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "community"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.community} ({self.get_role_display()})"


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary or gender-diverse")
    ANOTHER = "another", _("In another way")


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", _("Under 25")
    FROM_25 = "25_34", _("25 to 34")
    FROM_35 = "35_44", _("35 to 44")
    FROM_45 = "45_54", _("45 to 54")
    FROM_55 = "55_64", _("55 to 64")
    FROM_65 = "65_plus", _("65 or older")


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class SelfIdentification(models.Model):
    """What a person chose to say about themselves, for the representation dashboards.

    Optional, private to the person, editable and erasable by them at any time (erasing deletes
    the row). Nobody else reads it: it is never shown, exported or in the admin, and the
    dashboards count it only in aggregate, suppressed and rounded (leadership/dashboards).
    Not kept in history: erased, it is gone.
    """

    Gender = Gender
    AgeBand = AgeBand

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="self_identification"
    )
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    age_band = models.CharField(_("age"), max_length=20, choices=AgeBand.choices, blank=True)
    underrepresented = models.CharField(
        _("part of a group under-represented in the movement"),
        max_length=3,
        choices=YesNo.choices,
        blank=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("self-identification")
        verbose_name_plural = _("self-identifications")
        # No admin, no permissions: only the person edits it, through their profile.
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gender__in=["", *Gender.values]),
                name="self_identification_gender_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(age_band__in=["", *AgeBand.values]),
                name="self_identification_age_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(underrepresented__in=["", *YesNo.values]),
                name="self_identification_underrepresented_valid",
            ),
        ]

    def __str__(self) -> str:
        # Never the answers: a str() may reach a log or an error page.
        return f"Self-identification #{self.pk}"

    @property
    def is_empty(self) -> bool:
        return not (self.gender or self.age_band or self.underrepresented)


# Coaching's models belong to this app; they live in leadership/coaching/ with its other rooms.
from .coaching.models import (  # noqa: E402
    AssignmentStatus,
    CoachAssignment,
    CoachingNote,
    CoachingSession,
    CoachProfile,
    CoachRegion,
)
from .dashboards.models import DashboardSnapshot  # noqa: E402

__all__ = [
    "AgeBand",
    "AssignmentStatus",
    "CoachAssignment",
    "CoachProfile",
    "CoachRegion",
    "CoachingNote",
    "CoachingSession",
    "Community",
    "CommunityKind",
    "DashboardSnapshot",
    "Gender",
    "Language",
    "Membership",
    "MembershipRole",
    "Person",
    "PersonLanguage",
    "PersonSkill",
    "Region",
    "SelfIdentification",
    "Skill",
    "SkillCategory",
    "YesNo",
]
