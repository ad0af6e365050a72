"""A community's roles and terms as CSV: the spreadsheets affiliates keep, in and out of Pathways.

One file, one row per term. A role nobody has held yet is a row with the person columns empty; a
role held by several people over the years repeats its role columns on each of their rows. The
first line is the header: the column names of `COLUMNS`, in any order, in any case. Only `role`
is required, and a file with any person column needs `person_email`, `starts_on` and `ends_on`;
a column left out reads as empty on every row. The file is UTF-8 (Excel's "CSV UTF-8", with or
without its byte order mark) or UTF-16 with its byte order mark, of at most MAX_ROWS rows; blank
rows are skipped. A file that is plainly something else (a workbook, an image, a web page) is
refused before it is read.

- The role columns (`role` to `succession_lead_months`): a title the community already has (in any
  case) names that role, and its rule columns may only be left empty or repeat the role's rules:
  an import never changes a role. Any other title makes a new role, with `term_months` required
  and the model's defaults for the other rules left empty. A role's later rows may leave its rule
  columns empty, or must give the same values as its first row.
- The person columns (`person_email` to `ended_on`): a term of the member with that email, from
  `starts_on` up to `ends_on` (dates as YYYY-MM-DD), in `seat` or the first free seat, ended early
  on `ended_on` if the holder stepped down.

An import is all or nothing. The rows are imported in file order by the services that enforce
every rule of a role, each against what is already in Pathways and the rows above it, and
inside one transaction that is rolled back if any row was refused: the result then lists every
refused row with its line and the reason, and nothing is written.

An export (`plan_export_csv`) writes the same columns, so that it imports again. A cell that a
spreadsheet would run as a formula (starting with =, +, -, @, a tab or a CR) gets a leading
apostrophe, which the import takes off again.
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadership.models import Community, Person

from . import services
from .models import LeadershipPlan, Role, RoleFilledBy, Term
from .services import PlanError

COLUMNS: list[tuple[str, Promise]] = [
    (
        "role",
        gettext_lazy(
            "The role's title. A title the community already has (in any case) names that role; "
            "any other title makes a new role."
        ),
    ),
    ("seats", gettext_lazy("How many people hold the role at the same time. Empty: 1.")),
    (
        "filled_by",
        gettext_lazy("How the role is filled: elected, appointed or volunteer. Empty: elected."),
    ),
    ("term_months", gettext_lazy("The longest a term lasts, in months. Required for a new role.")),
    (
        "max_consecutive_terms",
        gettext_lazy("How many terms in a row one person may serve. Empty: no limit."),
    ),
    (
        "cool_off_months",
        gettext_lazy(
            "How many months someone must step away after the most terms in a row. Empty: 0."
        ),
    ),
    (
        "max_total_years",
        gettext_lazy("The most years one person may hold the role in all. Empty: no limit."),
    ),
    (
        "is_leadership",
        gettext_lazy("Whether the role counts as a leadership role: yes or no. Empty: yes."),
    ),
    (
        "succession_lead_months",
        gettext_lazy("How many months before a term ends a successor should be in view. Empty: 3."),
    ),
    (
        "person_email",
        gettext_lazy(
            "The email address of the member who holds the term. Empty on the row of a role "
            "nobody holds yet."
        ),
    ),
    ("seat", gettext_lazy("Which seat the term holds, from 1. Empty: the first free seat.")),
    ("starts_on", gettext_lazy("The first day of the term, as YYYY-MM-DD.")),
    (
        "ends_on",
        gettext_lazy("The day the term ends, as YYYY-MM-DD: a successor may start that day."),
    ),
    (
        "ended_on",
        gettext_lazy("If the holder stepped down early: the day they did, as YYYY-MM-DD."),
    ),
]

_NAMES = [name for name, _help in COLUMNS]
_RULES = _NAMES[1:9]  # the Role fields of the same names
_PERSON = _NAMES[9:]
_REQUIRED = ["role"]
_REQUIRED_WITH_PERSON = ["person_email", "starts_on", "ends_on"]

# An affiliate's history is tens of roles and a few hundred terms. The import runs in the request
# and in one transaction holding the roles' row locks, at a handful of queries a row: 5,000 rows
# stay within seconds, and a bigger file is more likely a wrong file than a community's history.
MAX_ROWS = 5_000
# 5,000 rows of long titles and email addresses; larger files are refused before decoding.
MAX_BYTES = 5 * 1024 * 1024

# PositiveSmallIntegerField's largest value on Postgres.
_SMALL_MAX = 32_767
# Years a term may fall in: far enough either side of any real term, and near enough that a
# term's end plus the longest possible term or cool-off (32,767 months) is still a date.
_FIRST_YEAR, _LAST_YEAR = 1900, 2199

# Spreadsheets run a cell that starts with one of these as a formula (OWASP's CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_TRUE = {"yes", "true", "1"}
_FALSE = {"no", "false", "0"}


@dataclass(frozen=True)
class RowError:
    """Why the row on `line` was refused. Line 1 is the header; line 0 is the file as a whole."""

    line: int
    message: str


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote. When `errors` is not empty it wrote nothing, and the counts are 0."""

    roles_created: int
    terms_created: int
    errors: list[RowError]


