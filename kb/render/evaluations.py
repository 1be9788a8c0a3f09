"""The report of `powerkb evaluate`: a one-line-a-case table for people (the full reasoning with
`--explain`), JSON and CSV for programs, Markdown for a briefing. The writers stream: each case is
written as it is evaluated, so a 100k-row file runs in flat memory. The evaluation itself is in
kb.rules.evaluate."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TextIO

from kb.core.jsonout import dumps
from kb.core.tables import csv_cell, md_table
from kb.render.registry import renderer
from kb.rules.evaluate import MET, NA, NOT_MET, Check, Evaluation, _how_far


class Tally:
    """The summary of a report, counted as the cases stream past."""

    def __init__(self):
        self.cases = self.bad_rows = 0
        self.verdicts = {MET: 0, NOT_MET: 0, NA: 0}

    def add(self, ev: Evaluation) -> Evaluation:
        self.cases += 1
        self.bad_rows += not ev.ok
        for c in ev.checks:
            self.verdicts[c.verdict] += 1
        return ev

    def to_dict(self) -> dict:
        return {"cases": self.cases, "bad_rows": self.bad_rows, **self.verdicts}


def _counts(results) -> dict:
    tally = Tally()
    for ev in results:
        tally.add(ev)
    return tally.to_dict()


def write_json(out: TextIO, results: Iterable[Evaluation], jurisdiction: str, source=None) -> Tally:
    """The JSON report, written case by case, one case a line: {"jurisdiction", "input", "cases",
    "summary"}."""
    tally = Tally()
    out.write("{\n" + f'  "jurisdiction": {dumps(jurisdiction, ensure_ascii=False)},\n')
    if source is not None:
        body = dumps(source.to_dict(), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        out.write(f'  "input": {body},\n')
    out.write('  "cases": [')
    for i, ev in enumerate(results):
        tally.add(ev)
        # one case a line: json's C encoder (no indent) is ten times faster than its indenting one
        out.write(("," if i else "") + "\n    " + dumps(ev.to_dict(), ensure_ascii=False))
    summary = dumps(tally.to_dict(), ensure_ascii=False, indent=2).replace("\n", "\n  ")
    out.write(("\n  " if tally.cases else "") + f'],\n  "summary": {summary}\n}}\n')
    return tally


def report_json(results: list[Evaluation], jurisdiction: str, source=None) -> str:
    buf = io.StringIO()
    write_json(buf, results, jurisdiction, source)
    return buf.getvalue()


CSV_COLUMNS = ["case", "row", "metric", "stage", "verdict", "measured", "comparator", "limit", "unit",
               "difference", "level", "rule_ids", "explanation"]


def _num(x) -> str:
    return "" if x is None else f"{x:g}"


def write_csv(out: TextIO, results: Iterable[Evaluation], bom: bool = True) -> Tally:
    """One row per check (a bad row: one row with verdict `error`), UTF-8 with a BOM for Excel,
    each line written as its case is evaluated; cells escaped by the one CSV writer's rules."""
    tally = Tally()

    def line(cells) -> None:
        out.write(",".join(csv_cell(c) for c in cells) + "\r\n")

    if bom:
        out.write("\ufeff")
    line(CSV_COLUMNS)
    for ev in results:
        tally.add(ev)
        row = "" if ev.row is None else ev.row
        if not ev.ok:
            line([ev.id, row, "", "", "error", "", "", "", "", "", "", "", ev.error])
        for c in ev.checks:
            rule = c.rule.rule if c.rule else None
            line([ev.id, row, c.metric, c.stage or "", c.verdict, _num(c.measured), c.comparator or "",
                  _num(c.limit), c.unit or "", _num(c.difference), rule.level if rule else "",
                  " ".join(rule.ids) if rule else "", c.explanation])
    return tally


def report_csv(results: list[Evaluation], bom: bool = False) -> str:
    buf = io.StringIO()
    write_csv(buf, results, bom=bom)
    return buf.getvalue()


_MARKS = {MET: "MET     ", NOT_MET: "NOT MET ", NA: "n/a     "}


def _explained(ev: Evaluation) -> list[str]:
    """Today's long form: the case's facts, then each check with its whole explanation."""
    where = f" (row {ev.row})" if ev.row is not None else ""
    if not ev.ok:
        return [f"case {ev.id}{where}: ERROR: {ev.error}", ""]
    c = ev.case
    facts = [" + ".join(c.customer)]
    if c.capacity_kw is not None:
        facts.append(f"{c.capacity_kw:g} kW")
    facts += [x for x in (c.area, c.city) if x]
    facts += [f"applied {c.applied.isoformat()}", f"connected {c.connected.isoformat()}"]
    if c.charged is not None:
        facts.append(f"charged {c.charged:g} yuan")
    out = [f"case {ev.id}{where}: " + ", ".join(facts)]
    for check in ev.checks:
        name = check.metric + (f" [{check.stage}]" if check.stage else "")
        head = f"  {_MARKS[check.verdict]}{name}"
        if check.measured is not None and check.limit is not None:
            head += f": {check.measured:g} vs {check.comparator} {check.limit:g} {check.unit} ({_how_far(check)})"
        out.append(head)
        out.append(f"            {check.explanation}")
    out.append("")
    return out


