"""Names a query may use for units, metrics, classes and documents, and what each stands for.

Loaded from the store's registry tables, so that a query needs neither the YAML nor the pickled
tree. Unit matching follows the registry in both directions:

* down: a collective (各供电企业) stands for itself and, transitively, all its members;
* up: a member (国网山西省电力公司) also stands for each collective it belongs to, but only in
  documents of the jurisdiction whose member list names it.
"""

from __future__ import annotations

import json
from collections import defaultdict

from kb.core.fuzzy import near, norm
from kb.core.records import field, record
from kb.query.parse import UnknownInQuery, Value


def vocabulary(store) -> Vocabulary:
    """The vocabulary of an open store, read once per store."""
    v = store.memo.get("vocabulary")
    if v is None:
        v = store.memo["vocabulary"] = Vocabulary.from_store(store.con)
    return v


@record
class Vocabulary:
    units: dict[str, dict] = field(default_factory=dict)
    unit_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    members: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    inferred: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    inferred_reasons: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (collective, jur, member)
    terms: dict[str, dict[str, dict]] = field(default_factory=lambda: defaultdict(dict))
    docs: dict[str, dict] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)
    synonyms: list[tuple[str, ...]] = field(default_factory=list)

    @classmethod
    def from_store(cls, con) -> Vocabulary:
        v = cls()
        for row in con.execute("SELECT id, json FROM units"):
            v.units[row[0]] = json.loads(row[1])
        for name, unit in con.execute("SELECT name, unit FROM unit_names"):
            v.unit_names[norm(name)].add(unit)
        for coll, jur, member, basis, reason in con.execute(
                "SELECT collective, jurisdiction, member, basis, reason FROM unit_members"):
            if basis == "inferred":  # a membership the source does not state: only when asked for
                v.inferred[coll][jur].add(member)
                v.inferred_reasons[coll, jur, member] = reason or ""
            else:
                v.members[coll][jur].add(member)
        for kind, tid, data in con.execute("SELECT kind, id, json FROM terms"):
            v.terms[kind][tid] = json.loads(data)
        for did, data in con.execute("SELECT id, json FROM documents"):
            v.docs[did] = json.loads(data)
        v.kinds = {k for (k,) in con.execute("SELECT DISTINCT kind FROM items")}
        groups: dict[int, list[str]] = defaultdict(list)
        for grp, form in con.execute("SELECT grp, form FROM synonyms ORDER BY rowid"):
            groups[grp].append(form)
        v.synonyms = [tuple(g) for g in groups.values()]
        return v

    # -- units ---------------------------------------------------------------------------
    def unit_ids(self, value: Value, query: str) -> set[str]:
        """The units a name stands for: an exact name or alias, else every unit whose name contains it."""
        key = norm(value.text)
        if key in self.unit_names:
            return set(self.unit_names[key])
        found = {u for name, units in self.unit_names.items() if key and key in name for u in units}
        if found:
            return found
        raise UnknownInQuery(f"unknown unit '{value.text}'", query, value.span.start, value.span.end,
                         suggestions=self.near_units(value.text))

    def near_units(self, text: str) -> list[str]:
        names = [u["zh"] for u in self.units.values()] + [u["en"] for u in self.units.values()]
        names += [a for u in self.units.values() for a in u["aliases"]]
        return near(text, names, limit=3, cutoff=55)

    def member_lists(self, inferred: bool = False) -> dict[str, dict[str, set[str]]]:
        """Collective -> jurisdiction -> members: the stated ones, with `inferred` also the inferred."""
        if not inferred or not self.inferred:
            return self.members
        out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for source in (self.members, self.inferred):
            for coll, by_jur in source.items():
                for jur, members in by_jur.items():
                    out[coll][jur] |= members
        return out

    def expand_units(self, ids: set[str], inferred: bool = False) -> tuple[set[str], set[tuple[str, str]]]:
        """(units matched anywhere, (collective, jurisdiction) pairs matched only in that jurisdiction).
        Inferred memberships count only with `inferred`."""
        lists = self.member_lists(inferred)
        anywhere = set(ids)
        todo = list(ids)
        while todo:  # down: members of collectives, transitively
            unit = todo.pop()
            for members in lists.get(unit, {}).values():
                for m in members - anywhere:
                    anywhere.add(m)
                    todo.append(m)
        scoped: set[tuple[str, str]] = set()
        todo2 = [(u, None) for u in ids]
        seen = set()
        while todo2:  # up: collectives a unit belongs to, per jurisdiction, transitively
            unit, jur = todo2.pop()
            for coll, by_jur in lists.items():
                for j, members in by_jur.items():
                    if unit in members and (jur is None or j == jur) and (coll, j) not in seen:
                        seen.add((coll, j))
                        scoped.add((coll, j))
                        todo2.append((coll, j))
        return anywhere, {(c, j) for c, j in scoped if c not in anywhere}

    # -- metrics and classes --------------------------------------------------------------
    def term_ids(self, kind: str, value: Value, query: str) -> set[str]:
        table = self.terms.get(kind, {})
        key = norm(value.text)
        exact = {tid for tid, t in table.items() if key in {norm(n) for n in (tid, t["zh"], t["en"], *t.get("aliases", []))}}
        if exact:
            return exact
        partial = {tid for tid, t in table.items() if any(key in norm(n) for n in (tid, t["zh"], t["en"], *t.get("aliases", [])))}
        if partial and key:
            return partial
        names = [n for t in table.values() for n in (t["id"], t["zh"], t["en"], *t.get("aliases", []))]
        label = {"metrics": "metric", "customers": "customer class", "areas": "area class",
                 "stages": "stage", "measures": "unit of measure", "places": "place"}[kind]
        raise UnknownInQuery(f"unknown {label} '{value.text}'", query, value.span.start, value.span.end,
                         suggestions=near(value.text, names, limit=3, cutoff=55))

    def with_narrower(self, kind: str, ids: set[str]) -> set[str]:
        """`ids` and every class that lies within one of them (`within:` in metrics.yaml, through
        others too): asking for 农村地区 finds the rural classes of both city tiers."""
        table = self.terms.get(kind, {})
        out = set(ids)
        grew = True
        while grew:
            grew = False
            for tid, term in table.items():
                ups = {e if isinstance(e, str) else e.get("id") for e in term.get("within") or ()}
                if tid not in out and ups & out:
                    out.add(tid)
                    grew = True
        return out

    def doc_id(self, value: Value, query: str) -> str:
        key = value.text.strip().lower()
        if key in self.docs:
            return key
        raise UnknownInQuery(f"unknown document '{value.text}'", query, value.span.start, value.span.end,
                         expected=[", ".join(sorted(self.docs))], suggestions=near(value.text, list(self.docs)))

    def docs_at_level(self, value: Value, query: str) -> list[str]:
        """The documents of a level (`level` in each document's YAML: national, provincial, ...)."""
        from kb.model.entities import LEVELS

        key = value.text.strip().lower()
        docs = sorted(d for d, data in self.docs.items() if (data.get("level") or "").lower() == key)
        if docs or key in LEVELS:
            return docs
        levels = sorted({*LEVELS, *(data.get("level") for data in self.docs.values() if data.get("level"))})
        raise UnknownInQuery(f"unknown level '{value.text}'", query, value.span.start, value.span.end,
                             expected=[", ".join(levels)], suggestions=near(value.text, levels))

    def docs_above(self, doc: str) -> list[str]:
        """The documents `doc` implements, directly or through others (`relations.implements`)."""
        seen: list[str] = []
        todo = [doc]
        while todo:
            data = self.docs.get(todo.pop(), {})
            for rel in data.get("relations", {}).get("implements", []):
                if rel["doc"] not in seen:
                    seen.append(rel["doc"])
                    todo.append(rel["doc"])
        return seen

    def all_names(self) -> list[str]:
        """Every unit and metric name, for completion in the TUI."""
        out = set()
        for u in self.units.values():
            out.update([u["zh"], u["en"], *u["aliases"]])
        for kind in ("metrics", "customers", "areas", "stages"):
            for t in self.terms.get(kind, {}).values():
                out.update([t["zh"], t["en"], *t.get("aliases", [])])
        return sorted(out)
