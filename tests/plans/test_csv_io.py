"""Import and export of a community's roles and terms as CSV."""

import csv
import io
from datetime import date

import pytest
from django.utils.formats import date_format

from plans.csv_io import (
    MAX_ROWS,
    ImportResult,
    RowError,
    plan_export_csv,
    roles_terms_import,
)
from plans.models import LeadershipPlan, Role, Term
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    PersonFactory,
    RoleFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

HEADER = (
    "role,seats,filled_by,term_months,max_consecutive_terms,cool_off_months,max_total_years,"
    "is_leadership,succession_lead_months,person_email,seat,starts_on,ends_on,ended_on"
)


def _file(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows]).encode()


def _day(value: date) -> str:
    # As the services write dates, whatever the test settings' locale.
    return date_format(value, "DATE_FORMAT")


def _snapshot(community):
    """Every role and term of `community`, with each field an import could write."""
    roles = list(
        Role.objects.filter(community=community)
        .order_by("pk")
        .values_list(
            "pk",
            "title",
            "seats",
            "filled_by",
            "term_months",
            "max_consecutive_terms",
            "cool_off_months",
            "max_total_years",
            "is_leadership",
            "succession_lead_months",
        )
    )
    terms = list(
        Term.objects.filter(role__community=community)
        .order_by("pk")
        .values_list("pk", "role_id", "seat", "person_id", "starts_on", "ends_on", "ended_on")
    )
    return roles, terms


def _terms(community):
    return [
        (t.role.title, t.seat, t.person.user.email, t.starts_on, t.ends_on, t.ended_on)
        for t in Term.objects.filter(role__community=community)
        .select_related("role", "person__user")
        .order_by("role__title", "seat", "starts_on")
    ]


@pytest.fixture
def chair(community):
    """Two-year terms, two in a row, then a year off."""
    return RoleFactory.create(
        community=community,
        title="Chair",
        term_months=24,
        max_consecutive_terms=2,
        cool_off_months=12,
    )


@pytest.fixture
def plan(community):
    return LeadershipPlan.objects.create(
        community=community, starts_on=date(2026, 1, 1), ends_on=date(2029, 1, 1)
    )


# Importing a good file


def test_a_good_file_imports_roles_and_terms(community, organiser, member, chair):
    data = _file(
        # An existing role, its rule columns empty ("as it is") or repeating its rules.
        "Chair,,,,,,,,,organiser@example.org,,2024-01-01,2026-01-01,",
        "chair,1,elected,24,2,12,,yes,3,MEMBER@example.org,,2026-01-01,2028-01-01,",
        # A new role, with a term its holder stepped down from, and a successor in that seat.
        "Treasurer,2,appointed,36,,0,6,no,6,member@example.org,1,2023-01-01,2026-01-01,2025-03-01",
        "Treasurer,,,,,,,,,organiser@example.org,1,2025-03-01,2028-03-01,",
        # A new role nobody holds yet.
        "Events lead,1,volunteer,12,,,,,,,,,,",
    )

    result = roles_terms_import(community=community, data=data)

    assert result == ImportResult(roles_created=2, terms_created=4, errors=[])
    treasurer = Role.objects.get(community=community, title="Treasurer")
    assert (
        treasurer.seats,
        treasurer.filled_by,
        treasurer.term_months,
        treasurer.max_consecutive_terms,
        treasurer.cool_off_months,
        treasurer.max_total_years,
        treasurer.is_leadership,
        treasurer.succession_lead_months,
    ) == (2, Role.FilledBy.APPOINTED, 36, None, 0, 6, False, 6)
    events = Role.objects.get(community=community, title="Events lead")
    assert (events.filled_by, events.term_months, events.is_leadership) == (
        Role.FilledBy.VOLUNTEER,
        12,
        True,
    )
    assert (events.cool_off_months, events.succession_lead_months) == (0, 3)
    assert _terms(community) == [
        ("Chair", 1, "organiser@example.org", date(2024, 1, 1), date(2026, 1, 1), None),
        ("Chair", 1, "member@example.org", date(2026, 1, 1), date(2028, 1, 1), None),
        (
            "Treasurer",
            1,
            "member@example.org",
            date(2023, 1, 1),
            date(2026, 1, 1),
            date(2025, 3, 1),
        ),
        ("Treasurer", 1, "organiser@example.org", date(2025, 3, 1), date(2028, 3, 1), None),
    ]


