"""Reading a JSON export (`powerkb export --format json`) back as a policy tree.

An export carries everything the model holds, so `kb.load("export.json")` and
`powerkb --policies export.json ...` work on it as on the YAML tree it came from, and exporting
it again gives the same JSON (the round trip is tested). The export's JSON shape is the public
one (`Item.to_dict()` and friends); this module is its inverse:

* multi-piece texts were joined with "\\n": they are split back (no piece contains a newline);
* `source.quote` repeats the text when the item has no quote of its own: equal means no quote;
* registry names of units are looked up again, as the YAML loader does.

What the YAML tree has and an export has not (YAML line numbers, errata, the source texts) is
not needed to load or query; `powerkb check` needs the YAML tree.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from kb.core.deadlines import parse_iso
from kb.loading.loader import deadline_extras, display_path, target_from_dict
from kb.model.entities import (
    Deadline,
    Document,
    FormField,
    Item,
    Link,
    LostTarget,
    Problem,
    Registries,
    Relation,
    Responsibility,
    Term,
    Tree,
    Unit,
)

SCHEMA = "powerkb-export/1"
TERM_KINDS = ("metrics", "customers", "areas", "stages", "measures")


def _date(value):
    return parse_iso(value) if value else None


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text is not None else ()


def _term(d: dict) -> Term:
    extra = tuple((k, v) for k, v in d.items() if k not in ("id", "zh", "en", "aliases"))
    return Term(d["id"], d["zh"], d["en"], tuple(d.get("aliases") or ()), extra)


def _unit(d: dict) -> Unit:
    return Unit(
        id=d["id"], zh=d["zh"], en=d["en"], level=d["level"], kind=d["kind"],
        aliases=tuple(d["aliases"]), parent=d["parent"], collective=d["collective"],
        members=tuple((j, tuple(m)) for j, m in d["members"].items()), basis=d["basis"], note=d["note"],
        inferred_members=tuple(
            (j, tuple((m["unit"], m["reason"]) for m in ms)) for j, ms in (d.get("inferred_members") or {}).items()
        ),
    )


def _responsibility(d: dict, units: dict | None) -> Responsibility:
    unit = (units or {}).get(d["id"])
    return Responsibility(d["id"], d["role"], d["as_written"], d.get("note"),
                          unit.zh if unit else None, unit.en if unit else None,
                          d.get("written_role"), d.get("column"))


def _deadline(d: dict) -> Deadline:
    on = d.get("on")
    return Deadline(
        kind=d["kind"], phrase=d["phrase"],
        date=_date(d["date"]) if d["kind"] == "date" else None,  # a recurrence's `date` is its first
        start=_date(d.get("start")), every=d.get("every"),
        on=tuple(on) if isinstance(on, list) else on, first=_date(d.get("first")),
        until=_date(d.get("until")), scope=d.get("scope"), label=d.get("label"), note=d.get("note"),
        **deadline_extras(d),
    )


def _item(d: dict, units: dict, shown: str) -> Item:
    source = d["source"]
    return Item(
        id=d["id"], doc=d["doc"], ref=d["ref"], kind=d["kind"], pieces=_split(d["text"]),
        summary=d["summary"], source_file=source["file"], parent=d["parent"],
        section=tuple(d["section"]), heading=d["heading"], category=d["category"], mark=d["mark"],
        national=_split(d["national"]), standard=_split(d["standard"]),
        responsible=_split(d["responsible"]), cooperating=_split(d["cooperating"]),
        quote=() if source["quote"] == d["text"] else _split(source["quote"]),
        pages=tuple(source["pages"]),
        units=tuple(_responsibility(u, units) for u in d["units"]),
        deadlines=tuple(_deadline(x) for x in d["deadlines"]),
        targets=tuple(target_from_dict(t) for t in d["targets"]),
        fields=tuple(FormField(**f) for f in d["fields"]),
        absent=tuple(d["absent"].items()), note=d["note"], yaml_file=shown, yaml_line=0,
        lost_targets=tuple(LostTarget(**x) for x in d.get("lost_targets") or ()),
    )


def _document(d: dict, shown: str) -> Document:
    return Document(
        id=d["id"], title_zh=d["title"]["zh"], title_en=d["title"]["en"],
        title_derived=bool(d["title"].get("derived")), jurisdiction=d["jurisdiction"],
        source_file=d["source"], issuer=tuple(_responsibility(r, None) for r in d["issuers"]),
        number=d["number"], issued=d["issued"], printed=d["printed"], evidence=tuple(d["evidence"]),
        absent=tuple(d["absent"].items()), note=d["note"], yaml_file=shown, level=d.get("level"),
        implements=tuple(Relation(**r) for r in (d.get("relations") or {}).get("implements") or ()),
        coverage=tuple((d.get("coverage") or {}).get("families") or ()),
    )


def _registries(data: dict) -> Registries:
    reg = Registries()
    reg.units = {u["id"]: _unit(u) for u in data["units"]}
    for kind in TERM_KINDS:
        setattr(reg, kind, {t["id"]: _term(t) for t in data["metrics"][kind]})
    reg.places = {t["id"]: _term(t) for t in data["places"]}
    reg.synonyms = tuple(tuple(g) for g in data.get("synonyms") or ())  # added in powerkb 0.1: optional
    return reg


def _where(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing key {exc}"
    return f"{type(exc).__name__}: {exc}"


def _schema_dir() -> Path:
    """docs/schema of a checkout, or its copy inside an installed wheel (kb/_data/docs/schema)."""
    here = Path(__file__).resolve().parents[1]
    inside = here / "_data" / "docs" / "schema"
    return inside if inside.is_dir() else here.parent / "docs" / "schema"


@lru_cache(maxsize=1)
def _export_validator():
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    names = ("item-v1.json", "export-v1.json")
    schemas = {name: json.loads((_schema_dir() / name).read_text(encoding="utf-8")) for name in names}
    # the schemas refer to each other by file name (relative $ref), so they resolve offline
    registry = Registry().with_resources([(name, Resource.from_contents(s)) for name, s in schemas.items()])
    return Draft202012Validator(schemas["export-v1.json"], registry=registry)


def schema_problems(data, shown: str, limit: int = 20) -> list[Problem]:
    """Where `data` breaks the published schema docs/schema/export-v1.json (a JSON export is
    validated before use: a number where a list belongs must be a message, not a crash)."""
    out = []
    for error in _export_validator().iter_errors(data):
        where = "/".join(map(str, error.absolute_path)) or "top level"
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        out.append(Problem(shown, 1, f"export-v1.json: {where}: {message}"))
        if len(out) >= limit:
            break
    return out


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _parse(path: Path, data: bytes | None, tree: Tree, shown: str):
    """The export's JSON object, or None (with the problem recorded) when it is not one."""
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8-sig")
        obj = json.loads(text, parse_constant=_reject_constant)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        tree.problems.append(Problem(shown, 1, f"not a readable JSON export: {exc}"))
        return None
    if not isinstance(obj, dict) or obj.get("schema") != SCHEMA:
        got = obj.get("schema") if isinstance(obj, dict) else type(obj).__name__
        tree.problems.append(Problem(shown, 1, f"not a powerkb JSON export (expected \"schema\": \"{SCHEMA}\", got {got!r})"))
        return None
    tree.problems += schema_problems(obj, shown)
    return None if tree.problems else obj


