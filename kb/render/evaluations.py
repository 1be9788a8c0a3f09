"""The report of `powerkb evaluate`: a plain-text report for people, JSON and CSV for programs,
a Markdown table for a briefing. The evaluation itself is in kb.rules.evaluate."""

from __future__ import annotations

import json

from kb.core.tables import csv_text, md_table
from kb.core.wrap import fill
from kb.render.i18n import current_lang, label, term_name
from kb.render.registry import renderer
from kb.rules.evaluate import MET, NA, NOT_MET, how_far, stage_times


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
    total = label("eval.total", cases=n["cases"], jurisdiction=jurisdiction, met=n[MET], not_met=n[NOT_MET],
                  na=n[NA], bad=n["bad_rows"])
    if current_lang() == "en" and n["bad_rows"] == 1:
        total = total[:-1]  # 1 bad row
    return total


MARKS = {MET: "MET     ", NOT_MET: "NOT MET ", NA: "n/a     "}


def _facts(c) -> list[str]:
    """A case's facts for its heading line: classes, capacity, area, city, dates, charge."""
    zh = current_lang() == "zh"
    facts = [("、" if zh else " + ").join(term_name("customer", x) if zh else x for x in c.customer)]
    if c.capacity_kw is not None:
        facts.append(f"{c.capacity_kw:g} kW")
    facts += [x for x in ((term_name("area", c.area) if zh and c.area else c.area),
                          (term_name("place", c.city) if zh and c.city else c.city)) if x]
    facts += [label("eval.applied", date=c.applied.isoformat()), label("eval.connected", date=c.connected.isoformat())]
    if c.charged is not None:
        facts.append(label("eval.charged", amount=f"{c.charged:g}"))
    return facts


def _how_far_text(check) -> str:
    """How far from the limit, in the run's language (English: the words of the explanations)."""
    if current_lang() == "en" or check.difference is None:
        return how_far(check)
    if check.difference == 0:
        return label("eval.at_limit")
    unit = label(f"measure.{check.unit}").strip() if check.unit else ""
    return label("eval.over" if check.difference > 0 else "eval.under", amount=f"{abs(check.difference):g}", unit=unit)


def _holiday_zh(why: str) -> str:
    """A skipped day's reason in Chinese: chinesecalendar's holiday names have Chinese forms."""
    import chinese_calendar as cc

    for h in cc.Holiday:
        if why.startswith(h.value):
            return h.chinese + why[len(h.value):].replace(" holiday", "假期").replace(" 调休", "调休")
    return {"weekend": "周末", "holiday": "节假日"}.get(why, why)


def _counted_zh(c) -> str:
    """The working days counted between two dates, with the holidays, weekends and make-up days."""
    days = "、".join(d.isoformat() for d in c.days) if c.count <= 8 else \
        label("eval.counted_long", first=c.days[0].isoformat(), last=c.days[-1].isoformat())
    parts = [label("eval.counted", start=c.start.isoformat(), end=c.end.isoformat(), n=c.count, days=days)]
    holidays = [f"{d.isoformat()} {_holiday_zh(why)}" for d, why in c.skipped if why != "weekend"]
    weekends = sum(1 for _, why in c.skipped if why == "weekend")
    if holidays:
        parts.append(label("eval.holidays", days="、".join(holidays)))
    if weekends:
        parts.append(label("eval.weekends", n=weekends))
    if c.makeup:
        parts.append(label("eval.makeup", days="、".join(f"{d.isoformat()}（{_holiday_zh(why)}）" for d, why in c.makeup)))
    return "；".join(parts)


def _limit_zh(rule) -> str:
    cmp = {"<=": "≤", ">=": "≥"}.get(rule.comparator, rule.comparator)
    return f"{cmp} {rule.value:g}{label('measure.' + rule.unit).strip()}"


