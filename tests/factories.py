"""Factories for the models of every app.

Names come from sequences, not Faker, so a failing test prints the same rows every run.
`PersonFactory` is the usual entry point: it makes the user (username = email) and a verified
primary email address, so the person can log in by email like anyone who signed up.
"""

import datetime
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Model
from factory.django import DjangoModelFactory, Password

from leadership.models import (
    CoachAssignment,
    CoachingSession,
    CoachProfile,
    Community,
    Language,
    Membership,
    Person,
    PersonLanguage,
    PersonSkill,
    Skill,
)
from mentoring.models import MenteeApplication, MentoringProgramme, MentorOffer, Proposal
from plans.models import Role, Term
from training.models import (
    Resource,
    Session,
    Stage,
    TrainingProgramme,
)

PASSWORD = "a-long-test-password"


class EmailAddressFactory(DjangoModelFactory[EmailAddress]):
    class Meta:
        model = EmailAddress

    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True


class UserFactory(DjangoModelFactory[User]):
    """A user without a profile; `PersonFactory` adds one."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    username = factory.SelfAttribute("email")
    password = Password(PASSWORD)
    email_address = factory.RelatedFactory(EmailAddressFactory, factory_related_name="user")


class ReferenceDataFactory[T: Model](DjangoModelFactory[T]):
    """Languages and skills are reference data that migration 0002 may already have loaded.

    Creating one that exists updates it, so a test gets the row it describes whether the test
    database was built by migrations or without them.
    """

    class Meta:
        abstract = True

    _lookup = "pk"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        key = kwargs.pop(cls._lookup)
        obj, _created = model_class.objects.update_or_create(**{cls._lookup: key}, defaults=kwargs)
        return obj


class LanguageFactory(ReferenceDataFactory[Language]):
    class Meta:
        model = Language

    _lookup = "code"

    code = factory.Sequence(lambda n: f"x-test{n}")
    name = factory.Sequence(lambda n: f"Language {n:03d}")
    autonym = ""


class SkillFactory(ReferenceDataFactory[Skill]):
    class Meta:
        model = Skill

    _lookup = "slug"

    name = factory.Sequence(lambda n: f"Skill {n:03d}")
    slug = factory.Sequence(lambda n: f"skill-{n}")
    category = Skill.Category.PEOPLE
    description = ""


class PersonFactory(DjangoModelFactory[Person]):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Person {n:03d}")


class PersonLanguageFactory(DjangoModelFactory[PersonLanguage]):
    class Meta:
        model = PersonLanguage

    person = factory.SubFactory(PersonFactory)
    language = factory.SubFactory(LanguageFactory)
    proficiency = PersonLanguage.Proficiency.ADVANCED


class PersonSkillFactory(DjangoModelFactory[PersonSkill]):
    class Meta:
        model = PersonSkill

    person = factory.SubFactory(PersonFactory)
    skill = factory.SubFactory(SkillFactory)
    level = PersonSkill.Level.PROFICIENT


class CommunityFactory(DjangoModelFactory[Community]):
    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n:03d}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    kind = Community.Kind.CHAPTER
    region = Community.Region.NWE
    time_zone = "UTC"

    @factory.post_generation
    def languages(self, create: bool, extracted: list[Language] | None, **kwargs: object) -> None:
        if create and extracted:
            self.languages.set(extracted)


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    community = factory.SubFactory(CommunityFactory)
    role = Membership.Role.MEMBER
    joined_on = datetime.date(2024, 3, 1)


class RoleFactory(DjangoModelFactory[Role]):
    """A board seat with the common rules: two-year terms, two in a row, then a year off."""

    class Meta:
        model = Role

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Role {n:03d}")
    seats = 1
    term_months = 24
    max_consecutive_terms = 2
    cool_off_months = 12


class TermFactory(DjangoModelFactory[Term]):
    """A term written directly, past the services' rules: for setting up a history."""

    class Meta:
        model = Term

    role = factory.SubFactory(RoleFactory)
    person = factory.SubFactory(PersonFactory)
    seat = 1
    starts_on = datetime.date(2024, 1, 1)
    ends_on = datetime.date(2026, 1, 1)


# Mentoring


