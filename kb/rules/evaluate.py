"""Executable rules: check connection cases against the targets in force for them.

For each case (kb/cases.py) and jurisdiction, the targets binding its application date are
chosen (kb/inforce.py) and measured against the case's dates and charges:

* full-process-time: working days from application to connection (kb/workdays.py);
* total-handling-time: the sum of the supply company's stage times (see `stage_times`);
* stage-time: each stage's working days against its limit;
* zero-investment: nothing may be charged to residential customers and to low-voltage
  non-residential customers under the Three Zeros (the `zero-investment` targets, <= 0 yuan);
* zero-investment-capacity: nothing may be charged to a small or micro enterprise whose
  capacity is within the ceiling in force for its area (160 kW urban / 100 kW rural, ...).

Each check is met, not met or not applicable, with the difference from the limit and an
explanation citing the rule ids, their quotes, the dates and the working days counted.
Process steps, approval times and outage hours are not evaluated: the case data do not decide
them (docs/evaluate.md says why).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.core.errors import PowerKBError
from kb.core.fuzzy import did_you_mean, near, norm
from kb.rules.cases import (
    STAGES,
    Case,
    CaseError,
    CasesFileError,
    parse_case,
    place_chain,
)
from kb.rules.inforce import Choice, chooser
from kb.rules.workdays import Calendar, CalendarRangeError, WorkdayCount, calendar_for

MET, NOT_MET, NA = "met", "not met", "not applicable"
TIME_METRICS = ("full-process-time", "total-handling-time")


@dataclass
class Check:
    metric: str
    verdict: str
    explanation: str
    stage: str | None = None
    measured: float | None = None
    limit: float | None = None
    comparator: str | None = None
    unit: str | None = None
    rule: Choice | None = None
    counted: list[WorkdayCount] = field(default_factory=list)

    @property
    def difference(self) -> float | None:
        """measured - limit: how far over (positive) or under (negative) the limit the case is."""
        if self.measured is None or self.limit is None:
            return None
        return self.measured - self.limit

    def to_dict(self) -> dict:
        return {
            "metric": self.metric, "stage": self.stage, "verdict": self.verdict,
            "measured": self.measured, "comparator": self.comparator, "limit": self.limit,
            "unit": self.unit, "difference": self.difference,
            "rule": self.rule.to_dict() if self.rule else None,
            "counted": [c.to_dict() for c in self.counted], "explanation": self.explanation,
        }


def _get_explanation(self) -> str:
    text = self._explanation
    if callable(text):  # written on first use: the one-line table never needs it
        text = self._explanation = text()
    return text


def _set_explanation(self, value) -> None:
    self._explanation = value


def _getstate(self) -> dict:
    """Pickle the written explanation, not the function that writes it."""
    _get_explanation(self)
    return self.__dict__


Check.__getstate__ = _getstate


Check.explanation = property(_get_explanation, _set_explanation, doc="Why the verdict: the dates, days counted, rule and its words.")


@dataclass
class Evaluation:
    id: str
    jurisdiction: str
    checks: list[Check] = field(default_factory=list)
    case: Case | None = None
    row: int | None = None  # the line of the cases file the case is on
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def check(self, metric: str, stage: str | None = None) -> Check:
        return next(c for c in self.checks if c.metric == metric and c.stage == stage)

    def verdicts(self) -> dict[str, str]:
        """metric (or stage-time:<stage>) -> verdict: the compact form tests and reports use."""
        return {(f"{c.metric}:{c.stage}" if c.stage else c.metric): c.verdict for c in self.checks}

    def to_dict(self) -> dict:
        return {"id": self.id, "row": self.row, "jurisdiction": self.jurisdiction,
                "error": self.error, "case": self.case.to_dict() if self.case else None,
                "checks": [c.to_dict() for c in self.checks]}


def _compare(measured: float, comparator: str, limit: float) -> bool:
    return {"<=": measured <= limit, "<": measured < limit, ">=": measured >= limit,
            ">": measured > limit, "=": measured == limit}[comparator]


def _how_far(check: Check) -> str:
    diff = check.difference
    unit = "working day" if check.unit == "workday" else check.unit
    if diff is None:
        return ""
    if diff == 0:
        return "exactly at the limit"
    amount = abs(diff)
    plural = "s" if amount != 1 and unit != "yuan" else ""
    return f"{amount:g} {unit}{plural} {'over' if diff > 0 else 'under'}"


def _time_check(metric: str, choice: Choice, measured: int, counted: list[WorkdayCount],
                what: str, stage: str | None = None) -> Check:
    rule = choice.rule
    verdict = MET if _compare(measured, rule.comparator, rule.value) else NOT_MET
    check = Check(metric, verdict, "", stage, measured, rule.value, rule.comparator, rule.unit, choice, counted)
    check.explanation = lambda: (f"{what()}. Limit {rule.limit_text()}: {_how_far(check)}. "
                                 f"Rule: {rule.cite()}. Why this rule: {choice.why}.")
    return check


def _none_in_force(metric: str, who: str, applied, stage: str | None = None) -> Check:
    return Check(metric, NA, f"no {metric} target for {who} customers is in force for applications made on {applied.isoformat()}",
                 stage=stage)


def stage_times(case: Case, calendar: Calendar | None = None) -> list[tuple[str, WorkdayCount, str]]:
    """(stage, working days, where its clock started) for every stage with a completion date.

    A stage's clock starts on its `.start` date when the case gives one (the customer's request
    after customer-side works), else when the previous stage with a date was completed, else on
    the application date; it stops on the stage's completion date.
    """
    calendar = calendar or calendar_for()
    starts = dict(case.starts)
    out = []
    previous, previous_name = case.applied, "applied"
    for stage, done in case.stages:
        if stage in starts:
            start, origin = starts[stage], f"{stage}.start"
        else:
            start, origin = previous, previous_name
        out.append((stage, calendar.count_workdays(start, done), origin))
        previous, previous_name = done, stage
    return out


def _customer_text(base, case: Case) -> str:
    return " + ".join(case.customer)


def _areas(base, case: Case) -> set[str]:
    """The area classes a case is in: its own, and urban-area / rural-area from a reliability
    area's zone (center, urban and town are 城镇, i.e. urban; rural is rural)."""
    if not case.area:
        return set()
    areas = {case.area}
    zone = base.registries.areas[case.area].get("zone") if case.area in base.registries.areas else None
    if zone:
        areas.add("rural-area" if zone == "rural" else "urban-area")
    return areas


