"""Diffing two documents: targets metric by metric, and paired texts clause by clause.

Targets are compared per (metric, customer class, area class, stage). Customer classes of one
family (the approval-time target's 20kV及以下 vs 10kV) are paired and their scope compared. The
same target restated in several items of a document (body goal, ledger row, year action) is
merged into one, listing every item. Within a key, targets of the same year are paired first,
then each remaining provincial target with the national one nearest in date.

Verdicts, from the second document's side: stricter / looser (value, by the metric's `better`),
earlier / later (same value, different date), same, narrower-scope / broader-scope (the class
differs, e.g. 10kV against 20kV及以下), only-national / only-provincial (no counterpart).

Texts are paired through the 1479 item both documents implement (or restate), split into clauses
at Chinese sentence punctuation, and matched clause by clause: same, changed, removed (only in
the first document), added (only in the second).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Literal

from kb.core.i18n import label, term_name

Verdict = Literal["stricter", "same", "looser", "earlier", "later", "narrower-scope", "broader-scope",
                  "only-national", "value-absent", "only-provincial"]
VERDICTS: list[Verdict] = ["stricter", "same", "looser", "earlier", "later", "narrower-scope", "broader-scope",
            "only-national", "value-absent", "only-provincial"]
"""`value-absent`: the provincial document set such a target but the received text lost its value
(附表1's empty cells), which is not the same answer as `only-national` (it set none)."""
TARGET_KINDS = {"goal", "task", "obligation", "action", "indicator"}
TEXT_KINDS = {"goal", "task", "obligation"}


@dataclass
class Side:
    ids: list[str]
    value: float
    unit: str
    comparator: str
    by: str | None
    customer: str | None
    quote: str
    alternative: dict | None = None

    def to_dict(self) -> dict:
        return {"id": self.ids[0], "ids": self.ids, "value": self.value, "unit": self.unit,
                "comparator": self.comparator, "by": self.by, "customer": self.customer,
                "alternative": self.alternative, "quote": self.quote}


@dataclass
class TargetPair:
    metric: str
    customer: str | None
    area: str | None
    stage: str | None
    national: Side | None
    provincial: Side | None
    verdict: Verdict
    note: str = ""

    def to_dict(self) -> dict:
        out = {"metric": self.metric, "customer": self.customer, "area": self.area, "stage": self.stage,
               "national": self.national.to_dict() if self.national else None,
               "provincial": self.provincial.to_dict() if self.provincial else None,
               "verdict": self.verdict, "note": self.note}
        # names beside the ids, in the run's language (keys added; the ids stay as they were)
        out["metric_name"] = term_name("metric", self.metric)
        out["verdict_name"] = label(f"verdict.{self.verdict}")
        for kind in ("customer", "area", "stage"):
            if out[kind]:
                out[f"{kind}_name"] = " / ".join(term_name(kind, one) for one in out[kind].split(" / "))
        return out


@dataclass
class Clause:
    op: str  # same | changed | removed | added
    national: str | None
    provincial: str | None
    source: str | None = None  # the provincial item the clause comes from
    similarity: float = 1.0

    def to_dict(self) -> dict:
        return {"op": self.op, "national": self.national, "provincial": self.provincial,
                "source": self.source, "similarity": round(self.similarity, 2), "op_name": label(f"clause.{self.op}")}


@dataclass
class TextPair:
    anchor: str
    national_ids: list[str]
    provincial_ids: list[str]
    clauses: list[Clause] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(c.op for c in self.clauses)

    def to_dict(self) -> dict:
        return {"anchor": self.anchor, "national_ids": self.national_ids, "provincial_ids": self.provincial_ids,
                "counts": dict(self.counts()), "clauses": [c.to_dict() for c in self.clauses]}


@dataclass
class DiffResult:
    a: str
    b: str
    targets: list[TargetPair]
    texts: list[TextPair]
    notice: str | None = None  # e.g. that the two documents were put in national/provincial order

    def summary(self) -> dict[str, int]:
        counts = Counter(p.verdict for p in self.targets)
        return {v: counts[v] for v in VERDICTS if counts[v]}

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "summary": self.summary(),
                "summary_names": {v: label(f"verdict.{v}") for v in self.summary()},
                "targets": [p.to_dict() for p in self.targets], "texts": [t.to_dict() for t in self.texts], "notice": self.notice}


# --- targets -------------------------------------------------------------------------------

