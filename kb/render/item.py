"""Printing items for people: the plain-text forms of `show`, `trace` and friends."""

from __future__ import annotations

from kb.model.entities import Item


def target_line(t, registries) -> str:
    parts = [t.metric]
    qual = [x for x in (t.customer, t.area, t.stage) if x]
    if qual:
        parts.append("[" + ", ".join(qual) + "]")
    value = f"{t.value:g}"
    parts.append(f"{t.comparator} {value} {t.unit}")
    if t.by:
        parts.append(f"by {t.by.isoformat()}")
    if t.from_:
        parts.append(f"from {t.from_.isoformat()}")
    if t.alternative:
        a = t.alternative
        parts.append(f"or {a.metric} {a.comparator} {a.value:g} {a.unit}")
    return " ".join(parts)


def deadline_line(dl) -> str:
    if dl.kind == "date":
        when = dl.date.isoformat() if not dl.start else f"{dl.start.isoformat()} .. {dl.date.isoformat()}"
    elif dl.kind == "ongoing":
        when = "ongoing"
    else:
        on = dl.on if isinstance(dl.on, str) or dl.on is None else ", ".join(dl.on)
        when = f"every {dl.every}" + (f" on {on}" if on else " (no day given)")
        if dl.first:
            when += f", first {dl.first.isoformat()}"
        if dl.until:
            when += f", until {dl.until.isoformat()}"
    extra = f" [{dl.scope}]" if dl.scope else ""
    return f"{when} ({dl.phrase}){extra}"


def readings_lines(dl) -> list[str]:
    """How a deadline's date is read: stated, or inferred with the reason, and every other
    reading the phrase allows (2021年8月前: by 08-31, or before August: by 07-31). Empty for a
    stated date with no other reading, so that plain deadlines print as before."""
    lines = []
    if dl.basis != "stated" or dl.reason:
        lines.append(f"  reading: {dl.basis}" + (f" - {dl.reason}" if dl.reason else ""))
    for other in dl.other_readings:
        lines.append(f"  other reading: {other.date.isoformat()} - {other.reason}")
    return lines


def show_text(item: Item, kb) -> str:
    units = kb.units
    head = f"{item.id}  ({item.kind})"
    path = " › ".join(item.section + ((item.heading,) if item.heading else ()))
    lines = [head]
    if path:
        lines.append(path)
    if item.category:
        lines.append(f"分类: {item.category}")
    lines += ["", item.text, "", f"Summary: {item.summary}"]
    if item.national:
        lines += ["", "National (1479) column:", "\n".join(item.national)]
    if item.standard:
        lines += ["", "Completion standard:", "\n".join(item.standard)]
    lines.append("")
    if item.deadlines:
        for dl in item.deadlines:
            lines.append(f"Deadline: {deadline_line(dl)}")
            lines += readings_lines(dl)
            occ = dl.occurrences()
            if dl.kind == "recurring" and occ:
                shown = ", ".join(d.isoformat() for d in occ[:6])
                lines.append(f"  occurrences: {shown}{' …' if len(occ) > 6 else ''}")
    else:
        lines.append("Deadline: none")
    for r in item.units:
        u = units.get(r.unit)
        name = f"{u.zh} ({u.en})" if u else r.unit
        lines.append(f"Unit: {name} - {r.role}" + (f"  [as written: {r.as_written}]" if u and r.as_written != u.zh else ""))
    for t in item.targets:
        lines.append(f"Target: {target_line(t, kb.registries)}")
    for key, reason in item.absent:
        lines.append(f"Absent: {key}: {reason}")
    if item.note:
        lines.append(f"Note: {item.note}")
    pages = f", page {', '.join(map(str, item.pages))}" if item.pages else ""
    lines += ["", f"Source: {item.source_file}{pages}"]
    quote = "\n".join(item.quote) if item.quote else item.text
    lines.append("  “" + quote.replace("\n", "”\n  “") + "”")
    return "\n".join(lines)
