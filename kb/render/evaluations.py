"""The report of `powerkb evaluate`: a plain-text report for people, JSON and CSV for programs,
a Markdown table for a briefing. The evaluation itself is in kb.rules.evaluate."""

from __future__ import annotations

import json

from kb.core.tables import csv_text, md_table
from kb.render.registry import renderer
from kb.rules.evaluate import MET, NA, NOT_MET, how_far


def counts(results) -> dict:
    """How many cases, bad rows, and checks of each verdict."""
    n = {MET: 0, NOT_MET: 0, NA: 0}
    for ev in results:
        for c in ev.checks:
            n[c.verdict] += 1
    return {"cases": len(results), "bad_rows": sum(1 for e in results if not e.ok), **n}


@renderer("evaluations", "json")
def evaluations_json(ev, ctx) -> str:
    return json.dumps({"jurisdiction": ev.jurisdiction, "summary": counts(ev.results),
                       "cases": [e.to_dict() for e in ev.results]}, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ["case", "row", "metric", "stage", "verdict", "measured", "comparator", "limit", "unit",
               "difference", "level", "rule_ids", "explanation"]
"""The columns of `evaluate --format csv` (a contract: columns are only ever added)."""


def _num(x) -> str:
    return "" if x is None else f"{x:g}"


def _check_rows(results):
    """One row per check; a case that could not be evaluated gives one row with its error."""
    for ev in results:
        if not ev.ok:
            yield [ev.id, ev.row, "", "", "error", "", "", "", "", "", "", "", ev.error]
        for c in ev.checks:
            rule = c.rule.rule if c.rule else None
            yield [ev.id, ev.row if ev.row is not None else "", c.metric, c.stage or "", c.verdict,
                   _num(c.measured), c.comparator or "", _num(c.limit), c.unit or "", _num(c.difference),
                   rule.level if rule else "", " ".join(rule.ids) if rule else "", c.explanation]


@renderer("evaluations", "csv")
def evaluations_csv(ev, ctx) -> str:
    return csv_text(CSV_COLUMNS, _check_rows(ev.results), bom=ctx.bom)


@renderer("evaluations", "md")
def evaluations_md(ev, ctx) -> str:
    n = counts(ev.results)
    out = [f"# Cases evaluated ({ev.jurisdiction})", "", _totals(n, ev.jurisdiction), ""]
    return "\n".join(out + md_table(CSV_COLUMNS, _check_rows(ev.results))) + "\n"


def _totals(n: dict, jurisdiction: str) -> str:
    return (f"{n['cases']} cases ({jurisdiction}): {n[MET]} checks met, {n[NOT_MET]} not met, "
            f"{n[NA]} not applicable; {n['bad_rows']} bad row{'s' if n['bad_rows'] != 1 else ''}")


MARKS = {MET: "MET     ", NOT_MET: "NOT MET ", NA: "n/a     "}


def _facts(c) -> str:
    facts = [" + ".join(c.customer)]
    if c.capacity_kw is not None:
        facts.append(f"{c.capacity_kw:g} kW")
    facts += [x for x in (c.area, c.city) if x]
    facts += [f"applied {c.applied.isoformat()}", f"connected {c.connected.isoformat()}"]
    if c.charged is not None:
        facts.append(f"charged {c.charged:g} yuan")
    return ", ".join(facts)


def _check_lines(check) -> list[str]:
    name = check.metric + (f" [{check.stage}]" if check.stage else "")
    head = f"  {MARKS[check.verdict]}{name}"
    if check.measured is not None and check.limit is not None:
        head += f": {check.measured:g} vs {check.comparator} {check.limit:g} {check.unit} ({how_far(check)})"
    return [head, f"            {check.explanation}"]


@renderer("evaluations", "text", "table")
def evaluations_text(ev, ctx) -> str:
    out = []
    for e in ev.results:
        where = f" (row {e.row})" if e.row is not None else ""
        if not e.ok:
            out += [f"case {e.id}{where}: ERROR: {e.error}", ""]
            continue
        out.append(f"case {e.id}{where}: " + _facts(e.case))
        for check in e.checks:
            out += _check_lines(check)
        out.append("")
    out.append(_totals(counts(ev.results), ev.jurisdiction))
    return "\n".join(out) + "\n"
