"""The named people who appear in every test.

Community A (`community`) has an organiser and a member. The `outsider` organises community B
(`other_community`) and has no link to A. The `coordinator` is in the coordinators group and
belongs to no community; the `superuser` is staff and superuser. The `coach` is a trusted
advisor with a coach profile and no community. Each is a User with a Person.
Anonymous visitors use pytest-django's plain `client`.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.test.client import ClientHandler

from leadership.models import Community, Membership
from tests.factories import (
    CoachProfileFactory,
    CommunityFactory,
    MembershipFactory,
    PersonFactory,
)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # Content types too: a transactional test (a race, a subprocess) flushes the tables, after
    # which they are made again under new ids, and Django's cache of them would hand a later
    # test the ids of rows that are gone (a foreign key error, or a duplicate content type).
    ContentType.objects.clear_cache()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def community(db: None) -> Community:
    return CommunityFactory.create(
        name="Wikimedia Testland",
        slug="wikimedia-testland",
        kind=Community.Kind.CHAPTER,
        region=Community.Region.NWE,
    )


@pytest.fixture
def other_community(db: None) -> Community:
    return CommunityFactory.create(
        name="Wikimedians of Otherland",
        slug="otherland",
        kind=Community.Kind.USER_GROUP,
        region=Community.Region.LAC,
    )


@pytest.fixture
def organiser(community: Community) -> Any:
    person = PersonFactory.create(
        display_name="Olga Organiser", user__email="organiser@example.org"
    )
    MembershipFactory.create(person=person, community=community, role=Membership.Role.ORGANISER)
    return person.user


@pytest.fixture
def member(community: Community) -> Any:
    person = PersonFactory.create(display_name="Mo Member", user__email="member@example.org")
    MembershipFactory.create(person=person, community=community, role=Membership.Role.MEMBER)
    return person.user


@pytest.fixture
def outsider(other_community: Community) -> Any:
    person = PersonFactory.create(display_name="Otto Outsider", user__email="outsider@example.org")
    MembershipFactory.create(
        person=person, community=other_community, role=Membership.Role.ORGANISER
    )
    return person.user


@pytest.fixture
def coordinator(db: None) -> Any:
    person = PersonFactory.create(
        display_name="Cora Coordinator", user__email="coordinator@example.org"
    )
    group, _created = Group.objects.get_or_create(name=settings.PATHWAYS_COORDINATORS_GROUP)
    person.user.groups.add(group)
    return person.user


@pytest.fixture
def coach(db: None) -> Any:
    """A coach (trusted advisor) who belongs to no community, with room for three engagements."""
    person = PersonFactory.create(display_name="Cole Coach", user__email="coach@example.org")
    CoachProfileFactory.create(person=person, caseload_cap=3)
    return person.user


@pytest.fixture
def superuser(db: None) -> Any:
    person = PersonFactory.create(
        display_name="Sue Superuser",
        user__email="superuser@example.org",
        user__is_staff=True,
        user__is_superuser=True,
    )
    return person.user


@pytest.fixture(scope="session")
def _client_handler() -> ClientHandler:
    # Every Client() loads the middleware afresh on its first request, and WhiteNoise then
    # indexes the static files each time. The handler keeps no state of its own (cookies and
    # sessions live on the Client), so the clients made here share one.
    return ClientHandler(enforce_csrf_checks=False)


@pytest.fixture
def client_for(_client_handler: ClientHandler) -> Callable[[Any], Client]:
    """A fresh client logged in as `user` (or anonymous for None).

    Its handler is shared, so a test that changes settings.MIDDLEWARE needs its own Client().
    """

    def make(user: Any) -> Client:
        client = Client()
        client.handler = _client_handler
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def user_named(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """The fixture user called `name`; None for "anonymous". For tests parametrised by name."""

    def get(name: str) -> Any:
        if name == "anonymous":
            return None
        return request.getfixturevalue(name)

    return get


@pytest.fixture
def client_as(
    user_named: Callable[[str], Any], client_for: Callable[[Any], Client]
) -> Callable[[str], Client]:
    """A client logged in as the fixture user called `name` ("anonymous" for nobody)."""

    def make(name: str) -> Client:
        return client_for(user_named(name))

    return make
