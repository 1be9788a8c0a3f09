"""`powerkb check`: everything that must hold for the encoding to be trusted.

The loader has already checked each file's shape. Here we check meaning: every quote occurs in
its source, every reference resolves, dates agree with the phrases they came from, targets agree
with their metrics, the cleaned sources invent nothing, and no sentence of a source is left
unencoded. Each finding is a `Problem`, printed as `file:line: message`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from kb.core.deadlines import parse_iso, resolve_phrase
from kb.core.fuzzy import has_cjk
from kb.loading.loader import display_path
from kb.loading.sources import SourceText, apply_errata, invented_characters, squash
from kb.loading.yamlio import line_at
from kb.model.entities import Item, Problem, Tree, id_family

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


def bad_value(value) -> str | None:
    """Why a target value cannot be compared with (schema: a finite number >= 0), or None.
    A NaN would make every comparison false and flip verdicts silently."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{value!r} is not a number"
    if not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if value < 0:
        return f"{value:g} is negative"
    return None


UNIT_SYMBOLS = frozenset({"kW", "kV", "kVA", "MW", "MVA", "kWh", "MWh", "V", "A", "W", "km", "m", "h"})
"""SI and customary unit symbols a synonym may name although a source writes the unit in words."""


class Checker:
    def __init__(self, tree: Tree, files: dict | None = None):
        self.tree = tree
        self.files = files  # the bytes of the tree's files as read for the cache key
        self.problems: list[Problem] = list(tree.problems)
        self.sources: dict[str, SourceText] = {}
        self.unreadable: dict[str, str] = {}  # source name -> why it cannot be read (reported once)
        self.suppressed = 0  # problems that only follow from files that did not load
        self.covered: dict[str, bytearray] = {}

    # -- helpers ---------------------------------------------------------------------------
    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def source(self, name: str) -> SourceText | None:
        if name not in self.sources:
            path = self.tree.root / name
            data = self.files.get(name) if self.files is not None else None
            try:
                exists = data is not None or path.is_file()
            except OSError as exc:
                self.unreadable[name] = self._unreadable(path, exc)
                exists = False
            if not exists:
                self.sources[name] = None
            else:
                try:
                    self.sources[name] = SourceText.read(path, name, data)
                except (OSError, UnicodeDecodeError) as exc:
                    self.unreadable[name] = self._unreadable(path, exc)
                    self.sources[name] = None
                    return None
                self.covered[name] = bytearray(len(self.sources[name].flat))
        return self.sources[name]

    def _unreadable(self, path: Path, exc: Exception) -> str:
        """Report a source that cannot be read (once, with the line of a bad byte)."""
        if isinstance(exc, UnicodeDecodeError):
            line = exc.object[:exc.start].count(b"\n") + 1
            why = f"not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8"
        else:
            line, why = 1, f"cannot read: {exc.strerror or exc}"
        self.add(display_path(path), line, why)
        return why

    def read_raw(self, raw_path: Path, efile: str, errata) -> str | None:
        """The raw source's text, or None after reporting that it is missing or unreadable."""
        try:
            exists = raw_path.is_file()
        except OSError as exc:  # sources/raw itself cannot be read
            self._unreadable(raw_path, exc)
            return None
        if not exists:
            self.add(efile, errata.line_of("raw_file"), f"raw file {errata['raw_file']} does not exist")
            return None
        return self.read_text(raw_path)

    def read_text(self, path: Path) -> str | None:
        """A file's text, or None after reporting why it cannot be read."""
        try:
            return path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._unreadable(path, exc)
            return None

    def quote(self, src: SourceText, text: str, pages=(), *, file: str, line: int, what: str) -> bool:
        """Is `text` in the source (on `pages`)? Marks the span as encoded; reports if not."""
        hits = src.find(text, tuple(pages))
        if not hits and pages:
            elsewhere = src.find(text)
            if elsewhere:
                on = [p for p, (lo, hi) in src.pages.items() if any(lo <= h < hi for h in elsewhere)]
                self.add(file, line, f"{what} is not on page {', '.join(map(str, pages))} of {src.name} "
                                     f"(found on page {', '.join(map(str, on))})")
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
        file = display_path(self.tree.root / "units.yaml")
        all_text = self.names_text()
        seen: dict[str, str] = {}
        for index, unit in enumerate(reg.units.values()):
            line = line_at(units_raw, ["units", index]) if units_raw is not None else 1
            if unit.parent and unit.parent not in reg.units:
                self.add(file, line, f"unit {unit.id}: parent '{unit.parent}' is not a unit")
            self.check_members(unit, line)
            if all_text:
                self.check_unit_names_in_sources(unit, all_text, file, line)
            self._unique_names(unit.id, unit.names, seen, file, line, "unit")
        raw = self.tree.raw.get("metrics.yaml")
        for kind in ("metrics", "customers", "areas", "stages", "measures"):
            names: dict[str, str] = {}
            for index, term in enumerate(getattr(reg, kind).values()):
                line = line_at(raw, [kind, index]) if raw is not None else 1
                self._unique_names(term.id, term.names, names, display_path(self.tree.root / "metrics.yaml"), line, kind[:-1])
        for kind in ("customers", "areas"):
            self.check_within(kind)

    def check_unit_names_in_sources(self, unit, all_text: str, file: str, line: int) -> None:
        """A unit's Chinese name or an alias occurs in some source; every Chinese alias does."""
        cjk = [n for n in (unit.zh, *unit.aliases) if has_cjk(n)]
        if not any(squash(n) in all_text for n in cjk):
            self.add(file, line, f"unit {unit.id}: neither its name nor an alias occurs in any source")
        for alias in unit.aliases:
            if has_cjk(alias) and squash(alias) not in all_text:
                self.add(file, line, f"unit {unit.id}: alias “{alias}” does not occur in any source")

    def _unique_names(self, owner: str, names, seen: dict[str, str], file: str, line: int, what: str) -> None:
        """No name (case-folded) stands for two entries of one registry."""
        for name in names:
            key = name.casefold()
            if key in seen and seen[key] != owner:
                self.add(file, line, f"{what} {owner}: name “{name}” is also a name of {seen[key]}")
            seen[key] = owner


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

    def names_text(self) -> str:
        """All source text, where unit names must occur; empty (that check skipped, said once)
        when a source could not be read or a document did not load: a name may be in it."""
        all_text = "".join(
            s.flat for s in (self.source(d.source_file) for d in self.tree.documents.values()) if s
        )
        if self.unreadable or self.tree.problems:
            self.suppressed += bool(self.tree.registries.units)
            return ""
        return all_text

    def check_membership_cycles(self) -> None:
        """A collective must not contain itself, directly or through other collectives."""
        units, units_raw = self.tree.registries.units, self.tree.raw.get("units.yaml")
        for unit_id, path in membership_cycles(units):
            line = line_at(units_raw, ["units", list(units).index(unit_id)]) if units_raw is not None else 1
            self.add(display_path(self.tree.root / "units.yaml"), line, f"unit {unit_id} is a member of itself ({path})")

    # -- documents and items ---------------------------------------------------------------
    def check_documents(self) -> None:
        reg = self.tree.registries
        for doc in self.tree.documents.values():
            raw = self.tree.raw[f"document:{doc.id}"]
            src = self.source(doc.source_file)
            if src is None and doc.source_file not in self.unreadable:
                self.add(doc.yaml_file, raw.line_of("source"), f"source file {doc.source_file} does not exist "
                                                                 f"under {display_path(self.tree.root)}")
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
                    self.add(doc.yaml_file, line_at(raw, ["issuer", index]), f"issuer '{r.unit}' is not a unit"
                                                                            f"{self._near(r.unit, reg.units)}")
            if src:
                for index, quote in enumerate(doc.evidence):
                    self.quote(src, quote, file=doc.yaml_file, line=line_at(raw, ["evidence", index]), what="evidence")
                for r in doc.issuer:
                    self.quote(src, r.as_written, file=doc.yaml_file, line=raw.line_of("issuer"), what="issuer as_written")

    def check_relations(self, doc, raw, src) -> None:
        """A document says where it sits and what it implements; a stated relation quotes its source."""
        if doc.level is None:
            self.add(doc.yaml_file, raw.line, f"document {doc.id}: no 'level' (national, provincial or municipal): "
                                                 "diff and coverage need it")
        for index, rel in enumerate(doc.implements):
            line = line_at(raw, ["relations", "implements", index])
            if rel.doc not in self.tree.documents or rel.doc == doc.id:
                self.add(doc.yaml_file, line, f"document {doc.id}: implements unknown document '{rel.doc}'"
                                                  f"{self._near(rel.doc, self.tree.documents)}")
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
        """Everything one item must satisfy; each part is its own method, one concern each."""
        raw = self.tree.raw[item.id]
        src = self.source(self.tree.documents[item.doc].source_file)

        def at(*path) -> int:
            return line_at(raw, list(path))

        self.check_item_refs(item, at)
        if src is not None:
            self.check_verbatim(item, src, raw, at)
        self.check_lost_targets(item, src, at)
        own_text = "".join(squash(p) for pieces in item.verbatim().values() for p in pieces)
        self.check_item_units(item, own_text, at)
        dates = self.check_deadlines(item, src, raw, at)
        self.check_duties(item, own_text, at)
        self.check_roles(item, at)
        for index, t in enumerate(item.targets):
            self.check_target(item, t, own_text, dates, at("targets", index))

    def check_item_refs(self, item: Item, at) -> None:
        if item.parent and item.parent not in self.tree.items:
            self.add(item.yaml_file, at("parent"), f"{item.id}: parent {item.parent} does not exist")
        for key, _reason in item.absent:
            if key not in ITEM_FIELDS and key not in ("values", "number", "date"):
                self.add(item.yaml_file, at("absent"), f"{item.id}: absent names unknown field '{key}'")

    def check_verbatim(self, item: Item, src, raw, at) -> None:
        """Every verbatim field, section, heading, category and form field occurs in the source."""
        file = item.yaml_file
        for name, pieces in item.verbatim().items():
            for index, piece in enumerate(pieces):
                path = (name, index) if isinstance(raw.get(name), list) else (name,)
                self.quote(src, piece, item.pages, file=file, line=at(*path), what=f"{item.id} {name}")
        for index, entry in enumerate(item.section):
            self.quote(src, entry, file=file, line=at("section", index), what=f"{item.id} section")
        for name in ("heading", "category"):
            value = getattr(item, name)
            if value:
                self.quote(src, value, item.pages, file=file, line=at(name), what=f"{item.id} {name}")
        for index, f in enumerate(item.fields):
            self.quote(src, f.name, item.pages, file=file, line=at("fields", index), what=f"{item.id} field name")

    def check_item_units(self, item: Item, own_text: str, at) -> None:
        units = self.tree.registries.units
        for index, r in enumerate(item.units):
            if r.unit not in units:
                self.add(item.yaml_file, at("units", index), f"{item.id}: unit '{r.unit}' is not in units.yaml{self._near(r.unit, units)}")
            if squash(r.as_written) not in own_text:
                self.add(item.yaml_file, at("units", index), f"{item.id}: as_written “{r.as_written}” is not in the item's text, "
                                                       "responsible or cooperating")

    def check_deadlines(self, item: Item, src, raw, at) -> set:
        """Each deadline's phrase is in the source and its dates agree with it; returns every date
        the item's deadlines fall on (a target's `by` must be one of them)."""
        dates: set = set()
        listed = isinstance(raw.get("deadline"), list)
        for index, dl in enumerate(item.deadlines):
            line = at(*(("deadline", index) if listed else ("deadline",)))
            if src is not None:
                # a ledger year column's phrase (2021年) is its header, printed once for all pages
                self.quote(src, dl.phrase, file=item.yaml_file, line=line, what=f"{item.id} deadline phrase")
                if dl.scope:
                    self.quote(src, dl.scope, item.pages, file=item.yaml_file, line=line, what=f"{item.id} deadline scope")
            if dl.kind == "date":
                self.check_dated(item, dl, line)
                dates.add(dl.date)
            elif dl.kind == "recurring":
                self.check_recurring(item, dl, line)
                dates.update(dl.occurrences())
        return dates

    def check_dated(self, item: Item, dl, line: int) -> None:
        file = item.yaml_file
        resolved = resolve_phrase(dl.phrase)
        if resolved and resolved[1] != dl.date:
            self.add(file, line, f"{item.id}: deadline date {dl.date} does not match its phrase “{dl.phrase}” ({resolved[1]})")
        if resolved and resolved[0] and dl.start and resolved[0] != dl.start:
            self.add(file, line, f"{item.id}: deadline start {dl.start} does not match its phrase “{dl.phrase}” ({resolved[0]})")
        if dl.start and dl.start > dl.date:
            self.add(file, line, f"{item.id}: deadline starts after it ends")

    def check_recurring(self, item: Item, dl, line: int) -> None:
        file = item.yaml_file
        if dl.on is not None and dl.first is None:
            self.add(file, line, f"{item.id}: a recurring deadline with a day needs 'first'")
        for d in [dl.on] if isinstance(dl.on, str) else list(dl.on or ()):
            if d == "end":
                continue
            try:
                parse_iso(f"2000-{d}")
            except ValueError:
                self.add(file, line, f"{item.id}: 'on' {d!r} is not a real month-day")
        if dl.first and dl.until and dl.until < dl.first:
            self.add(file, line, f"{item.id}: recurrence ends before it starts")
        elif dl.first and dl.until and dl.occurrences()[:1] != [dl.first]:
            self.add(file, line, f"{item.id}: 'first' {dl.first} is not a day of the recurrence “{dl.phrase}” "
                                 "(its rule, also written to calendars, counts from it)")

    def check_target(self, item: Item, t, own_text: str, dates: set, line: int) -> None:
        """A target names registry terms, quotes the item, states its value in its quote, and is
        due on one of the item's deadline dates; an alternative target likewise."""
        reg, file = self.tree.registries, item.yaml_file
        metric = reg.metrics.get(t.metric)
        if metric is None:
            self.add(file, line, f"{item.id}: metric '{t.metric}' is not in metrics.yaml{self._near(t.metric, reg.metrics)}")
        elif metric.unit != t.unit:
            self.add(file, line, f"{item.id}: target unit '{t.unit}' differs from metric {t.metric}'s unit '{metric.unit}'")
        for key, table in (("customer", reg.customers), ("area", reg.areas), ("stage", reg.stages)):
            value = getattr(t, key)
            if value and value not in table:
                self.add(file, line, f"{item.id}: {key} '{value}' is not in metrics.yaml{self._near(value, table)}")
        self.check_quoted_value(item, t, own_text, line, "target")
        if t.by and t.by not in dates:
            self.add(file, line, f"{item.id}: target 'by' {t.by} is not one of the item's deadline dates")
        a = t.alternative
        if a:
            if a.metric not in reg.metrics:
                self.add(file, line, f"{item.id}: alternative metric '{a.metric}' is not in metrics.yaml")
            elif reg.metrics[a.metric].unit != a.unit:
                self.add(file, line, f"{item.id}: alternative unit '{a.unit}' differs from metric {a.metric}'s unit")
            self.check_quoted_value(item, a, own_text, line, "alternative")

    def check_quoted_value(self, item: Item, t, own_text: str, line: int, what: str) -> None:
        if squash(t.quote) not in own_text:
            self.add(item.yaml_file, line, f"{item.id}: {what} quote “{t.quote}” is not in the item's own text")
        usable = self.usable_value(t.value, item.yaml_file, line, f"{item.id}: {what} value")
        if usable and not any(form in squash(t.quote) for form in _value_forms(t.value)):
            shown = f" “{t.quote}”" if what == "target" else ""
            self.add(item.yaml_file, line, f"{item.id}: {what} value {t.value:g} does not appear in its quote{shown}")

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
                self.add(item.yaml_file, line, f"{item.id}: recurring deadline “{dl.phrase}” has no 'until': "
                                                "every duty ends (stated, or derived with until_reason)")
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
                    self.add(item.yaml_file, line, f"{item.id}: lost target {key} '{value}' is not in metrics.yaml"
                                                    f"{self._near(value, table)}")
            if src is not None:
                self.quote(src, lost.quote, item.pages, file=item.yaml_file, line=line, what=f"{item.id} lost target quote")

    def usable_value(self, value, file: str, line: int, what: str) -> bool:
        """A target value is a finite number >= 0; report it (and return False) if not."""
        why = bad_value(value)
        if why:
            self.add(file, line, f"{what} {why} (a value is a finite number >= 0)")
        return why is None

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
                if end not in items and self.tree.problems and end.split(":")[0] not in self.tree.documents:
                    self.suppressed += 1  # its document did not load: said once, below
                elif end not in items:
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
        if self.tree.problems:  # an item of a file that did not load would look unimplemented
            self.suppressed += bool(self.tree.documents)
            return
        self.check_counterparts(raw, file)

    def _carried(self) -> tuple[dict[str, set[str]], set[str]]:
        """(item -> the documents with an item carrying it out, the items that implement something)."""
        items = self.tree.items
        down: dict[str, set[str]] = defaultdict(set)
        up: set[str] = set()
        for link in self.tree.links:
            if link.rel not in ("implements", "measures") or link.src not in items or link.dst not in items:
                continue
            if link.rel == "implements":
                down[link.dst].add(items[link.src].doc)
                up.add(link.src)
            else:  # an indicator measures a lower-level item: that item carries the indicator out
                down[link.src].add(items[link.dst].doc)
        return down, up

    def check_counterparts(self, raw, file: str) -> None:
        """Every measure of a document (the items of its `coverage` families) is carried out by
        each lower-level document that implements it, or is listed under no_counterpart; and a
        same-level breakdown (the NEA ledger of the 1479 opinion) traces each of its own measures
        up to the document it breaks down."""
        docs = self.tree.documents
        for index, entry in enumerate(raw.get("no_counterpart") or ()):
            line = line_at(raw, ["no_counterpart", index])
            if entry["id"] not in self.tree.items:
                self.add(file, line, f"no_counterpart: {entry['id']} does not exist")
            if entry.get("in") and entry["in"] not in docs:
                self.add(file, line, f"no_counterpart: unknown document '{entry['in']}'")
        down, up = self._carried()
        for lower in docs.values():
            for upper in (docs[r.doc] for r in lower.implements if r.doc in docs):
                if lower.level == upper.level:
                    self._check_breakdown(lower, upper, up)
                else:
                    self._check_carried_out(lower, upper, down, file)

    def _check_breakdown(self, lower, upper, up: set[str]) -> None:
        for item in self.tree.items.values():
            if lower.covers(item) and item.id not in up and not self.tree.missing_reason(item.id, upper.id):
                self.add(item.yaml_file, item.yaml_line, f"{item.id} implements no {upper.id} item and is not listed "
                                                          "under no_counterpart in links.yaml")

    def _check_carried_out(self, lower, upper, down: dict[str, set[str]], file: str) -> None:
        for item in self.tree.items.values():
            if not upper.covers(item):
                continue
            found = lower.id in down.get(item.id, ())
            listed = self.tree.missing_reason(item.id, lower.id)
            if not found and not listed:
                self.add(item.yaml_file, item.yaml_line, f"{item.id} has no {lower.id} item carrying it out and is not listed "
                                                          "under no_counterpart in links.yaml")
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
                if name not in self.unreadable:
                    self.add(efile, errata.line_of("file"), f"cleaned file {name} does not exist")
                continue
            raw_text = self.read_raw(raw_path, efile, errata)
            if raw_text is None:
                continue
            raw_flat = squash(raw_text)
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
                    self.add(display_path(src.path), src.line_numbers[i], f"source text not encoded by any item: “{excerpt}…” "
                                                                        f"({len(missing)} characters)")

    def check_synonyms(self) -> None:
        """Every form of synonyms.yaml occurs in a source, or is a standard unit symbol (kW): a
        search must never be widened by a word the documents do not use."""
        raw = self.tree.raw.get("synonyms.yaml")
        if self.tree.problems or self.unreadable:
            self.suppressed += bool(self.tree.registries.synonyms)  # a source not read: said once
            return
        all_text = "".join(
            s.flat for s in (self.source(d.source_file) for d in self.tree.documents.values()) if s
        )
        file = display_path(self.tree.root / "synonyms.yaml")
        for index, group in enumerate(self.tree.registries.synonyms):
            line = line_at(raw, ["synonyms", index]) if raw is not None else 1
            for form in group:
                if form not in UNIT_SYMBOLS and all_text and squash(form) not in all_text:
                    self.add(file, line, f"synonym “{form}” occurs in no source and is not a standard unit symbol")

    def check_holidays(self) -> None:
        """A holidays.yaml (State Council schedules added as data for years the calendar library
        lacks) is valid: a tree whose calendar is broken is not served either."""
        from kb.rules.workdays import HOLIDAYS_FILE, HolidayFileError, load_holiday_file

        path = self.tree.root / HOLIDAYS_FILE if self.tree.root.is_dir() else None
        if path is None or not path.exists():
            return
        try:
            load_holiday_file(path)
        except HolidayFileError as exc:
            self.add(display_path(path), 1, str(exc))

    def run(self, coverage: bool = True) -> list[Problem]:
        self.check_documents()
        self.check_holidays()
        self.check_registries()
        self.check_membership_cycles()
        self.check_synonyms()
        for item in self.tree.items.values():
            self.check_item(item)
        self.check_numbering()
        self.check_links()
        self.check_sources()
        if coverage and not self.tree.problems and not self.unreadable:
            self.check_coverage()
        elif coverage and self.tree.documents:
            self.suppressed += 1  # (at least) the coverage check itself
        if self.suppressed:
            self.add(display_path(self.tree.root), 1, "not checked, because files above did not load or could not be read: "
                     "coverage, counterparts, unit names in the sources and links into those files "
                     "(fix the problems above, then run 'powerkb check' again)")
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