def test_a_utf8_byte_order_mark_as_excel_writes_it_is_accepted(community, member):
    data = _file("Présidente,,,24,,,,,,member@example.org,,2026-01-01,2028-01-01,")

    result = roles_terms_import(community=community, data=data.decode().encode("utf-8-sig"))

    assert result == ImportResult(roles_created=1, terms_created=1, errors=[])
    assert Role.objects.get(community=community).title == "Présidente"


def test_header_names_are_matched_in_any_case_and_order_with_columns_left_out(community, member):
    data = _file(
        "Chair, 24 ,member@example.org,2026-01-01,2028-01-01",
        header=" Role ,TERM_MONTHS,Person_Email,starts_on,ends_on",
    )

    result = roles_terms_import(community=community, data=data)

    assert result == ImportResult(roles_created=1, terms_created=1, errors=[])


def test_blank_lines_and_rows_of_empty_cells_are_skipped(community):
    data = _file("", "Chair,,,24,,,,,,,,,,", ",,,,,,,,,,,,,", "")

    result = roles_terms_import(community=community, data=data)

    assert result == ImportResult(roles_created=1, terms_created=0, errors=[])


# Refusing bad rows: every one reported, nothing written


def test_a_file_with_bad_rows_among_good_ones_writes_nothing_and_reports_every_bad_row(
    community, organiser, member, chair
):
    # given
    TermFactory.create(
        role=chair, person=organiser.person, starts_on=date(2022, 1, 1), ends_on=date(2024, 1, 1)
    )
    before = _snapshot(community)
    data = _file(
        "Chair,,,,,,,,,organiser@example.org,,2024-01-01,2026-01-01,",
        "Chair,,,,,,,,,nobody@example.org,,2026-01-01,2028-01-01,",
        "Treasurer,,,36,,,,,,member@example.org,,2024-01-01,2027-01-01,",
        "Treasurer,,,,,,,,,organiser@example.org,,2027-01-01,2027-02-30,",
        "Events lead,1,sometimes,12,,,,,,,,,,",
    )

    # when
    result = roles_terms_import(community=community, data=data)

    # then
    assert result == ImportResult(
        roles_created=0,
        terms_created=0,
        errors=[
            RowError(3, "No member of Wikimedia Testland has the email nobody@example.org."),
            RowError(5, "ends_on: “2027-02-30” is not a date written as YYYY-MM-DD."),
            RowError(6, "filled_by: “sometimes” is not one of elected, appointed, volunteer."),
        ],
    )
    assert Role.objects.filter(community=community).count() == 1
    assert Term.objects.count() == 1
    assert _snapshot(community) == before


def test_a_third_consecutive_term_in_the_file_is_refused_with_the_eligibility_date(
    community, member, chair
):
    data = _file(
        "Chair,,,,,,,,,member@example.org,,2020-01-01,2022-01-01,",
        "Chair,,,,,,,,,member@example.org,,2022-01-01,2024-01-01,",
        "Chair,,,,,,,,,member@example.org,,2024-01-01,2026-01-01,",
    )

    result = roles_terms_import(community=community, data=data)

    # The cool-off of 12 months runs from the end of the second term.
    assert result.errors == [
        RowError(
            4,
            "This would be Mo Member's term number 3 in a row as Chair; the limit is 2 "
            "consecutive terms, then a cool-off of 12 months. Mo Member is eligible again "
            f"from {_day(date(2025, 1, 1))}.",
        )
    ]
    assert not Term.objects.exists()


