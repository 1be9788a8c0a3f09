"""`powerkb check`: everything that must hold for the encoding to be trusted.

The loader has already checked each file's shape. Here we check meaning: every quote occurs in
its source, every reference resolves, dates agree with the phrases they came from, targets agree
with their metrics, the cleaned sources invent nothing, and no sentence of a source is left
unencoded. Each finding is a `Problem`, printed as `file:line: message`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from kb.core.deadlines import parse_iso, resolve_phrase
from kb.loading.loader import display_path
from kb.loading.sources import SourceText, apply_errata, invented_characters, squash
from kb.loading.yamlio import line_at
from kb.model.entities import Item, Problem, Tree, id_family

_CJK = re.compile(r"[\u3400-\u9fff]")
_BEFORE_MONTH = re.compile(r"\d+月前")
_QUOTED = re.compile(r"「([^」]+)」")
ROLE_OF_WORD = {"牵头": "lead", "负责": "lead", "配合": "cooperate", "协同": "cooperate"}
"""`role` is the public reading of the source's word: lead-or-responsible vs cooperate."""
"""N月前 (not N月底前): by the end of month N, or before month N begins."""
_CN_DIGITS = {0: "零", 1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}

STRUCTURE_CELLS = {"序号", "指标序号"}
"""Cells whose content is the row number, which the item ids carry."""

ITEM_FIELDS = {"id", "kind", "parent", "section", "heading", "category", "mark", "text", "national",
               "standard", "responsible", "cooperating", "quote", "page", "summary", "units",
               "deadline", "targets", "fields", "absent", "note"}


def _is_text_char(ch: str) -> bool:
    """Characters whose omission would lose content: letters and digits, not punctuation."""
    return unicodedata.category(ch)[0] in "LN"


def _value_forms(value) -> set[str]:
    v = int(value) if float(value).is_integer() else value
    forms = {str(v)}
    if isinstance(v, int) and v in _CN_DIGITS:
        forms.add(_CN_DIGITS[v])
    return forms