class _Refused(Exception):
    """Raised inside the import's transaction to roll it back when a row was refused."""


class _CellError(Exception):
    """A cell that does not hold a value of its column."""


@dataclass
class _KnownRole:
    role: Role
    # The line that made the role, or None for a role that was in Pathways before the import.
    created_on_line: int | None


def roles_terms_import(*, community: Community, data: bytes) -> ImportResult:
    """Import the roles and terms of the CSV file `data` into `community`: all of it, or nothing.

    Every row goes through the services (term_create, term_end_early), so a row breaking one of
    a role's rules is refused with their message. Returns the counts of roles and terms created,
    or every refused row with its line and reason; nothing is written then.
    """
    rows, errors = _read(data)
    if rows is None:
        return ImportResult(0, 0, errors)
    importer = _Importer(community)
    try:
        with transaction.atomic():
            for line, cells in rows:
                importer.import_row(line, cells)
            errors = sorted(errors + importer.errors, key=lambda error: error.line)
            if errors:
                raise _Refused
    except _Refused:
        return ImportResult(0, 0, errors)
    return ImportResult(importer.roles_created, importer.terms_created, [])


def plan_export_csv(*, plan: LeadershipPlan) -> str:
    """The community's roles and the terms of `plan`'s period as CSV, in the import's format.

    Every role of the community, by title; under each, its terms that overlap the period
    [plan.starts_on, plan.ends_on), by seat and start, or one row with the person columns empty
    if it has none. Two queries, whatever the number of roles and terms.
    """
    roles = list(Role.objects.filter(community_id=plan.community_id).order_by("title", "pk"))
    terms: dict[int, list[Term]] = {}
    for term in (
        Term.objects.filter(role__community_id=plan.community_id, starts_on__lt=plan.ends_on)
        .alias(actual_end=Coalesce("ended_on", "ends_on"))
        .filter(actual_end__gt=plan.starts_on)
        .select_related("person__user")
        .order_by("seat", "starts_on", "pk")
    ):
        terms.setdefault(term.role_id, []).append(term)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_NAMES)
    for role in roles:
        rules = [_rule_text(getattr(role, name)) for name in _RULES]
        role_terms: list[Term | None] = [*terms.get(role.pk, [])] or [None]
        for held in role_terms:
            person = (
                ["", "", "", "", ""]
                if held is None
                else [
                    held.person.user.email,
                    str(held.seat),
                    held.starts_on.isoformat(),
                    held.ends_on.isoformat(),
                    held.ended_on.isoformat() if held.ended_on else "",
                ]
            )
            writer.writerow([safe_cell(cell) for cell in [role.title, *rules, *person]])
    return out.getvalue()


def _rule_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def safe_cell(value: str) -> str:
    """`value` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _unescape_cell(value: str) -> str:
    """The value `safe_cell` escaped, so that an export imports as it was."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


# Reading the file

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The first bytes of files people upload by mistake instead of a CSV: a browser's content type
# says only what the file's name ends with, so the bytes are looked at instead.
_SIGNATURES: list[tuple[bytes, Promise]] = [
    (b"PK\x03\x04", gettext_lazy("an Excel workbook or another ZIP archive")),
    (b"PK\x05\x06", gettext_lazy("an Excel workbook or another ZIP archive")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", gettext_lazy("an old Excel workbook (.xls)")),
    (b"\x89PNG\r\n\x1a\n", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"%PDF-", gettext_lazy("a PDF document")),
    (b"\x1f\x8b", gettext_lazy("a gzip archive")),
]
# Markup a CSV of roles never starts with: an HTML page or an SVG/XML file saved as .csv.
_MARKUP = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|head|body|script|svg|\?xml|!--)", re.I
)


