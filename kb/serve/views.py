"""What each web page shows, made from the engine's own answers (inside `Engine.call`, since a
result row reads its item from the store when it is used). Plain dicts for the templates; the
JSON API does not use this module: its bodies are the CLI's JSON."""

from __future__ import annotations

from collections import OrderedDict


def _due_text(d: dict) -> str:
    kind = d.get("due_kind") or d.get("deadline_kind")
    return d.get("due") or (kind if kind in ("ongoing", "recurring") else "—")


def row_view(d: dict, terms: list[str]) -> dict:
    from kb.render.rows import excerpt, unit_names

    phrase = d.get("due_phrase") or d.get("deadline_phrase")
    # an obligation row links to the item that states it (its `item`); an item row to itself
    return {"id": d["id"], "link": d.get("item") or d["id"], "doc": d["doc"], "kind": d["kind"], "due": _due_text(d),
            "phrase": phrase if phrase and phrase != d.get("due") else None,
            "overdue": d.get("overdue", False), "units": unit_names(d, limit=3),
            "text": excerpt(d["text"], terms, 140), "summary": d.get("summary") or "", "terms": terms}


def query_view(engine, q: str, as_of) -> dict:
    """The result of a query as the page shows it: rows, a count, groups or a diff."""
    result = engine.query(q, as_of)
    view = {"kind": result.kind, "query": q}
    if result.kind == "rows":
        view["rows"] = [row_view(r.to_dict(), result.terms) for r in result.rows]
    elif result.kind == "count":
        view["count"] = result.count
    elif result.kind == "groups":
        view["group_by"] = result.group_by
        view["groups"] = [{"key": k, "label": result.labels.get(k, ""), "count": n} for k, n in result.groups]
    elif result.kind == "diff":
        view["diff"] = diff_view(result.diff, None)
    else:  # a kind of answer this page does not know yet: shown as the CLI's JSON
        from kb.render.registry import render

        view["json"] = render(result, "json")
    return view


def _brief(base, item_id: str) -> dict:
    item = base.items.get(item_id)
    if item is None:
        return {"id": item_id, "text": "", "summary": ""}
    return {"id": item_id, "text": item.text[:120] + ("…" if len(item.text) > 120 else ""), "summary": item.summary}


def item_view(engine, item_id: str) -> dict:
    """One item with its trace both ways, its parent and its children (restatements, year actions)."""
    base = engine.base
    data = base.item(item_id).to_dict()
    trace = engine.trace(item_id).to_dict()
    return {"item": data, "up": trace["up"], "down": trace["down"],
            "parent": _brief(base, data["parent"]) if data.get("parent") else None,
            "children": [_brief(base, c) for c in base.children.get(item_id, [])],
            "doc_title": _doc_title(base, data["doc"])}


def _doc_title(base, doc_id: str) -> dict:
    doc = base.documents.get(doc_id)
    return {"zh": doc.title_zh, "en": doc.title_en or doc.title_zh} if doc else {"zh": doc_id, "en": doc_id}


def diff_view(result, verdicts: list[str] | None) -> dict:
    """A diff as `to_dict` gives it, its targets narrowed to the chosen verdicts (none: all)."""
    data = result.to_dict()
    chosen = [v for v in (verdicts or []) if v]
    targets = [t for t in data["targets"] if not chosen or t["verdict"] in chosen]
    return {**data, "shown_targets": targets, "chosen": chosen}


def quoted(value: str) -> str | None:
    """A value as a quoted string of the query language, or None if it holds every quote mark."""
    for left, right in (('"', '"'), ("'", "'"), ("“", "”")):
        if left not in value and right not in value:
            return f"{left}{value}{right}"
    return None


def calendar_query(unit: str | None, upcoming: bool) -> str:
    from kb.core.errors import UsageError

    text = "due dated"
    if unit:
        q = quoted(unit)
        if q is None:
            raise UsageError("a unit name cannot contain every kind of quote mark")
        text += f" and unit = {q}"
    if upcoming:
        text += " and due upcoming"
    return text


def calendar_view(engine, unit: str | None, upcoming: bool, as_of) -> dict:
    """Dated deadline occurrences by month, through the query language (so a unit matches as in
    a query: its names, aliases and the collectives it belongs to)."""
    q = calendar_query(unit, upcoming)
    result = engine.query(q, as_of, items=True)  # every stated deadline of every item, as the TUI's timeline
    months: OrderedDict[str, list] = OrderedDict()
    for r in result.rows:
        d = r.to_dict()
        months.setdefault((d["due"] or "")[:7], []).append(row_view(d, []))
    units = sorted({u.zh for u in engine.base.units.values()})
    return {"query": q, "months": list(months.items()), "units": units, "total": len(result.rows)}


def coverage_view(engine) -> dict:
    items = engine.base.items
    rows = [r.to_dict() for r in engine.coverage()]
    for r in rows:  # the page shows the measure's own (Chinese) words beside the English summary
        text = items[r["id"]].text if r["id"] in items else ""
        r["_text"] = text[:160] + ("…" if len(text) > 160 else "")
    return {"rows": rows, "covered": sum(1 for r in rows if r["covered"]), "total": len(rows)}


def documents(engine) -> list[dict]:
    return [{"id": d.id, "title": d.title_zh, "level": d.level} for d in engine.base.documents.values()]
