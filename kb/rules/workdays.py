"""Working days (工作日) on the PRC official holiday calendar, 调休 included.

Time limits in the sources are in 工作日. A working day is what the State Council's holiday
notice makes it: Monday to Friday unless a public holiday, plus the weekend days declared
working days in exchange (调休, e.g. Sunday 2021-02-07 and Saturday 2021-02-20 around the 2021
Spring Festival). The `chinesecalendar` package (import `chinese_calendar`) carries those notices
year by year; a date outside the years it covers is an error, never a guess, because a wrong
guess (a Saturday that was a 调休 working day) changes a verdict.

Counting follows the usual rule for periods in days (民法典 第二百零一条: the day the period starts
is not counted; it runs from the next day): the working days of a period from `start` to `end`
are those d with start < d <= end. A stage finished on the day it started took 0 working days;
an application made on Friday and connected on Monday took 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

SHOWN = 10
"""Periods of up to this many working days list every counted date in explanations."""


class CalendarRangeError(ValueError):
    """A date the holiday calendar has no data for."""


@lru_cache(maxsize=1)
def calendar_range() -> tuple[date, date]:
    """The first and last day the installed holiday calendar covers (whole years)."""
    import chinese_calendar as cc

    years = [d.year for d in cc.holidays] + [d.year for d in cc.workdays]
    return date(min(years), 1, 1), date(max(years), 12, 31)


def check_range(d: date) -> None:
    lo, hi = calendar_range()
    if not lo <= d <= hi:
        raise CalendarRangeError(
            f"date outside the holiday calendar's range: {d.isoformat()} "
            f"(chinesecalendar covers {lo.isoformat()} to {hi.isoformat()})")


@lru_cache(maxsize=8192)
def day_info(d: date) -> tuple[bool, str | None]:
    """(is a working day, the holiday's name or None) for one date."""
    import chinese_calendar as cc

    check_range(d)
    try:
        working = cc.is_workday(d)
        _, name = cc.get_holiday_detail(d)
    except NotImplementedError as exc:  # the package's own "no data for year" error
        raise CalendarRangeError(f"date outside the holiday calendar's range: {d.isoformat()} ({exc})") from None
    return working, name


def is_workday(d: date) -> bool:
    return day_info(d)[0]


@dataclass(frozen=True)
class WorkdayCount:
    """The working days after `start` up to and including `end`, with what was skipped and why."""

    start: date
    end: date
    days: tuple[date, ...]  # the working days counted
    skipped: tuple[tuple[date, str], ...]  # non-working days in the period: (date, why)
    makeup: tuple[tuple[date, str], ...]  # weekend days counted because they were 调休 working days

    @property
    def count(self) -> int:
        return len(self.days)

    def to_dict(self) -> dict:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "workdays": self.count,
            "counted": [d.isoformat() for d in self.days],
            "skipped": [{"date": d.isoformat(), "why": why} for d, why in self.skipped],
            "makeup_workdays": [{"date": d.isoformat(), "why": why} for d, why in self.makeup],
        }

    def describe(self) -> str:
        """One line a person can check against a calendar."""
        text = f"{self.count} working day{'s' if self.count != 1 else ''} after {self.start.isoformat()} up to {self.end.isoformat()}"
        if self.days:
            if self.count <= SHOWN:
                text += " (" + ", ".join(d.isoformat() for d in self.days) + ")"
            else:
                text += f" (first {self.days[0].isoformat()}, last {self.days[-1].isoformat()})"
        holidays = [f"{d.isoformat()} {why}" for d, why in self.skipped if why != "weekend"]
        weekends = sum(1 for _, why in self.skipped if why == "weekend")
        if holidays:
            text += "; holidays skipped: " + ", ".join(holidays)
        if weekends:
            text += f"; {weekends} weekend day{'s' if weekends != 1 else ''} skipped"
        if self.makeup:
            text += "; 调休 working weekend days counted: " + ", ".join(f"{d.isoformat()} ({why})" for d, why in self.makeup)
        return text


def _why_not(d: date, name: str | None) -> str:
    if name:
        return f"{name} holiday"
    return "weekend" if d.weekday() >= 5 else "holiday"


def count_workdays(start: date, end: date) -> WorkdayCount:
    """Working days d with start < d <= end. Raises CalendarRangeError for uncovered dates and
    ValueError when `end` is before `start`."""
    if end < start:
        raise ValueError(f"{end.isoformat()} is before {start.isoformat()}")
    check_range(start)
    check_range(end)
    days, skipped, makeup = [], [], []
    d = start + timedelta(days=1)
    while d <= end:
        working, name = day_info(d)
        if working:
            days.append(d)
            if d.weekday() >= 5:
                makeup.append((d, f"{name} 调休" if name else "调休"))
        else:
            skipped.append((d, _why_not(d, name)))
        d += timedelta(days=1)
    return WorkdayCount(start, end, tuple(days), tuple(skipped), tuple(makeup))


def add_workdays(start: date, n: int) -> date:
    """The date on which a period of `n` working days from `start` ends (start itself not counted)."""
    d, left = start, n
    while left > 0:
        d += timedelta(days=1)
        if is_workday(d):
            left -= 1
    check_range(d)
    return d