def test_the_same_third_term_after_the_cool_off_is_accepted(community, member, chair):
    data = _file(
        "Chair,,,,,,,,,member@example.org,,2020-01-01,2022-01-01,",
        "Chair,,,,,,,,,member@example.org,,2022-01-01,2024-01-01,",
        "Chair,,,,,,,,,member@example.org,,2025-01-01,2027-01-01,",
    )

    result = roles_terms_import(community=community, data=data)

    assert result == ImportResult(roles_created=0, terms_created=3, errors=[])


def test_a_row_clashing_with_a_term_already_in_the_database_is_refused(
    community, organiser, member, chair
):
    TermFactory.create(
        role=chair, person=organiser.person, starts_on=date(2025, 1, 1), ends_on=date(2027, 1, 1)
    )
    before = _snapshot(community)
    data = _file("Chair,,,,,,,,,member@example.org,1,2026-01-01,2028-01-01,")

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(
            2,
            f"Seat 1 of Chair is held by Olga Organiser from {_day(date(2025, 1, 1))} to "
            f"{_day(date(2027, 1, 1))}.",
        )
    ]
    assert _snapshot(community) == before


def test_a_term_longer_than_the_role_allows_is_refused(community, member, chair):
    data = _file("Chair,,,,,,,,,member@example.org,,2026-01-01,2028-06-01,")

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(
            2,
            f"A term of Chair lasts at most 24 months: one starting on {_day(date(2026, 1, 1))} "
            f"ends on {_day(date(2028, 1, 1))} at the latest.",
        )
    ]


def test_a_stepped_down_date_outside_the_term_is_refused_and_its_term_not_kept(
    community, member, chair
):
    data = _file(
        "Chair,,,,,,,,,member@example.org,,2026-01-01,2028-01-01,2029-01-01",
        "Treasurer,,,12,,,,,,,,,,",
    )

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(
            2,
            f"A term can end early only between its start ({_day(date(2026, 1, 1))}) and its "
            f"end ({_day(date(2028, 1, 1))}).",
        )
    ]
    assert not Term.objects.exists()
    assert not Role.objects.filter(title="Treasurer").exists()


def test_an_email_nobody_has_is_refused(community, chair):
    data = _file("Chair,,,,,,,,,nobody@example.org,,2026-01-01,2028-01-01,")

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(2, "No member of Wikimedia Testland has the email nobody@example.org.")
    ]


def test_the_email_of_someone_outside_the_community_is_refused_in_the_same_words(
    community, outsider, chair
):
    data = _file("Chair,,,,,,,,,outsider@example.org,,2026-01-01,2028-01-01,")

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(2, "No member of Wikimedia Testland has the email outsider@example.org.")
    ]
    assert not Term.objects.exists()


def test_a_rule_differing_from_the_existing_roles_is_refused(community, member, chair):
    before = _snapshot(community)
    data = _file("CHAIR,,,36,,,,,,member@example.org,,2026-01-01,2029-01-01,")

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(
            2,
            "The file says 36 for term_months but Chair has 24 in Pathways: change the role first.",
        )
    ]
    assert _snapshot(community) == before


def test_a_limit_the_existing_role_does_not_have_is_refused(community):
    RoleFactory.create(community=community, title="Chair", max_consecutive_terms=None)

    result = roles_terms_import(community=community, data=_file("Chair,,,,3,,,,,,,,,"))

    assert result.errors == [
        RowError(
            2,
            "The file says 3 for max_consecutive_terms but Chair has no limit in Pathways: "
            "change the role first.",
        )
    ]


def test_rule_columns_of_a_new_role_on_several_rows_must_agree(community, member, organiser):
    data = _file(
        "Treasurer,,,24,,,,,,member@example.org,,2024-01-01,2026-01-01,",
        "Treasurer,,,24,2,,,,,organiser@example.org,,2026-01-01,2028-01-01,",
        "Treasurer,,,36,,,,,,,,,,",
    )

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(
            3, "The file says 2 for max_consecutive_terms but line 2 gave no limit for Treasurer."
        ),
        RowError(4, "The file says 36 for term_months but line 2 gave 24 for Treasurer."),
    ]
    assert not Role.objects.exists()


