"""Recurrences: one rule (an iCalendar RRULE) gives both the occurrences and the ICS export, and
a recurrence always ends."""

from __future__ import annotations

from datetime import date

import pytest

from kb.core.deadlines import recurrence_dates, rrule


@pytest.mark.parametrize(("every", "on", "first", "until", "expected"), [
    ("quarter", "end", date(2021, 6, 30), date(2022, 12, 31),
     ["2021-06-30", "2021-09-30", "2021-12-31", "2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31"]),
    ("half-year", "end", date(2021, 6, 30), date(2022, 12, 31), ["2021-06-30", "2021-12-31", "2022-06-30", "2022-12-31"]),
    ("year", "end", date(2020, 12, 31), date(2022, 12, 31), ["2020-12-31", "2021-12-31", "2022-12-31"]),
    ("year", ["07-15", "01-15"], date(2021, 7, 15), date(2023, 1, 15),
     ["2021-07-15", "2022-01-15", "2022-07-15", "2023-01-15"]),
    ("year", ["05-31", "11-30"], date(2021, 5, 31), date(2022, 12, 31), ["2021-05-31", "2021-11-30", "2022-05-31", "2022-11-30"]),
    ("year", ["05-15", "11-20"], date(2021, 5, 15), date(2022, 6, 1), ["2021-05-15", "2021-11-20", "2022-05-15"]),
    ("month", "end", date(2021, 1, 31), date(2021, 4, 30), ["2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30"]),
])
def test_occurrences_follow_the_rule(every, on, first, until, expected):
    assert [d.isoformat() for d in recurrence_dates(every, on, first, until)] == expected


def test_the_export_writes_the_rule_the_occurrences_come_from():
    assert rrule("quarter", "end") == "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1"
    assert rrule("year", ["07-15", "01-15"]) == "FREQ=YEARLY;BYMONTH=7,1;BYMONTHDAY=15"
    assert rrule("year", ["05-15", "11-20"]) is None  # two yearly rules: no single RRULE


def test_no_end_no_invented_duties():
    """Without `until` only the first occurrence is known (check reports the missing end)."""
    assert recurrence_dates("quarter", "end", date(2021, 6, 30)) == [date(2021, 6, 30)]
    assert recurrence_dates("quarter", None, date(2021, 6, 30), date(2022, 1, 1)) == []