def _not_csv(data: bytes) -> str | None:
    """Why `data` is plainly not a CSV file (an image, an archive, a web page), or None."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return _(
                "This is not a CSV file: it looks like %(kind)s. In your spreadsheet, save it "
                "as “CSV UTF-8” and upload that."
            ) % {"kind": kind}
    if _MARKUP.match(data[:1024]):
        return _(
            "This is not a CSV file: it looks like a web page (HTML or XML). In your "
            "spreadsheet, save it as “CSV UTF-8” and upload that."
        )
    return None


def _binary() -> str:
    return _(
        "This is not a CSV file: it holds binary data. In your spreadsheet, save it as "
        "“CSV UTF-8” and upload that."
    )


def _read(data: bytes) -> tuple[list[tuple[int, dict[str, str]]] | None, list[RowError]]:
    """The file's rows as (line, cells by column), and the rows that could not be read.

    None for the rows when the file as a whole cannot be imported: nothing is looked at then.
    """
    if len(data) > MAX_BYTES:
        return None, [
            RowError(
                0,
                _("The file is larger than %(size)s MB: split it into smaller files.")
                % {"size": MAX_BYTES // (1024 * 1024)},
            )
        ]
    not_csv = _not_csv(data)
    if not_csv:
        return None, [RowError(0, not_csv)]
    # utf-8-sig: Excel's "CSV UTF-8" starts with a byte order mark. A UTF-16 file (some
    # exports) always starts with one of its own: read as it says. Comma-separated either way.
    encoding = "utf-16" if data.startswith(_UTF16_BOMS) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding == "utf-16":
            return None, [RowError(0, _("The file says it is in UTF-16 but is not."))]
        return None, [
            RowError(
                data[: error.start].count(b"\n") + 1,
                _(
                    "The file is not in UTF-8. Save it again as “CSV UTF-8” (in Excel) or as "
                    "CSV with the UTF-8 character set, and upload that."
                ),
            )
        ]
    if "\x00" in text:
        # No text file holds a NUL character (UTF-16's zero bytes are gone once decoded), and
        # Postgres cannot store one.
        return None, [RowError(0, _binary())]
    if not text.strip():
        return None, [RowError(0, _("The file is empty."))]
    lines = _records(text)
    header_line, header = next(lines)  # not empty: there is a first record
    if isinstance(header, RowError):
        return None, [header]
    columns, header_errors = _columns(header)
    if header_errors:
        return None, [RowError(header_line, message) for message in header_errors]
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    count = 0
    for line, fields in lines:
        if isinstance(fields, RowError):
            errors.append(fields)
            continue
        if not any(field.strip() for field in fields):
            continue  # a blank line, or a row of empty cells as spreadsheets leave
        count += 1
        if count > MAX_ROWS:
            return None, [
                RowError(
                    0,
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": MAX_ROWS},
                )
            ]
        if len(fields) != len(header):
            errors.append(
                RowError(
                    line,
                    _("This line has %(count)s cells where the header has %(expected)s.")
                    % {"count": len(fields), "expected": len(header)},
                )
            )
            continue
        cells = dict.fromkeys(_NAMES, "")
        unnamed: list[int] = []
        for number, (name, field) in enumerate(zip(columns, fields, strict=True), start=1):
            value = _unescape_cell(field.strip())
            if name is not None:
                cells[name] = value
            elif value:
                unnamed.append(number)
        if unnamed:
            errors.append(
                RowError(
                    line,
                    _("This line has values in columns %(numbers)s, which have no name.")
                    % {"numbers": ", ".join(str(number) for number in unnamed)},
                )
            )
            continue
        rows.append((line, cells))
    if count == 0 and not errors:
        return None, [RowError(header_line + 1, _("The file has no rows under its header."))]
    return rows, errors


def _records(text: str) -> Iterator[tuple[int, list[str] | RowError]]:
    """The file's CSV records, each with the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield (
                line,
                RowError(
                    line,
                    _("This line cannot be read as CSV (%(reason)s).") % {"reason": error},
                ),
            )
            # The reader cannot go on past a broken record: what follows is not trustworthy.
            return
        yield line, fields
        line = reader.line_num + 1