def test_a_new_role_needs_its_term_length(community):
    result = roles_terms_import(community=community, data=_file("Treasurer,2,,,,,,,,,,,,"))

    assert result.errors == [
        RowError(
            2,
            "term_months is required for a new role: Wikimedia Testland has no role Treasurer yet.",
        )
    ]


def test_a_role_title_longer_than_the_model_allows_is_refused(community):
    title = "T" * 201

    result = roles_terms_import(community=community, data=_file(f"{title},,,24,,,,,,,,,,"))

    assert result.errors == [
        RowError(2, "role: Ensure this value has at most 200 characters (it has 201).")
    ]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            "Chair,0,,24,,,,,,,,,,",
            "seats: “0” is not a whole number from 1 to 32767.",
        ),
        (
            "Chair,,,24,,-1,,,,,,,,",
            "cool_off_months: “-1” is not a whole number from 0 to 32767.",
        ),
        (
            "Chair,,,2.5,,,,,,,,,,",
            "term_months: “2.5” is not a whole number from 1 to 32767.",
        ),
        ("Chair,,,24,,,,maybe,,,,,,", "is_leadership: “maybe” is neither yes nor no."),
        (
            "Chair,,,24,,,,,,member@example.org,,2026-02-30,2028-01-01,",
            "starts_on: “2026-02-30” is not a date written as YYYY-MM-DD.",
        ),
        (
            "Chair,,,24,,,,,,member@example.org,,01/02/2026,2028-01-01,",
            "starts_on: “01/02/2026” is not a date written as YYYY-MM-DD.",
        ),
        (
            "Chair,,,24,,,,,,member@example.org,,2026-01-01,9999-01-01,",
            "ends_on: 9999-01-01 is not between the years 1900 and 2199.",
        ),
        (
            "Chair,,,24,,,,,,member@example.org,,,2028-01-01,",
            "starts_on is required for a term.",
        ),
        (
            "Chair,,,24,,,,,,,1,2026-01-01,,",
            "seat, starts_on given without a person_email: fill in whose term it is, or empty "
            "those cells.",
        ),
        (",,,24,,,,,,,,,,", "role: the role's title is missing."),
        ("Chair,,,24,,,,,,,,,", "This line has 13 cells where the header has 14."),
    ],
)
def test_a_cell_that_does_not_fit_its_column_is_refused(community, member, cells, message):
    result = roles_terms_import(community=community, data=_file(cells))

    assert result.errors == [RowError(2, message)]
    assert not Role.objects.exists()


# Refusing bad files


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "role,term_months,email,start",
            "The header has columns Pathways does not know: email, start. The columns are: "
            "role, seats, filled_by, term_months, max_consecutive_terms, cool_off_months, "
            "max_total_years, is_leadership, succession_lead_months, person_email, seat, "
            "starts_on, ends_on, ended_on.",
        ),
        ("title,term_months", None),  # both unknown (title) and missing (role)
        ("role,person_email,starts_on", "The header lacks these columns: ends_on."),
        ("role,term_months,Role", "The header has these columns more than once: role."),
    ],
)
def test_a_bad_header_is_refused_naming_the_columns(community, header, message):
    result = roles_terms_import(community=community, data=_file("Chair,24,x", header=header))

    if message is None:
        assert [error.message for error in result.errors] == [
            "The header has columns Pathways does not know: title. The columns are: "
            "role, seats, filled_by, term_months, max_consecutive_terms, cool_off_months, "
            "max_total_years, is_leadership, succession_lead_months, person_email, seat, "
            "starts_on, ends_on, ended_on.",
            "The header lacks these columns: role.",
        ]
    else:
        assert result.errors == [RowError(1, message)]
    assert not Role.objects.exists()


