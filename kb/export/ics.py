"""The iCalendar export: every deadline as an all-day event, so a calendar shows what is due.

* a dated deadline (2020年底前, a window's end) -> one all-day event on that date;
* a recurring one (每季度末, 每年7月15日前) -> one event whose DTSTART is the first occurrence and
  whose RRULE is the recurrence (`kb.core.deadlines.rrule`), with UNTIL where the source gives an end.
  Without an end the rule runs on (the query engine stops expanding at 2030; a calendar need not);
  a recurrence that no RRULE expresses is written as its dated occurrences (RDATE);
* ongoing obligations (持续推进), recurrences with no day (每年度) and items without a deadline have
  no date, so no event.

The UID (`<item id>#<n>@powerkb`, n = the deadline's place in the item) is stable across exports,
so re-importing updates events instead of duplicating them. DTSTAMP is the export time, or
SOURCE_DATE_EPOCH when set, for byte-identical reproducible exports.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from kb.core.deadlines import clause

PRODID = "-//powerkb//Getting Electricity deadlines//ZH"
SHORT = 40


def _stamp() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SHORT else flat[: SHORT - 1] + "…"


def summary_line(item, dl) -> str:
    """SUMMARY: the item id first (searchable in the calendar), then what is due: the deadline's
    own clause (the sentence with its phrase), not the item's first words, which may speak of
    another date (an event on 2020-12-31 titled 「2021年底前……」)."""
    return f"{item.id} {_short(clause(item.text, dl.phrase, dl.scope))}"


def description(item, dl) -> str:
    lines = [item.text, ""]
    units = "; ".join(f"{r.name or r.unit} ({r.role})" for r in item.units)
    if units:
        lines.append(f"责任单位 units: {units}")
    when = dl.phrase
    if dl.kind == "date":
        when += f" ({dl.date.isoformat()}"
        when += f", window from {dl.start.isoformat()})" if dl.start else ")"
    else:
        when += f" (every {dl.every}, first {dl.first.isoformat()}"
        when += f", until {dl.until.isoformat()})" if dl.until else ")"
    lines.append(f"完成时间 deadline: {when}")
    for key, name in (("scope", "范围 scope"), ("label", "label"), ("note", "note")):
        if getattr(dl, key):
            lines.append(f"{name}: {getattr(dl, key)}")
    lines += ["", item.summary, "", f"powerkb id: {item.id}; source: {item.source_file}"
              + (f", page {', '.join(map(str, item.pages))}" if item.pages else "")]
    return "\n".join(lines)


def events(items):
    """(uid, item, deadline) for every deadline that has a date, in item order."""
    for item in items:
        for n, dl in enumerate(item.deadlines):
            if dl.kind == "date" or (dl.kind == "recurring" and dl.first and dl.occurrences()):
                yield f"{item.id}#{n}@powerkb", item, dl


def build_calendar(base, items):
    from icalendar import Calendar, Event, vRecur

    from kb.core.deadlines import rrule

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "获得电力 deadlines (powerkb)")
    stamp = _stamp()
    for uid, item, dl in events(items):
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", stamp)
        ev.add("summary", summary_line(item, dl))
        first = dl.date if dl.kind == "date" else dl.first
        ev.add("dtstart", first)
        ev.add("dtend", first + timedelta(days=1))
        ev.add("transp", "TRANSPARENT")
        if dl.kind == "recurring":
            rule = rrule(dl.every, dl.on)
            if rule:
                if dl.until:
                    rule += f";UNTIL={dl.until.strftime('%Y%m%d')}"
                ev.add("rrule", vRecur.from_ical(rule))
            elif len(dl.occurrences()) > 1:
                ev.add("rdate", dl.occurrences()[1:])
        ev.add("description", description(item, dl))
        ev.add("categories", [item.doc, item.kind])
        ev.add("x-powerkb-id", item.id)
        cal.add_component(ev)
    return cal


def calendar_bytes(base, items) -> bytes:
    return build_calendar(base, items).to_ical()
