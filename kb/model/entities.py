"""The knowledge base's vocabulary: documents, items, deadlines, targets, units, links.

Plain frozen dataclasses, built once by the loader. `to_dict()` gives the public JSON shape
(the same for `powerkb show --format json`, query results, exports and the Python API), so
the shape is defined in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from datetime import date
from pathlib import Path

from kb.core.deadlines import recurrence_dates, rrule


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


DeadlineKind = Literal["date", "ongoing", "recurring"]
Role = Literal["lead", "cooperate"]
WrittenRole = Literal["牵头", "负责", "配合", "协同"]
Basis = Literal["stated", "inferred"]
Rel = Literal["implements", "measures", "same-as"]


@dataclass(frozen=True)
class Party:
    """A unit a deadline's clause names: who it binds (`subjects`) or who receives it (`recipients`).

    `as_written` is the item's own words for the unit, so a reader can see where the clause says so;
    `basis: inferred` marks a party the clause does not name itself (with the `reason`).
    """

    unit: str
    as_written: str
    basis: str = "stated"  # "stated" | "inferred"
    reason: str | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        out = {"unit": self.unit, "as_written": self.as_written, "basis": self.basis}
        for key in ("reason", "note"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Reading:
    """Another date an ambiguous phrase can be read as (8月前: by 08-31, or before August: 07-31)."""

    date: date
    reason: str

    def to_dict(self) -> dict:
        return {"date": self.date.isoformat(), "reason": self.reason}


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    phrase: str
    date: date | None = None
    start: date | None = None
    every: str | None = None
    on: str | tuple[str, ...] | None = None
    first: date | None = None
    until: date | None = None
    scope: str | None = None
    label: str | None = None
    note: str | None = None
    subjects: tuple[Party, ...] = ()  # empty: the clause binds all the item's lead units
    recipients: tuple[Party, ...] = ()
    basis: str = "stated"  # "stated" | "inferred": is the date the phrase's only reading?
    reason: str | None = None
    other_readings: tuple[Reading, ...] = ()
    until_basis: str | None = None  # "stated" | "derived": where a recurrence's end comes from
    until_reason: str | None = None

    def occurrences(self) -> list[date]:
        """Dated occurrences: the date itself, or every date of a recurrence up to its `until`."""
        if self.kind == "date":
            return [self.date]
        if self.kind == "recurring":
            return recurrence_dates(self.every, self.on, self.first, self.until)
        return []

    @property
    def next_date(self) -> date | None:
        return self.date if self.kind == "date" else self.first

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "date": _iso(self.next_date), "phrase": self.phrase}
        if self.start:
            out["start"] = _iso(self.start)
        if self.kind == "recurring":
            out["every"] = self.every
            out["on"] = list(self.on) if isinstance(self.on, tuple) else self.on
            out["first"] = _iso(self.first)
            out["until"] = _iso(self.until)
            out["rrule"] = rrule(self.every, self.on)
        for key in ("scope", "label", "note"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        out["basis"] = self.basis
        for key in ("reason", "until_basis", "until_reason"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("other_readings", "subjects", "recipients"):
            if getattr(self, key):
                out[key] = [x.to_dict() for x in getattr(self, key)]
        return out


@dataclass(frozen=True)
class Alternative:
    metric: str
    comparator: str
    value: float
    unit: str
    quote: str
    note: str | None = None

    def to_dict(self) -> dict:
        out = {"metric": self.metric, "comparator": self.comparator, "value": self.value,
               "unit": self.unit, "quote": self.quote}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Target:
    metric: str
    comparator: str
    value: float
    unit: str
    quote: str
    customer: str | None = None
    area: str | None = None
    stage: str | None = None
    from_: date | None = None
    by: date | None = None
    alternative: Alternative | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        return {
            "metric": self.metric, "customer": self.customer, "area": self.area,
            "stage": self.stage, "comparator": self.comparator, "value": self.value,
            "unit": self.unit, "from": _iso(self.from_), "by": _iso(self.by),
            "alternative": self.alternative.to_dict() if self.alternative else None,
            "quote": self.quote, **({"note": self.note} if self.note else {}),
        }


@dataclass(frozen=True)
class LostTarget:
    """A target the source sets but whose value the received text lost (附表1's empty cells):
    "the province set one, its value is missing" is a different answer from "it set none"."""

    metric: str
    customer: str
    quote: str
    reason: str
    stage: str | None = None

    def to_dict(self) -> dict:
        out = {"metric": self.metric, "customer": self.customer, "quote": self.quote, "reason": self.reason}
        if self.stage:
            out["stage"] = self.stage
        return out


@dataclass(frozen=True)
class Responsibility:
    unit: str
    role: Role
    as_written: str
    note: str | None = None
    name: str | None = None  # the unit's registry names, filled in by the loader
    name_en: str | None = None
    written_role: str | None = None  # the source's word: 牵头 | 负责 | 配合 | 协同
    column: str | None = None  # the ledger column the unit is listed in: 责任单位 | 协同推进单位

    def to_dict(self) -> dict:
        out = {"id": self.unit, "name": self.name or self.unit, "name_en": self.name_en,
               "role": self.role, "as_written": self.as_written}
        for key in ("note", "written_role", "column"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class FormField:
    name: str
    part: str
    group: str | None = None
    unit: str | None = None
    en: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Item:
    id: str
    doc: str
    ref: str
    kind: str
    pieces: tuple[str, ...]
    summary: str
    source_file: str
    parent: str | None = None
    section: tuple[str, ...] = ()
    heading: str | None = None
    category: str | None = None
    mark: str | None = None
    national: tuple[str, ...] = ()
    standard: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    cooperating: tuple[str, ...] = ()
    quote: tuple[str, ...] = ()
    pages: tuple[int, ...] = ()
    units: tuple[Responsibility, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    targets: tuple[Target, ...] = ()
    fields: tuple[FormField, ...] = ()
    absent: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    yaml_file: str = ""
    yaml_line: int = 0
    lost_targets: tuple[LostTarget, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.pieces)

    @property
    def deadline(self) -> Deadline | None:
        """The item's first deadline: the one `deadline`/`deadline_kind` in the JSON speak of."""
        return self.deadlines[0] if self.deadlines else None

    @property
    def deadline_kind(self) -> str:
        return self.deadline.kind if self.deadline else "none"

    def bound_units(self, deadline: Deadline) -> tuple[str, ...]:
        """The unit ids a deadline binds: its own `subjects`, else every lead unit of the item."""
        if deadline.subjects:
            return tuple(p.unit for p in deadline.subjects)
        return tuple(r.unit for r in self.units if r.role == "lead")

    def occurrences(self) -> list[tuple[date, Deadline]]:
        return sorted(((d, dl) for dl in self.deadlines for d in dl.occurrences()), key=lambda p: p[0])

    def verbatim(self) -> dict[str, tuple[str, ...]]:
        """Every field that quotes the source, by name; what full-text search and `check` read."""
        return {
            "text": self.pieces, "national": self.national, "standard": self.standard,
            "responsible": self.responsible, "cooperating": self.cooperating, "quote": self.quote,
        }

    def to_dict(self) -> dict:
        """The public JSON object of an item (`powerkb show --format json`)."""
        dl = self.deadline
        return {
            "id": self.id,
            "doc": self.doc,
            "ref": self.ref,
            "kind": self.kind,
            "parent": self.parent,
            "section": list(self.section),
            "heading": self.heading,
            "category": self.category,
            "mark": self.mark,
            "text": self.text,
            "summary": self.summary,
            "national": "\n".join(self.national) or None,
            "standard": "\n".join(self.standard) or None,
            "deadline": _iso(dl.next_date) if dl else None,
            "deadline_kind": self.deadline_kind,
            "deadline_phrase": dl.phrase if dl else None,
            "deadlines": [d.to_dict() for d in self.deadlines],
            "units": [r.to_dict() for r in self.units],
            "responsible": "\n".join(self.responsible) or None,
            "cooperating": "\n".join(self.cooperating) or None,
            "targets": [t.to_dict() for t in self.targets],
            "fields": [f.to_dict() for f in self.fields],
            "absent": dict(self.absent),
            "note": self.note,
            "source": {
                "file": self.source_file,
                "quote": "\n".join(self.quote) if self.quote else self.text,
                "pages": list(self.pages),
            },
            **({"lost_targets": [t.to_dict() for t in self.lost_targets]} if self.lost_targets else {}),
        }


@dataclass(frozen=True)
class Document:
    id: str
    title_zh: str
    title_en: str
    jurisdiction: str
    source_file: str
    issuer: tuple[Responsibility, ...] = ()
    number: str | None = None
    issued: str | None = None
    printed: str | None = None
    title_derived: bool = False
    evidence: tuple[str, ...] = ()
    absent: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    yaml_file: str = ""
    level: str | None = None  # national | provincial | municipal
    implements: tuple[Relation, ...] = ()
    coverage: tuple[str, ...] = ()  # id families the documents implementing this one must carry out

    @property
    def implemented_docs(self) -> tuple[str, ...]:
        return tuple(r.doc for r in self.implements)

    def covers(self, item) -> bool:
        """Is `item` (of this document) one of the measures that plans below must carry out?"""
        return item.doc == self.id and id_family(item.ref) in self.coverage

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": {"zh": self.title_zh, "en": self.title_en, "derived": self.title_derived},
            "issuer": [r.unit for r in self.issuer], "number": self.number, "issued": self.issued,
            "printed": self.printed, "jurisdiction": self.jurisdiction, "source": self.source_file,
            "absent": dict(self.absent), "note": self.note, "level": self.level,
            "relations": {"implements": [r.to_dict() for r in self.implements]},
            "coverage": {"families": list(self.coverage)},
        }


