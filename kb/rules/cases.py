"""Connection cases: what `powerkb evaluate` reads (a CSV, one case a row) and `kb.evaluate` takes.

A case is one application for a connection: who applied (customer class), for what capacity,
where (area class, city), when (applied, each stage's completion, connected) and what was
charged. Reading is strict and explains itself: a value that cannot be read is a `CaseError`
naming the column, so that one bad row is reported with its row number and the others are
still evaluated. The columns are documented in docs/evaluate.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from kb.core.dates import parse_date_text
from kb.core.errors import PowerKBError
from kb.core.fuzzy import did_you_mean, near, norm

STAGES = ("acceptance", "supply-plan", "design-review", "mid-inspection", "completion-inspection", "meter-install")
"""The supply company's stages, in process order: the stage columns of a case."""

REQUIRED = ("id", "customer", "applied", "connected")
COLUMNS = ("id", "customer", "capacity-kw", "area", "city", "applied", *STAGES,
           *(f"{s}.start" for s in STAGES), "connected", "charged", "note")
_COLUMN_SET = frozenset(COLUMNS)
COLUMNS_FILE = Path(__file__).resolve().parent / "columns.yaml"
"""Other header spellings, Chinese and English, kept as data for review (see the file's notes)."""

MAX_CELL = 10_000
"""The most characters a cell may have: a longer one makes its row bad, not the whole file."""


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[str, str], tuple[str, ...]]:
    import yaml

    data = yaml.safe_load(COLUMNS_FILE.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for column, names in data["columns"].items():
        for name in [column, *names]:
            aliases[_key(str(name))] = column
    return aliases, tuple(data.get("start_suffixes") or ())


def aliases() -> dict[str, str]:
    """normalised header spelling -> column, from columns.yaml."""
    return _aliases()[0]


def _key(header: str) -> str:
    text = header.strip().lower().replace("（", "(").replace("）", ")").replace("_", " ")
    return "-".join(text.split())


@lru_cache(maxsize=4096)
def column_name(header: str) -> str:
    """The column a header names (its own name when it is none of the known ones)."""
    table, suffixes = _aliases()
    key = _key(header)
    if key in table:
        return table[key]
    for suffix in ("-start", ".start", *suffixes):
        if key.endswith(suffix) and table.get(key[: -len(suffix)].rstrip("-")) in STAGES:
            return table[key[: -len(suffix)].rstrip("-")] + ".start"
    return key


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


class _Lookups:
    """Per registries, computed once: name -> id tables for the values a case names, and the
    values already resolved (a file repeats its few customer classes, areas and cities)."""

    def __init__(self, registries):
        self.registries = registries
        self.classes = case_classes(registries)
        self.usable_areas = {a.id for a in registries.areas.values() if a.id in ("urban-area", "rural-area") or a.get("zone")}
        self.cities = {p.id for p in registries.places.values() if p.get("level") == "city"}
        self.tables: dict[str, dict[str, str]] = {}
        self.done: dict[tuple, object] = {}

    def table(self, what: str, terms: dict, allowed) -> dict[str, str]:
        if what not in self.tables:
            self.tables[what] = {norm(n): t.id for t in reversed(list(terms.values()))
                                 if allowed is None or t.id in allowed for n in t.names}
        return self.tables[what]


_LOOKUPS: dict[int, _Lookups] = {}


def _lookups(registries) -> _Lookups:
    found = _LOOKUPS.get(id(registries))
    if found is None or found.registries is not registries:
        found = _LOOKUPS[id(registries)] = _Lookups(registries)
    return found


def _resolve(value: str, terms: dict, what: str, allowed=None, label: str | None = None, lookups=None) -> str:
    """A registry id from an id, a name or an alias."""
    key = norm(value)
    table = lookups.table(f"{what}:{label}", terms, allowed) if lookups else None
    if table is not None:
        if key in table:
            return table[key]
    else:
        for term in terms.values():
            if (allowed is None or term.id in allowed) and key in {norm(n) for n in term.names}:
                return term.id
    names = [t.id for t in terms.values() if allowed is None or t.id in allowed]
    raise CaseError(f"{what}: unknown {label or what} '{value}'{did_you_mean(near(value, names, limit=1))} (known: {', '.join(names)})")




@lru_cache(maxsize=65536)
def _date(value, column: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date_text(str(value).strip())
    except ValueError as exc:
        raise CaseError(f"{column}: {exc}") from None


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _number(value, column: str) -> float | None:
    """A non-negative finite number; `nan`, `inf` and numbers too large for a float (1e309) are
    not numbers a case can have."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if "," in text and _GROUPED.fullmatch(text):
        text = text.replace(",", "")  # 12,000 as Excel formats it; a decimal comma (1,5) is refused
    try:
        number = float(text)
    except ValueError:
        raise CaseError(f"{column}: '{value}' is not a number") from None
    if math.isnan(number):
        raise CaseError(f"{column}: '{value}' is not a number")
    if math.isinf(number):
        raise CaseError(f"{column}: '{value}' is not a finite number")
    if number < 0:
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


def _columns(raw: dict) -> dict:
    """The row with canonical column names (a file's rows already have them)."""
    if all(k in _COLUMN_SET for k in raw):
        return raw
    row = {column_name(k): v for k, v in raw.items() if k is not None and k not in ("stages", "starts")}
    for stage, value in (raw.get("stages") or {}).items():
        row[column_name(stage)] = value
    for stage, value in (raw.get("starts") or {}).items():
        row[f"{column_name(stage)}.start"] = value
    unknown = [k for k in row if k not in _COLUMN_SET]
    if unknown:
        raise CaseError(f"unknown field '{unknown[0]}'{did_you_mean(near(unknown[0], COLUMNS, limit=1))}")
    return row


def _customers(text: str, registries, lk: _Lookups) -> tuple[str, ...]:
    key = ("customer", text)
    if key not in lk.done:
        lk.done[key] = tuple(dict.fromkeys(
            _resolve(part.strip(), registries.customers, "customer", lk.classes, "customer class", lk)
            for part in text.split("+") if part.strip()))
    return lk.done[key]


def _place(area_text: str, city_text: str, registries, jurisdiction: str, lk: _Lookups) -> tuple[str | None, str | None]:
    """(area class, city) of a case, checked against each other and the jurisdiction."""
    key = ("place", area_text, city_text, jurisdiction)
    if key in lk.done:
        return lk.done[key]
    area = _resolve(area_text, registries.areas, "area", lk.usable_areas, "area class", lk) if area_text else None
    city = None
    if city_text:
        city = _resolve(city_text, registries.places, "city", lk.cities, None, lk)
        if jurisdiction not in place_chain(registries.places, city):
            raise CaseError(f"city: {city} is not in {jurisdiction}")
        if area:
            area_class = registries.areas[area].get("city_class")
            city_class = registries.places[city].get("city_class")
            if area_class and city_class and area_class != city_class:
                article = "an" if city_class == "other" else "a"
                raise CaseError(f"area: {area} is for {area_class} cities but {city} is {article} {city_class} city")
    lk.done[key] = (area, city)
    return area, city


def _too_long(row: dict) -> None:
    for name, value in row.items():
        if isinstance(value, str) and len(value) > MAX_CELL:
            raise CaseError(f"{name}: the cell has {len(value):,} characters, more than the {MAX_CELL:,} a cell may have")


def _stage_dates(row: dict, applied: date, connected: date):
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
            if start < previous:
                raise CaseError(f"{stage}.start: {start.isoformat()} is before {previous_name} {previous.isoformat()}")
            if done < start:
                raise CaseError(f"{stage}: {done.isoformat()} is before its start {start.isoformat()}")
            starts.append((stage, start))
        if done < previous:
            raise CaseError(f"{stage}: {done.isoformat()} is before {previous_name} {previous.isoformat()}")
        if done > connected:
            raise CaseError(f"{stage}: {done.isoformat()} is after connected {connected.isoformat()}")
        stages.append((stage, done))
        previous, previous_name = done, stage
    return tuple(stages), tuple(starts)


def parse_case(raw: dict, registries, jurisdiction: str) -> Case:
    """A `Case` from one row (column name -> text) or a dict using the same names.

    Dates may be `date` objects or YYYY-MM-DD text; `stages` / `starts` may also be given as
    dicts (stage -> date). Raises `CaseError` naming the first bad value."""
    row = _columns(raw)
    _too_long(row)
    for name in REQUIRED:
        if _text(row.get(name)) == "" and not isinstance(row.get(name), date):
            raise CaseError(f"{name}: missing")
    lk = _lookups(registries)
    customers = _customers(_text(row["customer"]), registries, lk)
    if not customers:
        raise CaseError("customer: missing")
    area, city = _place(_text(row.get("area")), _text(row.get("city")), registries, jurisdiction, lk)

    applied = _date(row["applied"], "applied")
    connected = _date(row["connected"], "connected")
    if connected < applied:
        raise CaseError(f"connected: {connected.isoformat()} is before applied {applied.isoformat()}")
    stages, starts = _stage_dates(row, applied, connected)
    return Case(
        id=_text(row["id"]), customer=customers, applied=applied, connected=connected,
        capacity_kw=_number(row.get("capacity-kw"), "capacity_kw"), area=area, city=city,
        stages=stages, starts=starts, charged=_number(row.get("charged"), "charged"),
        note=_text(row.get("note")) or None,
    )


@dataclass
class Row:
    """One data row of a cases file: its line number in the file and its cells, or why it
    cannot be read."""

    line: int
    cells: dict = field(default_factory=dict)
    error: str | None = None


def read_rows(path: Path) -> list[Row]:
    """The rows of a cases file (see kb.rules.casefile.open_cases, which streams them)."""
    from kb.rules.casefile import open_cases

    with open_cases(path) as source:
        return list(source.rows)