def _columns(header: list[str]) -> tuple[list[str | None], list[str]]:
    """The column name of each header cell (None for an unnamed one), or what is wrong."""
    columns: list[str | None] = [name.strip().lower() or None for name in header]
    named = [name for name in columns if name is not None]
    errors = []
    unknown = [name for name in named if name not in _NAMES]
    if unknown:
        errors.append(
            _(
                "The header has columns Pathways does not know: %(unknown)s. The columns are: "
                "%(names)s."
            )
            % {"unknown": ", ".join(unknown), "names": ", ".join(_NAMES)}
        )
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        errors.append(
            _("The header has these columns more than once: %(names)s.")
            % {"names": ", ".join(twice)}
        )
    required = _REQUIRED + (_REQUIRED_WITH_PERSON if any(name in _PERSON for name in named) else [])
    missing = [name for name in required if name not in named]
    if missing:
        errors.append(
            _("The header lacks these columns: %(names)s.") % {"names": ", ".join(missing)}
        )
    return columns, errors


# Reading cells


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


def _whole(column: str, value: str, *, minimum: int) -> int:
    if not re.fullmatch(r"[0-9]{1,5}", value) or not minimum <= int(value) <= _SMALL_MAX:
        raise _CellError(
            _("%(column)s: “%(value)s” is not a whole number from %(minimum)s to %(maximum)s.")
            % {"column": column, "value": _shown(value), "minimum": minimum, "maximum": _SMALL_MAX}
        )
    return int(value)


def _filled_by(column: str, value: str) -> str:
    if value.lower() not in RoleFilledBy.values:
        raise _CellError(
            _("%(column)s: “%(value)s” is not one of %(choices)s.")
            % {"column": column, "value": _shown(value), "choices": ", ".join(RoleFilledBy.values)}
        )
    return value.lower()


def _yes_no(column: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _CellError(
        _("%(column)s: “%(value)s” is neither yes nor no.")
        % {"column": column, "value": _shown(value)}
    )


def _day(column: str, value: str) -> date:
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise _CellError(
            _("%(column)s: “%(value)s” is not a date written as YYYY-MM-DD.")
            % {"column": column, "value": _shown(value)}
        ) from None
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise _CellError(
            _("%(column)s: %(value)s is not between the years %(first)s and %(last)s.")
            % {"column": column, "value": value, "first": _FIRST_YEAR, "last": _LAST_YEAR}
        )
    return day


_RULE_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "seats": lambda column, value: _whole(column, value, minimum=1),
    "filled_by": _filled_by,
    "term_months": lambda column, value: _whole(column, value, minimum=1),
    "max_consecutive_terms": lambda column, value: _whole(column, value, minimum=1),
    "cool_off_months": lambda column, value: _whole(column, value, minimum=0),
    "max_total_years": lambda column, value: _whole(column, value, minimum=1),
    "is_leadership": _yes_no,
    "succession_lead_months": lambda column, value: _whole(column, value, minimum=0),
}


def _rule_shown(value: Any) -> str:
    return _("no limit") if value is None else _rule_text(value)


# Importing rows


