"""Working days (工作日) on the PRC official holiday calendar, 调休 included.

Time limits in the sources are in 工作日. A working day is what the State Council's holiday
notice makes it: Monday to Friday unless a public holiday, plus the weekend days declared
working days in exchange (调休, e.g. Sunday 2021-02-07 and Saturday 2021-02-20 around the 2021
Spring Festival). The `chinesecalendar` package (import `chinese_calendar`) carries those notices
year by year; a year it does not know yet may be added as data in `policies/holidays.yaml`, from
the notice of the General Office of the State Council (国务院办公厅) that sets it, cited there. A
date in a year neither knows is an error, never a guess, because a wrong guess (a Saturday that
was a 调休 working day) changes a verdict.

Counting follows the usual rule for periods in days (民法典 第二百零一条: the day the period starts
is not counted; it runs from the next day): the working days of a period from `start` to `end`
are those d with start < d <= end. A stage finished on the day it started took 0 working days;
an application made on Friday and connected on Monday took 1.

Speed: the calendar is precomputed into one array of days (working or not, holiday name) and a
running count of working days, so counting a period is two array lookups; the dates themselves
are listed only when an explanation asks for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kb.core.errors import PowerKBError

SHOWN = 10
"""Periods of up to this many working days list every counted date in explanations."""

DESCRIBED = 20_000
"""How many period descriptions a calendar remembers (then it starts again): bounded memory."""

HOLIDAYS_FILE = "holidays.yaml"
"""The file of a policy tree that adds holiday schedules for years chinesecalendar lacks."""

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schemas" / "holidays-v1.json"


class CalendarRangeError(ValueError):
    """A date the holiday calendar has no data for."""


class HolidayFileError(PowerKBError, ValueError):
    """A holidays.yaml that is not valid: the message names the file and the place (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Notice:
    """The State Council notice a year's schedule comes from."""

    title: str
    number: str | None
    issued: date
    url: str | None = None

    def cite(self) -> str:
        return f"{self.title}（{self.number}，{self.issued.isoformat()}）" if self.number else f"{self.title}（{self.issued.isoformat()}）"


@dataclass
class Year:
    """One year's schedule: holiday dates and 调休 working weekend days, each with its name."""

    year: int
    holidays: dict[date, str]
    workdays: dict[date, str]
    source: str  # "chinesecalendar 1.11.0" or the notice
    notice: Notice | None = None


def _library_years() -> dict[int, Year]:
    import chinese_calendar as cc

    try:
        from importlib.metadata import version

        source = f"chinesecalendar {version('chinesecalendar')}"
    except Exception:  # noqa: BLE001 - only the label depends on it
        source = "chinesecalendar"
    years: dict[int, Year] = {}
    for d, name in cc.holidays.items():
        years.setdefault(d.year, Year(d.year, {}, {}, source)).holidays[d] = str(getattr(name, "value", name))
    for d, name in cc.workdays.items():
        years.setdefault(d.year, Year(d.year, {}, {}, source)).workdays[d] = str(getattr(name, "value", name))
    return years


def _day(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise HolidayFileError(f"{where}: '{value}' is not a date of the form YYYY-MM-DD") from None


def _year_from_yaml(entry: dict, where: str) -> Year:
    year = int(entry["year"])
    n = entry["notice"]
    notice = Notice(str(n["title"]), n.get("number"), _day(n["date"], f"{where}: notice.date"), n.get("url"))
    holidays: dict[date, str] = {}
    for h in entry.get("holidays") or []:
        first, last = _day(h["from"], f"{where}: {h['name']}"), _day(h.get("to", h["from"]), f"{where}: {h['name']}")
        if last < first:
            raise HolidayFileError(f"{where}: {h['name']}: 'to' {last} is before 'from' {first}")
        d = first
        while d <= last:
            holidays[d] = str(h.get("en") or h["name"])
            d += timedelta(days=1)
    workdays = {_day(w["date"], f"{where}: workdays"): str(w.get("en") or w["for"]) for w in entry.get("workdays") or []}
    for d in list(holidays) + list(workdays):
        if d.year != year:
            raise HolidayFileError(f"{where}: {d.isoformat()} is not in {year}")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise HolidayFileError(f"{where}: {both[0].isoformat()} is both a holiday and a 调休 working day")
    for d in workdays:
        if d.weekday() < 5:
            raise HolidayFileError(f"{where}: 调休 working day {d.isoformat()} is not a Saturday or Sunday")
    return Year(year, holidays, workdays, f"{notice.cite()}", notice)


def load_holiday_file(path: Path) -> dict[int, Year]:
    """The years a holidays.yaml adds, validated against kb/schemas/holidays-v1.json."""
    import jsonschema
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise HolidayFileError(f"{path}: cannot read: {exc}") from None
    data = json.loads(json.dumps(data, default=str))  # dates as text, as the schema expects
    if data == {"format": "powerkb-holidays/1", "years": []}:
        return {}  # the file as shipped: nothing to validate (and jsonschema is slow to import)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    error = next(iter(sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=str)), None)
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise HolidayFileError(f"{path}: {at}: {error.message}")
    years: dict[int, Year] = {}
    for i, entry in enumerate(data.get("years") or []):
        year = _year_from_yaml(entry, f"{path}: years[{i}] ({entry['year']})")
        if year.year in years:
            raise HolidayFileError(f"{path}: year {year.year} is given twice")
        years[year.year] = year
    return years


def _shown(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Calendar:
    """Working days over the years known: chinesecalendar's, then those added by a holidays.yaml
    (a year chinesecalendar already has is taken from chinesecalendar)."""

    def __init__(self, extra: dict[int, Year] | None = None, holidays_file: Path | None = None):
        years = dict(extra or {})
        years.update(_library_years())
        self.years = years
        self.holidays_file = holidays_file
        self.described: dict[tuple[date, date], str] = {}
        self.lo_year, self.hi_year = min(years), max(years)
        self._origin = date(self.lo_year, 1, 1).toordinal()
        n = date(self.hi_year, 12, 31).toordinal() - self._origin + 1
        self._working = bytearray(n)
        self._names: list[str | None] = [None] * n
        self._cum = [0] * (n + 1)  # _cum[i] = working days among the first i days
        for i in range(n):
            d = date.fromordinal(self._origin + i)
            year = years.get(d.year)
            if year is None:
                continue
            if d in year.holidays:
                self._names[i] = year.holidays[d]
            elif d in year.workdays:
                self._working[i] = 1
                self._names[i] = year.workdays[d]
            elif d.weekday() < 5:
                self._working[i] = 1
        total = 0
        for i in range(n):
            total += self._working[i]
            self._cum[i + 1] = total

    def covers(self, year: int) -> bool:
        return year in self.years

    def check(self, d: date) -> None:
        if d.year not in self.years:
            raise CalendarRangeError(self.missing_message(d.year))

    def missing_message(self, year: int) -> str:
        where = _shown(self.holidays_file) if self.holidays_file else f"policies/{HOLIDAYS_FILE}"
        known = sorted(self.years)
        return (f"{year}年的节假日安排尚未录入：请在 {where} 中按国务院办公厅通知添加 "
                f"(the {year} holiday schedule has not been entered: add it to {where} from the notice of the "
                f"General Office of the State Council; the calendar covers {known[0]}–{known[-1]})")

    def _index(self, d: date) -> int:
        self.check(d)
        return d.toordinal() - self._origin

    def day_info(self, d: date) -> tuple[bool, str | None]:
        i = self._index(d)
        return bool(self._working[i]), self._names[i]

    def is_workday(self, d: date) -> bool:
        return bool(self._working[self._index(d)])

    def count(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (every year in between must be known)."""
        years = self.years
        if start.year not in years or end.year not in years or end.year - start.year > 1:
            for year in range(start.year, end.year + 1):
                if year not in years:
                    raise CalendarRangeError(self.missing_message(year))
        return self._cum[end.toordinal() - self._origin + 1] - self._cum[start.toordinal() - self._origin + 1]

    def count_workdays(self, start: date, end: date) -> WorkdayCount:
        if end < start:
            raise ValueError(f"{end.isoformat()} is before {start.isoformat()}")
        return WorkdayCount(start, end, self.count(start, end), self)

    def add_workdays(self, start: date, n: int) -> date:
        d, left = start, n
        while left > 0:
            d += timedelta(days=1)
            if self.is_workday(d):
                left -= 1
        self.check(d)
        return d

    def list_days(self, start: date, end: date):
        """(days counted, non-working days with why, 调休 weekend days counted with why)."""
        days, skipped, makeup = [], [], []
        i0 = start.toordinal() - self._origin
        for k in range(1, (end - start).days + 1):
            i, d = i0 + k, start + timedelta(days=k)
            name = self._names[i]
            if self._working[i]:
                days.append(d)
                if d.weekday() >= 5:
                    makeup.append((d, f"{name} 调休" if name else "调休"))
            else:
                skipped.append((d, f"{name} holiday" if name else ("weekend" if d.weekday() >= 5 else "holiday")))
        return tuple(days), tuple(skipped), tuple(makeup)


@dataclass(eq=False)
class WorkdayCount:
    """The working days after `start` up to and including `end`, with what was skipped and why.

    The count is known at once; the dates (for explanations and JSON) are listed on first use."""

    start: date
    end: date
    count: int
    calendar: Calendar = field(repr=False)
    _lists: tuple | None = field(default=None, repr=False)
    _text: str | None = field(default=None, repr=False)

    def _listed(self) -> tuple:
        if self._lists is None:
            self._lists = self.calendar.list_days(self.start, self.end)
        return self._lists

    @property
    def days(self) -> tuple[date, ...]:
        return self._listed()[0]

    @property
    def skipped(self) -> tuple[tuple[date, str], ...]:
        return self._listed()[1]

    @property
    def makeup(self) -> tuple[tuple[date, str], ...]:
        return self._listed()[2]

    def to_dict(self) -> dict:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "workdays": self.count,
            "counted": [d.isoformat() for d in self.days],
            "skipped": [{"date": d.isoformat(), "why": why} for d, why in self.skipped],
            "makeup_workdays": [{"date": d.isoformat(), "why": why} for d, why in self.makeup],
            "calendar": self.sources(),
        }

    def sources(self) -> list[str]:
        """Where the holiday schedule of each year of the period comes from: chinesecalendar, or
        the State Council notice entered in holidays.yaml."""
        years = self.calendar.years
        return list(dict.fromkeys(years[y].source for y in range(self.start.year, self.end.year + 1) if y in years))

    def describe(self) -> str:
        """One line a person can check against a calendar (the same period, met again in another
        case, is described from the calendar's bounded memo)."""
        if self._text is None:
            memo, key = self.calendar.described, (self.start, self.end)
            text = memo.get(key)
            if text is None:
                if len(memo) >= DESCRIBED:
                    memo.clear()
                text = memo[key] = self._describe()
            self._text = text
        return self._text

    def _describe(self) -> str:
        text = f"{self.count} working day{'s' if self.count != 1 else ''} after {self.start.isoformat()} up to {self.end.isoformat()}"
        days = self.days
        if days:
            if self.count <= SHOWN:
                text += " (" + ", ".join(d.isoformat() for d in days) + ")"
            else:
                text += f" (first {days[0].isoformat()}, last {days[-1].isoformat()})"
        holidays = [f"{d.isoformat()} {why}" for d, why in self.skipped if why != "weekend"]
        weekends = sum(1 for _, why in self.skipped if why == "weekend")
        if holidays:
            text += "; holidays skipped: " + ", ".join(holidays)
        if weekends:
            text += f"; {weekends} weekend day{'s' if weekends != 1 else ''} skipped"
        if self.makeup:
            text += "; 调休 working weekend days counted: " + ", ".join(f"{d.isoformat()} ({why})" for d, why in self.makeup)
        entered = [y.source for y in self.calendar.years.values()
                   if y.notice is not None and self.start.year <= y.year <= self.end.year]
        if entered:
            text += "; holidays of " + ", ".join(entered) + " as entered in holidays.yaml"
        return text


_CALENDARS: dict[tuple, Calendar] = {}


def calendar_for(policies: Path | None = None) -> Calendar:
    """The calendar of a policy tree: chinesecalendar plus its holidays.yaml, if it has one
    (cached per file and modification time). With no tree, the bundled policy tree's."""
    if policies is None:
        from kb.core.paths import policies_dir

        policies = policies_dir()
    path = Path(policies) / HOLIDAYS_FILE if Path(policies).is_dir() else None
    if path is None or not path.is_file():
        key: tuple = (None,)
        path = None
    else:
        key = (str(path), path.stat().st_mtime_ns)
    if key not in _CALENDARS:
        _CALENDARS[key] = Calendar(load_holiday_file(path) if path else None, path)
    return _CALENDARS[key]


def default_calendar() -> Calendar:
    return calendar_for(None)


# --- the module-level functions work on the bundled tree's calendar ---------------------------

def calendar_range() -> tuple[date, date]:
    """The first and last day the calendar covers (whole years)."""
    cal = default_calendar()
    return date(cal.lo_year, 1, 1), date(cal.hi_year, 12, 31)


def check_range(d: date) -> None:
    default_calendar().check(d)


def day_info(d: date) -> tuple[bool, str | None]:
    """(is a working day, the holiday's name or None) for one date."""
    return default_calendar().day_info(d)


def is_workday(d: date) -> bool:
    return default_calendar().is_workday(d)


def count_workdays(start: date, end: date) -> WorkdayCount:
    """Working days d with start < d <= end. Raises CalendarRangeError for uncovered dates and
    ValueError when `end` is before `start`."""
    return default_calendar().count_workdays(start, end)


def add_workdays(start: date, n: int) -> date:
    """The date on which a period of `n` working days from `start` ends (start itself not counted)."""
    return default_calendar().add_workdays(start, n)
