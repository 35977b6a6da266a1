"""Working-day and calendar-period arithmetic on real 2025/2026 arrangements, provisional years and overrides.

Expected 2026 values were checked by hand against the text of 《国务院办公厅关于2026年部分节假日安排的通知》
(2025-11-04, 新华社; politics.gmw.cn/2025-11/04/content_38391083.htm): 元旦 1/1-1/3 放假, 1/4(周日)上班;
春节 2/15-2/23 放假, 2/14(周六)、2/28(周六)上班; 劳动节 5/1-5/5 放假, 5/9(周六)上班; 国庆节 10/1-10/7 放假,
9/20(周日)、10/10(周六)上班. The 2025 values (国庆、中秋 10/1-10/8 放假, 9/28(周日)、10/11(周六)上班) are taken
from chinese-calendar 1.11's own data, not from the notice.
"""

from datetime import date

import pytest

from quancheng.rules.calendar import HOLIDAY, WORKDAY, DeadlineDate, WorkingCalendar, add_months

CALENDAR = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # 元旦
        (date(2026, 1, 4), True),  # 周日,元旦调休上班
        (date(2026, 2, 14), True),  # 周六,春节调休上班
        (date(2026, 2, 16), False),  # 春节(周一)
        (date(2026, 2, 23), False),  # 春节最后一天(周一)
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # 周六,春节调休上班
        (date(2026, 5, 9), True),  # 周六,劳动节调休上班
        (date(2026, 9, 20), True),  # 周日,国庆节调休上班
        (date(2026, 10, 7), False),  # 国庆节(周三)
        (date(2026, 10, 10), True),  # 周六,国庆节调休上班
        (date(2026, 10, 11), False),  # 普通周日
        (date(2025, 10, 8), False),  # 2025 国庆中秋(周三)
        (date(2025, 10, 11), True),  # 2025 周六调休上班
    ],
)
def test_is_working_day_follows_the_state_council_arrangement(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 行政处罚法第八十五条 / 行政强制法第六十九条: the start day is not counted; holidays are skipped.
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # 10/8, 10/9, 10/10(调休周六)
        (date(2026, 9, 30), 5, date(2026, 10, 13)),  # ... 10/11 周日休, 10/12, 10/13
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # 9/19 周六休, 9/20 周日上班
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # 周六调休上班
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # 春节 2/15-2/23
        (date(2026, 2, 13), 6, date(2026, 2, 28)),  # 2/14, 2/24-2/27, 2/28(调休周六)
        (date(2026, 2, 13), 7, date(2026, 3, 2)),  # 3/1 周日休
        (date(2025, 12, 31), 1, date(2026, 1, 4)),  # 元旦 1/1-1/3, 1/4 周日上班
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # 2025 国庆中秋 10/1-10/8
        (date(2025, 9, 26), 2, date(2025, 9, 29)),  # 9/28 周日上班, 9/29
    ],
)
def test_add_working_days_on_known_years(start: date, n: int, expected: date) -> None:
    assert CALENDAR.add_working_days(start, n) == DeadlineDate(expected, provisional=False)
    assert CALENDAR.working_days_between(start, expected).days == n


def test_working_days_between_counts_the_half_open_interval_and_is_signed() -> None:
    # given the 2026 National Day week: (9/30, 10/10] holds 10/8, 10/9 and the 调休 Saturday 10/10
    # when / then
    assert CALENDAR.working_days_between(date(2026, 9, 30), date(2026, 10, 10)).days == 3
    assert CALENDAR.working_days_between(date(2026, 10, 10), date(2026, 9, 30)).days == -3
    assert CALENDAR.working_days_between(date(2026, 10, 1), date(2026, 10, 1)).days == 0


def test_counting_back_returns_the_start() -> None:
    assert CALENDAR.add_working_days(date(2026, 10, 10), -3).date == date(2026, 9, 30)


@pytest.mark.parametrize(
    ("start", "months", "roll", "expected"),
    [
        (date(2026, 1, 31), 1, False, date(2026, 2, 28)),  # 民法典第二百零二条: no 2/31, so the month's last day
        (date(2026, 1, 31), 1, True, date(2026, 2, 28)),  # a 周六, but a 调休 working day: no roll
        (date(2028, 1, 31), 1, False, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), 1, True, date(2026, 9, 30)),
        (date(2026, 7, 1), 3, True, date(2026, 10, 8)),  # 10/1 is 国庆节: rolls past the holiday (第二百零三条)
        (date(2026, 7, 1), 3, False, date(2026, 10, 1)),
        (date(2026, 11, 30), 3, True, date(2027, 3, 1)),  # 2/28/2027 is a Sunday; 2027 unknown → provisional
        (date(2026, 6, 11), 4, True, date(2026, 10, 12)),  # 10/11 周日 → 周一
    ],
)
def test_add_calendar_months_clamps_and_rolls(start: date, months: int, roll: bool, expected: date) -> None:
    result = CALENDAR.add_calendar_months(start, months, roll_holiday=roll)
    assert result.date == expected
    assert result.provisional is (roll and not CALENDAR.known(expected.year))


