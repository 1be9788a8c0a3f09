"""Which targets bind an application: the targets in force on its date, national and provincial.

A target binds applications made after it is due to be reached: a target `by` D binds
applications made after D (2021年底前 -> from 2022-01-01); a target `from` F binds applications
from F; a target with neither binds from its document's date (the date of issue, else the print
date; a coarse date such as 2020-09 counts from the end of that period, the first day the
document certainly existed). No target binds before its document's date.

Of the targets in force, at each level (national, provincial) the strictest binds, since every
one of them must hold (Shanxi's later 15 workdays and its earlier 20 are both in force in 2023;
meeting 15 meets both). Between the levels, the provincial target is used where it is stricter
than the national one, otherwise the national one: a province may tighten a national target but
not relax it. Restatements of one value (the goal, the ledger row, the indicator) are merged and
all cited.

办电“零投资” for residential customers and low-voltage non-residential customers under the Three
Zeros is a target like the others in the policy files: metric `zero-investment`, <= 0 yuan.
"""

from __future__ import annotations

import calendar
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

CUSTOMER_GROUPS = {
    "all-users": None,  # every customer
    "three-zero-users": {"residential", "lv-nonres-three-zero"},
    "hv-users": {"hv-single", "hv-dual"},
}
"""Target customer classes that stand for several case classes."""

def document_date(doc) -> date | None:
    """The date a document counts from: issued, else printed; YYYY-MM and YYYY at their end."""
    text = doc.issued or doc.printed
    if not text:
        return None
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], 12, 31)


@dataclass(frozen=True)
class Source:
    """One item stating a requirement, with when it starts to bind."""

    id: str
    quote: str
    effective: date
    basis: str  # how `effective` was found: "by 2021-12-31", "from 2021-05-07", "document date 2020-09"

    def to_dict(self) -> dict:
        return {"id": self.id, "quote": self.quote, "binds_from": self.effective.isoformat(), "basis": self.basis}


@dataclass
class Rule:
    """A value in force at one level, with every item that states it."""

    metric: str
    level: str  # "national" | "provincial"
    comparator: str
    value: float
    unit: str
    sources: list[Source] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.sources]

    def limit_text(self) -> str:
        return f"{self.comparator} {self.value:g} {self.unit}"

    def cite(self) -> str:
        # a Rule is shared by every case its Chooser answers: write the citation once
        cited = self.__dict__.get("_cited")
        if cited is None or cited[0] != len(self.sources):
            quotes = list(dict.fromkeys(s.quote for s in self.sources))
            cited = self.__dict__["_cited"] = (len(self.sources), f"{self.level}: {', '.join(self.ids)} (“" + "”; “".join(quotes) + "”)")
        return cited[1]

    def to_dict(self) -> dict:
        return {"level": self.level, "comparator": self.comparator, "value": self.value, "unit": self.unit,
                "ids": self.ids, "sources": [s.to_dict() for s in self.sources]}


@dataclass
class Choice:
    """The rule that binds a case for one metric, and why that one."""

    rule: Rule
    why: str
    considered: list[Rule] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {**self.rule.to_dict(), "why": self.why, "considered": [r.to_dict() for r in self.considered]}


def _customer_ok(target_customer: str | None, customers) -> bool:
    if target_customer is None or target_customer in customers:
        return True
    if target_customer in CUSTOMER_GROUPS:
        group = CUSTOMER_GROUPS[target_customer]
        return group is None or bool(group & set(customers))
    return False


def _area_ok(target_area: str | None, areas) -> bool:
    return target_area in (None, "any") or target_area in areas


def _level(doc) -> str:
    return "national" if doc.jurisdiction == "national" else "provincial"


_INDEX: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _index(base) -> dict:
    """Per knowledge base, computed once: (item, target) pairs by metric."""
    index = _INDEX.get(base)
    if index is None:
        targets: dict[str, list] = {}
        for item in base.items.values():
            for t in item.targets:
                targets.setdefault(t.metric, []).append((item, t))
        index = _INDEX[base] = {"targets": targets, "choices": {}, "dates": None}
    return index


def _effective_dates(base) -> list[date]:
    """Every date on which some target starts to bind, sorted: between two of them the targets
    in force do not change, so a choice made for one application date holds for the others."""
    index = _index(base)
    if index["dates"] is None:
        docs = base.documents
        dates = set()
        for pairs in index["targets"].values():
            for item, t in pairs:
                doc = docs.get(item.doc)
                when = _from(item, doc, t.by, t.from_) if doc is not None else None
                if when is not None:
                    dates.add(when[0])
        index["dates"] = sorted(dates)
    return index["dates"]


class _Applied:
    """Stands for the application date in a cached choice's text; replaced on use."""

    TEXT = "\x00applied\x00"

    def isoformat(self) -> str:
        return self.TEXT