def _family(kb, customer: str | None) -> str | None:
    if customer is None:
        return None
    term = kb.registries.customers.get(customer)
    return (term.family if term else None) or customer


def _sides(kb, doc: str, keep) -> dict[tuple, list[Side]]:
    """Targets of one document by key, each distinct target once (restatements merged)."""
    grouped: dict[tuple, dict[tuple, Side]] = defaultdict(dict)
    for item in kb.items.values():
        if item.doc != doc or item.kind not in TARGET_KINDS or not keep(item):
            continue
        for t in item.targets:
            if not keep(item, t):
                continue
            key = (t.metric, _family(kb, t.customer), t.area, t.stage)
            by = t.by.isoformat() if t.by else None
            ident = (t.customer, t.value, t.comparator, by)
            side = grouped[key].get(ident)
            if side:
                side.ids.append(item.id)
            else:
                alt = t.alternative.to_dict() if t.alternative else None
                grouped[key][ident] = Side([item.id], t.value, t.unit, t.comparator, by, t.customer, t.quote, alt)
    out = {}
    for key, sides in grouped.items():
        merged = []
        for s in sides.values():
            twin = next((d for d in sides.values() if d.by and not s.by and (d.customer, d.value) == (s.customer, s.value)), None)
            if twin is not None:  # an undated restatement of a dated target
                twin.ids.extend(i for i in s.ids if i not in twin.ids)
                continue
            merged.append(s)
        out[key] = sorted(merged, key=lambda s: (s.by or "9999", s.value))
    return out


def _pair(national: list[Side], provincial: list[Side]):
    pairs, left_n, left_p = [], list(national), []
    for p in provincial:  # same year first
        match = next((n for n in left_n if n.by and p.by and n.by[:4] == p.by[:4]), None)
        if match:
            left_n.remove(match)
            pairs.append((match, p))
        else:
            left_p.append(p)
    for p in left_p:  # then the national target in force nearest before it, else the earliest left
        if not left_n:
            pairs.append((None, p))
            continue
        before = [n for n in left_n if (n.by or "") <= (p.by or "9999")]
        match = before[-1] if before else left_n[0]
        left_n.remove(match)
        pairs.append((match, p))
    pairs += [(n, None) for n in left_n]
    return sorted(pairs, key=lambda np: ((np[0] or np[1]).by or "9999"))


def _scope(kb, n: Side, p: Side) -> tuple[str, str] | None:
    """narrower-scope / broader-scope when the two customer classes differ and one's voltage range
    holds the other's (10kV against 20kV及以下); None when they do not nest."""
    if n.customer == p.customer:
        return None
    cn = kb.registries.customers.get(n.customer)
    cp = kb.registries.customers.get(p.customer)
    rn = cn.voltage_kv if cn else (0, float("inf"))
    rp = cp.voltage_kv if cp else (0, float("inf"))
    if rn == rp:
        return None
    if rn[0] <= rp[0] and rp[1] <= rn[1]:
        scope = "narrower-scope"
    elif rp[0] <= rn[0] and rn[1] <= rp[1]:
        scope = "broader-scope"
    else:
        return None
    value = label("diff.same_value") if n.value == p.value else label("diff.values", n=f"{n.value:g}", p=f"{p.value:g}")
    return scope, label("diff.scope", n=term_name("customer", n.customer, registries=kb.registries),
                        p=term_name("customer", p.customer, registries=kb.registries), value=value)


def _verdict(kb, metric: str, n: Side, p: Side) -> tuple[str, str]:
    """The provincial side's verdict against the national side, with a note for people."""
    scoped = _scope(kb, n, p)
    if scoped:
        return scoped
    better = kb.registries.metrics[metric].better if metric in kb.registries.metrics else "lower"
    dates_differ = bool(n.by and p.by and n.by != p.by)
    if n.value != p.value:
        stricter = p.value < n.value if better == "lower" else p.value > n.value
        return ("stricter" if stricter else "looser"), (label("diff.dates", n=n.by, p=p.by) if dates_differ else "")
    if dates_differ:
        return ("earlier" if p.by < n.by else "later"), label("diff.due_instead", p=p.by, n=n.by)
    if bool(n.alternative) != bool(p.alternative):
        return "same", label("diff.alt_national" if n.alternative else "diff.alt_provincial")
    return "same", ""


