"""The people of mentoring tests, beside the shared ones (tests/conftest.py).

`mentor` (Mia Mentor) belongs to a third community, Wikimedia Mentorland, and offers to mentor
in `programme` (movement-wide, open) with capacity 2; `mentee` (Mae Mentee) is a member of
community A (`community`) and has applied. Both speak English fluently and Spanish at a basic
level, so they can be paired; neither is anyone else's fixture user.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadership.models import Community, Language, Membership, PersonLanguage, Skill
from mentoring import services
from mentoring.models import (
    MenteeApplication,
    MentoringProgramme,
    MentorOffer,
    Proposal,
    Relationship,
)
from tests.factories import (
    CommunityFactory,
    LanguageFactory,
    MembershipFactory,
    MenteeApplicationFactory,
    MentoringProgrammeFactory,
    MentorOfferFactory,
    PersonFactory,
    PersonLanguageFactory,
    SkillFactory,
)

# A fixed moment for the pairs' clocks: proposals published at NOW answer by NOW + 7 days.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def english(db: None) -> Language:
    return LanguageFactory.create(code="en", name="English")


@pytest.fixture
def spanish(db: None) -> Language:
    return LanguageFactory.create(code="es", name="Spanish")


@pytest.fixture
def facilitation(db: None) -> Skill:
    return SkillFactory.create(slug="facilitation", name="Facilitation")


@pytest.fixture
def mentor_community(db: None) -> Community:
    return CommunityFactory.create(name="Wikimedia Mentorland", slug="mentorland")


@pytest.fixture
def programme(db: None) -> MentoringProgramme:
    return MentoringProgrammeFactory.create(title="Leaders of Tomorrow")


def _speaks(person: Any, english: Language, spanish: Language) -> None:
    PersonLanguageFactory.create(
        person=person, language=english, proficiency=PersonLanguage.Proficiency.NATIVE
    )
    PersonLanguageFactory.create(
        person=person, language=spanish, proficiency=PersonLanguage.Proficiency.BASIC
    )


@pytest.fixture
def mentor(mentor_community: Community, english: Language, spanish: Language) -> Any:
    person = PersonFactory.create(
        display_name="Mia Mentor", user__email="mentor@example.org", time_zone="Europe/Madrid"
    )
    MembershipFactory.create(person=person, community=mentor_community)
    _speaks(person, english, spanish)
    return person.user


@pytest.fixture
def mentee(community: Community, english: Language, spanish: Language) -> Any:
    person = PersonFactory.create(
        display_name="Mae Mentee", user__email="mentee@example.org", time_zone="Europe/London"
    )
    MembershipFactory.create(person=person, community=community, role=Membership.Role.MEMBER)
    _speaks(person, english, spanish)
    return person.user


@pytest.fixture
def offer(
    programme: MentoringProgramme, mentor: Any, mentor_community: Community, facilitation: Skill
) -> MentorOffer:
    offer = MentorOfferFactory.create(
        programme=programme, person=mentor.person, community=mentor_community, capacity=2
    )
    offer.skills.add(facilitation)
    return offer


@pytest.fixture
def application(
    programme: MentoringProgramme, mentee: Any, community: Community, facilitation: Skill
) -> MenteeApplication:
    application = MenteeApplicationFactory.create(
        programme=programme, person=mentee.person, community=community
    )
    application.skills.add(facilitation)
    return application


@pytest.fixture
def staged(offer: MentorOffer, application: MenteeApplication) -> Proposal:
    """The mentor and mentee as a staged pair, waiting for the coordinator's review."""
    return Proposal.objects.create(
        programme=offer.programme, offer=offer, application=application, score=800
    )


@pytest.fixture
def proposal(staged: Proposal) -> Proposal:
    """The pair published at NOW: the mentor has until NOW + 7 days to answer."""
    services.programme_publish(programme=staged.programme, now=NOW)
    staged.refresh_from_db()
    assert staged.respond_by == NOW + timedelta(days=7)
    return staged


@pytest.fixture
def relationship(proposal: Proposal) -> Relationship:
    """The mentor accepted the pair an hour after it was published."""
    return services.proposal_accept(proposal=proposal, now=NOW + timedelta(hours=1))