def membership_cycles(units) -> list[tuple[str, str]]:
    """(unit, path) for every unit that is a member of itself, directly or through collectives."""
    out = []
    for start in units.values():
        stack = [(m, [start.id, m]) for _, members in start.members for m in members]
        seen = set()
        while stack:
            here, path = stack.pop()
            if here == start.id:
                out.append((start.id, " → ".join(path)))
                break
            if here in seen or here not in units:
                continue
            seen.add(here)
            stack += [(m, path + [m]) for _, members in units[here].members for m in members]
    return out


def check_export(tree: Tree) -> list[Problem]:
    """What can be checked of a JSON export used as a policy tree (it carries no source texts,
    so no quote is looked up): every reference resolves and every target value is usable."""
    shown = display_path(tree.root)
    messages = _registry_references(tree) + _document_references(tree)
    for item in tree.items.values():
        messages += _reference_problems(tree, item)
    messages += [f"link {l.src} {l.rel} {l.dst}: {end} does not exist"
                 for l in tree.links for end in (l.src, l.dst) if end not in tree.items]
    if not tree.documents:
        messages.append("the export has no documents")
    return list(tree.problems) + [Problem(shown, 1, m) for m in messages]


def _registry_references(tree: Tree) -> list[str]:
    units, out = tree.registries.units, []
    for unit in units.values():
        if unit.parent and unit.parent not in units:
            out.append(f"unit {unit.id}: parent '{unit.parent}' is not a unit")
        out += [f"unit {unit.id}: member '{m}' is not a unit" for _, ms in unit.members for m in ms if m not in units]
    out += [f"unit {unit} is a member of itself ({path})" for unit, path in membership_cycles(units)]
    return out