class _Importer:
    """Imports rows one by one, each against the database and the rows imported before it."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self.errors: list[RowError] = []
        self.roles_created = 0
        self.terms_created = 0
        # Python's lower() stands in for Postgres's in the roles' unique constraint; where the two
        # differ, the constraint still holds through full_clean() (a row error, not a crash).
        self.roles = {
            role.title.lower(): _KnownRole(role, None)
            for role in Role.objects.filter(community=community)
        }
        self.members: dict[str, list[Person]] = {}
        for person in Person.objects.filter(memberships__community=community).select_related(
            "user"
        ):
            self.members.setdefault(person.user.email.lower(), []).append(person)

    def refuse(self, line: int, message: str) -> None:
        self.errors.append(RowError(line, message))

    def import_row(self, line: int, cells: dict[str, str]) -> None:
        known = self._role(line, cells)
        if known is not None:
            self._term(line, cells, known.role)

    def _role(self, line: int, cells: dict[str, str]) -> _KnownRole | None:
        """The row's role: found, or made if new. None if the row was refused."""
        title = cells["role"]
        if not title:
            self.refuse(line, _("role: the role's title is missing."))
            return None
        rules: dict[str, Any] = {}
        failed = False
        for column in _RULES:
            if cells[column]:
                try:
                    rules[column] = _RULE_PARSERS[column](column, cells[column])
                except _CellError as error:
                    self.refuse(line, str(error))
                    failed = True
        if failed:
            return None
        known = self.roles.get(title.lower())
        if known is None:
            return self._new_role(line, title, rules)
        for column, value in rules.items():
            current = getattr(known.role, column)
            if value == current:
                continue
            values = {
                "value": _rule_text(value),
                "column": column,
                "role": known.role.title,
                "current": _rule_shown(current),
                "first": known.created_on_line,
            }
            if known.created_on_line is None:
                message = _(
                    "The file says %(value)s for %(column)s but %(role)s has %(current)s in "
                    "Pathways: change the role first."
                )
            else:
                message = _(
                    "The file says %(value)s for %(column)s but line %(first)s gave %(current)s "
                    "for %(role)s."
                )
            self.refuse(line, message % values)
            failed = True
        return None if failed else known

    def _new_role(self, line: int, title: str, rules: dict[str, Any]) -> _KnownRole | None:
        if "term_months" not in rules:
            self.refuse(
                line,
                _("term_months is required for a new role: %(community)s has no role %(role)s yet.")
                % {"community": self.community.name, "role": title},
            )
            return None
        role = Role(community=self.community, title=title, **rules)
        try:
            role.full_clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                column = {"title": "role"}.get(field, field)
                for message in messages:
                    self.refuse(line, message if column == "__all__" else f"{column}: {message}")
            return None
        try:
            # Its own savepoint, so that a refused term on this row keeps the role for the rows
            # below (whose own errors are then the ones reported).
            with transaction.atomic():
                role.save()
        except IntegrityError:
            # Only a role added by someone else since full_clean() gets here.
            self.refuse(
                line,
                _("%(role)s was added to %(community)s in the meantime: upload the file again.")
                % {"role": title, "community": self.community.name},
            )
            return None
        known = _KnownRole(role, line)
        self.roles[title.lower()] = known
        self.roles_created += 1
        return known

    def _term(self, line: int, cells: dict[str, str], role: Role) -> None:
        email = cells["person_email"]
        if not email:
            given = [column for column in _PERSON if cells[column]]
            if given:
                self.refuse(
                    line,
                    _(
                        "%(columns)s given without a person_email: fill in whose term it is, or "
                        "empty those cells."
                    )
                    % {"columns": ", ".join(given)},
                )
            return
        errors: list[str] = []
        person = self._person(email, errors)
        seat: int | None = None
        days: dict[str, date] = {}
        for column in ("starts_on", "ends_on"):
            if not cells[column]:
                errors.append(_("%(column)s is required for a term.") % {"column": column})
        try:
            if cells["seat"]:
                seat = _whole("seat", cells["seat"], minimum=1)
        except _CellError as error:
            errors.append(str(error))
        for column in ("starts_on", "ends_on", "ended_on"):
            try:
                if cells[column]:
                    days[column] = _day(column, cells[column])
            except _CellError as error:
                errors.append(str(error))
        if errors or person is None:
            for message in errors:
                self.refuse(line, message)
            return
        ended_on = days.get("ended_on")
        try:
            # One savepoint for both: a term whose early end is refused is not kept either.
            with transaction.atomic():
                term = services.term_create(
                    role=role,
                    person=person,
                    starts_on=days["starts_on"],
                    ends_on=days["ends_on"],
                    seat=seat,
                )
                if ended_on is not None:
                    services.term_end_early(term=term, ended_on=ended_on)
        except PlanError as error:
            self.refuse(line, str(error))
            return
        self.terms_created += 1

    def _person(self, email: str, errors: list[str]) -> Person | None:
        found = self.members.get(email.lower(), [])
        if len(found) == 1:
            return found[0]
        values = {"community": self.community.name, "email": _shown(email)}
        if not found:
            # The same words whether or not someone outside the community has that email: an
            # organiser learns nothing about accounts beyond their own community.
            errors.append(_("No member of %(community)s has the email %(email)s.") % values)
        else:
            errors.append(
                _(
                    "Several members of %(community)s have the email %(email)s: Pathways "
                    "cannot tell whose term this is."
                )
                % values
            )
        return None