LEVELS = ("national", "provincial", "municipal")
"""Document levels, highest first: a diff puts the higher one on the national side."""


def implemented_by(docs, doc_id: str) -> set[str]:
    """The documents `doc_id` implements, directly or through others."""
    seen, todo = set(), [doc_id]
    while todo:
        doc = docs.get(todo.pop())
        for up in doc.implemented_docs if doc else ():
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return seen


def id_family(ref: str) -> str:
    """An id without its final number: ledger.23 -> ledger, ledger.note.1 -> ledger.note."""
    head, _, tail = ref.rpartition(".")
    return head if head and tail.isdigit() else ref


@dataclass(frozen=True)
class Relation:
    """A document's relation to another (this plan implements that opinion), stated in its source
    (with the quote) or inferred (with the reason)."""

    doc: str
    basis: str  # stated | inferred
    quote: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        out = {"doc": self.doc, "basis": self.basis}
        if self.quote:
            out["quote"] = self.quote
        if self.reason:
            out["reason"] = " ".join(self.reason.split())
        return out


@dataclass(frozen=True)
class Unit:
    id: str
    zh: str
    en: str
    level: str
    kind: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    collective: bool = False
    members: tuple[tuple[str, tuple[str, ...]], ...] = ()  # stated in a source (see `basis`)
    basis: str | None = None
    note: str | None = None
    # members no source states, per jurisdiction: ((jurisdiction, ((unit, reason), ...)), ...)
    inferred_members: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.aliases)

    def members_in(self, jurisdiction: str) -> tuple[str, ...]:
        """The members a source states, in one jurisdiction (what queries expand through)."""
        return dict(self.members).get(jurisdiction, ())

    def inferred_members_in(self, jurisdiction: str) -> tuple[str, ...]:
        """The members no source states (read from parallel columns or names), in one jurisdiction."""
        return tuple(u for u, _ in dict(self.inferred_members).get(jurisdiction, ()))

    def to_dict(self) -> dict:
        return {
            "id": self.id, "zh": self.zh, "en": self.en, "aliases": list(self.aliases),
            "level": self.level, "kind": self.kind, "parent": self.parent,
            "collective": self.collective, "members": {j: list(m) for j, m in self.members},
            "basis": self.basis, "note": self.note,
            "inferred_members": {j: [{"unit": u, "reason": r} for u, r in m] for j, m in self.inferred_members},
        }


