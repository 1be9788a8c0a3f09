"""Property: a query's answer equals a brute-force evaluation over the model.

Queries are generated from the grammar (grammar/query.lark) for a subset of conditions whose
meaning is simple to state in Python: `doc`, `kind`, `unit` (exact, units that are neither
collective nor members of one, so no expansion applies), `text ~` (a Chinese substring) and
`due <=`/`>=`/`in` (dated deadlines, recurrences expanded), joined by `and`, `or`, `not` and
parentheses. The engine (SQL + FTS5) and the oracle (a loop over `kb.items`) must select the
same items. The tree is the bundled one (242 items: small enough to evaluate by brute force).
"""

from __future__ import annotations

import calendar
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.loading.sources import squash

AS_OF = date(2021, 6, 1)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


@pytest.fixture(scope="module")
def model(base):
    items = list(base.items.values())
    members = {m for u in base.units.values() for _, ms in u.members for m in ms}
    plain_units = sorted(u.id for u in base.units.values()
                         if not u.collective and u.id not in members and any(r.unit == u.id for i in items for r in i.units))
    texts = {}
    for i in items:
        # `text ~` reads the item's own statement: its text and heading (docs/query-language.md)
        texts[i.id] = squash("\u0001".join([*i.pieces, i.heading or ""]))  # a term never spans two fields
    runs = sorted({run for t in texts.values() for run in _CJK_RUN.findall(t)})
    return {
        "items": items, "docs": sorted(base.documents), "kinds": sorted({i.kind for i in items}),
        "synonyms": base.registries.synonyms,
        "units": plain_units, "texts": texts, "runs": runs,
        # a query counts stated dates only (inferred readings need with_inferred)
        "dates": {i.id: [d for dl in i.deadlines if dl.basis == "stated" for d in dl.occurrences()] for i in items},
    }


def _period(year: int, month: int | None):
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def conditions(m):
    """(query text, predicate over an item) for one condition of the subset."""
    doc = st.sampled_from(m["docs"]).map(lambda d: (f"doc = {d}", lambda i, d=d: i.doc == d, frozenset()))
    kind = st.sampled_from(m["kinds"]).map(lambda k: (f"kind = {k}", lambda i, k=k: i.kind == k, frozenset()))
    unit = st.sampled_from(m["units"]).map(
        lambda u: (f"unit = {u}", lambda i, u=u: any(r.unit == u for r in i.units), frozenset({"unit"})))

    @st.composite
    def text(draw):
        run = draw(st.sampled_from(m["runs"]))
        n = draw(st.integers(2, min(4, len(run))))
        start = draw(st.integers(0, len(run) - n))
        term = run[start:start + n]
        from kb.query.synonyms import variants

        forms = [term, *variants(term, m["synonyms"])]  # the synonyms table widens a search
        return f"text ~ {term}", lambda i, fs=tuple(forms): any(f in m["texts"][i.id] for f in fs), frozenset()

    @st.composite
    def due(draw):
        year = draw(st.integers(2019, 2023))
        month = draw(st.none() | st.integers(1, 12))
        lo, hi = _period(year, month)
        shown = f"{year}" if month is None else f"{year}-{month:02d}"
        op = draw(st.sampled_from(["<=", ">=", "in"]))
        test = {"<=": lambda d: d <= hi, ">=": lambda d: d >= lo, "in": lambda d: lo <= d <= hi}[op]
        return f"due {op} {shown}", lambda i, test=test: any(test(d) for d in m["dates"][i.id]), frozenset({"due"})

    return doc | kind | unit | text() | due()


def expressions(m):
    leaf = conditions(m)
    negatable = st.one_of(
        st.sampled_from(m["docs"]).map(lambda d: (f"not doc = {d}", lambda i, d=d: i.doc != d, frozenset())),
        st.sampled_from(m["kinds"]).map(lambda k: (f"kind != {k}", lambda i, k=k: i.kind != k, frozenset())),
    )

    def combine(children):
        """`and` never joins two unit or two due conditions: the language reads those as one
        responsibility / one occurrence (docs/query-language.md), which this oracle does not model."""
        pair = st.tuples(children, children)
        both = pair.filter(lambda p: not (p[0][2] & p[1][2])).map(
            lambda p: (f"({p[0][0]}) and ({p[1][0]})", lambda i, a=p[0][1], b=p[1][1]: a(i) and b(i), p[0][2] | p[1][2]))
        either = pair.map(
            lambda p: (f"({p[0][0]}) or ({p[1][0]})", lambda i, a=p[0][1], b=p[1][1]: a(i) or b(i), p[0][2] | p[1][2]))
        return both | either

    return st.recursive(leaf | negatable, combine, max_leaves=4)


@pytest.fixture(scope="module")
def exprs(model):
    return expressions(model)


@SETTINGS
@given(data=st.data())
def test_query_equals_brute_force(base, model, exprs, data):
    text, predicate, _ = data.draw(exprs)
    got = {row.id for row in base.query(text, as_of=AS_OF, items=True).rows}
    want = {i.id for i in model["items"] if predicate(i)}
    assert got == want, f"{text}: engine-only {sorted(got - want)[:5]}, oracle-only {sorted(want - got)[:5]}"