def test_a_file_not_in_utf8_is_refused_naming_the_first_bad_line(community):
    data = _file("Chair,,,24,,,,,,,,,,", "Présidente,,,24,,,,,,,,,,").decode().encode("latin-1")

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(
            3,
            "The file is not in UTF-8. Save it again as “CSV UTF-8” (in Excel) or as CSV with "
            "the UTF-8 character set, and upload that.",
        )
    ]
    assert not Role.objects.exists()


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_an_empty_file_is_refused(community, data):
    result = roles_terms_import(community=community, data=data)

    assert result.errors == [RowError(0, "The file is empty.")]


def test_a_file_with_only_its_header_is_refused(community):
    result = roles_terms_import(community=community, data=_file())

    assert result.errors == [RowError(2, "The file has no rows under its header.")]


def test_a_file_with_more_rows_than_the_limit_is_refused_before_any_is_imported(community):
    rows = [f"Role {n},,,24,,,,,,,,,," for n in range(MAX_ROWS + 1)]

    result = roles_terms_import(community=community, data=_file(*rows))

    assert result.errors == [
        RowError(0, "The file has more than 5000 rows: split it into smaller files.")
    ]
    assert not Role.objects.exists()


def test_a_file_of_exactly_the_row_limit_is_read(community):
    # Each row refused cheaply (no title), so that no role is written: the limit is not hit.
    rows = [",1,,,,,,,,,,,," for _ in range(MAX_ROWS)]

    result = roles_terms_import(community=community, data=_file(*rows))

    assert len(result.errors) == MAX_ROWS
    assert result.errors[-1] == RowError(MAX_ROWS + 1, "role: the role's title is missing.")


def test_a_broken_quote_is_refused_with_its_line(community):
    # A cell past the csv module's size limit (128 KiB) stops the reader.
    data = _file("Chair,,,24,,,,,,,,,,", "Treasurer,,,24,,,,,,,,,," + "x" * 200_000)

    result = roles_terms_import(community=community, data=data)

    assert [error.line for error in result.errors] == [3]
    assert result.errors[0].message.startswith("This line cannot be read as CSV")
    assert not Role.objects.exists()


def test_a_value_in_a_column_without_a_name_is_refused(community):
    data = _file("Chair,24,", "Treasurer,12,x", header="role,term_months,")

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [RowError(3, "This line has values in columns 3, which have no name.")]
    assert not Role.objects.exists()


def test_roles_of_another_community_are_not_touched(community, other_community, member):
    theirs = RoleFactory.create(community=other_community, title="Chair", term_months=12)

    result = roles_terms_import(
        community=community,
        data=_file("Chair,,,24,,,,,,member@example.org,,2026-01-01,2028-01-01,"),
    )

    assert result == ImportResult(roles_created=1, terms_created=1, errors=[])
    assert not theirs.terms.exists()
    assert Role.objects.get(community=community, title="Chair").term_months == 24


# Exporting