@dataclass(frozen=True)
class Term:
    """An entry of metrics.yaml: a metric, customer class, area class, stage or measure."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    extra: tuple[tuple[str, object], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, self.zh, self.en, *self.aliases)

    def get(self, key: str, default=None):
        return dict(self.extra).get(key, default)

    # The registry's typed keys (metrics.yaml, places.yaml): read these, not `get("…")`.
    @property
    def unit(self) -> str | None:
        """A metric's unit of measure (workday, percent, kW, ...)."""
        return self.get("unit")

    @property
    def better(self) -> str:
        """Which way a metric improves: "lower" (a time limit) or "higher" (a capacity)."""
        return self.get("better") or "lower"

    @property
    def family(self) -> str | None:
        """A customer class's family: classes of one family are compared by voltage scope."""
        return self.get("family")

    @property
    def voltage_kv(self) -> tuple[float, float]:
        """A customer class's voltage range (min, max) in kV; open ends are 0 and infinity."""
        v = self.get("voltage_kv") or {}
        return v.get("min", 0), v.get("max", float("inf"))

    @property
    def zone(self) -> str | None:
        """A reliability area's zone: center, urban, town or rural."""
        return self.get("zone")

    @property
    def city_class(self) -> str | None:
        return self.get("city_class")

    @property
    def level(self) -> str | None:
        """A place's level: national, provincial or city."""
        return self.get("level")

    @property
    def parent(self) -> str | None:
        return self.get("parent")

    def to_dict(self) -> dict:
        return {"id": self.id, "zh": self.zh, "en": self.en, "aliases": list(self.aliases), **dict(self.extra)}