def _lost(kb, doc: str, keep) -> dict[tuple, str]:
    """(metric, customer family, area, stage) -> why: the targets `doc` set whose values the source
    lost. A lost target with no stage stands for every stage of its metric and class."""
    out: dict[tuple, str] = {}
    stages = list(kb.registries.stages) + [None]
    for item in kb.items.values():
        if item.doc != doc or not keep(item):
            continue
        for lost in item.lost_targets:
            for stage in [lost.stage] if lost.stage else stages:
                out[(lost.metric, _family(kb, lost.customer), None, stage)] = f"{item.id}: {lost.reason}"
    return out


def diff_targets(kb, a: str, b: str, keep=lambda item, target=None: True) -> list[TargetPair]:
    na, nb = _sides(kb, a, keep), _sides(kb, b, keep)
    lost = _lost(kb, b, keep)
    metric_order = {m: i for i, m in enumerate(kb.registries.metrics)}
    rows = []
    for key in sorted(set(na) | set(nb), key=lambda k: (metric_order.get(k[0], 99), str(k[1:]))):
        metric, family, area, stage = key
        for n, p in _pair(na.get(key, []), nb.get(key, [])):
            if n and p:
                verdict, note = _verdict(kb, metric, n, p)
            elif n and key in lost:
                verdict, note = "value-absent", lost[key]
            else:
                verdict, note = ("only-national", "") if n else ("only-provincial", "")
            customer = (p or n).customer if not (n and p) else (n.customer if n.customer == p.customer else f"{n.customer} / {p.customer}")
            rows.append(TargetPair(metric, customer, area, stage, n, p, verdict, note))
    return rows


# --- texts ---------------------------------------------------------------------------------

_SPLIT = re.compile(r"(?<=[。；！？;])")
_NUMBERING = re.compile(r"^(\d+[.．、]|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)")
SYNONYMS = (("客户", "用户"),)
"""Wording the provincial text changes throughout without changing the meaning."""


def clauses(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        for part in _SPLIT.split(line):
            part = part.strip()
            if part and re.search(r"\w", part):
                out.append(part)
    return out


def _norm(clause: str) -> str:
    c = "".join(clause.split())
    c = _NUMBERING.sub("", c)
    for a, b in SYNONYMS:
        c = c.replace(a, b)
    return c.rstrip("。；;，,")


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) / 100


def diff_clauses(national: list[tuple[str, str]], provincial: list[tuple[str, str]]) -> list[Clause]:
    """Match clauses (text, source id) of both sides; the rest are removed / added.

    The provincial side is the row's text and its year actions, which restate one another; a
    clause that (nearly) repeats an earlier one is kept once, with its first source."""
    prov = []
    for text, source in provincial:
        key = _norm(text)
        if not any(key == k or _similarity(key, k) >= 0.85 for _, _, k in prov):
            prov.append((text, source, key))
    used: set[int] = set()
    out = []
    for text, _source in national:
        key = _norm(text)
        best, score = None, 0.0
        for j, (_, _, pkey) in enumerate(prov):
            if j in used:
                continue
            s = 1.0 if pkey == key else _similarity(key, pkey)
            if s > score:
                best, score = j, s
                if s == 1.0:
                    break
        if best is not None and score >= 0.6:
            used.add(best)
            ptext, psource, _ = prov[best]
            out.append(Clause("same" if score >= 0.97 else "changed", text, ptext, psource, score))
        else:
            out.append(Clause("removed", text, None, None, 0.0))
    for j, (ptext, psource, _) in enumerate(prov):
        if j not in used:
            out.append(Clause("added", None, ptext, psource, 0.0))
    return out


def _anchors(kb) -> dict[str, dict[str, list[str]]]:
    """For each item of a root document (one that others implement and that implements none,
    like the 1479 opinion): the items of each document that implement or restate it.

    Where a document has items that quote the anchor beside their own text (a ledger row with its
    national column), those rows speak for the document: its body items restate the same rows."""
    docs = kb.documents
    implemented = {d for doc in docs.values() for d in doc.implemented_docs}
    roots = {d for d in implemented if d in docs and not docs[d].implements}
    by_anchor: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in kb.items.values():
        if item.doc in roots:
            by_anchor[item.id][item.doc].append(item.id)
    for link in kb.links:
        if link.rel == "implements" and link.dst in kb.items and link.src in kb.items:
            src = kb.items[link.src]
            if src.kind in TEXT_KINDS:
                by_anchor[link.dst][src.doc].append(src.id)
    for sides in by_anchor.values():
        for doc, ids in sides.items():
            quoting = [i for i in ids if kb.items[i].national]
            if quoting:
                sides[doc] = quoting
    return by_anchor


