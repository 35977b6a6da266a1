"""Deadline arithmetic on the Chinese working-day calendar.

Two kinds of period exist in enforcement law:

- **Working-day periods.** 《行政处罚法》(2021) 第八十五条:"本法中'二日''三日''五日''七日'的规定是指工作日,
  不含法定节假日。" 《行政强制法》第六十九条:"本法中十日以内期限的规定是指工作日,不含法定节假日。"
  ``add_working_days`` counts them: the day of the start event is not counted, the period runs from the next
  working day, and it ends on a working day.
- **Calendar periods** (months, and days beyond those rules). 《民法典》第二百零一条: the day the period starts is not
  counted; 第二百零二条: a period in months ends on the corresponding day of the final month, or on that month's
  last day when it has no such day; 第二百零三条: "期间的最后一日是法定休假日的,以法定休假日结束的次日为期间的
  最后一日" (likewise 《民事诉讼法》第八十五条、《行政诉讼法》第一百零二条 read with it).
  ``add_calendar_days`` / ``add_calendar_months`` implement this, rolling a final rest day forward when
  ``roll_holiday`` is set.

Which days are working days: the built-in data of ``chinese-calendar`` (holidays and 调休 working weekends of
every year it knows), overridden day by day by ``CalendarDay`` rows. A year with neither is computed with
weekends only, and every result that relied on such a day is marked ``provisional`` — it never raises.

Everything here but ``WorkingCalendar.from_db`` is pure.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chinese_calendar import constants as _builtin

# Monday is 0; Saturday and Sunday (5 and 6) are the weekly rest days unless the arrangement says otherwise.
FIRST_WEEKEND_WEEKDAY = 5
MONTHS_PER_YEAR = 12
ONE_DAY = timedelta(days=1)

HOLIDAY = "holiday"
WORKDAY = "workday"
OVERRIDE_KINDS = frozenset({HOLIDAY, WORKDAY})


@dataclass(frozen=True)
class DeadlineDate:
    """A computed date; ``provisional`` when any day it relied on lies in a year with no calendar data."""

    date: date
    provisional: bool


@dataclass(frozen=True)
class WorkingDayCount:
    """A number of working days; ``provisional`` as for ``DeadlineDate``."""

    days: int
    provisional: bool


def _builtin_years() -> frozenset[int]:
    return frozenset(day.year for day in (*_builtin.holidays, *_builtin.workdays))


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days = built-in ``chinese-calendar`` data, overridden by ``overrides`` (date -> "holiday"/"workday").

    ``use_builtin=False`` ignores ``chinese-calendar`` entirely (tests of the override and weekend-only paths).
    """

    overrides: Mapping[date, str] = field(default_factory=dict)
    use_builtin: bool = True
    _known_years: frozenset[int] = field(init=False, repr=False, compare=False)
    # Results of period arithmetic (``rules.parameters.add_period``): the sweep asks the same dates for many cases.
    period_cache: dict[tuple[Any, ...], DeadlineDate] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        unknown = {kind for kind in self.overrides.values() if kind not in OVERRIDE_KINDS}
        if unknown:
            raise ValueError(f"unknown calendar day kind(s): {sorted(unknown)}")
        years = {day.year for day in self.overrides}
        if self.use_builtin:
            years |= _builtin_years()
        object.__setattr__(self, "overrides", dict(self.overrides))
        object.__setattr__(self, "_known_years", frozenset(years))

    @classmethod
    def from_db(cls, **kwargs: Any) -> WorkingCalendar:
        """The calendar in force: built-in data plus every ``CalendarDay`` row (rows win)."""
        from .models import CalendarDay

        overrides = dict(CalendarDay.objects.values_list("date", "kind"))
        return cls(overrides=overrides, **kwargs)

    # -- days ---------------------------------------------------------------------------------------------

    def known(self, year: int) -> bool:
        """Whether ``year`` has holiday data (built-in or at least one override row)."""
        return year in self._known_years

    def is_working_day(self, day: date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == WORKDAY
        if self.use_builtin:
            if day in _builtin.holidays:
                return False
            if day in _builtin.workdays:
                return True
        return day.weekday() < FIRST_WEEKEND_WEEKDAY

    def _provisional(self, days: Iterable[date]) -> bool:
        return any(not self.known(year) for year in {day.year for day in days})

    def next_working_day(self, day: date) -> DeadlineDate:
        """``day`` itself if it is a working day, else the first working day after it."""
        seen = [day]
        while not self.is_working_day(seen[-1]):
            seen.append(seen[-1] + ONE_DAY)
        return DeadlineDate(seen[-1], self._provisional(seen))

    # -- working-day periods (行政处罚法第八十五条, 行政强制法第六十九条) ------------------------------------

    def add_working_days(self, start: date, n: int) -> DeadlineDate:
        """The n-th working day after ``start`` (negative ``n``: the |n|-th working day before it).

        The start day is never counted (民法典第二百零一条), so a period of n working days that starts with an
        event on ``start`` ends on the returned day, which is always a working day.
        """
        if n == 0:
            raise ValueError("a working-day period has at least one day")
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        day = start
        seen: list[date] = []
        while remaining:
            day += step
            seen.append(day)
            if self.is_working_day(day):
                remaining -= 1
        return DeadlineDate(day, self._provisional(seen))

    def working_days_between(self, a: date, b: date) -> WorkingDayCount:
        """Working days in (a, b] — the inverse of ``add_working_days``; negative when ``b`` is before ``a``."""
        low, high, sign = (a, b, 1) if a <= b else (b, a, -1)
        span = [low + ONE_DAY * offset for offset in range(1, (high - low).days + 1)]
        count = sum(1 for day in span if self.is_working_day(day))
        return WorkingDayCount(sign * count, self._provisional(span))

    # -- calendar periods (民法典第二百零一条至第二百零三条) ------------------------------------------------

    def add_calendar_days(self, start: date, days: int, *, roll_holiday: bool = True) -> DeadlineDate:
        """``start`` + ``days`` calendar days; a final rest day rolls to the next working day if ``roll_holiday``."""
        if days < 1:
            raise ValueError("a calendar period has at least one day")
        return self._finish(start + timedelta(days=days), roll_holiday=roll_holiday)

    def add_calendar_months(self, start: date, months: int, *, roll_holiday: bool = True) -> DeadlineDate:
        """The corresponding day ``months`` months after ``start``, clamped to the month's end (民法典第二百零二条);
        a final rest day rolls to the next working day if ``roll_holiday`` (第二百零三条)."""
        if months < 1:
            raise ValueError("a period in months has at least one month")
        return self._finish(add_months(start, months), roll_holiday=roll_holiday)

    def _finish(self, end: date, *, roll_holiday: bool) -> DeadlineDate:
        if not roll_holiday:
            # Pure date arithmetic: no calendar data was relied on.
            return DeadlineDate(end, provisional=False)
        return self.next_working_day(end)


def add_months(start: date, months: int) -> date:
    """Month arithmetic clamping to the month's last day: Jan 31 + 1 month = Feb 28 (or 29)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // MONTHS_PER_YEAR
    month = month_index % MONTHS_PER_YEAR + 1
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last_day))
