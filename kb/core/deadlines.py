"""Deadline phrases and the dates they stand for.

The sources state deadlines as phrases (2020年底前, 2021年4月底前, 每季度末, 持续推进). The policy
files keep the phrase and the resolved date side by side; `kb.core.dates.resolve_phrase` (re-exported
here with `parse_iso` and `month_end`, where callers have always found them) resolves phrases so that
`check` can prove the two agree; this module expands recurring deadlines into dated occurrences so that
"what is due by 2021-12" includes each quarterly report that falls in the window.
"""

from __future__ import annotations

from datetime import date

from kb.core.dates import month_end, parse_iso, resolve_phrase  # noqa: F401 - re-exported: callers import them from here


def recurrence_dates(every: str, on, first: date | None, until: date | None = None) -> list[date]:
    """All occurrences of a recurrence from `first` to `until`, in order: the iCalendar rule of
    `rrule()` expanded by dateutil (the same rule the ICS export writes), starting at `first`.

    A duty ends: without `until` nothing is known beyond `first`, so only `first` is returned
    (`powerkb check` reports such a recurrence as a problem). Expanding to an arbitrary horizon
    would invent duties the sources never impose.
    """
    if on is None or first is None:
        return []
    if until is None:
        return [first]
    from datetime import datetime

    from dateutil.rrule import rrulestr

    rule = rrule(every, on)
    if rule is None:  # days no single RRULE names: one yearly rule each
        days = [on] if isinstance(on, str) else list(on)
        found = {d for mmdd in days for d in recurrence_dates("year", mmdd, first, until)}
        return sorted(d for d in found if d >= first)
    start = datetime(first.year, first.month, first.day)
    stop = datetime(until.year, until.month, until.day)
    return [d.date() for d in rrulestr(rule, dtstart=start).between(start, stop, inc=True)]


def rrule(every: str, on) -> str | None:
    """The iCalendar RRULE of a recurrence, for calendar exports."""
    if on is None:
        return None
    if on == "end":
        return {
            "year": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
            "half-year": "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=-1",
            "quarter": "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-1",
            "month": "FREQ=MONTHLY;BYMONTHDAY=-1",
        }[every]
    days = [on] if isinstance(on, str) else list(on)
    if every == "month":
        return f"FREQ=MONTHLY;BYMONTHDAY={int(days[0].split('-')[1])}"
    months = ",".join(str(int(d.split("-")[0])) for d in days)
    monthdays = sorted({int(d.split("-")[1]) for d in days})
    if len(monthdays) == 1:
        return f"FREQ=YEARLY;BYMONTH={months};BYMONTHDAY={monthdays[0]}"
    # different days in different months (05-31, 11-30): the last day of each month named
    if all(month_end(2001, int(d.split("-")[0])).day == int(d.split("-")[1]) for d in days):
        return f"FREQ=YEARLY;BYMONTH={months};BYMONTHDAY=-1"
    return None


_SENTENCE_END = "。；;！？!?\n"


def clause(text: str, phrase: str | None, scope: str | None = None) -> str:
    """The sentence of `text` that states a deadline: the one containing its phrase (else its
    scope), cut at 。；！？ or a line break. A title built from it says what is due on that date,
    where the item's opening words may speak of another date (「2021年底前……」 on 2020-12-31).
    Falls back to the scope, then to the text's first sentence."""
    flat = text or ""
    for needle in (phrase, scope):
        at = flat.find(needle) if needle else -1
        if at >= 0:
            start = max((flat.rfind(c, 0, at) for c in _SENTENCE_END), default=-1) + 1
            ends = [e for e in (flat.find(c, at + len(needle)) for c in _SENTENCE_END) if e >= 0]
            end = min(ends) + 1 if ends else len(flat)
            return flat[start:end].strip()
    if scope:
        return scope.strip()
    ends = [e for e in (flat.find(c) for c in _SENTENCE_END) if e >= 0]
    return flat[: min(ends) + 1 if ends else len(flat)].strip()