def _why_zh(choice, applied, place: str) -> str:
    """Why this rule binds, in Chinese, from the rules in force (the reasoning of `choose`)."""
    chosen = choice.rule
    other = next((r for r in choice.considered if r.level != chosen.level), None)
    if other is None:
        return label("eval.why.only", applied=applied.isoformat(), level=label(f"eval.level.{chosen.level}"),
                     limit=_limit_zh(chosen))
    if chosen.level == "provincial":
        return label("eval.why.stricter", place=place, p=_limit_zh(chosen), n=_limit_zh(other))
    how = label("eval.how.same" if other.value == chosen.value else "eval.how.looser")
    return label("eval.why.not_stricter", place=place, p=_limit_zh(other), how=how, n=_limit_zh(chosen))


def explanation_zh(check, case, place: str) -> list[str]:
    """The explanation of a met / not met check in Chinese, from its data: the days counted, the
    rule with its source words, why that rule. None for a check without a rule (not applicable),
    whose English reason is shown as it is."""
    if check.rule is None or check.verdict == NA:
        return []
    stages = {(c.start, c.end): stage for stage, c, _ in stage_times(case)} if len(check.counted) > 1 else {}
    out = [(term_name("stage", stages[(c.start, c.end)]) + "：" if (c.start, c.end) in stages else label("eval.counting"))
           + _counted_zh(c) for c in check.counted]
    if len(out) > 1:  # a total: the sum of the stage times, one count per stage
        out.insert(0, label("eval.sum", n=f"{sum(c.count for c in check.counted):g}"))
    if check.metric == "zero-investment" and case.charged is not None:
        out.append(label("eval.charge", amount=f"{case.charged:g}"))
    rule = check.rule.rule
    quotes = "”；“".join(dict.fromkeys(s.quote for s in rule.sources))
    out.append(label("eval.rule", level=label(f"eval.level.{rule.level}"), ids="、".join(rule.ids), quotes=quotes))
    out.append(_why_zh(check.rule, case.applied, place))
    return out


def _check_head(check, zh: bool) -> str:
    mark = label(f"check.{check.verdict}") + " " if zh else MARKS[check.verdict]
    metric = term_name("metric", check.metric) if zh else check.metric
    stage = (term_name("stage", check.stage) if zh else check.stage) if check.stage else None
    head = f"  {mark}{metric}" + (f" [{stage}]" if stage else "")
    if check.measured is None or check.limit is None:
        return head
    if zh:
        cmp = {"<=": "≤", ">=": "≥"}.get(check.comparator, check.comparator)
        return head + "：" + label("eval.vs", measured=f"{check.measured:g}", comparator=cmp, limit=f"{check.limit:g}",
                                  unit=label(f"measure.{check.unit}").strip(), how=_how_far_text(check))
    return head + f": {check.measured:g} vs {check.comparator} {check.limit:g} {check.unit} ({how_far(check)})"


def _check_lines(check, width: int, case=None, place: str = "") -> list[str]:
    zh = current_lang() == "zh"
    body = (explanation_zh(check, case, place) if zh and case is not None else []) or [check.explanation]
    return [_check_head(check, zh)] + [fill(line, width, indent=" " * 12, hang=2) for line in body]


@renderer("evaluations", "text", "table")
def evaluations_text(ev, ctx) -> str:
    """The evaluation for a person: one block per case (its facts, then each check with its
    verdict and explanation, wrapped to the width), then the totals. Everything follows the run's
    language, except the reasons a check does not apply, which stay the English sentences of the
    evaluation."""
    width = ctx.text_width()
    sep = "，" if current_lang() == "zh" else ", "
    place = term_name("place", ev.jurisdiction)
    out = []
    for e in ev.results:
        where = label("eval.row", row=e.row) if e.row is not None else ""
        if not e.ok:
            out += [label("eval.error", id=e.id, where=where, error=e.error), ""]
            continue
        out.append(label("eval.case", id=e.id, where=where, facts=sep.join(_facts(e.case))))
        for check in e.checks:
            out += _check_lines(check, width, e.case, place)
        out.append("")
    out.append(_totals(counts(ev.results), ev.jurisdiction))
    return "\n".join(out) + "\n"
