"""Dates and periods: the one reader for every date powerkb is given.

Before this module there were seven: strict ISO dates in the loader and the cases, the deadline
phrases of the sources, the query language's period literals, and ad-hoc regexes beside them. They
disagreed at the edges (what a bad day says, which forms a query takes). Now:

* `parse_iso` - a strict YYYY-MM-DD day (policy files, connection cases, `--as-of`);
* `parse_period` - a date literal of the query language, which names a period (a year, a
  half-year, a quarter, a month or a day) in ISO-like or Chinese form: 2021, 2021-Q3, 2021-H1,
  2021-12, 2021-12-31, 2021/12/31, 2021.12.31, 2021年12月, 2021年第三季度, 2021年上半年, 2021年底,
  2021年12月31日, today / 今天;
* `resolve_phrase` - the deadline phrases of the sources (2021年4月底前, 2020年底前).

A text that is not a date raises `DateError` (a ValueError) whose message says what is wrong with
it ("there is no month 13"), so that a caller can show it under a caret.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from kb.core.records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a cold command's time)
if TYPE_CHECKING:
    from typing import Literal

    PeriodKind = Literal["day", "month", "quarter", "half-year", "year"]


MIN_YEAR, MAX_YEAR = 1, 9999
"""The years a date may name: Python's (and ISO's) four-digit years."""


class DateError(ValueError):
    """A text that is not a date. `str(err)` says why; `hint` (optional) which forms are meant;
    `core` the date inside a deadline phrase (2021年底 of 2021年底前)."""

    def __init__(self, message: str, hint: str | None = None, core: str | None = None):
        super().__init__(message)
        self.hint, self.core = hint, core


@record(frozen=True)
class Period:
    """The days a date literal stands for, first and last inclusive."""

    first: date
    last: date
    kind: PeriodKind
    canonical: str  # the ISO-like spelling: 2021, 2021-H1, 2021-Q3, 2021-12, 2021-12-31

    def describe(self) -> str:
        """How the period reads in `--explain`: 'quarter 2021-Q3 = 2021-07-01 … 2021-09-30'."""
        if self.first == self.last:
            return f"{self.kind} {self.first.isoformat()}"
        return f"{self.kind} {self.canonical} = {self.first.isoformat()} … {self.last.isoformat()}"


def days_in_month(year: int, month: int) -> int:
    """The days of a month of the proleptic Gregorian calendar (`calendar.monthrange` without
    importing `calendar`, and with it `locale`: a cold query's time)."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def month_end(year: int, month: int) -> date:
    return date(year, month, days_in_month(year, month))


def parse_iso(text: str) -> date:
    """A strict YYYY-MM-DD date; raises DateError (a ValueError) with a readable message."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or "", flags=re.ASCII):
        raise DateError(f"{text!r} is not a date of the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DateError(f"{text!r} is not a real calendar date") from None


# --- numbers and the pieces of a period ----------------------------------------------------

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(text: str) -> int | None:
    """An Arabic or Chinese number below 100 (3, 三, 十二, 二十, 三十一), else None."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text)) if len(text) <= 2 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _year(text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(f"there is no year {text} (years run from {MIN_YEAR:04d} to {MAX_YEAR})")
    return year


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), "year", f"{year:04d}")


def half_period(year: int, half: int) -> Period:
    if half not in (1, 2):
        raise DateError(f"there is no {_ordinal(half)} half-year (a year has two: H1, H2)")
    first, last = (date(year, 1, 1), date(year, 6, 30)) if half == 1 else (date(year, 7, 1), date(year, 12, 31))
    return Period(first, last, "half-year", f"{year:04d}-H{half}")


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise DateError(f"there is no {_ordinal(quarter)} quarter (a year has four: Q1 to Q4)")
    return Period(date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter), "quarter", f"{year:04d}-Q{quarter}")


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise DateError(f"there is no month {month} (months run from 1 to 12)")
    return Period(date(year, month, 1), month_end(year, month), "month", f"{year:04d}-{month:02d}")


def day_period(year: int, month: int, day: int) -> Period:
    month_period(year, month)  # the month first: "there is no month 13" before any day
    last = days_in_month(year, month)
    if not 1 <= day <= last:
        raise DateError(f"there is no day {day} in {year:04d}-{month:02d} (it has {last} days)")
    d = date(year, month, day)
    return Period(d, d, "day", d.isoformat())


def _day_of(period: Period) -> Period:
    """The last day of a period, as a period of its own (年底, 12月底, 三季度末)."""
    return Period(period.last, period.last, "day", period.last.isoformat())


# --- the query language's date literals ----------------------------------------------------

_ISO_LIKE = re.compile(r"(\d{4})(?:([-/.])(.*))?", re.ASCII)
_CN = re.compile(r"(\d{4})年(.*)", re.ASCII)
_END_WORDS = ("底", "末")
_BEFORE = ("以前", "之前", "前")
TODAY_WORDS = ("today", "今天", "今日")

DATE_FORMS = ("2021", "2021-H1", "2021-Q3", "2021-12", "2021-12-31", "2021/12/31", "2021.12.31",
              "2021年", "2021年上半年", "2021年第三季度", "2021年12月", "2021年底", "2021年12月31日", "today")
"""One example of each form `parse_period` reads, for messages and documentation."""
FORMS_HINT = "a date: " + ", ".join(DATE_FORMS)


