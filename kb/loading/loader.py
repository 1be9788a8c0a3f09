"""Reading the policy tree into model objects.

The loader validates the shape of every file against the versioned format (a JSON Schema with
closed objects, so a misspelt key is caught) and turns what is valid into dataclasses. Problems
are collected, not raised: one run reports every broken file as `file:line: message`.
"""

from __future__ import annotations

import json
import os
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from kb.core.deadlines import parse_iso
from kb.loading.yamlio import LineDict, YamlError, line_at, load_yaml, plain
from kb.model.entities import (
    Alternative,
    Deadline,
    Document,
    FormField,
    Item,
    Link,
    LostTarget,
    Party,
    Problem,
    Reading,
    Relation,
    Responsibility,
    Target,
    Term,
    Tree,
    Unit,
)

FORMAT = "powerkb/1"
_FILES: ContextVar[dict | None] = ContextVar("files", default=None)
"""The bytes of the tree's files as already read and hashed (`kb.loading.cache.Snapshot`)."""


def _yaml(path: Path):
    """Parse a file of the tree from the bytes that were hashed for the cache key, when given."""
    files, root = _FILES.get() or (None, None)
    data = None
    if files is not None:
        try:
            data = files.get(path.relative_to(root).as_posix())
        except ValueError:
            data = None
    return load_yaml(path, data)
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "policy-v1.json"


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@cache
def _validator(kind: str):
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return Draft202012Validator({"$defs": schema["$defs"], **schema["properties"][kind]})


def _close_key(unknown: str, allowed) -> str:
    from rapidfuzz import process

    match = process.extractOne(unknown, list(allowed), score_cutoff=60)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _describe(error) -> tuple[list, str]:
    """A schema error as (path, plain message), digging into oneOf/anyOf for the useful part."""
    from jsonschema.exceptions import best_match

    if error.context and error.validator in ("oneOf", "anyOf"):
        inner = best_match(error.context)
        # a deadline that is none of the three shapes: say so plainly
        if inner is not None and inner.validator not in ("not", "required"):
            return _describe(inner)
        if isinstance(error.instance, dict) and "phrase" in error.instance:
            return list(error.absolute_path), (
                "a deadline needs exactly one of 'date', 'ongoing: true' or 'every' + 'on'"
            )
    path = list(error.absolute_path)
    where = ".".join(str(p) for p in path) or "top level"
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {}).keys()
        extra = sorted(set(error.instance) - set(allowed))
        key = extra[0] if extra else "?"
        return path + [key], f"unknown key '{key}' in {where}{_close_key(str(key), allowed)}"
    if error.validator == "required":
        return path, f"{where}: {error.message}"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        near = _close_key(str(error.instance), map(str, error.validator_value))
        return path, f"{where}: {error.instance!r} is not one of: {allowed}{near}"
    if error.validator == "const" and path == ["format"]:
        return path, f"format must be '{FORMAT}' (got {error.instance!r})"
    if error.validator == "type" and isinstance(error.instance, (int, float)) and "string" in str(error.validator_value):
        return path, f"{where}: {error.instance!r} must be text; put it in quotes"
    if error.validator == "pattern":
        return path, f"{where}: {error.instance!r} does not have the expected form"
    return path, f"{where}: {error.message}"