_TITLE = re.compile(r"^[^，,；;：:]{2,14}[。.]$")


def _body(item) -> list[str]:
    """An item's clauses without its title: the 1479 cells begin with their heading
    (（六）优化接入电网方式各供电企业要…), the Shanxi cells with a short title sentence
    (优化接入电网方式。). Titles name the task; they are not provisions to compare."""
    out = []
    for piece in item.pieces:
        if item.heading and piece.startswith(item.heading):
            piece = piece[len(item.heading):]
        parts = clauses(piece)
        if parts and _TITLE.match(_NUMBERING.sub("", parts[0])):
            parts = parts[1:]
        out += parts
    return out


def _pieces(kb, ids: list[str], with_actions: bool) -> list[tuple[str, str]]:
    out = []
    for iid in ids:
        out += [(c, iid) for c in _body(kb.items[iid])]
        if with_actions:
            for child in kb.children.get(iid, []):
                out += [(c, child) for c in _body(kb.items[child])]
    return out


def diff_texts(kb, a: str, b: str, keep_item=lambda item: True) -> list[TextPair]:
    pairs = []
    for anchor, docs in _anchors(kb).items():
        na, nb = docs.get(a, []), docs.get(b, [])
        if not na or not nb:
            continue
        if not any(keep_item(kb.items[i]) for i in na + nb):
            continue
        national = _pieces(kb, na, with_actions=False)
        provincial = _pieces(kb, nb, with_actions=True)
        pairs.append(TextPair(anchor, na, nb, diff_clauses(national, provincial)))
    return pairs


def diff(kb, a: str, b: str, keep_item=None, keep_target=None) -> DiffResult:
    from kb.core.errors import UnknownName
    from kb.core.fuzzy import did_you_mean, near

    for doc in (a, b):
        if doc not in kb.documents:
            hint = did_you_mean(near(doc, kb.documents))
            raise UnknownName(f"unknown document '{doc}'{hint} (documents: {', '.join(kb.documents)})", doc, near(doc, kb.documents))
    keep_item = keep_item or (lambda item: True)
    keep_target = keep_target or (lambda target: True)

    def keep(item, target=None):
        return keep_item(item) and (target is None or keep_target(target))

    return DiffResult(a, b, diff_targets(kb, a, b, keep), diff_texts(kb, a, b, keep_item))


def where_filters(kb, store, statement, query: str, today):
    """Item and target filters for `diff A vs B where ...`: the items the condition matches, and
    for conditions on metric, customer, area or stage, only the targets that have them."""
    from kb.query.parse import And, Compare
    from kb.query.run import run
    from kb.query.vocab import vocabulary

    if statement.where is None:
        return None, None
    from kb.query.parse import Select

    parts = statement.where.parts if isinstance(statement.where, And) else [statement.where]
    parts = [p for p in parts if not _is_verdict(p)]
    if not parts:
        return None, None
    sub = run(store, query, today=today, select=Select(parts[0] if len(parts) == 1 else And(parts)))
    ids = {r.id for r in sub.rows}
    wanted = {}
    kinds = {"metric": "metrics", "customer": "customers", "area": "areas", "stage": "stages"}
    for part in parts:
        if isinstance(part, Compare) and part.field in kinds and part.op in ("=", "~"):
            vocab = vocabulary(store)
            wanted[part.field] = vocab.with_narrower(kinds[part.field], vocab.term_ids(kinds[part.field], part.value, query))
    def keep_target(t):
        return all(getattr(t, f) in allowed for f, allowed in wanted.items())
    return (lambda item: item.id in ids), keep_target


def _is_verdict(node) -> bool:
    from kb.query.parse import Compare

    return isinstance(node, Compare) and node.field == "verdict"


def verdict_filter(statement, query: str) -> set[str] | None:
    """The verdicts a diff's where asks for (`verdict = stricter`, `verdict != same`, joined by
    `and` at the top); None when it asks for none. A verdict inside or / not is an error: it
    filters target pairs, the rest of the where filters items."""
    from kb.query.parse import And, Not, Or, QueryError

    where = statement.where
    if where is None:
        return None
    parts = where.parts if isinstance(where, And) else [where]
    wanted: set[str] | None = None
    for p in parts:
        if _is_verdict(p):
            wanted = (wanted if wanted is not None else set(VERDICTS)) & _verdicts(p, query)
        elif isinstance(p, (Or, Not, And)) and _has_verdict(p):
            raise QueryError("a verdict condition cannot stand inside or / not: join it to the rest with 'and'",
                             query, p.span.start if p.span else 0, p.span.end if p.span else len(query))
    return wanted