@dataclass(frozen=True)
class Link:
    src: str
    rel: Rel
    dst: str
    note: str | None = None
    yaml_line: int = 0
    # The source item carries out (or the indicator measures) only part of the target.
    partial: bool = False
    # Where the two items date the same measure differently: what differs, quoting both phrases.
    conflict: str | None = None

    def to_dict(self) -> dict:
        return {"from": self.src, "rel": self.rel, "to": self.dst, "note": self.note,
                "partial": self.partial, "conflict": self.conflict}


@dataclass
class Problem:
    """One finding of `check`: printed as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Registries:
    units: dict[str, Unit] = field(default_factory=dict)
    metrics: dict[str, Term] = field(default_factory=dict)
    customers: dict[str, Term] = field(default_factory=dict)
    areas: dict[str, Term] = field(default_factory=dict)
    stages: dict[str, Term] = field(default_factory=dict)
    measures: dict[str, Term] = field(default_factory=dict)
    places: dict[str, Term] = field(default_factory=dict)
    synonyms: tuple[tuple[str, ...], ...] = ()  # groups of forms search treats as one word (synonyms.yaml)


@dataclass
class Tree:
    """Everything read from one policy directory."""

    root: Path
    documents: dict[str, Document] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    no_counterpart: dict[str, str] = field(default_factory=dict)  # item id -> why no plan carries it out
    no_counterpart_in: dict[tuple[str, str], str] = field(default_factory=dict)  # (item id, plan doc) -> why

    def missing_reason(self, item_id: str, doc: str) -> str | None:
        """Why plan `doc` has no counterpart of `item_id`, when links.yaml says so."""
        return self.no_counterpart_in.get((item_id, doc)) or self.no_counterpart.get(item_id)
    registries: Registries = field(default_factory=Registries)
    errata: dict[str, dict] = field(default_factory=dict)  # cleaned file name -> errata data
    raw: dict[str, object] = field(default_factory=dict)  # item id / file name -> its LineDict
    files: dict[str, str] = field(default_factory=dict)  # item id -> display path of its yaml
    problems: list[Problem] = field(default_factory=list)
