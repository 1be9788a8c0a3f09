"""Connection cases: what `powerkb evaluate` reads (a CSV, one case a row) and `kb.evaluate` takes.

A case is one application for a connection: who applied (customer class), for what capacity,
where (area class, city), when (applied, each stage's completion, connected) and what was
charged. Reading is strict and explains itself: a value that cannot be read is a `CaseError`
naming the column, so that one bad row is reported with its row number and the others are
still evaluated. The columns are documented in docs/evaluate.md.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kb.core.errors import PowerKBError
from kb.core.fuzzy import did_you_mean, near, norm

STAGES = ("acceptance", "supply-plan", "design-review", "mid-inspection", "completion-inspection", "meter-install")
"""The supply company's stages, in process order: the stage columns of a case."""

REQUIRED = ("id", "customer", "applied", "connected")
COLUMNS = ("id", "customer", "capacity-kw", "area", "city", "applied", *STAGES,
           *(f"{s}.start" for s in STAGES), "connected", "charged", "note")
ALIASES = {
    "case": "id", "case-id": "id", "customer-class": "customer", "class": "customer",
    "capacity": "capacity-kw", "area-class": "area", "applied-date": "applied", "application": "applied",
    "connected-date": "connected", "charged-yuan": "charged", "amount-charged": "charged", "amount": "charged",
}
"""Other header spellings accepted (after lower-casing and turning `_` and spaces into `-`)."""


class CaseError(PowerKBError):
    """A case that cannot be evaluated; the message says which column and why."""


class CasesFileError(PowerKBError):
    """A cases file that cannot be read at all (missing, no header, unknown columns): exit 2."""

    exit_code = 2


@dataclass(frozen=True)
class Case:
    id: str
    customer: tuple[str, ...]  # customer class ids (a small-micro enterprise may also be lv-nonres-three-zero)
    applied: date
    connected: date
    capacity_kw: float | None = None
    area: str | None = None  # an area class id: urban-area, rural-area or a reliability area
    city: str | None = None  # a place id
    stages: tuple[tuple[str, date], ...] = ()  # (stage, completion date), in process order
    starts: tuple[tuple[str, date], ...] = ()  # (stage, start date) where the case gives one
    charged: float | None = None  # yuan
    note: str | None = None

    def stage_dates(self) -> dict[str, date]:
        return dict(self.stages)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "customer": list(self.customer), "capacity_kw": self.capacity_kw,
            "area": self.area, "city": self.city, "applied": self.applied.isoformat(),
            "stages": {s: d.isoformat() for s, d in self.stages},
            "starts": {s: d.isoformat() for s, d in self.starts},
            "connected": self.connected.isoformat(), "charged": self.charged, "note": self.note,
        }


def column_name(header: str) -> str:
    key = "-".join(header.strip().lower().replace("_", " ").split())
    if key.endswith("-start") and key[: -len("-start")] in STAGES:
        key = key[: -len("-start")] + ".start"
    return ALIASES.get(key, key)


def _resolve(value: str, terms: dict, what: str, allowed=None, label: str | None = None) -> str:
    """A registry id from an id, a name or an alias."""
    key = norm(value)
    for term in terms.values():
        if allowed is not None and term.id not in allowed:
            continue
        if key in {norm(n) for n in term.names}:
            return term.id
    names = [t.id for t in terms.values() if allowed is None or t.id in allowed]
    raise CaseError(f"{what}: unknown {label or what} '{value}'{did_you_mean(near(value, names, limit=1))} (known: {', '.join(names)})")


