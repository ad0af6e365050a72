"""Recurrence rules: parsing, expansion across daylight-saving changes, the stored form, words.

Expected instants are written out in UTC; where a rule is simple enough they are also computed
independently of dateutil (the local date stepped by hand, then localised with zoneinfo).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from training import recurrence
from training.recurrence import MAX_OCCURRENCES, RuleError, expand, normalise


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def weekly_by_hand(first: date, start: time, tz: str, weeks: int) -> list[datetime]:
    """The independent computation: add 7 days to the local date, then localise (fold=0)."""
    zone = ZoneInfo(tz)
    return [
        datetime.combine(first + timedelta(weeks=i), start, tzinfo=zone).astimezone(UTC)
        for i in range(weeks)
    ]


def tuesdays(tz: str, first: date, last: date) -> list[datetime]:
    return expand(
        rrule="FREQ=WEEKLY;BYDAY=TU",
        first_date=first,
        start_time=time(18, 0),
        time_zone=tz,
        horizon_end=last,
    )


# Daylight-saving changes


def test_a_weekly_series_in_berlin_keeps_its_wall_clock_time_across_the_march_change():
    # when: Tuesdays at 18:00 around Sunday 28 March 2027 (CET -> CEST)
    starts = tuesdays("Europe/Berlin", date(2027, 3, 16), date(2027, 4, 6))

    # then: 17:00 UTC before the change, 16:00 UTC after
    assert starts == [
        utc(2027, 3, 16, 17),
        utc(2027, 3, 23, 17),
        utc(2027, 3, 30, 16),
        utc(2027, 4, 6, 16),
    ]
    assert starts == weekly_by_hand(date(2027, 3, 16), time(18), "Europe/Berlin", 4)
    assert {s.astimezone(ZoneInfo("Europe/Berlin")).time() for s in starts} == {time(18)}


def test_a_weekly_series_in_berlin_keeps_its_wall_clock_time_across_the_october_change():
    starts = tuesdays("Europe/Berlin", date(2027, 10, 19), date(2027, 11, 9))

    # Sunday 31 October 2027: CEST -> CET
    assert starts == [
        utc(2027, 10, 19, 16),
        utc(2027, 10, 26, 16),
        utc(2027, 11, 2, 17),
        utc(2027, 11, 9, 17),
    ]
    assert starts == weekly_by_hand(date(2027, 10, 19), time(18), "Europe/Berlin", 4)


def test_a_weekly_series_in_los_angeles_follows_the_american_change_dates():
    # Sunday 14 March 2027 (PST -> PDT) and Sunday 7 November 2027 (PDT -> PST): 18:00 local
    # is 02:00 / 01:00 UTC on the next day.
    spring = tuesdays("America/Los_Angeles", date(2027, 3, 9), date(2027, 3, 16))
    autumn = tuesdays("America/Los_Angeles", date(2027, 11, 2), date(2027, 11, 9))

    assert spring == [utc(2027, 3, 10, 2), utc(2027, 3, 17, 1)]
    assert autumn == [utc(2027, 11, 3, 1), utc(2027, 11, 10, 2)]
    assert spring == weekly_by_hand(date(2027, 3, 9), time(18), "America/Los_Angeles", 2)
    assert autumn == weekly_by_hand(date(2027, 11, 2), time(18), "America/Los_Angeles", 2)


def test_a_weekly_series_in_tokyo_has_one_utc_time_all_year():
    starts = tuesdays("Asia/Tokyo", date(2027, 1, 5), date(2027, 12, 31))

    assert len(starts) == 52
    assert {s.time() for s in starts} == {time(9, 0)}
    assert starts == weekly_by_hand(date(2027, 1, 5), time(18), "Asia/Tokyo", 52)


def test_a_year_of_berlin_tuesdays_matches_the_independent_computation():
    starts = tuesdays("Europe/Berlin", date(2027, 1, 5), date(2027, 12, 28))

    assert starts == weekly_by_hand(date(2027, 1, 5), time(18), "Europe/Berlin", 52)
    assert {s.time() for s in starts} == {time(17), time(16)}


def test_a_start_inside_the_spring_gap_takes_the_offset_before_the_gap():
    # given: Sundays at 02:30 in Berlin; on 28 March 2027 02:30 does not exist
    starts = expand(
        rrule="FREQ=WEEKLY;BYDAY=SU",
        first_date=date(2027, 3, 21),
        start_time=time(2, 30),
        time_zone="Europe/Berlin",
        horizon_end=date(2027, 4, 4),
    )

    # then: 02:30 +01:00 on the day of the change, which is 03:30 summer time (RFC 5545 3.3.5)
    assert starts == [utc(2027, 3, 21, 1, 30), utc(2027, 3, 28, 1, 30), utc(2027, 4, 4, 0, 30)]
    assert starts[1].astimezone(ZoneInfo("Europe/Berlin")).time() == time(3, 30)


def test_a_start_inside_the_repeated_autumn_hour_is_its_first_occurrence():
    # given: Sundays at 02:30 in Berlin; on 31 October 2027 02:30 happens twice
    starts = expand(
        rrule="FREQ=WEEKLY;BYDAY=SU",
        first_date=date(2027, 10, 24),
        start_time=time(2, 30),
        time_zone="Europe/Berlin",
        horizon_end=date(2027, 11, 7),
    )

    # then: the first 02:30, still summer time (00:30 UTC), not the second (01:30 UTC)
    assert starts == [utc(2027, 10, 24, 0, 30), utc(2027, 10, 31, 0, 30), utc(2027, 11, 7, 1, 30)]


# Rules


def test_a_monthly_rule_on_the_first_saturday_gives_each_months_first_saturday():
    starts = expand(
        rrule="FREQ=MONTHLY;BYDAY=1SA;COUNT=4",
        first_date=date(2027, 1, 1),
        start_time=time(10),
        time_zone="Europe/Berlin",
        horizon_end=date(2028, 12, 31),
    )

    assert [s.date() for s in starts] == [
        date(2027, 1, 2),
        date(2027, 2, 6),
        date(2027, 3, 6),
        date(2027, 4, 3),
    ]
    # 10:00 CET, then 10:00 CEST from April
    assert [s.hour for s in starts] == [9, 9, 9, 8]


def test_a_monthly_rule_on_the_last_friday_counts_from_the_end_of_the_month():
    starts = expand(
        rrule="FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
        first_date=date(2027, 1, 1),
        start_time=time(10),
        time_zone="UTC",
        horizon_end=date(2028, 12, 31),
    )

    assert [s.date() for s in starts] == [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26)]


def test_skipped_dates_are_left_out_and_still_count_towards_count():
    starts = expand(
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=4",
        first_date=date(2027, 1, 5),
        start_time=time(18),
        time_zone="Europe/Berlin",
        exdates=["2027-01-12", date(2027, 1, 26)],
        horizon_end=date(2027, 12, 31),
    )

    # RFC 5545: EXDATE removes from the set COUNT made; it does not extend it.
    assert [s.date() for s in starts] == [date(2027, 1, 5), date(2027, 1, 19)]


def test_count_limits_the_number_of_sessions():
    starts = expand(
        rrule="FREQ=DAILY;COUNT=10",
        first_date=date(2027, 1, 1),
        start_time=time(9),
        time_zone="Asia/Tokyo",
        horizon_end=date(2028, 12, 31),
    )

    assert len(starts) == 10
    assert starts[-1] == utc(2027, 1, 10, 0)


def test_no_session_is_given_after_the_horizon():
    starts = tuesdays("Europe/Berlin", date(2027, 1, 5), date(2027, 1, 25))

    assert starts[-1] == utc(2027, 1, 19, 17)


def test_a_bounded_rule_running_past_the_horizon_is_refused_when_asked():
    with pytest.raises(RuleError, match="runs past the programme's last day"):
        expand(
            rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
            first_date=date(2027, 1, 5),
            start_time=time(18),
            time_zone="Europe/Berlin",
            horizon_end=date(2027, 1, 31),
            refuse_beyond_horizon=True,
        )


def test_a_bounded_rule_ending_by_the_horizon_is_accepted_when_past_runs_are_refused():
    starts = expand(
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=4",
        first_date=date(2027, 1, 5),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2027, 1, 26),
        refuse_beyond_horizon=True,
    )

    assert len(starts) == 4


def test_until_in_utc_is_an_instant_compared_with_each_start():
    # 17:00 UTC is 18:00 in Berlin: the start on 19 January is exactly UNTIL and included.
    starts = expand(
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270119T170000Z",
        first_date=date(2027, 1, 5),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2027, 12, 31),
    )
    earlier = expand(
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270119T165959Z",
        first_date=date(2027, 1, 5),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2027, 12, 31),
    )

    assert starts[-1] == utc(2027, 1, 19, 17)
    assert earlier[-1] == utc(2027, 1, 12, 17)


def test_a_yearly_rule_from_29_february_occurs_only_in_leap_years():
    stored = normalise(
        rrule="FREQ=YEARLY",
        first_date=date(2028, 2, 29),
        start_time=time(12),
        time_zone="UTC",
        horizon_end=date(2036, 12, 31),
    )
    starts = expand(
        rrule=stored.rrule,
        first_date=stored.first_date,
        start_time=time(12),
        time_zone="UTC",
        horizon_end=date(2036, 12, 31),
    )

    assert stored.rrule == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20361231T235959Z"
    assert [s.date() for s in starts] == [date(2028, 2, 29), date(2032, 2, 29), date(2036, 2, 29)]


def test_a_monthly_rule_on_the_31st_skips_the_short_months():
    starts = expand(
        rrule="FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4",
        first_date=date(2027, 1, 31),
        start_time=time(9),
        time_zone="UTC",
        horizon_end=date(2028, 12, 31),
    )

    assert [s.date() for s in starts] == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
    ]


def test_a_monthly_rule_on_29_february_is_29th_of_each_month_with_one():
    starts = expand(
        rrule="FREQ=MONTHLY;BYMONTHDAY=29;COUNT=3",
        first_date=date(2028, 1, 29),
        start_time=time(9),
        time_zone="UTC",
        horizon_end=date(2028, 12, 31),
    )

    assert [s.date() for s in starts] == [date(2028, 1, 29), date(2028, 2, 29), date(2028, 3, 29)]


def test_more_than_the_maximum_of_sessions_is_refused():
    # a daily series over four years: 1,461 sessions
    with pytest.raises(RuleError, match="more than 1200 sessions"):
        expand(
            rrule="FREQ=DAILY",
            first_date=date(2027, 1, 1),
            start_time=time(9),
            time_zone="UTC",
            horizon_end=date(2030, 12, 31),
        )


def test_exactly_the_maximum_of_sessions_is_accepted():
    starts = expand(
        rrule=f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}",
        first_date=date(2027, 1, 1),
        start_time=time(9),
        time_zone="UTC",
        horizon_end=date(2030, 12, 31),
    )

    assert len(starts) == MAX_OCCURRENCES


def test_a_rule_that_gives_no_session_is_refused():
    with pytest.raises(RuleError, match="gives no session"):
        expand(
            rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            first_date=date(2027, 1, 1),
            start_time=time(9),
            time_zone="UTC",
            horizon_end=date(2029, 12, 31),
        )


def test_a_rule_whose_every_date_is_skipped_is_refused():
    with pytest.raises(RuleError, match="gives no session"):
        expand(
            rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=1",
            first_date=date(2027, 1, 5),
            start_time=time(9),
            time_zone="UTC",
            exdates=["2027-01-05"],
            horizon_end=date(2029, 12, 31),
        )


# The stored form


def test_an_end_date_is_stored_as_until_in_utc_at_the_end_of_that_local_day():
    berlin = normalise(
        rrule="RRULE:BYDAY=TU;FREQ=WEEKLY;UNTIL=20271231",
        first_date=date(2027, 1, 5),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2028, 12, 31),
    )
    los_angeles = normalise(
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231",
        first_date=date(2027, 1, 5),
        start_time=time(18),
        time_zone="America/Los_Angeles",
        horizon_end=date(2028, 12, 31),
    )

    # canonical order (FREQ first), 23:59:59 local in UTC
    assert berlin.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T225959Z"
    assert los_angeles.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20280101T075959Z"


def test_a_local_until_time_is_stored_in_utc():
    stored = normalise(
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270701T120000",
        first_date=date(2027, 1, 5),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2028, 12, 31),
    )

    assert stored.rrule.endswith("UNTIL=20270701T100000Z")


@pytest.mark.parametrize(
    ("until", "time_zone"),
    [
        ("99991231", "America/Los_Angeles"),  # 23:59:59 there is in year 10000 in UTC
        ("99991231T235959", "America/New_York"),
    ],
)
def test_an_end_past_the_last_year_of_the_calendar_is_a_rule_error(until: str, time_zone: str):
    with pytest.raises(RuleError, match="31 Dec 9999 is too far off"):
        normalise(
            rrule=f"FREQ=WEEKLY;BYDAY=TU;UNTIL={until}",
            first_date=date(2027, 1, 5),
            start_time=time(18),
            time_zone=time_zone,
            horizon_end=date(2028, 12, 31),
        )


def test_the_local_end_date_of_a_far_off_utc_until_east_of_utc_is_a_rule_error():
    # 31 Dec 9999 23:59:59 UTC is 1 Jan 10000 in Tokyo
    with pytest.raises(RuleError, match="too far off"):
        recurrence.end_date("FREQ=WEEKLY;BYDAY=TU;UNTIL=99991231T235959Z", "Asia/Tokyo")
    assert recurrence.end_date("FREQ=WEEKLY;BYDAY=TU;UNTIL=99991231T235959Z", "UTC") == date(
        9999, 12, 31
    )


def test_the_first_day_of_the_calendar_east_of_utc_is_a_rule_error():
    with pytest.raises(RuleError, match="too far off"):
        recurrence.localise(date(1, 1, 1), time(8), ZoneInfo("Asia/Tokyo"))


def test_a_rule_without_an_end_is_stored_ending_at_the_horizon():
    stored = normalise(
        rrule="FREQ=WEEKLY;BYDAY=TU",
        first_date=date(2026, 1, 6),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2028, 12, 31),
    )

    assert stored.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20281231T225959Z"


def test_a_rule_with_count_keeps_its_count_and_gets_no_until():
    stored = normalise(
        rrule="FREQ=MONTHLY;COUNT=6;BYDAY=1SA",
        first_date=date(2027, 1, 1),
        start_time=time(10),
        time_zone="Europe/Berlin",
        horizon_end=date(2028, 12, 31),
    )

    assert stored.rrule == "FREQ=MONTHLY;BYDAY=1SA;COUNT=6"


def test_the_stored_first_date_is_the_rules_first_occurrence():
    # given: a Monday for a Tuesday rule
    stored = normalise(
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3",
        first_date=date(2027, 3, 22),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2028, 12, 31),
    )

    assert stored.first_date == date(2027, 3, 23)


def test_a_weekly_rule_without_days_is_stored_on_the_first_dates_weekday():
    stored = normalise(
        rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=3",
        first_date=date(2027, 3, 25),
        start_time=time(18),
        time_zone="Europe/Berlin",
        horizon_end=date(2028, 12, 31),
    )

    assert stored.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=3"


def test_ending_a_rule_before_an_instant_replaces_count_with_until_one_second_earlier():
    rule = recurrence.end_before("FREQ=WEEKLY;BYDAY=TU;COUNT=10", utc(2027, 3, 30, 16))

    assert rule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T155959Z"


def test_the_end_date_of_a_stored_rule_is_read_back_in_its_zone():
    assert recurrence.end_date(
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20280101T075959Z", "America/Los_Angeles"
    ) == date(2027, 12, 31)
    assert recurrence.end_date("FREQ=WEEKLY;COUNT=3", "UTC") is None


# Refusals


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter a recurrence rule"),
        ("garbage", "is not a part of a recurrence rule"),
        ("FREQ=WEEKLY;;BYDAY", "is not a part of a recurrence rule"),
        ("BYDAY=TU", "needs a frequency"),
        ("FREQ=HOURLY", "at most daily"),
        ("FREQ=MINUTELY", "at most daily"),
        ("FREQ=SECONDLY", "at most daily"),
        ("FREQ=FORTNIGHTLY", "is not a frequency"),
        ("FREQ=DAILY;BYHOUR=9", "remove BYHOUR"),
        ("FREQ=DAILY;BYMINUTE=30", "remove BYMINUTE"),
        ("FREQ=DAILY;BYSECOND=0", "remove BYSECOND"),
        ("FREQ=WEEKLY;BYWEEKNO=3", "BYWEEKNO are not supported"),
        ("DTSTART=20270101T090000;FREQ=DAILY", "remove DTSTART"),
        ("FREQ=WEEKLY;FREQ=DAILY", "FREQ appears twice"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20271231", "not both"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL must be a whole number from 1 to 52"),
        ("FREQ=WEEKLY;INTERVAL=53", "INTERVAL must be a whole number from 1 to 52"),
        ("FREQ=WEEKLY;INTERVAL=two", "INTERVAL must be a whole number"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT must be a whole number from 1 to 1200"),
        ("FREQ=WEEKLY;COUNT=1201", "COUNT must be a whole number from 1 to 1200"),
        ("FREQ=WEEKLY;BYDAY=TX", "is not a day of the week"),
        ("FREQ=WEEKLY;BYDAY=1TU", "needs a monthly or yearly rule"),
        ("FREQ=MONTHLY;BYDAY=6SA", "goes from 1 to 5"),
        ("FREQ=MONTHLY;BYDAY=0SA", "goes from 1 to 5"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY takes numbers"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY takes numbers"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH takes numbers from 1 to 12"),
        ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH takes numbers from 1 to 12"),
        ("FREQ=WEEKLY;BYMONTHDAY=3", "weekly rule repeats on days of the week"),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS picks among"),
        ("FREQ=WEEKLY;UNTIL=2027-12-31", "UNTIL must be a date"),
        ("FREQ=WEEKLY;UNTIL=20271332", "UNTIL must be a date"),
        ("FREQ=WEEKLY;WKST=XX", "is not a day of the week"),
    ],
)
def test_a_rule_we_cannot_accept_is_refused_with_a_clear_message(value: str, message: str):
    with pytest.raises(RuleError, match=message):
        recurrence.parse(value)


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(RuleError, match="is not a time zone"):
        tuesdays("Europe/Atlantis", date(2027, 1, 5), date(2027, 1, 31))


def test_rules_with_every_allowed_part_are_accepted_and_written_back_in_canonical_order():
    rule = recurrence.parse(
        "rrule:UNTIL=20271231T235959Z;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR;FREQ=MONTHLY;INTERVAL=2"
    )

    assert str(rule) == (
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20271231T235959Z"
    )


def test_the_last_weekday_of_the_month_comes_from_bysetpos():
    starts = expand(
        rrule="FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=2",
        first_date=date(2027, 1, 1),
        start_time=time(9),
        time_zone="UTC",
        horizon_end=date(2027, 12, 31),
    )

    # 31 January 2027 is a Sunday; 28 February a Sunday too
    assert [s.date() for s in starts] == [date(2027, 1, 29), date(2027, 2, 26)]


# For forms and people


def test_a_rule_is_built_from_form_choices():
    assert recurrence.build(frequency="weekly", weekdays=[3, 1]) == "FREQ=WEEKLY;BYDAY=TU,TH"
    assert (
        recurrence.build(frequency="weekly", interval=2, weekdays=[0], count=8)
        == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=8"
    )
    assert (
        recurrence.build(
            frequency="monthly", weekdays=[5], week_of_month=1, end_date=date(2027, 12, 31)
        )
        == "FREQ=MONTHLY;BYDAY=1SA;UNTIL=20271231"
    )
    assert recurrence.build(frequency="monthly", weekdays=[4], week_of_month=-1) == (
        "FREQ=MONTHLY;BYDAY=-1FR"
    )


def test_building_a_rule_with_both_a_count_and_an_end_date_is_refused():
    with pytest.raises(RuleError, match="not both"):
        recurrence.build(frequency="weekly", weekdays=[1], count=3, end_date=date(2027, 1, 1))


def test_building_a_numbered_weekday_rule_needs_one_weekday_in_a_monthly_rule():
    with pytest.raises(RuleError, match="Choose one day of the week"):
        recurrence.build(frequency="weekly", weekdays=[1], week_of_month=1)


def test_a_rule_is_described_in_words():
    with translation.override("en"):
        assert (
            recurrence.describe(
                "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T225959Z", time_zone="Europe/Berlin"
            )
            == "Weekly on Tuesday, until 31 Dec 2027"
        )
        assert (
            recurrence.describe("FREQ=MONTHLY;BYDAY=1SA;COUNT=6")
            == "Monthly on the first Saturday, 6 times"
        )
        assert (
            recurrence.describe("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=1")
            == "Every 2 weeks on Monday and Thursday, 1 time"
        )
        assert (
            recurrence.describe("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=3")
            == "Yearly on day 29 in February, 3 times"
        )
        assert recurrence.describe("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=2") == (
            "Monthly on the last day, 2 times"
        )


def test_a_rule_is_described_in_the_active_language():
    with translation.override("de"):
        text = recurrence.describe(
            "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T225959Z", time_zone="Europe/Berlin"
        )

    assert "Dienstag" in text
    assert "Dez" in text