def _document_references(tree: Tree) -> list[str]:
    reg, out = tree.registries, []
    for doc in tree.documents.values():
        if doc.jurisdiction not in reg.places:
            out.append(f"document {doc.id}: jurisdiction '{doc.jurisdiction}' is not a place")
        out += [f"document {doc.id}: issuer '{r.unit}' is not a unit" for r in doc.issuer if r.unit not in reg.units]
    return out


def _reference_problems(tree: Tree, item: Item) -> list[str]:
    reg, out = tree.registries, []
    if item.parent and item.parent not in tree.items:
        out.append(f"{item.id}: parent {item.parent} does not exist")
    out += [f"{item.id}: unit '{r.unit}' is not a unit" for r in item.units if r.unit not in reg.units]
    for t in item.targets:
        if t.metric not in reg.metrics:
            out.append(f"{item.id}: metric '{t.metric}' is not a metric")
        for key, table in (("customer", reg.customers), ("area", reg.areas), ("stage", reg.stages)):
            value = getattr(t, key)
            if value and value not in table:
                out.append(f"{item.id}: {key} '{value}' is not known")
        for value in (t.value, t.alternative.value if t.alternative else 0):
            if why := bad_value(value):
                out.append(f"{item.id}: target value {why} (a value is a finite number >= 0)")
    return out


def check(tree: Tree, coverage: bool = True, files: dict | None = None) -> list[Problem]:
    """Every problem of the tree; `files` are its bytes as read for the cache key (a build
    checks exactly what it parsed). A JSON export gets the checks that need no source text."""
    if tree.root.is_file():
        return check_export(tree)
    return Checker(tree, files).run(coverage=coverage)
