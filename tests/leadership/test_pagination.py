"""Keyset pagination: pages follow the sort key, ties are broken by the primary key."""

from datetime import date

import pytest
from django.core import signing
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadership.models import Community, Membership
from leadership.pagination import keyset_paginate
from tests.factories import CommunityFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

FIELDS = ["kind", "pk"]
KINDS = [Community.Kind.CHAPTER, Community.Kind.ONLINE, Community.Kind.USER_GROUP]


def _page(cursor=None, size=3):
    return keyset_paginate(Community.objects.all(), fields=FIELDS, cursor=cursor, size=size)


def _ids(page):
    return [c.pk for c in page.items]


@pytest.fixture
def communities():
    """Eight communities whose kinds tie in groups, created out of order."""
    kinds = [KINDS[i] for i in (2, 0, 1, 0, 2, 0, 1, 2)]
    created = [CommunityFactory.create(kind=kind) for kind in kinds]
    return sorted(created, key=lambda c: (c.kind, c.pk))


def test_walking_forward_visits_each_row_once_in_sort_order_across_ties(communities):
    # when
    first = _page()
    second = _page(first.next_cursor)
    third = _page(second.next_cursor)

    # then
    expected = [c.pk for c in communities]
    assert _ids(first) == expected[0:3]
    assert _ids(second) == expected[3:6]
    assert _ids(third) == expected[6:8]
    assert first.previous_cursor is None
    assert first.next_cursor is not None
    assert second.previous_cursor is not None
    assert second.next_cursor is not None
    assert third.next_cursor is None
    assert third.previous_cursor is not None


def test_walking_back_from_the_last_page_returns_the_same_pages(communities):
    # given
    first = _page()
    second = _page(first.next_cursor)
    third = _page(second.next_cursor)

    # when
    back_to_second = _page(third.previous_cursor)
    back_to_first = _page(back_to_second.previous_cursor)

    # then
    assert _ids(back_to_second) == _ids(second)
    assert back_to_second.next_cursor is not None
    assert back_to_second.previous_cursor is not None
    assert _ids(back_to_first) == _ids(first)
    assert back_to_first.previous_cursor is None
    assert _ids(_page(back_to_first.next_cursor)) == _ids(second)


def test_the_first_page_of_a_short_list_offers_no_other_pages(communities):
    page = _page(size=20)

    assert _ids(page) == [c.pk for c in communities]
    assert not page.has_other_pages
    assert page.next_cursor is None
    assert page.previous_cursor is None


def test_a_list_that_exactly_fills_the_page_has_no_next_page(communities):
    page = _page(size=len(communities))

    assert len(page.items) == len(communities)
    assert page.next_cursor is None


def test_a_page_follows_the_sort_fields_not_the_querysets_ordering(communities):
    page = keyset_paginate(Community.objects.order_by("-name"), fields=FIELDS, cursor=None, size=20)

    assert _ids(page) == [c.pk for c in communities]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "",
        signing.Signer(salt="some other salt").sign_object(["next", ["chapter", 1]]),
        signing.Signer(salt="pathways.keyset:kind,pk").sign_object(["next", ["chapter"]]),
        signing.Signer(salt="pathways.keyset:kind,pk").sign_object(["sideways", ["chapter", 1]]),
        signing.Signer(salt="pathways.keyset:kind,pk").sign_object(["next", "chapter"]),
        signing.Signer(salt="pathways.keyset:kind,pk").sign_object(
            ["next", ["chapter", 1], "extra"]
        ),
        signing.Signer(salt="pathways.keyset:kind,pk").sign_object(42),
    ],
    ids=[
        "garbage",
        "empty",
        "wrong-salt",
        "wrong-length",
        "bad-direction",
        "values-not-a-list",
        "three-parts",
        "not-a-pair",
    ],
)
def test_a_tampered_or_broken_cursor_gives_the_first_page(communities, cursor):
    page = _page(cursor)

    # then
    assert _ids(page) == [c.pk for c in communities[:3]]
    assert page.previous_cursor is None


def test_a_cursor_with_a_changed_signature_gives_the_first_page(communities):
    second_page_cursor = _page().next_cursor
    assert second_page_cursor is not None
    tampered = second_page_cursor[:-2] + ("AA" if not second_page_cursor.endswith("AA") else "BB")

    assert _ids(_page(tampered)) == [c.pk for c in communities[:3]]


def test_an_empty_queryset_gives_an_empty_page_without_cursors():
    page = _page()

    assert page.items == []
    assert page.next_cursor is None
    assert page.previous_cursor is None
    assert not page.has_other_pages