def base_calendar(base) -> Calendar:
    """The working-day calendar of a knowledge base: chinesecalendar and its tree's holidays.yaml."""
    root = getattr(base, "root", None)
    return calendar_for(root if root is not None and Path(root).is_dir() else None)


def evaluate_case(base, case: Case, jurisdiction: str | None = None, calendar: Calendar | None = None) -> Evaluation:
    """Evaluate one case; a date outside the holiday calendar makes the evaluation an error."""
    ev = Evaluation(case.id, jurisdiction, case=case)
    try:
        ev.checks = _checks(base, case, jurisdiction, calendar or base_calendar(base))
    except CalendarRangeError as exc:
        ev.error = str(exc)
    return ev


_JURISDICTIONS: dict[tuple, tuple] = {}


def _jurisdiction(places, jurisdiction: str) -> tuple[list[str], str | None]:
    """The places a jurisdiction lies in, and its name for explanations (None for national)."""
    key = (id(places), jurisdiction)
    hit = _JURISDICTIONS.get(key)
    if hit is None or hit[0] is not places:
        jname = None if jurisdiction == "national" else (places[jurisdiction].en if jurisdiction in places else jurisdiction)
        hit = _JURISDICTIONS[key] = (places, place_chain(places, jurisdiction), jname)
    return hit[1], hit[2]


