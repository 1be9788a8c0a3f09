"""Printing items for people: the plain-text forms of `show`, `trace` and friends."""

from __future__ import annotations

from kb.model.entities import Item
from kb.render.i18n import is_zh, kind_name, label, role_name, term_name, value_text
from kb.render.wrap import fill


def target_line(t, registries=None) -> str:
    """A target by name: 全过程办电时间 [居民用户] ≤ 4个工作日 2021-12-31前."""
    parts = [term_name("metric", t.metric, registries=registries)]
    qual = [term_name(kind, x, registries=registries) for kind, x in (("customer", t.customer), ("area", t.area), ("stage", t.stage)) if x]
    if qual:
        parts.append("[" + ("、" if is_zh() else ", ").join(qual) + "]")
    cmp = {"<=": "≤", ">=": "≥"}.get(t.comparator, t.comparator) if is_zh() else t.comparator
    parts.append(f"{cmp} {value_text(t.value, t.unit)}")
    if t.by:
        parts.append(label("show.by", date=t.by.isoformat()))
    if t.from_:
        parts.append(label("show.from", date=t.from_.isoformat()))
    if t.alternative:
        a = t.alternative
        parts.append(f"{label('show.or')} {term_name('metric', a.metric, registries=registries)} {a.comparator} {value_text(a.value, a.unit)}")
    return " ".join(parts)


def deadline_line(dl) -> str:
    if dl.kind == "date":
        when = dl.date.isoformat() if not dl.start else f"{dl.start.isoformat()} .. {dl.date.isoformat()}"
    elif dl.kind == "ongoing":
        when = label("deadline.ongoing")
    else:
        on = dl.on if isinstance(dl.on, str) or dl.on is None else ", ".join(dl.on)
        every = label(f"every.{dl.every}") if not label(f"every.{dl.every}").startswith("every.") else dl.every
        when = label("show.every", every=every) + (label("show.on", on=on) if on else label("show.no_day"))
        if dl.first:
            when += label("show.first", date=dl.first.isoformat())
        if dl.until:
            when += label("show.until", date=dl.until.isoformat())
    extra = f" [{dl.scope}]" if dl.scope else ""
    return f"{when} ({dl.phrase}){extra}"


def show_text(item: Item, kb, width: int = 100) -> str:
    """One item for a person: its place, its verbatim text (wrapped by the Chinese rules), then
    deadlines, units, targets, what is absent, and its source quote."""
    units = kb.units
    regs = kb.registries
    colon = "：" if is_zh() else ": "
    head = fill(f"{item.id}  ({kind_name(item.kind)})", width, hang=2)
    path = " › ".join(item.section + ((item.heading,) if item.heading else ()))
    lines = [head]
    if path:
        lines.append(fill(path, width, hang=2))
    if item.category:
        lines.append(fill(f"{label('show.category')}{colon}{item.category}", width, hang=2))
    lines += ["", fill(item.text, width, hang=0), "", fill(f"{label('show.summary')}{colon}{item.summary}", width, hang=2)]
    if item.national:
        lines += ["", label("show.national") + colon, fill("\n".join(item.national), width, hang=0)]
    if item.standard:
        lines += ["", label("show.standard") + colon, fill("\n".join(item.standard), width, hang=0)]
    lines.append("")
    if item.deadlines:
        for dl in item.deadlines:
            lines.append(fill(f"{label('show.deadline')}{colon}{deadline_line(dl)}", width, hang=2))
            occ = dl.occurrences()
            if dl.kind == "recurring" and occ:
                shown = ", ".join(d.isoformat() for d in occ[:6])
                lines.append(fill(f"{label('show.occurrences')}{colon}{shown}{' …' if len(occ) > 6 else ''}", width, indent="  ", hang=2))
    else:
        lines.append(fill(f"{label('show.deadline')}{colon}{label('show.no_deadline')}", width, hang=2))
    for r in item.units:
        u = units.get(r.unit)
        name = (f"{u.zh}（{u.en}）" if is_zh() else f"{u.en} ({u.zh})") if u else r.unit
        written = f"  [{label('show.as_written')}{colon}{r.as_written}]" if u and r.as_written != u.zh else ""
        lines.append(fill(f"{label('show.unit')}{colon}{name} - {role_name(r.role)}{written}", width, hang=2))
    for t in item.targets:
        lines.append(fill(f"{label('show.target')}{colon}{target_line(t, regs)}", width, hang=2))
    for key, reason in item.absent:
        lines.append(fill(f"{label('show.absent')}{colon}{key}: {reason}", width, hang=2))
    if item.note:
        lines.append(fill(f"{label('show.note')}{colon}{item.note}", width, hang=2))
    pages = (("，" if is_zh() else ", ") + label("show.page", pages=", ".join(map(str, item.pages)))) if item.pages else ""
    lines += ["", fill(f"{label('show.source')}{colon}{item.source_file}{pages}", width, hang=2)]
    quote = "\n".join(item.quote) if item.quote else item.text
    lines += [fill("“" + q + "”", width, indent="  ", hang=1) for q in quote.split("\n")]
    return "\n".join(lines)