def _date(value, column: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    from kb.core.dates import parse_iso

    try:
        return parse_iso(str(value).strip())
    except ValueError as exc:
        raise CaseError(f"{column}: {exc}") from None


def _number(value, column: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        raise CaseError(f"{column}: '{value}' is not a number") from None
    if number < 0 or math.isnan(number):
        raise CaseError(f"{column}: {value} must not be negative")
    return int(number) if number.is_integer() else number


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def case_classes(registries) -> set[str]:
    """Customer classes a case may be in: not the groups (all-users, hv-users, three-zero-users)
    nor the classes of connection works (those have a `family`)."""
    from kb.rules.inforce import CUSTOMER_GROUPS

    return {c.id for c in registries.customers.values() if not c.get("family") and c.id not in CUSTOMER_GROUPS}


def place_chain(places: dict, place: str) -> list[str]:
    """A place and the places it lies in, innermost first (taiyuan, shanxi, national)."""
    chain = []
    while place and place not in chain:
        chain.append(place)
        term = places.get(place)
        place = term.get("parent") if term else None
    return chain


def parse_case(raw: dict, registries, jurisdiction: str) -> Case:
    """A `Case` from one row (column name -> text) or a dict using the same names.

    Dates may be `date` objects or YYYY-MM-DD text; `stages` / `starts` may also be given as
    dicts (stage -> date). Raises `CaseError` naming the first bad value."""
    row = _columns(raw)
    customers = _customers(row, registries)
    area, city = _area_and_city(row, registries, jurisdiction)
    applied = _date(row["applied"], "applied")
    connected = _date(row["connected"], "connected")
    if connected < applied:
        raise CaseError(f"connected: {connected.isoformat()} is before applied {applied.isoformat()}")
    stages, starts = _stages(row, applied, connected)
    return Case(
        id=_text(row["id"]), customer=customers, applied=applied, connected=connected,
        capacity_kw=_number(row.get("capacity-kw"), "capacity_kw"), area=area, city=city,
        stages=tuple(stages), starts=tuple(starts), charged=_number(row.get("charged"), "charged"),
        note=_text(row.get("note")) or None,
    )


def _columns(raw: dict) -> dict:
    """The row under canonical column names, every required column present."""
    row = {column_name(k): v for k, v in raw.items() if k is not None and k not in ("stages", "starts")}
    for stage, value in (raw.get("stages") or {}).items():
        row[column_name(stage)] = value
    for stage, value in (raw.get("starts") or {}).items():
        row[f"{column_name(stage)}.start"] = value
    unknown = [k for k in row if k not in COLUMNS]
    if unknown:
        raise CaseError(f"unknown field '{unknown[0]}'{did_you_mean(near(unknown[0], COLUMNS, limit=1))}")
    for name in REQUIRED:
        if _text(row.get(name)) == "" and not isinstance(row.get(name), date):
            raise CaseError(f"{name}: missing")
    return row


def _customers(row: dict, registries) -> tuple[str, ...]:
    classes = case_classes(registries)
    customers = tuple(dict.fromkeys(
        _resolve(part.strip(), registries.customers, "customer", classes, "customer class")
        for part in _text(row["customer"]).split("+") if part.strip()))
    if not customers:
        raise CaseError("customer: missing")
    return customers


def _area_and_city(row: dict, registries, jurisdiction: str) -> tuple[str | None, str | None]:
    """The area class and the city, each resolved by name, and checked against each other."""
    area = city = None
    if _text(row.get("area")):
        usable = {a.id for a in registries.areas.values() if a.id in ("urban-area", "rural-area") or a.get("zone")}
        area = _resolve(_text(row["area"]), registries.areas, "area", usable, "area class")
    if not _text(row.get("city")):
        return area, city
    cities = {p.id for p in registries.places.values() if p.get("level") == "city"}
    city = _resolve(_text(row["city"]), registries.places, "city", cities)
    if jurisdiction not in place_chain(registries.places, city):
        raise CaseError(f"city: {city} is not in {jurisdiction}")
    if area:
        area_class = registries.areas[area].get("city_class")
        city_class = registries.places[city].get("city_class")
        if area_class and city_class and area_class != city_class:
            article = "an" if city_class == "other" else "a"
            raise CaseError(f"area: {area} is for {area_class} cities but {city} is {article} {city_class} city")
    return area, city


def _stages(row: dict, applied: date, connected: date) -> tuple[list, list]:
    """(stage, completion) and (stage, start) pairs in process order, each after the one before."""
    stages, starts = [], []
    previous, previous_name = applied, "applied"
    for stage in STAGES:
        done = _date(row.get(stage), stage)
        start = _date(row.get(f"{stage}.start"), f"{stage}.start")
        if start and not done:
            raise CaseError(f"{stage}.start: given but {stage} (its completion date) is empty")
        if not done:
            continue
        if start:
            _check_start(stage, start, done, previous, previous_name)
            starts.append((stage, start))
        if done < previous:
            raise CaseError(f"{stage}: {done.isoformat()} is before {previous_name} {previous.isoformat()}")
        if done > connected:
            raise CaseError(f"{stage}: {done.isoformat()} is after connected {connected.isoformat()}")
        stages.append((stage, done))
        previous, previous_name = done, stage
    return stages, starts


def _check_start(stage: str, start: date, done: date, previous: date, previous_name: str) -> None:
    if start < previous:
        raise CaseError(f"{stage}.start: {start.isoformat()} is before {previous_name} {previous.isoformat()}")
    if done < start:
        raise CaseError(f"{stage}: {done.isoformat()} is before its start {start.isoformat()}")


@dataclass
class Row:
    """One data row of a cases file: its line number in the file and its cells."""

    line: int
    cells: dict = field(default_factory=dict)


def read_rows(path: Path) -> list[Row]:
    """The rows of a cases CSV (UTF-8, with or without a BOM). Raises `CasesFileError` for a
    file that cannot be read or whose header has unknown or missing columns."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CasesFileError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CasesFileError(f"cannot read {path}: {exc}") from None
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise CasesFileError(f"{path}: empty file (expected a header row: {', '.join(REQUIRED)}, ...)") from None
    names = [column_name(h) for h in header]
    for raw, name in zip(header, names):
        if name and name not in COLUMNS:
            hint = did_you_mean(near(name, COLUMNS, limit=1))
            raise CasesFileError(f"{path}: unknown column '{raw}'{hint}; columns: {', '.join(COLUMNS)}")
    missing = [r for r in REQUIRED if r not in names]
    if missing:
        raise CasesFileError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    rows = []
    start = reader.line_num + 1
    for cells in reader:
        if any(c.strip() for c in cells):
            if len(cells) > len(names):
                extra = Row(start, {"__error__": f"{len(cells)} cells but the header has {len(names)} columns"})
                rows.append(extra)
            else:
                rows.append(Row(start, {n: c for n, c in zip(names, cells) if n}))
        start = reader.line_num + 1
    return rows