class MentoringProgrammeFactory(DjangoModelFactory[MentoringProgramme]):
    """An open, movement-wide programme whose application window spans the years tests run in."""

    class Meta:
        model = MentoringProgramme
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Programme {n:03d}")
    scope = MentoringProgramme.Scope.MOVEMENT
    status = MentoringProgramme.Status.OPEN
    applications_open_on = datetime.date(2025, 1, 1)
    applications_close_on = datetime.date(2030, 12, 31)
    cohort_starts_on = datetime.date(2025, 1, 1)
    cohort_ends_on = datetime.date(2031, 6, 30)


class MentorOfferFactory(DjangoModelFactory[MentorOffer]):
    class Meta:
        model = MentorOffer

    programme = factory.SubFactory(MentoringProgrammeFactory)
    person = factory.SubFactory(PersonFactory)
    capacity = 2


class MenteeApplicationFactory(DjangoModelFactory[MenteeApplication]):
    class Meta:
        model = MenteeApplication

    programme = factory.SubFactory(MentoringProgrammeFactory)
    person = factory.SubFactory(PersonFactory)
    goals = "Learn to chair a board meeting."
    waiting_since = factory.LazyFunction(
        lambda: datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)
    )


class ProposalFactory(DjangoModelFactory[Proposal]):
    """A staged pair, as a run writes it (no run: explanations are empty)."""

    class Meta:
        model = Proposal

    programme = factory.SelfAttribute("application.programme")
    application = factory.SubFactory(MenteeApplicationFactory)
    offer = factory.SubFactory(
        MentorOfferFactory, programme=factory.SelfAttribute("..application.programme")
    )
    status = Proposal.Status.STAGED
    score = 700


# Training


class TrainingProgrammeFactory(DjangoModelFactory[TrainingProgramme]):
    """An open, movement-wide programme whose horizon spans the years tests run in."""

    class Meta:
        model = TrainingProgramme
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Academy {n:03d}")
    level = TrainingProgramme.Level.MOVEMENT
    status = TrainingProgramme.Status.OPEN
    time_zone = "Europe/Berlin"
    starts_on = datetime.date(2026, 1, 1)
    ends_on = datetime.date(2028, 12, 31)


class StageFactory(DjangoModelFactory[Stage]):
    class Meta:
        model = Stage
        skip_postgeneration_save = True

    programme = factory.SubFactory(TrainingProgrammeFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Stage {n:03d}")
    min_sessions = 1


class SessionFactory(DjangoModelFactory[Session]):
    """A single session (no series) of two hours, 18:00 Berlin time on 1 December 2026."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    stage = factory.SubFactory(StageFactory)
    time_zone = "Europe/Berlin"
    starts_at = datetime.datetime(2026, 12, 1, 17, 0, tzinfo=datetime.UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    capacity = 10
    online_url = "https://meet.example.org/academy"


class ResourceFactory(DjangoModelFactory[Resource]):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Guide {n:03d}")
    kind = Resource.Kind.GUIDE
    url = factory.Sequence(lambda n: f"https://meta.example.org/guide-{n}")
    language = factory.LazyFunction(lambda: LanguageFactory.create(code="en", name="English"))
    review_by = datetime.date(2027, 6, 30)


# Coaching


class CoachProfileFactory(DjangoModelFactory[CoachProfile]):
    """A coach taking engagements, with room for three."""

    class Meta:
        model = CoachProfile
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    caseload_cap = 3


class CoachAssignmentFactory(DjangoModelFactory[CoachAssignment]):
    """An active engagement with a leader, written directly (past the services and the caseload
    counter: use `assignment_propose` where the counter matters)."""

    class Meta:
        model = CoachAssignment
        skip_postgeneration_save = True

    coach = factory.SubFactory(CoachProfileFactory)
    community = factory.SubFactory(CommunityFactory)
    coachee = factory.SubFactory(PersonFactory)
    goals = "Grow into the chair's role."
    starts_on = datetime.date(2026, 9, 1)
    ends_on = datetime.date(2027, 3, 1)
    status = CoachAssignment.Status.ACTIVE


class CoachingSessionFactory(DjangoModelFactory[CoachingSession]):
    class Meta:
        model = CoachingSession

    assignment = factory.SubFactory(CoachAssignmentFactory)
    happened_on = datetime.date(2026, 10, 1)
    duration_minutes = 60
    summary = "We planned the next board meeting."