_FALLBACK_LABELS = {"zero-investment": ("办电零投资", "zero investment")}


def _label(base, kind: str, key: str, lang: str) -> str:
    """A metric's, stage's or customer class's name in the language asked for (zh by default)."""
    terms = getattr(base.registries, kind, {}) if base is not None else {}
    term = terms.get(key) if hasattr(terms, "get") else None
    if term is not None:
        return term.zh if lang == "zh" else term.en
    zh, en = _FALLBACK_LABELS.get(key, (key, key))
    return zh if lang == "zh" else en


def _shortfall(base, check: Check, lang: str) -> str:
    """「全过程办电时间 超1个工作日」: what was not met, and by how much."""
    if check.stage:
        name = _label(base, "stages", check.stage, lang) + ("环节" if lang == "zh" else " stage")
    else:
        name = _label(base, "metrics", check.metric, lang)
    diff = check.difference
    if check.unit == "workday" and diff is not None:
        return f"{name} 超{diff:g}个工作日" if lang == "zh" else f"{name} {diff:g} working day{'s' if diff != 1 else ''} over"
    if check.unit == "yuan" and check.measured is not None:
        return f"{name} 收费{check.measured:g}元" if lang == "zh" else f"{name}: charged {check.measured:g} yuan"
    return f"{name} {_how_far(check)}"


def compact_line(base, ev: Evaluation, lang: str = "zh") -> str:
    """One line a case: its id, customer class and the verdict in short."""
    zh = lang == "zh"
    if not ev.ok:
        where = (f"第{ev.row}行" if zh else f"row {ev.row}") if ev.row is not None else ""
        return f"{ev.id}\t{where}\t{'错误' if zh else 'ERROR'}：{ev.error}" if zh else f"{ev.id}\t{where}\tERROR: {ev.error}"
    who = "+".join(_label(base, "customers", c, lang) for c in ev.case.customer)
    failed = [c for c in ev.checks if c.verdict == NOT_MET]
    met = sum(1 for c in ev.checks if c.verdict == MET)
    na = len(ev.checks) - met - len(failed)
    if failed:
        verdict = ("未达标：" if zh else "NOT MET: ") + ("；" if zh else "; ").join(_shortfall(base, c, lang) for c in failed)
    elif met:
        verdict = f"达标（{met}项达标，{na}项不适用）" if zh else f"met ({met} met, {na} not applicable)"
    else:
        verdict = f"无适用目标（{na}项不适用）" if zh else f"no target applies ({na} not applicable)"
    return f"{ev.id}\t{who}\t{verdict}"


def _summary_line(tally: Tally, jurisdiction: str, lang: str) -> str:
    n = tally.to_dict()
    if lang == "zh":
        return (f"共{n['cases']}个案例（{jurisdiction}）：{n[MET]}项达标，{n[NOT_MET]}项未达标，"
                f"{n[NA]}项不适用；错误行{n['bad_rows']}个")
    return (f"{n['cases']} cases ({jurisdiction}): {n[MET]} checks met, {n[NOT_MET]} not met, "
            f"{n[NA]} not applicable; {n['bad_rows']} bad row{'s' if n['bad_rows'] != 1 else ''}")


def write_table(out: TextIO, results: Iterable[Evaluation], jurisdiction: str, base=None,
                explain: bool = False, lang: str = "zh") -> Tally:
    """The table report: one line a case, or with `explain` every check and its reasoning."""
    tally = Tally()
    for ev in results:
        tally.add(ev)
        if explain:
            out.write("\n".join(_explained(ev)) + "\n")
        else:
            out.write(compact_line(base, ev, lang) + "\n")
    out.write(_summary_line(tally, jurisdiction, "en" if explain else lang) + "\n")
    return tally


def report_text(results: list[Evaluation], jurisdiction: str, base=None, explain: bool = True, lang: str = "zh") -> str:
    buf = io.StringIO()
    write_table(buf, results, jurisdiction, base, explain, lang)
    return buf.getvalue()




# --- the registry's renderers (a whole result: the API, the TUI's export, --format md) ------------

@renderer("evaluations", "json")
def evaluations_json(ev, ctx) -> str:
    return report_json(ev.results, ev.jurisdiction)


@renderer("evaluations", "csv")
def evaluations_csv(ev, ctx) -> str:
    return report_csv(ev.results, bom=ctx.bom)


@renderer("evaluations", "text", "table")
def evaluations_text(ev, ctx) -> str:
    return report_text(ev.results, ev.jurisdiction, None, explain=True)


@renderer("evaluations", "md")
def evaluations_md(ev, ctx) -> str:
    rows = [[e.id, e.row if e.row is not None else "", c.metric, c.stage or "", c.verdict,
             "" if c.measured is None else f"{c.measured:g}", "" if c.limit is None else f"{c.limit:g}", c.unit or ""]
            for e in ev.results for c in e.checks]
    n = _counts(ev.results)
    head = (f"# Evaluation ({ev.jurisdiction})\n\n{n['cases']} cases: {n[MET]} met, {n[NOT_MET]} not met, "
            f"{n[NA]} not applicable; {n['bad_rows']} bad rows\n\n")
    return head + "\n".join(md_table(["case", "row", "metric", "stage", "verdict", "measured", "limit", "unit"], rows)) + "\n"