def _checks(base, case: Case, jurisdiction: str, calendar: Calendar) -> list[Check]:
    chain, jname = _jurisdiction(base.registries.places, jurisdiction)
    applied = case.applied
    who = _customer_text(base, case)
    checks: list[Check] = []

    ch = chooser(base, chain, jname)
    bucket = ch.bucket(applied)

    def chosen(metric, stage=None, areas=frozenset()):
        return ch.get(metric, case.customer, applied, bucket, areas, stage)

    # full-process time: application to connection
    whole = calendar.count_workdays(applied, case.connected)
    full = chosen("full-process-time")
    if full is None:
        checks.append(_none_in_force("full-process-time", who, applied))
    else:
        checks.append(_time_check("full-process-time", full, whole.count, [whole],
                                  lambda: f"applied {applied.isoformat()}, connected {case.connected.isoformat()}: {whole.describe()}"))

    # the supply company's stage times and their total
    times = stage_times(case, calendar)
    total_choice = chosen("total-handling-time")
    if total_choice is None:
        checks.append(_none_in_force("total-handling-time", who, applied))
    elif not times:
        checks.append(Check("total-handling-time", NA, "the case gives no stage completion dates, so the supply company's "
                            "handling time cannot be measured", rule=total_choice))
    else:
        total = sum(c.count for _, c, _ in times)

        def parts(times=times, total=total):
            listed = "; ".join(f"{stage} (from {origin}): {c.describe()}" for stage, c, origin in times)
            return f"{total} working days in all, the sum of the stage times: {listed}"

        checks.append(_time_check("total-handling-time", total_choice, total, [c for _, c, _ in times], parts))

    by_stage = {stage: (c, origin) for stage, c, origin in times}
    for stage in STAGES:
        choice = chosen("stage-time", stage)
        if choice is None:
            continue
        if stage not in by_stage:
            checks.append(Check("stage-time", NA, f"the case gives no completion date for {stage}", stage=stage, rule=choice))
            continue
        c, origin = by_stage[stage]
        def why(stage=stage, c=c, origin=origin) -> str:
            return f"{stage} (from {origin}): {c.describe()}"

        checks.append(_time_check("stage-time", choice, c.count, [c], why, stage))

    checks.append(_zero_charge(case, ch, bucket, who))
    checks.append(_zero_capacity(base, case, ch, bucket))
    return checks


def _charge_check(metric: str, case: Case, choice: Choice, context: str) -> Check:
    if case.charged is None:
        return Check(metric, NA, f"{context}; the case does not say what was charged", rule=choice)
    verdict = MET if case.charged == 0 else NOT_MET
    check = Check(metric, verdict, "", None, case.charged, 0, "<=", "yuan", choice)
    check.explanation = lambda: (f"{context}; charged {case.charged:g} yuan, limit 0 yuan ({_how_far(check)}). "
                         f"Rule: {choice.rule.cite()}. Why this rule: {choice.why}.")
    return check


def _zero_charge(case, ch, bucket, who) -> Check:
    choice = ch.get("zero-investment", case.customer, case.applied, bucket, better="lower")
    if choice is None:
        return Check("zero-investment", NA,
                     f"no 零投资 requirement for {who} customers is in force for applications made on {case.applied.isoformat()}")
    return _charge_check("zero-investment", case, choice, f"{who} customers must be charged nothing (办电“零投资”)")