def _add_entries(tree: Tree, data: dict, shown: str) -> None:
    """Documents, then items (each of a known document), each id once."""
    for section, build in (("documents", lambda d: _document(d, shown)),
                           ("items", lambda d: _item(d, tree.registries.units, shown))):
        target = tree.documents if section == "documents" else tree.items
        for index, entry in enumerate(data.get(section) or ()):
            try:
                obj = build(entry)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                label = entry.get("id", index) if isinstance(entry, dict) else index
                tree.problems.append(Problem(shown, 1, f"{section}[{label}]: {_where(exc)}"))
                continue
            if obj.id in target:
                tree.problems.append(Problem(shown, 1, f"{section}: duplicate id {obj.id}"))
            elif section == "items" and obj.doc not in tree.documents:
                tree.problems.append(Problem(shown, 1, f"items[{obj.id}]: unknown document '{obj.doc}'"))
            else:
                target[obj.id] = obj


def _add_links(tree: Tree, data: dict, shown: str) -> None:
    try:
        tree.links = [Link(l["from"], l["rel"], l["to"], l.get("note"), partial=bool(l.get("partial", False)),
                           conflict=l.get("conflict")) for l in data.get("links") or ()]
        missing = data.get("no_counterpart") or ()
        tree.no_counterpart = {e["id"]: e["reason"] for e in missing if not e.get("in")}
        tree.no_counterpart_in = {(e["id"], e["in"]): e["reason"] for e in missing if e.get("in")}
    except (KeyError, TypeError) as exc:
        tree.problems.append(Problem(shown, 1, f"links: {_where(exc)}"))


def read_export(path: Path, data: bytes | None = None) -> Tree:
    """Read a JSON export as a policy tree (from `data`, its bytes as already read, when given).
    Never raises on bad content: see `tree.problems`."""
    tree = Tree(root=path)
    shown = display_path(path)
    obj = _parse(path, data, tree, shown)
    if obj is None:
        return tree
    try:
        tree.registries = _registries(obj)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        tree.problems.append(Problem(shown, 1, f"registries: {_where(exc)}"))
        return tree
    _add_entries(tree, obj, shown)
    _add_links(tree, obj, shown)
    return tree