class Checker:
    def __init__(self, tree: Tree):
        self.tree = tree
        self.problems: list[Problem] = list(tree.problems)
        self.sources: dict[str, SourceText] = {}
        self.covered: dict[str, bytearray] = {}

    # -- helpers ---------------------------------------------------------------------------
    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def source(self, name: str) -> SourceText | None:
        if name not in self.sources:
            path = self.tree.root / name
            if not path.is_file():
                self.sources[name] = None
            else:
                self.sources[name] = SourceText.read(path, name)
                self.covered[name] = bytearray(len(self.sources[name].flat))
        return self.sources[name]

    def quote(self, src: SourceText, text: str, pages=(), *, file: str, line: int, what: str) -> bool:
        """Is `text` in the source (on `pages`)? Marks the span as encoded; reports if not."""
        hits = src.find(text, tuple(pages))
        if not hits and pages:
            elsewhere = src.find(text)
            if elsewhere:
                on = [p for p, (lo, hi) in src.pages.items() if any(lo <= h < hi for h in elsewhere)]
                self.add(file, line, f"{what} is not on page {', '.join(map(str, pages))} of {src.name} (found on page {', '.join(map(str, on))})")
                return False
        if not hits:
            shown = text if len(text) <= 40 else text[:40] + "…"
            self.add(file, line, f"{what} not found in {src.name}: “{shown}”")
            return False
        cov = self.covered[src.name]
        n = len(squash(text))
        for h in hits:
            cov[h:h + n] = b"\x01" * n
        return True

    # -- registries ------------------------------------------------------------------------
    def check_registries(self) -> None:
        reg = self.tree.registries
        units_raw = self.tree.raw.get("units.yaml")
        all_text = "".join(
            s.flat for s in (self.source(d.source_file) for d in self.tree.documents.values()) if s
        )
        seen: dict[str, str] = {}
        for index, unit in enumerate(reg.units.values()):
            line = line_at(units_raw, ["units", index]) if units_raw is not None else 1
            if unit.parent and unit.parent not in reg.units:
                self.add("policies/units.yaml" if units_raw is None else display_path(self.tree.root / "units.yaml"), line, f"unit {unit.id}: parent '{unit.parent}' is not a unit")
            self.check_members(unit, line)
            cjk = [n for n in (unit.zh, *unit.aliases) if _CJK.search(n)]
            if all_text and not any(squash(n) in all_text for n in cjk):
                self.add(display_path(self.tree.root / "units.yaml"), line, f"unit {unit.id}: neither its name nor an alias occurs in any source")
            for alias in unit.aliases:
                if _CJK.search(alias) and all_text and squash(alias) not in all_text:
                    self.add(display_path(self.tree.root / "units.yaml"), line, f"unit {unit.id}: alias “{alias}” does not occur in any source")
            for name in unit.names:
                key = name.casefold()
                if key in seen and seen[key] != unit.id:
                    self.add(display_path(self.tree.root / "units.yaml"), line, f"unit {unit.id}: name “{name}” is also a name of {seen[key]}")
                seen[key] = unit.id
        for kind in ("metrics", "customers", "areas", "stages", "measures"):
            names: dict[str, str] = {}
            raw = self.tree.raw.get("metrics.yaml")
            for index, term in enumerate(getattr(reg, kind).values()):
                line = line_at(raw, [kind, index]) if raw is not None else 1
                for name in term.names:
                    key = name.casefold()
                    if key in names and names[key] != term.id:
                        self.add(display_path(self.tree.root / "metrics.yaml"), line, f"{kind[:-1]} {term.id}: name “{name}” is also a name of {names[key]}")
                    names[key] = term.id
        for kind in ("customers", "areas"):
            self.check_within(kind)

    def check_within(self, kind: str) -> None:
        """`within:` names classes of the same kind; a bare id is read from the class's own name
        (the broader class's Chinese name occurs in it), anything else must say it is inferred;
        and no class lies, through others, within itself."""
        terms = getattr(self.tree.registries, kind)
        raw = self.tree.raw.get("metrics.yaml")
        file = display_path(self.tree.root / "metrics.yaml")
        for index, term in enumerate(terms.values()):
            line = line_at(raw, [kind, index]) if raw is not None else 1
            for entry in term.get("within") or ():
                up = entry if isinstance(entry, str) else entry.get("id")
                if up not in terms:
                    self.add(file, line, f"{kind[:-1]} {term.id}: within unknown {kind[:-1]} '{up}'{self._near(up, terms)}")
                elif isinstance(entry, str) and squash(terms[up].zh) not in squash(term.zh):
                    self.add(file, line, f"{kind[:-1]} {term.id}: within {up} is not in its name “{term.zh}”: "
                                         "give it as {id, basis: inferred, reason}")
            if term.id in broader_classes(terms, term.id):
                self.add(file, line, f"{kind[:-1]} {term.id}: lies within itself (a cycle of within:)")

    def check_members(self, unit, line: int) -> None:
        """Members, stated or inferred, are units of a known jurisdiction, each listed once."""
        reg = self.tree.registries
        file = display_path(self.tree.root / "units.yaml")
        inferred = {j: tuple(u for u, _ in m) for j, m in unit.inferred_members}
        for jurisdiction in {j for j, _ in unit.members} | set(inferred):
            if jurisdiction not in reg.places:
                self.add(file, line, f"unit {unit.id}: members for unknown jurisdiction '{jurisdiction}'")
            listed = [*unit.members_in(jurisdiction), *inferred.get(jurisdiction, ())]
            for m in listed:
                if m not in reg.units:
                    self.add(file, line, f"unit {unit.id}: member '{m}' is not a unit")
            for m in {m for m in listed if listed.count(m) > 1}:
                self.add(file, line, f"unit {unit.id}: member '{m}' is listed twice in {jurisdiction}")

    # -- documents and items ---------------------------------------------------------------
    def check_documents(self) -> None:
        reg = self.tree.registries
        for doc in self.tree.documents.values():
            raw = self.tree.raw[f"document:{doc.id}"]
            src = self.source(doc.source_file)
            if src is None:
                self.add(doc.yaml_file, raw.line_of("source"), f"source file {doc.source_file} does not exist under {display_path(self.tree.root)}")
            self.check_relations(doc, raw, src)
            if doc.jurisdiction not in reg.places:
                self.add(doc.yaml_file, raw.line_of("jurisdiction"), f"jurisdiction '{doc.jurisdiction}' is not a place in places.yaml")
            for key in ("issued", "printed"):
                value = raw.get(key)
                if value:
                    try:
                        parse_iso((value + "-01-01")[:10] if len(value) < 10 else value)
                    except ValueError as exc:
                        self.add(doc.yaml_file, raw.line_of(key), f"{key}: {exc}")
            for index, r in enumerate(doc.issuer):
                if r.unit not in reg.units:
                    self.add(doc.yaml_file, line_at(raw, ["issuer", index]), f"issuer '{r.unit}' is not a unit{self._near(r.unit, reg.units)}")
            if src:
                for index, quote in enumerate(doc.evidence):
                    self.quote(src, quote, file=doc.yaml_file, line=line_at(raw, ["evidence", index]), what="evidence")
                for r in doc.issuer:
                    self.quote(src, r.as_written, file=doc.yaml_file, line=raw.line_of("issuer"), what="issuer as_written")

    def check_relations(self, doc, raw, src) -> None:
        """A document says where it sits and what it implements; a stated relation quotes its source."""
        if doc.level is None:
            self.add(doc.yaml_file, raw.line, f"document {doc.id}: no 'level' (national, provincial or municipal): diff and coverage need it")
        for index, rel in enumerate(doc.implements):
            line = line_at(raw, ["relations", "implements", index])
            if rel.doc not in self.tree.documents or rel.doc == doc.id:
                self.add(doc.yaml_file, line, f"document {doc.id}: implements unknown document '{rel.doc}'{self._near(rel.doc, self.tree.documents)}")
            if rel.basis == "stated" and not rel.quote:
                self.add(doc.yaml_file, line, f"document {doc.id}: a stated relation needs the quote that states it")
            elif rel.basis == "inferred" and not rel.reason:
                self.add(doc.yaml_file, line, f"document {doc.id}: an inferred relation needs its reason")
            if rel.quote and src:
                self.quote(src, rel.quote, file=doc.yaml_file, line=line, what=f"document {doc.id} relation quote")
        for family in doc.coverage:
            if not any(i.doc == doc.id and id_family(i.ref) == family for i in self.tree.items.values()):
                self.add(doc.yaml_file, raw.line_of("coverage"), f"document {doc.id}: coverage family '{family}' has no items")

    @staticmethod
    def _near(name: str, choices) -> str:
        from rapidfuzz import process

        match = process.extractOne(name, list(choices), score_cutoff=60)
        return f" (did you mean '{match[0]}'?)" if match else ""

    def check_item(self, item: Item) -> None:
        reg = self.tree.registries
        raw = self.tree.raw[item.id]
        file = item.yaml_file
        doc = self.tree.documents[item.doc]
        src = self.source(doc.source_file)

        def at(*path) -> int:
            return line_at(raw, list(path))

        if item.parent and item.parent not in self.tree.items:
            self.add(file, at("parent"), f"{item.id}: parent {item.parent} does not exist")
        for key, _reason in item.absent:
            if key not in ITEM_FIELDS and key not in ("values", "number", "date"):
                self.add(file, at("absent"), f"{item.id}: absent names unknown field '{key}'")
        # verbatim fields
        if src is not None:
            for name, pieces in item.verbatim().items():
                for index, piece in enumerate(pieces):
                    path = (name, index) if isinstance(raw.get(name), list) else (name,)
                    self.quote(src, piece, item.pages, file=file, line=at(*path), what=f"{item.id} {name}")
            for index, entry in enumerate(item.section):
                self.quote(src, entry, file=file, line=at("section", index), what=f"{item.id} section")
            for name in ("heading", "category", "mark"):
                value = getattr(item, name)
                if value and name != "mark":
                    self.quote(src, value, item.pages, file=file, line=at(name), what=f"{item.id} {name}")
            for index, f in enumerate(item.fields):
                self.quote(src, f.name, item.pages, file=file, line=at("fields", index), what=f"{item.id} field name")
        self.check_lost_targets(item, src, at)
        own_text = "".join(squash(p) for pieces in item.verbatim().values() for p in pieces)
        # units
        for index, r in enumerate(item.units):
            if r.unit not in reg.units:
                self.add(file, at("units", index), f"{item.id}: unit '{r.unit}' is not in units.yaml{self._near(r.unit, reg.units)}")
            if squash(r.as_written) not in own_text:
                self.add(file, at("units", index), f"{item.id}: as_written “{r.as_written}” is not in the item's text, responsible or cooperating")
        # deadlines
        dates = set()
        raw_deadline = raw.get("deadline")
        for index, dl in enumerate(item.deadlines):
            path = ("deadline", index) if isinstance(raw_deadline, list) else ("deadline",)
            line = at(*path)
            if src is not None:
                # a ledger year column's phrase (2021年) is its header, printed once for all pages
                self.quote(src, dl.phrase, file=file, line=line, what=f"{item.id} deadline phrase")
                if dl.scope:
                    self.quote(src, dl.scope, item.pages, file=file, line=line, what=f"{item.id} deadline scope")
            if dl.kind == "date":
                resolved = resolve_phrase(dl.phrase)
                if resolved and resolved[1] != dl.date:
                    self.add(file, line, f"{item.id}: deadline date {dl.date} does not match its phrase “{dl.phrase}” ({resolved[1]})")
                if resolved and resolved[0] and dl.start and resolved[0] != dl.start:
                    self.add(file, line, f"{item.id}: deadline start {dl.start} does not match its phrase “{dl.phrase}” ({resolved[0]})")
                if dl.start and dl.start > dl.date:
                    self.add(file, line, f"{item.id}: deadline starts after it ends")
                dates.add(dl.date)
            elif dl.kind == "recurring":
                if dl.on is not None and dl.first is None:
                    self.add(file, line, f"{item.id}: a recurring deadline with a day needs 'first'")
                days = [dl.on] if isinstance(dl.on, str) else list(dl.on or ())
                for d in days:
                    if d != "end":
                        try:
                            parse_iso(f"2000-{d}")
                        except ValueError:
                            self.add(file, line, f"{item.id}: 'on' {d!r} is not a real month-day")
                if dl.first and dl.until and dl.until < dl.first:
                    self.add(file, line, f"{item.id}: recurrence ends before it starts")
                dates.update(dl.occurrences())
        self.check_duties(item, own_text, at)
        self.check_roles(item, at)
        # targets
        for index, t in enumerate(item.targets):
            line = at("targets", index)
            metric = reg.metrics.get(t.metric)
            if metric is None:
                self.add(file, line, f"{item.id}: metric '{t.metric}' is not in metrics.yaml{self._near(t.metric, reg.metrics)}")
            elif metric.get("unit") != t.unit:
                self.add(file, line, f"{item.id}: target unit '{t.unit}' differs from metric {t.metric}'s unit '{metric.get('unit')}'")
            for key, table in (("customer", reg.customers), ("area", reg.areas), ("stage", reg.stages)):
                value = getattr(t, key)
                if value and value not in table:
                    self.add(file, line, f"{item.id}: {key} '{value}' is not in metrics.yaml{self._near(value, table)}")
            if squash(t.quote) not in own_text:
                self.add(file, line, f"{item.id}: target quote “{t.quote}” is not in the item's own text")
            if not any(form in squash(t.quote) for form in _value_forms(t.value)):
                self.add(file, line, f"{item.id}: target value {t.value:g} does not appear in its quote “{t.quote}”")
            if t.by and t.by not in dates:
                self.add(file, line, f"{item.id}: target 'by' {t.by} is not one of the item's deadline dates")
            if t.alternative:
                a = t.alternative
                if a.metric not in reg.metrics:
                    self.add(file, line, f"{item.id}: alternative metric '{a.metric}' is not in metrics.yaml")
                elif reg.metrics[a.metric].get("unit") != a.unit:
                    self.add(file, line, f"{item.id}: alternative unit '{a.unit}' differs from metric {a.metric}'s unit")
                if squash(a.quote) not in own_text:
                    self.add(file, line, f"{item.id}: alternative quote “{a.quote}” is not in the item's own text")
                if not any(form in squash(a.quote) for form in _value_forms(a.value)):
                    self.add(file, line, f"{item.id}: alternative value {a.value:g} does not appear in its quote")

    def check_roles(self, item: Item, at) -> None:
        """Each unit entry says the source's word for its role, agreeing with `role`; a ledger
        column, where given, is the cell the unit's words are in."""
        cells = {"责任单位": "".join(map(squash, item.responsible)),
                 "协同推进单位": "".join(map(squash, item.cooperating))}
        for index, r in enumerate(item.units):
            line = at("units", index) if "units" in self.tree.raw[item.id] else item.yaml_line
            if r.written_role is None:
                self.add(item.yaml_file, line, f"{item.id}: unit '{r.unit}' has no written_role (the source's 牵头/负责/配合/协同)")
            elif ROLE_OF_WORD[r.written_role] != r.role:
                self.add(item.yaml_file, line, f"{item.id}: unit '{r.unit}' is {r.role} but written {r.written_role}")
            if r.column and squash(r.as_written) not in cells[r.column]:
                self.add(item.yaml_file, line, f"{item.id}: unit '{r.unit}' as_written “{r.as_written}” is not in the {r.column} cell")

    def check_duties(self, item: Item, own_text: str, at) -> None:
        """Who a deadline binds and who receives it are units named in the item's own words;
        every recurrence ends; an ambiguous phrase carries its other readings."""
        units = self.tree.registries.units
        raw_deadline = self.tree.raw[item.id].get("deadline")
        for index, dl in enumerate(item.deadlines):
            line = at(*(("deadline", index) if isinstance(raw_deadline, list) else ("deadline",)))
            for key in ("subjects", "recipients"):
                for p in getattr(dl, key):
                    if p.unit not in units:
                        self.add(item.yaml_file, line, f"{item.id}: {key[:-1]} '{p.unit}' is not in units.yaml{self._near(p.unit, units)}")
                    if squash(p.as_written) not in own_text:
                        self.add(item.yaml_file, line, f"{item.id}: {key[:-1]} as_written “{p.as_written}” is not in the item's own text")
            if dl.kind == "recurring" and dl.until is None:
                self.add(item.yaml_file, line, f"{item.id}: recurring deadline “{dl.phrase}” has no 'until': every duty ends (stated, or derived with until_reason)")
            if dl.until and dl.kind == "recurring" and dl.first and not dl.occurrences():
                self.add(item.yaml_file, line, f"{item.id}: recurrence “{dl.phrase}” has no occurrence between first and until")
            for r in dl.other_readings:
                if r.date == dl.date:
                    self.add(item.yaml_file, line, f"{item.id}: other reading {r.date} is the deadline's own date")
            if dl.other_readings and dl.basis != "inferred":
                self.add(item.yaml_file, line, f"{item.id}: a deadline with other readings is an inference: basis inferred, with a reason")
            self.check_reason_quotes(item, dl, line)
            if dl.kind == "date" and _BEFORE_MONTH.search(squash(dl.phrase)) and not dl.other_readings:
                self.add(item.yaml_file, line, f"{item.id}: “{dl.phrase}” (before a month) has two readings: give other_readings")

    def check_reason_quotes(self, item: Item, dl, line: int) -> None:
        """A reason quotes the source in 「…」: each quoted piece must be in the document's source."""
        src = self.source(self.tree.documents[item.doc].source_file)
        if src is None:
            return
        reasons = [dl.reason, dl.until_reason, *(r.reason for r in dl.other_readings),
                   *(p.reason for p in (*dl.subjects, *dl.recipients))]
        for reason in filter(None, reasons):
            for piece in _QUOTED.findall(reason):
                if not src.find(piece):
                    self.add(item.yaml_file, line, f"{item.id}: the reason quotes 「{piece}」, which is not in {src.name}")

    def check_lost_targets(self, item: Item, src, at) -> None:
        """A lost target names a real metric, customer class and stage, and quotes the words that
        show the source set it."""
        reg = self.tree.registries
        for index, lost in enumerate(item.lost_targets):
            line = at("lost_targets", index)
            for key, table in (("metric", reg.metrics), ("customer", reg.customers), ("stage", reg.stages)):
                value = getattr(lost, key)
                if value and value not in table:
                    self.add(item.yaml_file, line, f"{item.id}: lost target {key} '{value}' is not in metrics.yaml{self._near(value, table)}")
            if src is not None:
                self.quote(src, lost.quote, item.pages, file=item.yaml_file, line=line, what=f"{item.id} lost target quote")

    def check_numbering(self) -> None:
        """Numbered families of ids (ledger.1, ledger.2, ...) must have no gaps."""
        families: dict[tuple[str, str], list[int]] = defaultdict(list)
        for item in self.tree.items.values():
            if m := re.fullmatch(r"(.*\.)(\d+)", item.ref):
                families[(item.doc, m.group(1))].append(int(m.group(2)))
        for (doc, prefix), numbers in families.items():
            missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            if missing:
                file = self.tree.documents[doc].yaml_file
                self.add(file, 1, f"{doc}: ids {prefix}N skip {', '.join(prefix + str(n) for n in missing)}")

    # -- links -----------------------------------------------------------------------------
    def check_links(self) -> None:
        items = self.tree.items
        file = display_path(self.tree.root / "links.yaml")
        raw = self.tree.raw.get("links.yaml")
        seen = set()
        for link in self.tree.links:
            for end in (link.src, link.dst):
                if end not in items:
                    self.add(file, link.yaml_line, f"link {link.src} {link.rel} {link.dst}: {end} does not exist{self._near(end, items)}")
            if (link.src, link.rel, link.dst) in seen:
                self.add(file, link.yaml_line, f"duplicate link {link.src} {link.rel} {link.dst}")
            seen.add((link.src, link.rel, link.dst))
            if link.src in items and link.dst in items:
                a, b = items[link.src], items[link.dst]
                src_doc = self.tree.documents[a.doc]
                if link.rel == "implements" and b.doc not in src_doc.implemented_docs:
                    self.add(file, link.yaml_line, f"{link.src} implements {link.dst}: document {a.doc} does not implement "
                             f"{b.doc} (its relations.implements: {', '.join(src_doc.implemented_docs) or 'none'})")
                if link.rel == "measures" and a.kind != "indicator":
                    self.add(file, link.yaml_line, f"{link.src} measures {link.dst}: only indicators measure")
                if link.rel == "same-as" and a.doc != b.doc:
                    self.add(file, link.yaml_line, f"{link.src} same-as {link.dst}: same-as joins two items of one document")
        if raw is None:
            return
        self.check_counterparts(raw, file)

    def check_counterparts(self, raw, file: str) -> None:
        """Every measure of a document (the items of its `coverage` families) is carried out by
        each lower-level document that implements it, or is listed under no_counterpart; and a
        same-level breakdown (the NEA ledger of the 1479 opinion) traces each of its own measures
        up to the document it breaks down."""
        docs, items = self.tree.documents, self.tree.items
        tree = self.tree
        down: dict[str, set[str]] = defaultdict(set)  # national item -> docs with an implementer
        up: set[str] = set()  # items that implement something
        for link in self.tree.links:
            if link.rel in ("implements", "measures") and link.src in items and link.dst in items:
                if link.rel == "implements":
                    down[link.dst].add(items[link.src].doc)
                    up.add(link.src)
                else:  # an indicator measures a lower-level item: that item carries the indicator out
                    down[link.src].add(items[link.dst].doc)
        for index, entry in enumerate(raw.get("no_counterpart") or ()):
            line = line_at(raw, ["no_counterpart", index])
            if entry["id"] not in items:
                self.add(file, line, f"no_counterpart: {entry['id']} does not exist")
            if entry.get("in") and entry["in"] not in docs:
                self.add(file, line, f"no_counterpart: unknown document '{entry['in']}'")
        for lower in docs.values():
            for rel in lower.implements:
                upper = docs.get(rel.doc)
                if upper is None:
                    continue
                same_level = lower.level == upper.level
                for item in items.values():
                    if same_level and lower.covers(item) and item.id not in up and not tree.missing_reason(item.id, upper.id):
                        self.add(item.yaml_file, item.yaml_line, f"{item.id} implements no {upper.id} item and is not listed under no_counterpart in links.yaml")
                    if not same_level and upper.covers(item):
                        found = lower.id in down.get(item.id, ())
                        listed = tree.missing_reason(item.id, lower.id)
                        if not found and not listed:
                            self.add(item.yaml_file, item.yaml_line, f"{item.id} has no {lower.id} item carrying it out and is not listed under no_counterpart in links.yaml")
                        elif found and listed:
                            self.add(file, 1, f"no_counterpart: {item.id} has a {lower.id} counterpart after all")

    # -- sources ---------------------------------------------------------------------------
    def check_sources(self) -> None:
        for name in self.tree.errata:
            errata = self.tree.raw[f"errata:{name}"]
            efile = display_path(self.tree.root / "sources" / (Path(name).stem + ".errata.yaml"))
            src = self.source(name)
            raw_path = self.tree.root / "sources" / errata["raw_file"]
            if src is None:
                self.add(efile, errata.line_of("file"), f"cleaned file {name} does not exist")
                continue
            if not raw_path.is_file():
                self.add(efile, errata.line_of("raw_file"), f"raw file {errata['raw_file']} does not exist")
                continue
            raw_flat = squash(raw_path.read_text(encoding="utf-8"))
            corrected, missing = apply_errata(raw_flat, errata["corrections"])
            for index, c in enumerate(errata["corrections"]):
                line = line_at(errata, ["corrections", index])
                if c["raw"] in missing:
                    self.add(efile, line, f"correction: raw form “{c['raw']}” is not in {errata['raw_file']}")
                if not src.find(c["clean"]):
                    self.add(efile, line, f"correction: clean form “{c['clean']}” is not in {name}")
            over = invented_characters(src.text_lines(), corrected)
            if over:
                shown = "".join(f"{ch}×{n} " for ch, n in sorted(over.items())[:20]).strip()
                self.add(display_path(src.path), 1, f"the cleaned text has characters the raw text lacks: {shown}")
        documented = {d.source_file for d in self.tree.documents.values()}
        for name in documented:
            if name not in self.tree.errata and self.source(name) is not None:
                self.add(display_path(self.tree.root / name), 1, f"no errata file for {name} (an empty one says no corrections were made)")

    def check_coverage(self) -> None:
        """Every letter and digit of every cleaned source must be quoted by some item.

        Table headers and row-number cells are structure: the ids carry the numbers.
        """
        for name, src in self.sources.items():
            if src is None:
                continue
            cov = self.covered[name]
            starts = src.line_starts + [len(src.flat)]
            for i, start in enumerate(src.line_starts):
                end = starts[i + 1]
                marker = src.marker_before(start) or ""
                if marker.endswith("表头") or marker.split(" ")[0] in STRUCTURE_CELLS:
                    continue
                chunk = src.flat[start:end].split("\x00")[0]
                missing = [ch for j, ch in enumerate(chunk) if not cov[start + j] and _is_text_char(ch)]
                if missing:
                    first = next(j for j, ch in enumerate(chunk) if not cov[start + j] and _is_text_char(ch))
                    excerpt = chunk[first:first + 30]
                    self.add(display_path(src.path), src.line_numbers[i], f"source text not encoded by any item: “{excerpt}…” ({len(missing)} characters)")

    def run(self, coverage: bool = True) -> list[Problem]:
        if self.tree.registries.units:
            pass
        self.check_documents()
        self.check_registries()
        for item in self.tree.items.values():
            self.check_item(item)
        self.check_numbering()
        self.check_links()
        self.check_sources()
        if coverage:
            self.check_coverage()
        return self.problems


def broader_classes(terms, start: str) -> set[str]:
    """Every class `start` lies within, through `within:` (not `start` itself unless in a cycle)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        term = terms.get(todo.pop())
        for entry in (term.get("within") or ()) if term else ():
            up = entry if isinstance(entry, str) else entry.get("id")
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return seen


def check(tree: Tree, coverage: bool = True) -> list[Problem]:
    return Checker(tree).run(coverage=coverage)