def _zero_capacity(base, case, ch, bucket) -> Check:
    metric = "zero-investment-capacity"
    if "small-micro" not in case.customer:
        return Check(metric, NA, "not a small or micro enterprise (small-micro)")
    areas = _areas(base, case)
    choice = ch.get(metric, case.customer, case.applied, bucket, frozenset(areas))
    where = case.area or "an unspecified area"
    if choice is None:
        return Check(metric, NA, f"no zero-investment ceiling for small-micro enterprises in {where} is in force "
                                 f"for applications made on {case.applied.isoformat()}")
    ceiling = choice.rule.value
    if case.capacity_kw is None:
        return Check(metric, NA, f"the ceiling in {where} is {ceiling:g} kW but the case gives no capacity", rule=choice)
    if case.capacity_kw > ceiling:
        return Check(metric, NA, f"capacity {case.capacity_kw:g} kW is above the zero-investment ceiling of {ceiling:g} kW in {where} "
                                 f"(rule: {choice.rule.cite()}; why: {choice.why})", rule=choice)
    return _charge_check(metric, case, choice,
                         f"capacity {case.capacity_kw:g} kW is within the zero-investment ceiling of {ceiling:g} kW in {where}")


# --- many cases ------------------------------------------------------------------------------

def resolve_jurisdiction(base, name: str | None) -> str:
    """A place id from its id or name; with no name, the one jurisdiction below the national
    level that the documents cover (an error with the choices when there are several)."""
    places = base.registries.places
    usable = sorted({d.jurisdiction for d in base.documents.values()})
    if name is None:
        below = sorted({d.jurisdiction for d in base.documents.values() if d.level not in (None, "national")})
        if len(below) == 1:
            return below[0]
        raise CasesFileError(f"say whose targets apply with --jurisdiction (jurisdictions: {', '.join(usable)})")
    key = norm(name)
    for place in places.values():
        if key in {norm(n) for n in place.names} and place.get("level") in ("national", "provincial"):
            return place.id
    raise CasesFileError(f"unknown jurisdiction '{name}'{did_you_mean(near(name, usable))} (jurisdictions: {', '.join(usable)})")


def evaluate(base, case, jurisdiction: str | None = None) -> Evaluation:
    """Evaluate a case given as a `Case` or as a dict with the CSV's column names.

    A case that cannot be read raises `CaseError`; a date outside the holiday calendar gives an
    Evaluation whose `error` says so."""
    jurisdiction = resolve_jurisdiction(base, jurisdiction)
    if not isinstance(case, Case):
        case = parse_case(case, base.registries, jurisdiction)
    return evaluate_case(base, case, jurisdiction)


def iter_evaluate(base, source, jurisdiction: str, calendar: Calendar | None = None) -> Iterator[Evaluation]:
    """Evaluate the rows of an open cases file (kb.rules.casefile.CasesInput) one at a time;
    a bad row becomes an Evaluation with `error` and its row number. Only the ids seen are kept
    (to report a repeated id), so memory does not grow with the cases."""
    calendar = calendar or base_calendar(base)
    seen: dict[str, int] = {}
    for row in source.rows:
        case_id = str(row.cells.get("id") or "").strip()[:200] or f"row {row.line}"
        try:
            if row.error:
                raise CaseError(row.error)
            case = parse_case(row.cells, base.registries, jurisdiction)
            if case.id in seen:
                raise CaseError(f"id: '{case.id}' is already used on row {seen[case.id]}")
            seen[case.id] = row.line
        except CaseError as exc:
            yield Evaluation(case_id, jurisdiction, row=row.line, error=str(exc))
            continue
        ev = evaluate_case(base, case, jurisdiction, calendar)
        ev.row = row.line
        yield ev


def evaluate_file(base, path, jurisdiction: str | None = None, calendar: Calendar | None = None) -> list[Evaluation]:
    """Every row of a cases file (CSV or .xlsx), as a list; see iter_evaluate to stream."""
    from kb.rules.casefile import open_cases

    jurisdiction = resolve_jurisdiction(base, jurisdiction)
    with open_cases(path) as source:
        return list(iter_evaluate(base, source, jurisdiction, calendar))


how_far = _how_far  # the render layer words the difference the same way


__all__ = ["Check", "Evaluation", "PowerKBError", "evaluate", "evaluate_case", "evaluate_file", "iter_evaluate"]