def test_a_cursor_past_the_last_row_gives_an_empty_page(communities):
    # given: a cursor after the last row, as a link to a page whose rows were deleted since
    last = communities[-1]
    cursor = signing.Signer(salt="pathways.keyset:kind,pk").sign_object(
        ["next", [last.kind, last.pk]], compress=True
    )

    # when
    page = _page(cursor)

    # then
    assert page.items == []
    assert page.next_cursor is None


def test_pages_cost_one_query_each_however_deep(communities, django_assert_num_queries):
    cursor = _page().next_cursor
    with django_assert_num_queries(1):  # leadership_community: WHERE key > cursor LIMIT size + 1
        _page(cursor)


def test_related_fields_can_be_sort_keys(db):
    # given: members whose display names tie
    community = CommunityFactory.create()
    names = ["Bea", "Al", "Bea", "Al", "Cy"]
    for name in names:
        MembershipFactory.create(
            community=community, person=PersonFactory.create(display_name=name)
        )
    qs = community.memberships.all()
    expected = list(qs.order_by("person__display_name", "person_id").values_list("pk", flat=True))

    # when
    seen: list[int] = []
    cursor = None
    while True:
        page = keyset_paginate(
            qs, fields=["person__display_name", "person_id"], cursor=cursor, size=2
        )
        seen.extend(m.pk for m in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break

    # then
    assert seen == expected


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.sampled_from(KINDS), max_size=25),
    size=st.integers(min_value=1, max_value=6),
)
def test_walking_forward_then_back_visits_every_row_exactly_once_in_order(db, kinds, size):
    # Each example runs in its own savepoint, rolled back, so examples do not see each other.
    with transaction.atomic():
        # given
        Community.objects.all().delete()
        created = [CommunityFactory.create(kind=kind) for kind in kinds]
        expected = [c.pk for c in sorted(created, key=lambda c: (c.kind, c.pk))]

        # when: forward to the end
        pages = []
        cursor = None
        while True:
            page = _page(cursor, size=size)
            pages.append(_ids(page))
            cursor = page.next_cursor
            if cursor is None:
                break
            assert len(pages) <= len(kinds) + 1, "pagination does not end"

        # then
        assert [pk for ids in pages for pk in ids] == expected
        assert all(len(ids) == size for ids in pages[:-1])

        # and: back to the start, page by page
        back_cursor = page.previous_cursor
        for ids in reversed(pages[:-1]):
            assert back_cursor is not None
            back = _page(back_cursor, size=size)
            assert _ids(back) == ids
            back_cursor = back.previous_cursor
        assert back_cursor is None

        transaction.set_rollback(True)


def test_descending_fields_and_dates_page_forward_and_back_in_the_same_order(community):
    # given members who joined on a few dates, with ties, created out of order
    days = [date(2024, 1, d) for d in (3, 1, 2, 3, 1, 3, 2)]
    for day in days:
        MembershipFactory.create(community=community, joined_on=day)
    expected = list(
        Membership.objects.filter(community=community)
        .order_by("-joined_on", "-pk")
        .values_list("pk", flat=True)
    )
    qs = Membership.objects.filter(community=community)

    def page(cursor=None):
        return keyset_paginate(qs, fields=["-joined_on", "-pk"], cursor=cursor, size=3)

    # when walking forward to the end and back again
    forward = [page()]
    while forward[-1].next_cursor:
        forward.append(page(forward[-1].next_cursor))
    backward = [forward[-1]]
    while backward[-1].previous_cursor:
        backward.append(page(backward[-1].previous_cursor))

    # then
    assert [m.pk for p in forward for m in p.items] == expected
    assert [[m.pk for m in p.items] for p in reversed(backward)] == [
        [m.pk for m in p.items] for p in forward
    ]


def test_the_same_page_has_the_same_links_at_any_time(communities, time_machine):
    # A link is the same tomorrow (bookmarks, caches keyed by what a page shows).
    time_machine.move_to("2026-01-01 12:00Z")
    first = _page()
    time_machine.move_to("2027-06-30 08:00Z")
    later = _page()

    # then
    assert later.next_cursor == first.next_cursor
    assert _ids(_page(later.next_cursor)) == _ids(_page(first.next_cursor))


def test_a_cursor_of_another_ordering_gives_the_first_page_rather_than_an_error(communities):
    # given a cursor of a list sorted by name, whose key is a name
    by_name = keyset_paginate(Community.objects.all(), fields=["name", "pk"], cursor=None, size=3)
    assert by_name.next_cursor is not None

    # when it is pasted into a list sorted by the date communities were created
    page = keyset_paginate(
        Community.objects.all(), fields=["created_at", "pk"], cursor=by_name.next_cursor, size=3
    )

    # then the name never reaches the date comparison: the first page
    first = keyset_paginate(
        Community.objects.all(), fields=["created_at", "pk"], cursor=None, size=3
    )
    assert _ids(page) == _ids(first)