def parse_period(text: str, today: date | None = None) -> Period:
    """The period a date literal names. `today` is needed only for `today` / 今天."""
    key = unicodedata.normalize("NFKC", text or "").strip().lower()
    if key in TODAY_WORDS:
        if today is None:
            raise DateError("'today' needs an as-of date")
        return Period(today, today, "day", today.isoformat())
    for suffix in _BEFORE:
        if key.endswith(suffix) and len(key) > len(suffix):
            core = text.strip()[: -len(suffix)]
            raise DateError(f"'{text}' is a deadline phrase, not a date: a date names a period, the comparison "
                            "says before or after", core=core)
    if m := _CN.fullmatch(key):
        return _chinese(_year(m.group(1)), m.group(2), text)
    if m := _ISO_LIKE.fullmatch(key):
        return _iso_like(_year(m.group(1)), m.group(2), m.group(3), text)
    raise DateError(f"'{text}' is not a date", hint=FORMS_HINT)


def _iso_like(year: int, sep: str | None, rest: str | None, text: str) -> Period:
    if sep is None:
        return year_period(year)
    if m := re.fullmatch(r"([qh])(\d+)", rest, re.ASCII):
        if sep != "-":
            raise DateError(f"'{text}' is not a date", hint=f"{year:04d}-{m.group(1).upper()}{m.group(2)}")
        number = int(m.group(2))
        return quarter_period(year, number) if m.group(1) == "q" else half_period(year, number)
    parts = rest.split(sep)
    if not all(re.fullmatch(r"\d{1,2}", p, re.ASCII) for p in parts) or len(parts) > 2:
        raise DateError(f"'{text}' is not a date", hint=FORMS_HINT)
    if len(parts) == 1:
        return month_period(year, int(parts[0]))
    return day_period(year, int(parts[0]), int(parts[1]))


def _chinese(year: int, rest: str, text: str) -> Period:
    """年 forms: '' (the year), 底/末, 上半年/下半年, (第)N季度(末), QN, N月, N月底, N月N日."""
    if rest == "":
        return year_period(year)
    if rest in _END_WORDS:
        return _day_of(year_period(year))
    if rest in ("上半年", "下半年"):
        return half_period(year, 1 if rest == "上半年" else 2)
    if m := re.fullmatch(r"第?(.+?)季度([底末])?|q(\d+)", rest):
        number = cn_number(m.group(1) or m.group(3))
        if number is None:
            raise DateError(f"'{text}' is not a date", hint=f"a quarter: {year}年第三季度 or {year}年3季度")
        period = quarter_period(year, number)
        return _day_of(period) if m.group(2) else period
    if m := re.fullmatch(r"(.+?)月(?:([底末])|(.+?)[日号])?", rest):
        month = cn_number(m.group(1))
        day = cn_number(m.group(3)) if m.group(3) else None
        if month is None or (m.group(3) and day is None):
            raise DateError(f"'{text}' is not a date", hint=f"a month: {year}年12月, or a day: {year}年12月31日")
        if day is not None:
            return day_period(year, month, day)
        period = month_period(year, month)
        return _day_of(period) if m.group(2) else period
    raise DateError(f"'{text}' is not a date", hint=FORMS_HINT)


# --- deadline phrases of the sources -------------------------------------------------------

_NUM = r"(\d{1,4})"
_RANGE = re.compile(rf"{_NUM}年{_NUM}月\s*[-—至~]\s*{_NUM}年{_NUM}月")
_DAY = re.compile(rf"{_NUM}年{_NUM}月{_NUM}日")
_MONTH_END = re.compile(rf"{_NUM}年{_NUM}月底")
_MONTH_BEFORE = re.compile(rf"{_NUM}年{_NUM}月前")
_YEAR_END = re.compile(rf"{_NUM}年底")
_YEAR_ONLY = re.compile(rf"^{_NUM}年$")


def resolve_phrase(phrase: str) -> tuple[date | None, date | None] | None:
    """(start, date) for a dated deadline phrase of a source, or None when it carries no full date.

    Month phrases mean the month's last day (4月底前 -> 04-30); 8月前 resolves to 08-31, an inference
    that the policy file marks `basis: inferred`, with the stricter reading (07-31) under
    `other_readings`; a bare year (a ledger column 2021年) means 12-31.
    """
    p = re.sub(r"\s+", "", phrase or "")
    if m := _RANGE.search(p):
        y1, m1, y2, m2 = map(int, m.groups())
        return date(y1, m1, 1), month_end(y2, m2)
    if m := _DAY.search(p):
        y, mo, d = map(int, m.groups())
        return None, date(y, mo, d)
    for pattern in (_MONTH_END, _MONTH_BEFORE):
        if m := pattern.search(p):
            y, mo = map(int, m.groups())
            return None, month_end(y, mo)
    for pattern in (_YEAR_END, _YEAR_ONLY):
        if m := pattern.search(p):
            return None, date(int(m.group(1)), 12, 31)
    return None


# --- dates in cases files ---------------------------------------------------------------------
_DATE_FORMS = re.compile(r"(\d{4})(?:-(\d{2})-(\d{2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)")


def parse_date_text(text: str) -> date:
    """A date written YYYY-MM-DD, or as Excel on Chinese Windows writes it (YYYY/M/D) or in
    Chinese (YYYY年M月D日): year first, so never ambiguous. Raises ValueError saying why."""
    m = _DATE_FORMS.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD (YYYY/M/D and YYYY年M月D日 are also read)")
    y, *rest = m.groups()
    month, day = [int(x) for x in rest if x is not None]
    try:
        return date(int(y), month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar date") from None
