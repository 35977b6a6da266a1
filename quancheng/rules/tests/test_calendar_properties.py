"""Property tests (hypothesis) for the calendar arithmetic over 2024-2030: known years, 2027+ without data, and
2027 with overrides."""

from datetime import date, timedelta

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from quancheng.rules.calendar import HOLIDAY, WORKDAY, WorkingCalendar

FIRST_START = date(2024, 1, 1)
LAST_START = date(2030, 12, 31)
MAX_WORKING_DAYS = 30
MAX_MONTHS = 24

# A hypothetical 2027 National Day arrangement, to exercise the override path.
OVERRIDES_2027 = {date(2027, 10, day): HOLIDAY for day in range(1, 8)} | {
    date(2027, 9, 26): WORKDAY,
    date(2027, 10, 9): WORKDAY,
}
CALENDARS = st.sampled_from([WorkingCalendar(), WorkingCalendar(overrides=OVERRIDES_2027)])
STARTS = st.dates(min_value=FIRST_START, max_value=LAST_START)
PERIODS = st.integers(min_value=1, max_value=MAX_WORKING_DAYS)


def _years(first: date, last: date) -> range:
    return range(first.year, last.year + 1)


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=STARTS, n=PERIODS)
def test_add_working_days_lands_on_a_working_day_and_counts_back(calendar: WorkingCalendar, start: date, n: int):
    # when
    result = calendar.add_working_days(start, n)
    # then: never a non-working day, exactly n working days in (start, result]
    assert result.date > start
    assert calendar.is_working_day(result.date)
    assert calendar.working_days_between(start, result.date).days == n
    # provisional exactly when a day relied on lies in a year without data
    relied_on = _years(start + timedelta(days=1), result.date)
    assert result.provisional == any(not calendar.known(year) for year in relied_on)
    if calendar.is_working_day(start):
        assert calendar.add_working_days(result.date, -n).date == start


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, start=STARTS, months=st.integers(min_value=1, max_value=MAX_MONTHS))
def test_calendar_months_roll_off_rest_days(calendar: WorkingCalendar, start: date, months: int):
    # when
    plain = calendar.add_calendar_months(start, months, roll_holiday=False)
    rolled = calendar.add_calendar_months(start, months)
    # then: the rolled day is the first working day on or after the plain end (民法典第二百零三条)
    assert not plain.provisional
    assert calendar.is_working_day(rolled.date)
    assert rolled.date >= plain.date
    gap = (rolled.date - plain.date).days
    assert all(not calendar.is_working_day(plain.date + timedelta(days=offset)) for offset in range(gap))
    # and the plain end is the corresponding day, clamped to the month's end (第二百零二条)
    month_index = start.month - 1 + months
    assert (plain.date.year, plain.date.month) == (start.year + month_index // 12, month_index % 12 + 1)
    assert plain.date.day == start.day or (plain.date.day < start.day and (plain.date + timedelta(days=1)).day == 1)


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_builtin_years_agree_with_chinese_calendar(day: date):
    assert WorkingCalendar().is_working_day(day) == chinese_calendar.is_workday(day)