class Chooser:
    """The binding rule per (metric, customer classes, area classes, stage, period between two
    effective dates) for one jurisdiction, chosen once and reused: evaluating many cases asks the
    same few questions again and again. The application date appears in a choice's reasons only
    as text, put in on use."""

    MAX = 100_000

    def __init__(self, base, chain, jurisdiction_name):
        self.base, self.chain, self.jname = base, list(chain), jurisdiction_name
        self.dates = _effective_dates(base)
        self.cache: dict[tuple, tuple] = {}
        self._better: dict[str, str] = {}

    def bucket(self, applied: date) -> int:
        return bisect_right(self.dates, applied)

    def better(self, metric: str) -> str:
        if metric not in self._better:
            term = self.base.registries.metrics.get(metric)
            self._better[metric] = (term.get("better") if term else None) or "lower"
        return self._better[metric]

    def get(self, metric: str, customers: tuple, applied: date, bucket: int | None = None,
            areas: frozenset = frozenset(), stage=None, better: str | None = None) -> Choice | None:
        key = (metric, customers, areas, stage, self.bucket(applied) if bucket is None else bucket)
        hit = self.cache.get(key)
        if hit is None:
            if len(self.cache) > self.MAX:
                self.cache.clear()
            found = sources_in_force(self.base, self.chain, applied, metric, customers, areas, stage)
            choice = choose(metric, better or self.better(metric), found, self.jname, _Applied())
            hit = self.cache[key] = (choice, choice is not None and _Applied.TEXT in choice.why)
        choice, marked = hit
        if marked:
            return Choice(choice.rule, choice.why.replace(_Applied.TEXT, applied.isoformat()), choice.considered)
        return choice


def chooser(base, chain, jurisdiction_name) -> Chooser:
    """The Chooser of a knowledge base and jurisdiction (kept with the base's index)."""
    choosers = _index(base)["choices"]
    key = (tuple(chain), jurisdiction_name)
    if key not in choosers:
        choosers[key] = Chooser(base, chain, jurisdiction_name)
    return choosers[key]


def choose_in_force(base, chain, jurisdiction_name, metric: str, better: str, customers, applied: date,
                    areas=(), stage=None) -> Choice | None:
    """`choose(sources_in_force(...))` through the jurisdiction's cached Chooser."""
    return chooser(base, chain, jurisdiction_name).get(metric, tuple(customers), applied, None,
                                                       frozenset(areas), stage, better)


def _from(item, doc, by: date | None, from_: date | None) -> tuple[date, str] | None:
    """When a target starts to bind, and why: after its `by` date, from its `from` date, or from
    its document's date, but never before the document itself (the NEA notice of 2021-03-29 sets
    targets `by` 2020-12-31: they bind from 2021-03-29)."""
    issued = document_date(doc)
    if by:
        when, basis = by + timedelta(days=1), f"by {by.isoformat()}"
    elif from_:
        when, basis = from_, f"from {from_.isoformat()}"
    elif issued is None:
        return None
    else:
        return issued, f"document date {doc.issued or doc.printed}"
    if issued is not None and issued > when:
        return issued, f"{basis}, but not before the document's date {doc.issued or doc.printed}"
    return when, basis


def documents_for(base, chain: list[str]):
    """The documents of a jurisdiction and of the places above it."""
    return [d for d in base.documents.values() if d.jurisdiction in chain]


def sources_in_force(base, chain, applied: date, metric: str, customers, areas=(), stage=None):
    """(level, comparator, value, unit, Source) for every target in force for an application."""
    docs = {d.id: d for d in documents_for(base, chain)}
    out = []
    for item, t in _index(base)["targets"].get(metric, ()):
        doc = docs.get(item.doc)
        if doc is None or t.stage != stage:
            continue
        if not _customer_ok(t.customer, customers) or not _area_ok(t.area, areas):
            continue
        when = _from(item, doc, t.by, t.from_)
        if when is None or when[0] > applied:
            continue
        out.append((_level(doc), t.comparator, t.value, t.unit, Source(item.id, t.quote, *when)))
    return out


def _stricter(better: str, a: float, b: float) -> bool:
    return a < b if better == "lower" else a > b


def rules_by_level(metric: str, better: str, found) -> dict[str, list[Rule]]:
    """Rules per level, strictest first, restatements of one value merged."""
    levels: dict[str, dict[tuple, Rule]] = {}
    for level, comparator, value, unit, source in found:
        key = (comparator, value, unit)
        rule = levels.setdefault(level, {}).get(key)
        if rule is None:
            rule = levels[level][key] = Rule(metric, level, comparator, value, unit)
        if source.id not in rule.ids:
            rule.sources.append(source)
    out = {}
    for level, rules in levels.items():
        ordered = sorted(rules.values(), key=lambda r: r.value, reverse=(better == "higher"))
        out[level] = ordered
    return out


def choose(metric: str, better: str, found, jurisdiction_name: str | None, applied: date) -> Choice | None:
    """The binding rule: the strictest national one, replaced by the strictest provincial one
    where that is stricter still. None when nothing is in force. `jurisdiction_name` names the
    province in explanations (None when evaluating for the national level)."""
    levels = rules_by_level(metric, better, found)
    national = levels.get("national", [])
    provincial = levels.get("provincial", [])
    considered = national + provincial
    on = f"applications made on {applied.isoformat()}"
    if not national and not provincial:
        return None
    if national and not provincial:
        n = national[0]
        if jurisdiction_name is None:  # evaluating for the national level itself
            return Choice(n, f"national target {n.limit_text()}, the strictest in force for {on}", considered)
        return Choice(n, f"national target {n.limit_text()}; no {jurisdiction_name} target on this is in force for {on}", considered)
    if provincial and not national:
        p = provincial[0]
        return Choice(p, f"{jurisdiction_name} target {p.limit_text()}; no national target on this is in force for {on}", considered)
    n, p = national[0], provincial[0]
    if _stricter(better, p.value, n.value):
        return Choice(p, f"{jurisdiction_name}'s {p.limit_text()} is stricter than the national {n.limit_text()}, "
                         "so the provincial target applies", considered)
    how = "the same as" if p.value == n.value else "looser than"
    return Choice(n, f"{jurisdiction_name}'s {p.limit_text()} is {how} the national {n.limit_text()}, so the national "
                     "target applies (a province may tighten a national target, not relax it)", considered)