def _has_verdict(node) -> bool:
    kids = getattr(node, "parts", None) or ([node.part] if hasattr(node, "part") else [])
    return _is_verdict(node) or any(_has_verdict(k) for k in kids)


def _verdicts(node, query: str) -> set[str]:
    from kb.core.fuzzy import near
    from kb.query.parse import QueryError, UnknownInQuery

    if node.op not in ("=", "!="):
        raise QueryError("'verdict' is compared with = or !=", query, node.span.start, node.span.end)
    word = node.value.text.strip().lower()
    if word not in VERDICTS:
        raise UnknownInQuery(f"unknown verdict '{node.value.text}'", query, node.value.span.start, node.value.span.end,
                             expected=[", ".join(VERDICTS)], suggestions=near(word, VERDICTS))
    return {word} if node.op == "=" else set(VERDICTS) - {word}


def check_verdicts(verdicts) -> set[str]:
    """Verdict names as given (`--verdict stricter,looser`), each checked: an unknown one is an
    error with suggestions."""
    from kb.core.errors import UnknownName
    from kb.core.fuzzy import did_you_mean, near

    words = {w.strip().lower() for v in ([verdicts] if isinstance(verdicts, str) else verdicts) for w in v.split(",") if w.strip()}
    for w in sorted(words - set(VERDICTS)):
        raise UnknownName(f"unknown verdict '{w}'{did_you_mean(near(w, VERDICTS))} (verdicts: {', '.join(VERDICTS)})",
                          w, near(w, VERDICTS))
    return words


def keep_verdicts(result: DiffResult, verdicts) -> DiffResult:
    """The diff with only the target pairs of those verdicts (texts are kept)."""
    if verdicts is not None:
        result.targets = [p for p in result.targets if p.verdict in verdicts]
    return result


def order_pair(docs, a: str, b: str) -> tuple[str, str, str | None]:
    """(higher, lower, notice): a diff reads the first document as the national side. The side
    that the other implements is the higher one, else the one of the higher level (from each
    document's `level`); asked the other way round, the two are swapped and the notice says so.
    Two documents with neither relation nor a difference in level cannot be diffed."""
    from kb.core.errors import UsageError
    from kb.model.entities import LEVELS, implemented_by

    rank = {lvl: n for n, lvl in enumerate(LEVELS)}
    if a == b:
        raise UsageError(f"cannot diff document '{a}' against itself")
    if b in implemented_by(docs, a) or (a not in implemented_by(docs, b) and rank.get(docs[a].level, 99) > rank.get(docs[b].level, 99)):
        return b, a, label("diff.swapped", a=a, b=b)
    if a in implemented_by(docs, b) or rank.get(docs[a].level, 99) < rank.get(docs[b].level, 99):
        return a, b, None
    raise UsageError(f"cannot diff {a} and {b}: neither implements the other and both are {docs[a].level or 'of no stated level'} "
                       "(a diff compares a higher-level document with one that carries it out)")


def default_pair(docs) -> tuple[str, str] | None:
    """The pair a diff screen opens on: the first root document (implemented by others, implementing
    none) and the first document of a lower level that implements it directly."""
    for upper in docs.values():
        if upper.implements:
            continue
        for lower in docs.values():
            if upper.id in lower.implemented_docs and lower.level != upper.level:
                return upper.id, lower.id
    return None


def diff_statement(base, statement, query: str, today) -> DiffResult:
    """`diff A vs B [where …]` on a knowledge base: the documents resolved by name (an unknown one
    is an error with suggestions), the `where` run on its store."""
    from kb.query.vocab import vocabulary

    vocab = vocabulary(base.store)
    a = vocab.doc_id(statement.a, query)
    b = vocab.doc_id(statement.b, query)
    a, b, notice = order_pair(base.documents, a, b)
    verdicts = verdict_filter(statement, query)
    keep_item, keep_target = where_filters(base, base.store, statement, query, today)
    result = keep_verdicts(diff(base, a, b, keep_item, keep_target), verdicts)
    result.notice = notice
    return result