def _rows(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_export_lists_every_role_and_the_terms_of_the_plans_period(
    community, other_community, organiser, member, chair, plan
):
    board = RoleFactory.create(
        community=community,
        title="Board",
        seats=2,
        term_months=36,
        max_consecutive_terms=None,
        cool_off_months=0,
        max_total_years=9,
        is_leadership=False,
        filled_by=Role.FilledBy.APPOINTED,
    )
    # Before the period, ending as it starts: not in it.
    TermFactory.create(
        role=board, person=member.person, starts_on=date(2023, 1, 1), ends_on=date(2026, 1, 1)
    )
    # Stepped down before the period: not in it, though planned to run into it.
    TermFactory.create(
        role=board,
        seat=2,
        person=PersonFactory.create(),
        starts_on=date(2024, 1, 1),
        ends_on=date(2027, 1, 1),
        ended_on=date(2025, 6, 1),
    )
    TermFactory.create(
        role=board,
        seat=2,
        person=organiser.person,
        starts_on=date(2025, 6, 1),
        ends_on=date(2028, 6, 1),
        ended_on=date(2027, 1, 1),
    )
    TermFactory.create(
        role=board, person=member.person, starts_on=date(2026, 1, 1), ends_on=date(2029, 1, 1)
    )
    # Starts on the day the period ends: not in it.
    TermFactory.create(
        role=chair, person=organiser.person, starts_on=date(2029, 1, 1), ends_on=date(2031, 1, 1)
    )
    TermFactory.create(role=RoleFactory.create(community=other_community, title="Alpha"))

    rows = _rows(plan_export_csv(plan=plan))

    assert rows == [
        HEADER.split(","),
        [
            "Board",
            "2",
            "appointed",
            "36",
            "",
            "0",
            "9",
            "no",
            "3",
            "member@example.org",
            "1",
            "2026-01-01",
            "2029-01-01",
            "",
        ],
        [
            "Board",
            "2",
            "appointed",
            "36",
            "",
            "0",
            "9",
            "no",
            "3",
            "organiser@example.org",
            "2",
            "2025-06-01",
            "2028-06-01",
            "2027-01-01",
        ],
        ["Chair", "1", "elected", "24", "2", "12", "", "yes", "3", "", "", "", "", ""],
    ]


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","Chair")',
            '\'=HYPERLINK("http://evil.example","Chair")',
        ),
        ("+1 board", "'+1 board"),
        ("-Chair", "'-Chair"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Chair = lead", "Chair = lead"),
    ],
)
def test_the_export_keeps_spreadsheets_from_running_a_title_as_a_formula(
    community, plan, title, cell
):
    RoleFactory.create(community=community, title=title)

    rows = _rows(plan_export_csv(plan=plan))

    assert rows[1][0] == cell


def test_an_export_imports_again_into_an_empty_community_with_the_same_members(
    community, organiser, member, chair, plan
):
    # given: roles with every kind of rule and row, one of them titled like a formula
    board = RoleFactory.create(
        community=community,
        title="=Board",
        seats=3,
        term_months=36,
        max_consecutive_terms=None,
        cool_off_months=0,
        max_total_years=9,
        is_leadership=False,
        filled_by=Role.FilledBy.VOLUNTEER,
        succession_lead_months=6,
    )
    RoleFactory.create(community=community, title="Events lead", term_months=12)
    TermFactory.create(
        role=board,
        seat=2,
        person=member.person,
        starts_on=date(2025, 1, 1),
        ends_on=date(2028, 1, 1),
        ended_on=date(2026, 6, 1),
    )
    TermFactory.create(
        role=board,
        seat=2,
        person=organiser.person,
        starts_on=date(2026, 6, 1),
        ends_on=date(2029, 6, 1),
    )
    TermFactory.create(
        role=chair, person=member.person, starts_on=date(2026, 1, 1), ends_on=date(2028, 1, 1)
    )
    new = CommunityFactory.create()
    for user in (organiser, member):
        MembershipFactory.create(community=new, person=user.person)
    exported = plan_export_csv(plan=plan)

    # when
    result = roles_terms_import(community=new, data=exported.encode())

    # then
    assert result == ImportResult(roles_created=3, terms_created=3, errors=[])
    original, copy = _snapshot(community), _snapshot(new)
    assert sorted(role[1:] for role in copy[0]) == sorted(role[1:] for role in original[0])
    assert _terms(new) == _terms(community)
    new_plan = LeadershipPlan.objects.create(
        community=new, starts_on=plan.starts_on, ends_on=plan.ends_on
    )
    assert plan_export_csv(plan=new_plan) == exported


@pytest.mark.parametrize("count", [5, 50])
def test_the_export_costs_two_queries_however_many_terms(
    community, plan, count, django_assert_num_queries
):
    for n in range(count):
        role = RoleFactory.create(community=community)
        TermFactory.create(
            role=role,
            person=PersonFactory.create(),
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 1, 1),
        )
        if n % 2:
            RoleFactory.create(community=community)  # a role with no term

    # 1 the community's roles, 2 the terms of the period with their holders and their accounts
    with django_assert_num_queries(2):
        text = plan_export_csv(plan=plan)

    assert len(_rows(text)) == 1 + count + count // 2