def _validate(tree: Tree, path: Path, data, kind: str) -> bool:
    shown = display_path(path)
    if not isinstance(data, LineDict):
        tree.problems.append(Problem(shown, 1, "expected a mapping at the top of the file"))
        return False
    ok = True
    for error in sorted(_validator(kind).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where, message = _describe(error)
        tree.problems.append(Problem(shown, line_at(data, where), message))
        ok = False
    return ok


def _tuple(value) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _date(value):
    return parse_iso(value) if value else None


def party_from_dict(raw: dict) -> Party:
    """A deadline's subject or recipient, from YAML or from its exported JSON (same keys)."""
    return Party(raw["unit"], raw["as_written"], raw.get("basis") or "stated", raw.get("reason"), raw.get("note"))


def deadline_extras(raw: dict) -> dict:
    """The keys that say who, to whom and how surely: the same in YAML and in the JSON export."""
    return {
        "subjects": tuple(party_from_dict(p) for p in raw.get("subjects") or ()),
        "recipients": tuple(party_from_dict(p) for p in raw.get("recipients") or ()),
        "basis": raw.get("basis") or "stated", "reason": raw.get("reason"),
        "other_readings": tuple(Reading(parse_iso(r["date"]), r["reason"]) for r in raw.get("other_readings") or ()),
        "until_basis": raw.get("until_basis"), "until_reason": raw.get("until_reason"),
    }


def _deadline(raw: dict) -> Deadline:
    if "date" in raw:
        kind = "date"
    elif raw.get("ongoing"):
        kind = "ongoing"
    else:
        kind = "recurring"
    on = raw.get("on")
    return Deadline(
        kind=kind, phrase=raw["phrase"], date=_date(raw.get("date")), start=_date(raw.get("start")),
        every=raw.get("every"), on=tuple(on) if isinstance(on, list) else on,
        first=_date(raw.get("first")), until=_date(raw.get("until")), scope=raw.get("scope"),
        label=raw.get("label"), note=raw.get("note"), **deadline_extras(raw),
    )


def target_from_dict(raw: dict) -> Target:
    """A target from its YAML mapping or its exported JSON object (the keys are the same)."""
    alt = raw.get("alternative")
    return Target(
        metric=raw["metric"], comparator=raw["comparator"], value=raw["value"], unit=raw["unit"],
        quote=raw["quote"], customer=raw.get("customer"), area=raw.get("area"), stage=raw.get("stage"),
        from_=_date(raw.get("from")), by=_date(raw.get("by")), note=raw.get("note"),
        alternative=Alternative(**alt) if alt else None,
    )


def _responsibility(raw: dict, units: dict | None = None) -> Responsibility:
    unit = (units or {}).get(raw["unit"])
    return Responsibility(raw["unit"], raw["role"], raw["as_written"], raw.get("note"),
                          unit.zh if unit else None, unit.en if unit else None,
                          raw.get("written_role"), raw.get("column"))


def _build_item(doc: Document, raw: LineDict, shown: str, units: dict) -> Item:
    deadline = raw.get("deadline")
    deadlines = [deadline] if isinstance(deadline, dict) else (deadline or [])
    parent = raw.get("parent")
    return Item(
        id=f"{doc.id}:{raw['id']}", doc=doc.id, ref=raw["id"], kind=raw["kind"],
        pieces=_tuple(raw["text"]), summary=" ".join(raw["summary"].split()),
        source_file=doc.source_file, parent=f"{doc.id}:{parent}" if parent else None,
        section=_tuple(raw.get("section")), heading=raw.get("heading"), category=raw.get("category"),
        mark=raw.get("mark"), national=_tuple(raw.get("national")), standard=_tuple(raw.get("standard")),
        responsible=_tuple(raw.get("responsible")), cooperating=_tuple(raw.get("cooperating")),
        quote=_tuple(raw.get("quote")), pages=_tuple(raw.get("page")),
        units=tuple(_responsibility(u, units) for u in raw.get("units") or ()),
        deadlines=tuple(_deadline(d) for d in deadlines),
        targets=tuple(target_from_dict(t) for t in raw.get("targets") or ()),
        fields=tuple(FormField(**dict(f)) for f in raw.get("fields") or ()),
        absent=tuple((raw.get("absent") or {}).items()), note=raw.get("note"),
        lost_targets=tuple(LostTarget(**dict(x)) for x in raw.get("lost_targets") or ()),
        yaml_file=shown, yaml_line=raw.line,
    )


def _load_document(tree: Tree, path: Path) -> None:
    shown = display_path(path)
    data = _yaml(path).data
    if not _validate(tree, path, data, "document_file"):
        return
    d = data["document"]
    doc = Document(
        id=d["id"], title_zh=d["title"]["zh"], title_en=d["title"]["en"],
        title_derived=bool(d["title"].get("derived")), jurisdiction=d["jurisdiction"],
        source_file=d["source"], issuer=tuple(_responsibility(u) for u in d["issuer"]),
        number=d.get("number"), issued=d.get("issued"), printed=d.get("printed"),
        evidence=_tuple(d.get("evidence")), absent=tuple((d.get("absent") or {}).items()),
        note=d.get("note"), yaml_file=shown, level=d.get("level"),
        implements=tuple(Relation(**dict(r)) for r in (d.get("relations") or {}).get("implements") or ()),
        coverage=tuple((d.get("coverage") or {}).get("families") or ()),
    )
    if doc.id in tree.documents:
        tree.problems.append(Problem(shown, data.line_of("document"),
                                     f"document id '{doc.id}' is already defined in {tree.documents[doc.id].yaml_file}"))
        return
    tree.documents[doc.id] = doc
    tree.raw[f"document:{doc.id}"] = d
    _load_items(tree, doc, data, shown)


def _load_items(tree: Tree, doc: Document, data, shown: str) -> None:
    for index, raw in enumerate(data["items"]):
        try:
            item = _build_item(doc, raw, shown, tree.registries.units)
        except ValueError as exc:  # a date that matches the pattern but is not a real date
            tree.problems.append(Problem(shown, data["items"].line_of(index), f"{doc.id}:{raw['id']}: {exc}"))
            continue
        if item.id in tree.items:
            first = tree.items[item.id]
            tree.problems.append(Problem(shown, raw.line, f"duplicate id {item.id} (first defined at line {first.yaml_line})"))
            continue
        tree.items[item.id] = item
        tree.raw[item.id] = raw
        tree.files[item.id] = shown
    _inherit_units(tree, doc)


def _inherit_units(tree: Tree, doc: Document) -> None:
    """A year action (kind `action`) that omits `units` has its ledger row's units.

    The ledger prints the 责任单位 / 协同推进单位 cells once per row; repeating them under every
    year action invited copies that drift apart. Writing `units` on an action overrides.
    """
    from dataclasses import replace

    for item_id, raw in tree.raw.items():
        item = tree.items.get(item_id)
        if item is None or item.doc != doc.id or item.kind != "action" or "units" in raw:
            continue
        parent = tree.items.get(item.parent) if item.parent else None
        if parent is not None and parent.units:
            tree.items[item_id] = replace(item, units=parent.units)


def _terms(entries, extra_keys=()) -> dict[str, Term]:
    out = {}
    for e in entries or ():
        extra = tuple((k, plain(e[k])) for k in e if k not in ("id", "zh", "en", "aliases") and k in extra_keys)
        out[e["id"]] = Term(e["id"], e["zh"], e["en"], tuple(e.get("aliases") or ()), extra)
    return out


def _members(unit: dict, stated: bool) -> tuple:
    """Members per jurisdiction: a bare id is stated by a source; `{unit, basis: inferred, reason}` is not.

    Stated members come back as ids; inferred ones as (id, reason) pairs.
    """
    out = []
    for jurisdiction, members in (unit.get("members") or {}).items():
        if stated:
            picked = tuple(m for m in members if isinstance(m, str))
        else:
            picked = tuple((m["unit"], " ".join(m["reason"].split())) for m in members if not isinstance(m, str))
        if picked or (stated and not members):
            out.append((jurisdiction, picked))
    return tuple(out)


def _load_registry(tree: Tree, path: Path, kind: str) -> None:
    data = _yaml(path).data
    if not _validate(tree, path, data, kind):
        return
    reg = tree.registries
    tree.raw[path.name] = data
    if kind == "units_file":
        for u in data["units"]:
            reg.units[u["id"]] = Unit(
                id=u["id"], zh=u["zh"], en=u["en"], level=u["level"], kind=u["kind"],
                aliases=tuple(u.get("aliases") or ()), parent=u.get("parent"),
                collective=bool(u.get("collective")),
                members=_members(u, stated=True), inferred_members=_members(u, stated=False),
                basis=" ".join((u.get("basis") or "").split()) or None, note=u.get("note"),
            )
    elif kind == "metrics_file":
        reg.metrics = _terms(data["metrics"], ("unit", "better", "note"))
        reg.customers = _terms(data["customers"], ("family", "voltage_kv", "note"))
        reg.areas = _terms(data["areas"], ("city_class", "zone", "note"))
        reg.stages = _terms(data["stages"], ("note",))
        reg.measures = _terms(data["measures"])
    elif kind == "synonyms_file":
        reg.synonyms = tuple(tuple(g["forms"]) for g in data["synonyms"])
    elif kind == "places_file":
        reg.places = _terms(data["places"], ("level", "parent", "city_class", "in_sources", "note"))


def _load_links(tree: Tree, path: Path) -> None:
    data = _yaml(path).data
    if not _validate(tree, path, data, "links_file"):
        return
    tree.raw[path.name] = data
    for index, link in enumerate(data["links"]):
        tree.links.append(Link(link["from"], link["rel"], link["to"], link.get("note"), data["links"].line_of(index),
                               partial=bool(link.get("partial", False)), conflict=link.get("conflict")))
    for entry in data.get("no_counterpart") or ():
        reason = " ".join(entry["reason"].split())
        if entry.get("in"):
            tree.no_counterpart_in[(entry["id"], entry["in"])] = reason
        else:
            tree.no_counterpart[entry["id"]] = reason


def _load_errata(tree: Tree, path: Path) -> None:
    data = _yaml(path).data
    if not _validate(tree, path, data, "errata_file"):
        return
    tree.errata[f"sources/{data['file']}"] = plain(data)
    tree.raw[f"errata:sources/{data['file']}"] = data  # with lines, for check


def read_tree(root: Path, files: dict | None = None) -> Tree:
    """Read a policy directory. Never raises on bad content: see `tree.problems`.

    `files` (relative path -> bytes) are the bytes already read for the cache key: they are
    parsed instead of reading the files again, so the key is the hash of what was parsed."""
    token = _FILES.set((files, root) if files is not None else None)
    try:
        return _read_tree(root)
    finally:
        _FILES.reset(token)


def _document_files(tree: Tree, root: Path) -> list[Path]:
    """The document files; a `.yml` one or an empty documents/ is a problem, never silently
    nothing (a tree with no documents would be served as zero rows)."""
    folder = root / "documents"
    found = sorted(folder.glob("*.yaml"))
    for odd in sorted(folder.glob("*.yml")):
        tree.problems.append(Problem(display_path(odd), 1, f"document files end in .yaml: rename it to {odd.stem}.yaml"))
    if not found:
        tree.problems.append(Problem(display_path(folder), 1, "no document files (*.yaml) in documents/"))
    return found


def _read_tree(root: Path) -> Tree:
    tree = Tree(root=root)
    if not root.is_dir():
        tree.problems.append(Problem(display_path(root), 1, "no such policy directory"))
        return tree
    steps = [
        (root / "units.yaml", lambda p: _load_registry(tree, p, "units_file")),
        (root / "metrics.yaml", lambda p: _load_registry(tree, p, "metrics_file")),
        (root / "places.yaml", lambda p: _load_registry(tree, p, "places_file")),
        *[(p, lambda p: _load_document(tree, p)) for p in _document_files(tree, root)],
        (root / "links.yaml", lambda p: _load_links(tree, p)),
        *[(p, lambda p: _load_registry(tree, p, "synonyms_file")) for p in [root / "synonyms.yaml"] if p.exists()],
        *[(p, lambda p: _load_errata(tree, p)) for p in sorted((root / "sources").glob("*.errata.yaml"))],
    ]
    for path, step in steps:
        if not path.exists():
            tree.problems.append(Problem(display_path(path), 1, "file is missing"))
            continue
        try:
            step(path)
        except YamlError as exc:
            tree.problems.append(Problem(display_path(exc.path), exc.line, exc.message))
    return tree