def test_add_months_across_the_year_end() -> None:
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_add_calendar_days_rolls_a_final_holiday_to_the_next_working_day() -> None:
    # given a 10-day calendar period ending on 国庆节 2026-10-01
    # when
    rolled = CALENDAR.add_calendar_days(date(2026, 9, 21), 10)
    plain = CALENDAR.add_calendar_days(date(2026, 9, 21), 10, roll_holiday=False)
    # then
    assert rolled == DeadlineDate(date(2026, 10, 8), provisional=False)
    assert plain == DeadlineDate(date(2026, 10, 1), provisional=False)


def test_known_years() -> None:
    assert CALENDAR.known(2025) and CALENDAR.known(2026)
    assert not CALENDAR.known(2027)
    assert WorkingCalendar(overrides={date(2027, 10, 1): HOLIDAY}).known(2027)


def test_a_year_without_data_is_weekends_only_and_provisional() -> None:
    # given 2027, which chinese-calendar 1.11 does not know and no override covers
    # when
    result = CALENDAR.add_working_days(date(2027, 9, 30), 1)
    # then the weekend-only answer is given, never an exception, and it is marked provisional
    assert CALENDAR.is_working_day(date(2027, 10, 1))  # a Friday: a working day by weekends alone
    assert result == DeadlineDate(date(2027, 10, 1), provisional=True)
    assert CALENDAR.working_days_between(date(2027, 9, 30), date(2027, 10, 8)).provisional


def test_a_period_crossing_into_an_unknown_year_is_provisional() -> None:
    # 2026-12-31 is a Thursday; 2027-01-01 is in a year with no data.
    assert CALENDAR.add_working_days(date(2026, 12, 30), 2) == DeadlineDate(date(2027, 1, 1), provisional=True)
    assert CALENDAR.add_working_days(date(2026, 12, 30), 1) == DeadlineDate(date(2026, 12, 31), provisional=False)


def test_overrides_make_2027_non_provisional_and_shift_the_deadline() -> None:
    # given an (assumed) 2027 National Day arrangement entered as overrides
    overrides = {date(2027, 10, day): HOLIDAY for day in range(1, 8)} | {date(2027, 10, 9): WORKDAY}
    calendar = WorkingCalendar(overrides=overrides)
    # when
    result = calendar.add_working_days(date(2027, 9, 30), 2)
    # then 10/1-10/7 are skipped, 10/8 (Fri) and the 调休 Saturday 10/9 count
    assert result == DeadlineDate(date(2027, 10, 9), provisional=False)


def test_an_override_wins_over_the_builtin_data() -> None:
    # given 2026-10-10, a 调休 Saturday in chinese-calendar, overridden as a holiday
    calendar = WorkingCalendar(overrides={date(2026, 10, 10): HOLIDAY, date(2026, 10, 1): WORKDAY})
    # then
    assert not calendar.is_working_day(date(2026, 10, 10))
    assert calendar.is_working_day(date(2026, 10, 1))
    assert calendar.add_working_days(date(2026, 9, 30), 3).date == date(2026, 10, 9)  # 10/1, 10/8, 10/9
    assert calendar.add_working_days(date(2026, 9, 30), 4).date == date(2026, 10, 12)  # 10/10 now off, 10/11 周日


def test_without_builtin_data_every_year_is_unknown() -> None:
    calendar = WorkingCalendar(use_builtin=False)
    assert not calendar.known(2026)
    assert calendar.is_working_day(date(2026, 10, 1))  # a Thursday, by weekends alone
    assert calendar.add_working_days(date(2026, 9, 30), 1) == DeadlineDate(date(2026, 10, 1), provisional=True)


@pytest.mark.parametrize("bad", [0])
def test_a_period_of_zero_is_refused(bad: int) -> None:
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2026, 1, 5), bad)
    with pytest.raises(ValueError):
        CALENDAR.add_calendar_days(date(2026, 1, 5), bad)
    with pytest.raises(ValueError):
        CALENDAR.add_calendar_months(date(2026, 1, 5), bad)


def test_an_unknown_override_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(overrides={date(2027, 1, 1): "vacation"})
