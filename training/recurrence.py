"""Recurrence rules of session series (RFC 5545 RRULE) as pure functions: no ORM, no clock.

A series is a rule, a first date, a wall-clock start time and an IANA time zone. Occurrences are
computed on naive local wall-clock datetimes and only then localised (fold=0), which is RFC 5545
3.3.5: the wall-clock time stays the same across daylight-saving changes, a start inside the
spring-forward gap takes the offset before the gap (02:30 becomes 03:30 summer time), and an
ambiguous start in the fall-back hour is its first occurrence.

The rule as stored (`normalise`) names its parts in a canonical order, is always bounded (COUNT or
UNTIL; UNTIL in UTC, as RFC 5545 requires when DTSTART has a TZID) and starts on its own first
occurrence, so that a calendar application expanding DTSTART + RRULE finds exactly our rows.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as du
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# At most this many rows a series: three years of a daily series plus room, and a bound on the
# work one form submission can cause.
MAX_OCCURRENCES = 1200
MAX_INTERVAL = 52


class RuleError(ValueError):
    """A recurrence rule we cannot accept, with a message for the person who wrote it."""


class Frequency(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The order in which the stored rule names its parts (FREQ first, as RFC 5545 recommends).
PART_ORDER = (
    "FREQ",
    "INTERVAL",
    "BYMONTH",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "WKST",
    "COUNT",
    "UNTIL",
)
_DU_FREQ: dict[Frequency, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    Frequency.DAILY: du.DAILY,
    Frequency.WEEKLY: du.WEEKLY,
    Frequency.MONTHLY: du.MONTHLY,
    Frequency.YEARLY: du.YEARLY,
}
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(T(\d{6})(Z)?)?$")
# A session's end of a day, for an end date turned into UNTIL: the last second of the local day.
_END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WeekdayNum:
    """A BYDAY entry: a weekday (0 = Monday) and, in a month or a year, its ordinal (-1 = last)."""

    weekday: int
    n: int | None = None

    def __str__(self) -> str:
        return f"{self.n if self.n else ''}{DAY_CODES[self.weekday]}"


@dataclass(frozen=True)
class Rule:
    """A parsed RRULE value. `until` is a date (an end date), an aware UTC datetime, or a naive
    datetime (local wall-clock time in the series' zone, turned into UTC by `normalise`)."""

    freq: Frequency
    interval: int = 1
    by_month: tuple[int, ...] = ()
    by_month_day: tuple[int, ...] = ()
    by_day: tuple[WeekdayNum, ...] = ()
    by_set_pos: tuple[int, ...] = ()
    wkst: int | None = None
    count: int | None = None
    until: date | datetime | None = None

    @property
    def bounded(self) -> bool:
        return self.count is not None or self.until is not None

    def __str__(self) -> str:
        parts = {
            "FREQ": str(self.freq),
            "INTERVAL": str(self.interval) if self.interval != 1 else "",
            "BYMONTH": _ints(self.by_month),
            "BYMONTHDAY": _ints(self.by_month_day),
            "BYDAY": ",".join(str(day) for day in self.by_day),
            "BYSETPOS": _ints(self.by_set_pos),
            "WKST": DAY_CODES[self.wkst] if self.wkst is not None else "",
            "COUNT": str(self.count) if self.count is not None else "",
            "UNTIL": _format_until(self.until) if self.until is not None else "",
        }
        return ";".join(f"{name}={parts[name]}" for name in PART_ORDER if parts[name])


def _ints(values: Iterable[int]) -> str:
    return ",".join(str(value) for value in values)


def _format_until(until: date | datetime) -> str:
    if not isinstance(until, datetime):
        return until.strftime("%Y%m%d")
    if until.tzinfo is None:
        return until.strftime("%Y%m%dT%H%M%S")
    return until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# Parsing


def parse(value: "str | Rule") -> Rule:
    """The rule in `value` (an RRULE value, with or without "RRULE:"), checked; RuleError if not."""
    if isinstance(value, Rule):
        return value
    text = (value or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise RuleError(_("Enter a recurrence rule, for example FREQ=WEEKLY;BYDAY=TU."))
    parts: dict[str, str] = {}
    for chunk in text.strip(";").split(";"):
        name, sep, raw = chunk.partition("=")
        name, raw = name.strip().upper(), raw.strip().upper()
        if not sep or not name or not raw:
            raise RuleError(
                _(
                    "“%(part)s” is not a part of a recurrence rule: write NAME=VALUE, "
                    "like FREQ=WEEKLY."
                )
                % {"part": chunk}
            )
        if name in parts:
            raise RuleError(_("%(name)s appears twice in the rule.") % {"name": name})
        parts[name] = raw
    for name in parts:
        _check_part_allowed(name)
    if "FREQ" not in parts:
        raise RuleError(_("The rule needs a frequency (FREQ), for example FREQ=WEEKLY."))
    freq = _parse_freq(parts["FREQ"])
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError(
            _("A series ends either after a number of sessions or on a date, not both.")
        )
    rule = Rule(
        freq=freq,
        interval=_parse_int(parts.get("INTERVAL", "1"), "INTERVAL", 1, MAX_INTERVAL),
        by_month=_parse_list(parts.get("BYMONTH"), "BYMONTH", 1, 12, signed=False),
        by_month_day=_parse_list(parts.get("BYMONTHDAY"), "BYMONTHDAY", 1, 31, signed=True),
        by_day=_parse_by_day(parts.get("BYDAY"), freq),
        by_set_pos=_parse_list(parts.get("BYSETPOS"), "BYSETPOS", 1, 366, signed=True),
        wkst=_parse_weekday(parts["WKST"]) if "WKST" in parts else None,
        count=(
            _parse_int(parts["COUNT"], "COUNT", 1, MAX_OCCURRENCES) if "COUNT" in parts else None
        ),
        until=_parse_until(parts["UNTIL"]) if "UNTIL" in parts else None,
    )
    if rule.by_month_day and freq == Frequency.WEEKLY:
        raise RuleError(_("A weekly rule repeats on days of the week (BYDAY), not of the month."))
    if rule.by_set_pos and not (rule.by_day or rule.by_month_day or rule.by_month):
        raise RuleError(_("BYSETPOS picks among the days BYDAY or BYMONTHDAY give: add one."))
    return rule


def _check_part_allowed(name: str) -> None:
    if name in {"BYHOUR", "BYMINUTE", "BYSECOND"}:
        raise RuleError(
            _("The time of the sessions is their start time: remove %(name)s from the rule.")
            % {"name": name}
        )
    if name == "DTSTART":
        raise RuleError(_("The first date is chosen on its own: remove DTSTART from the rule."))
    if name not in PART_ORDER:
        raise RuleError(_("Rules with %(name)s are not supported here.") % {"name": name})


def _parse_freq(raw: str) -> Frequency:
    if raw in {"HOURLY", "MINUTELY", "SECONDLY"}:
        raise RuleError(_("Sessions repeat at most daily: use DAILY, WEEKLY, MONTHLY or YEARLY."))
    try:
        return Frequency(raw)
    except ValueError:
        raise RuleError(
            _("“%(value)s” is not a frequency: use DAILY, WEEKLY, MONTHLY or YEARLY.")
            % {"value": raw}
        ) from None


def _parse_int(raw: str, name: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high or not raw.lstrip("+").isdigit():
        raise RuleError(
            _("%(name)s must be a whole number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high}
        )
    return value


def _parse_list(
    raw: str | None, name: str, low: int, high: int, *, signed: bool
) -> tuple[int, ...]:
    if raw is None:
        return ()
    values = []
    for item in raw.split(","):
        try:
            value = int(item)
        except ValueError:
            value = 0
        if not (low <= abs(value) <= high and (signed or value > 0)):
            if signed:
                message = _("%(name)s takes numbers from %(low)s to %(high)s or -%(high)s to -1.")
            else:
                message = _("%(name)s takes numbers from %(low)s to %(high)s.")
            raise RuleError(message % {"name": name, "low": low, "high": high})
        values.append(value)
    return tuple(values)


def _parse_weekday(raw: str) -> int:
    if raw not in DAY_CODES:
        raise RuleError(
            _("“%(value)s” is not a day of the week: use MO, TU, WE, TH, FR, SA or SU.")
            % {"value": raw}
        )
    return DAY_CODES.index(raw)


def _parse_by_day(raw: str | None, freq: Frequency) -> tuple[WeekdayNum, ...]:
    if raw is None:
        return ()
    days = []
    for item in raw.split(","):
        match = _BYDAY.match(item.strip())
        if match is None:
            raise RuleError(
                _("“%(value)s” is not a day of the week: use MO, TU, ... or 1SA, -1FR in a month.")
                % {"value": item}
            )
        n = int(match.group(1)) if match.group(1) else None
        if n is not None:
            # RFC 5545: an ordinal only means something within a month or a year.
            if freq not in {Frequency.MONTHLY, Frequency.YEARLY}:
                raise RuleError(
                    _(
                        "“%(value)s”: a numbered weekday (the first Saturday, ...) needs a "
                        "monthly or yearly rule."
                    )
                    % {"value": item}
                )
            top = 5 if freq == Frequency.MONTHLY else 53
            if n == 0 or abs(n) > top:
                raise RuleError(
                    _(
                        "“%(value)s”: the number before the day goes from 1 to %(top)s, "
                        "or -1 for the last."
                    )
                    % {"value": item, "top": top}
                )
        days.append(WeekdayNum(DAY_CODES.index(match.group(2)), n))
    return tuple(days)


def _parse_until(raw: str) -> date | datetime:
    match = _UNTIL.match(raw)
    try:
        if match is None:
            raise ValueError
        day = datetime.strptime(match.group(1), "%Y%m%d").date()  # noqa: DTZ007 (a date)
        if not match.group(2):
            return day
        clock = datetime.strptime(match.group(3), "%H%M%S").time()  # noqa: DTZ007 (a time)
    except ValueError:
        raise RuleError(
            _("UNTIL must be a date like 20271231 or a time like 20271231T235959Z.")
        ) from None
    return datetime.combine(day, clock, tzinfo=UTC if match.group(4) else None)


# Expansion


def zone(time_zone: "str | ZoneInfo") -> ZoneInfo:
    """The IANA time zone named `time_zone`; RuleError for an unknown name."""
    if isinstance(time_zone, ZoneInfo):
        return time_zone
    try:
        return ZoneInfo(str(time_zone))
    # OSError: a name too long to be looked up as a file (ENAMETOOLONG) is no zone either.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RuleError(_("“%(zone)s” is not a time zone.") % {"zone": time_zone}) from None


def _too_far(day: date) -> RuleError:
    return RuleError(
        _(
            "%(day)s is too far off for a date of this calendar: end the series on the "
            "programme's last day or earlier."
        )
        % {"day": _day(day)}
    )


def localise(day: date, start: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `start` on `day` in `tz` (fold=0: RFC 5545 3.3.5);
    RuleError for a day so close to year 1 or 9999 that the instant has no year there."""
    try:
        return datetime.combine(day, start.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)
    except OverflowError:
        # 31 Dec 9999 in a zone west of UTC is in year 10000 in UTC, which Python cannot hold:
        # a typed or picked end date, refused with a message rather than a server error.
        raise _too_far(day) from None


def _until_instant(until: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(until, datetime):
        return localise(until, _END_OF_DAY, tz)
    if until.tzinfo is None:
        return localise(until.date(), until.time(), tz)
    return until.astimezone(UTC)


def _local_date(instant: datetime, tz: ZoneInfo) -> date:
    try:
        return instant.astimezone(tz).date()
    except OverflowError:
        # UNTIL=99991231T235959Z east of UTC: the local date would be in year 10000.
        raise _too_far(instant.date()) from None


def _to_dateutil(rule: Rule, dtstart: datetime, last_day: date) -> du.rrule:
    # Naive local wall-clock times (RFC 5545 3.3.5: the rule runs on local time). Neither UNTIL
    # nor COUNT is handed to dateutil: UNTIL is an instant, compared with each localised start,
    # and COUNT is counted by the caller, so that dateutil is always bounded by the last day and
    # a rule matching no day ends its search there.
    return du.rrule(
        _DU_FREQ[rule.freq],
        dtstart=dtstart,
        interval=rule.interval,
        wkst=rule.wkst,
        until=datetime.combine(last_day, time.max),
        bymonth=rule.by_month or None,
        bymonthday=rule.by_month_day or None,
        byweekday=[du.weekday(day.weekday, day.n) for day in rule.by_day] or None,
        bysetpos=rule.by_set_pos or None,
        cache=False,
    )


def _occurrences(
    rule: Rule, first_date: date, start_time: time, tz: ZoneInfo, last_day: date
) -> Iterator[tuple[date, datetime]]:
    """(local date, UTC start) of each occurrence up to `last_day` and UNTIL, exdates included."""
    until = _until_instant(rule.until, tz) if rule.until is not None else None
    dtstart = datetime.combine(first_date, start_time.replace(tzinfo=None))
    for index, local in enumerate(_to_dateutil(rule, dtstart, last_day)):
        if rule.count is not None and index >= rule.count:
            return
        instant = localise(local.date(), start_time, tz)
        # Starts keep one wall-clock time on distinct days, so instants grow with dates.
        if until is not None and instant > until:
            return
        yield local.date(), instant


def expand(
    *,
    rrule: "str | Rule",
    first_date: date,
    start_time: time,
    time_zone: "str | ZoneInfo",
    exdates: Iterable[date | str] = (),
    horizon_end: date,
    refuse_beyond_horizon: bool = False,
) -> list[datetime]:
    """The aware UTC starts of the series, in order, skipping `exdates` and never after
    `horizon_end` (a local date); RuleError for a rule giving nothing or too many starts, and,
    with `refuse_beyond_horizon`, for a bounded rule that still has starts after the horizon."""
    rule = parse(rrule)
    tz = zone(time_zone)
    skipped = {_as_date(day) for day in exdates}
    look_to = horizon_end
    if refuse_beyond_horizon and rule.bounded:
        # Past the horizon only to tell whether the rule still has a start there: far enough for
        # a 29 February rule (leap years can be eight years apart), and a bound on the search
        # for a rule that matches no day at all.
        look_to = horizon_end + timedelta(days=9 * 366)
    starts: list[datetime] = []
    beyond = False
    for day, instant in _occurrences(rule, first_date, start_time, tz, look_to):
        if day > horizon_end:
            beyond = True
            break
        if day in skipped:
            continue
        starts.append(instant)
        if len(starts) > MAX_OCCURRENCES:
            raise RuleError(
                _(
                    "This rule gives more than %(max)s sessions: end it earlier or repeat "
                    "less often."
                )
                % {"max": MAX_OCCURRENCES}
            )
    if beyond and refuse_beyond_horizon and rule.bounded:
        raise RuleError(
            _(
                "This series runs past the programme's last day (%(day)s): end it on that "
                "day or earlier."
            )
            % {"day": _day(horizon_end)}
        )
    if not starts:
        raise RuleError(
            _("This rule gives no session between %(first)s and %(last)s.")
            % {"first": _day(first_date), "last": _day(horizon_end)}
        )
    return starts


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _day(value: date) -> str:
    return date_format(value, "j M Y")


# The rule as stored


@dataclass(frozen=True)
class Normalised:
    rrule: str
    first_date: date


def normalise(
    *,
    rrule: "str | Rule",
    first_date: date,
    start_time: time,
    time_zone: "str | ZoneInfo",
    horizon_end: date,
) -> Normalised:
    """The rule as stored (canonical parts, implicit days made explicit, bounded, UNTIL in UTC)
    and its first occurrence on or after `first_date`; RuleError if it has none by the horizon."""
    rule = parse(rrule)
    tz = zone(time_zone)
    rule = _explicit_days(rule, first_date)
    if rule.until is not None:
        rule = replace(rule, until=_until_instant(rule.until, tz))
    elif rule.count is None:
        rule = replace(rule, until=_until_instant(horizon_end, tz))
    first = next(iter(_occurrences(rule, first_date, start_time, tz, horizon_end)), None)
    if first is None:
        raise RuleError(
            _("This rule gives no session between %(first)s and %(last)s.")
            % {"first": _day(first_date), "last": _day(horizon_end)}
        )
    return Normalised(rrule=str(rule), first_date=first[0])


def _explicit_days(rule: Rule, first_date: date) -> Rule:
    # Without BYDAY/BYMONTHDAY a rule repeats on DTSTART's weekday or day of the month; writing
    # it out keeps the series the same when a later edit starts a part of it on another date.
    if rule.by_day or rule.by_month_day:
        return rule
    if rule.freq == Frequency.WEEKLY:
        return replace(rule, by_day=(WeekdayNum(first_date.weekday()),))
    if rule.freq == Frequency.MONTHLY:
        return replace(rule, by_month_day=(first_date.day,))
    if rule.freq == Frequency.YEARLY:
        return replace(
            rule, by_month=rule.by_month or (first_date.month,), by_month_day=(first_date.day,)
        )
    return rule


def end_before(rrule: "str | Rule", instant: datetime) -> str:
    """The rule ending just before `instant` (UNTIL one second earlier, in UTC; COUNT dropped)."""
    rule = parse(rrule)
    return str(replace(rule, count=None, until=(instant - timedelta(seconds=1)).astimezone(UTC)))


def with_end(rrule: "str | Rule", *, count: int | None = None, end_date: date | None = None) -> str:
    """The rule with a new end: after `count` sessions or on `end_date` (local; see normalise)."""
    if count is not None and end_date is not None:
        raise RuleError(
            _("A series ends either after a number of sessions or on a date, not both.")
        )
    return str(replace(parse(rrule), count=count, until=end_date))


def end_date(rrule: "str | Rule", time_zone: "str | ZoneInfo") -> date | None:
    """The local date of the rule's UNTIL (for a form's initial value), None without UNTIL."""
    rule = parse(rrule)
    if rule.until is None:
        return None
    if not isinstance(rule.until, datetime):
        return rule.until
    tz = zone(time_zone)
    return _local_date(_until_instant(rule.until, tz), tz)


# For forms: a rule from simple choices


def build(
    *,
    frequency: Frequency | str,
    interval: int = 1,
    weekdays: Sequence[int] = (),
    week_of_month: int | None = None,
    month_day: int | None = None,
    count: int | None = None,
    end_date: date | None = None,
) -> str:
    """A rule from form choices: weekly on `weekdays` (0 = Monday), monthly on `month_day` or on
    the `week_of_month`-th (1..5, -1 = last) of `weekdays[0]`, every `interval` periods, ending
    after `count` sessions or on `end_date` (or, with neither, at the programme's horizon)."""
    freq = _parse_freq(str(frequency).upper())
    by_day: tuple[WeekdayNum, ...] = tuple(WeekdayNum(day) for day in sorted(set(weekdays)))
    if week_of_month is not None:
        if freq != Frequency.MONTHLY or len(by_day) != 1:
            raise RuleError(_("Choose one day of the week for a monthly “first Saturday” rule."))
        by_day = (WeekdayNum(by_day[0].weekday, week_of_month),)
    parts = [f"FREQ={freq}", f"INTERVAL={interval}"]
    if by_day:
        parts.append("BYDAY=" + ",".join(str(day) for day in by_day))
    if month_day is not None:
        parts.append(f"BYMONTHDAY={month_day}")
    if count is not None:
        parts.append(f"COUNT={count}")
    if end_date is not None:
        parts.append(f"UNTIL={end_date:%Y%m%d}")
    # Checked as any typed rule is: the same messages for the same mistakes.
    return str(parse(";".join(parts)))


# For people: a rule in words


def _ordinal(n: int) -> str:
    words = {
        1: _("first"),
        2: _("second"),
        3: _("third"),
        4: _("fourth"),
        5: _("fifth"),
        -1: _("last"),
        -2: _("second to last"),
    }
    return words.get(n, str(n))


def _period(rule: Rule) -> str:
    n = rule.interval
    if n == 1:
        return {
            Frequency.DAILY: _("Daily"),
            Frequency.WEEKLY: _("Weekly"),
            Frequency.MONTHLY: _("Monthly"),
            Frequency.YEARLY: _("Yearly"),
        }[rule.freq]
    forms = {
        Frequency.DAILY: ngettext("Every %(n)s day", "Every %(n)s days", n),
        Frequency.WEEKLY: ngettext("Every %(n)s week", "Every %(n)s weeks", n),
        Frequency.MONTHLY: ngettext("Every %(n)s month", "Every %(n)s months", n),
        Frequency.YEARLY: ngettext("Every %(n)s year", "Every %(n)s years", n),
    }
    return forms[rule.freq] % {"n": n}


def _weekday_words(day: WeekdayNum) -> str:
    name = str(WEEKDAYS[day.weekday])
    if day.n is None:
        return name
    return _("the %(ordinal)s %(day)s") % {"ordinal": _ordinal(day.n), "day": name}


def _month_day_words(value: int) -> str:
    if value == -1:
        return _("the last day")
    if value < 0:
        return _("day %(n)s from the end") % {"n": -value}
    return _("day %(n)s") % {"n": value}


def describe(rrule: "str | Rule", *, time_zone: "str | ZoneInfo" = "UTC") -> str:
    """The rule in words in the active language: "Weekly on Tuesday, until 31 Dec 2027"."""
    rule = parse(rrule)
    text = _period(rule)
    days = [_weekday_words(day) for day in rule.by_day]
    days += [_month_day_words(value) for value in rule.by_month_day]
    if days:
        listed = str(get_text_list(days, _("and")))
        if rule.by_set_pos:
            positions = str(get_text_list([_ordinal(n) for n in rule.by_set_pos], _("and")))
            listed = _("the %(positions)s of %(days)s") % {"positions": positions, "days": listed}
        text = _("%(period)s on %(days)s") % {"period": text, "days": listed}
    if rule.by_month:
        months = str(get_text_list([str(MONTHS[m]) for m in rule.by_month], _("and")))
        text = _("%(rule)s in %(months)s") % {"rule": text, "months": months}
    if rule.count is not None:
        text = ngettext("%(rule)s, %(n)s time", "%(rule)s, %(n)s times", rule.count) % {
            "rule": text,
            "n": rule.count,
        }
    elif rule.until is not None:
        last = end_date(rule, time_zone)
        assert last is not None
        text = _("%(rule)s, until %(day)s") % {"rule": text, "day": _day(last)}
    return text
