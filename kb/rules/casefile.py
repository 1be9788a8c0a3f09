"""Reading a cases file as Excel and people write it, one row at a time.

A cases file comes from a spreadsheet: a CSV saved by Excel (on Chinese Windows that is GBK
unless "CSV UTF-8" was chosen; "Unicode text" is UTF-16 with tabs; a European Excel writes `;`
and may put a `sep=;` line first) or the workbook itself (.xlsx). So the reader detects rather
than assumes, and says what it found (`CasesInput.describe`): a wrong guess shows up at once as
garbled names instead of silently wrong verdicts.

* Encoding: a BOM decides (UTF-8, UTF-16 LE/BE); without one the file is checked to be valid
  UTF-8 in a streaming pass, else GB18030 (the superset of GBK and GB2312); a file that is
  neither is a file error naming the byte offset.
* Delimiter: Excel's `sep=X` first line, else the most frequent of `,` `;` tab on the header line.
* Header: names and aliases from kb/rules/columns.yaml (Chinese headers included); an unknown
  column and two headers naming one column are file errors (exit 2), so that nothing is ignored.
* Rows are yielded one by one (memory stays flat for any file size); a row with more cells than
  the header or a cell over `MAX_CELL` characters is a bad row, the others are still read.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from kb.core.fuzzy import did_you_mean, near
from kb.rules.cases import COLUMNS, REQUIRED, CasesFileError, Row, column_name

FIELD_LIMIT = 16 * 1024 * 1024
"""The largest cell the CSV parser accepts at all (the module's default is 131,072). A cell
between MAX_CELL and this is a bad row; a larger one means the file is not a cases table."""

_SEP_LINE = re.compile(r"^sep=(.)\s*$")
_CHUNK = 1 << 20


@dataclass
class CasesInput:
    """An open cases file: what was detected, the header, and its rows (an iterator)."""

    path: Path
    format: str  # "csv" | "xlsx"
    columns: list[str]
    header: list[str]
    rows: Iterator[Row] = field(repr=False)
    encoding: str | None = None  # "UTF-8", "UTF-8 with BOM", "GB18030 (GBK)", "UTF-16 LE with BOM", ...
    delimiter: str | None = None
    sep_line: bool = False
    sheet: str | None = None
    _close: list = field(default_factory=list, repr=False)

    def describe(self) -> str:
        """One line for standard error: how the file was read."""
        if self.format == "xlsx":
            return f"read {self.path} as an Excel workbook, sheet '{self.sheet}'"
        names = {",": "comma", ";": "semicolon", "\t": "tab"}
        delim = names.get(self.delimiter, repr(self.delimiter))
        how = "from its sep= line" if self.sep_line else "from the header"
        return f"read {self.path} as {self.encoding}, {delim}-separated ({how})"

    def to_dict(self) -> dict:
        return {"file": str(self.path), "format": self.format, "encoding": self.encoding,
                "delimiter": self.delimiter, "sep_line": self.sep_line, "sheet": self.sheet,
                "columns": self.columns}

    def close(self) -> None:
        for fn in self._close:
            fn()
        self._close.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_cases(path) -> CasesInput:
    """Open a cases file (CSV in any of the encodings above, or .xlsx); raises CasesFileError
    for a file that cannot be used at all."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise CasesFileError(f"no such file: {path}") from None
    except OSError as exc:
        raise CasesFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _open_xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise CasesFileError(f"{path}: an old Excel .xls workbook: save it as .xlsx or as CSV UTF-8")
    return _open_csv(path, head)


# --- CSV -----------------------------------------------------------------------------------------

def detect_encoding(path: Path, head: bytes) -> tuple[str, str]:
    """(Python codec, label) of a CSV file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with BOM"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16", "UTF-16 LE with BOM"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", "UTF-16 BE with BOM"
    with open(path, "rb") as fh:
        start = fh.read(4096)
    if b"\x00" in start:
        raise CasesFileError(f"{path}: has NUL bytes: UTF-16 or UTF-32 without a byte-order mark? "
                             "Save it from Excel as CSV UTF-8")
    bad_utf8 = _first_bad_byte(path, "utf-8")
    if bad_utf8 is None:
        return "utf-8", "UTF-8"
    bad_gb = _first_bad_byte(path, "gb18030")
    if bad_gb is None:
        return "gb18030", "GB18030 (GBK)"
    raise CasesFileError(f"{path}: neither UTF-8 (bad byte at offset {bad_utf8}) nor GB18030/GBK (bad byte at "
                         f"offset {bad_gb}): save it from Excel as CSV UTF-8")


def _first_bad_byte(path: Path, encoding: str) -> int | None:
    """The offset of the first byte that does not decode, or None: a streaming pass."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset + max(exc.start, 0)
            if not chunk:
                return None
            offset += len(chunk)


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open_csv(path: Path, head: bytes) -> CasesInput:
    codec, label = detect_encoding(path, head)
    csv.field_size_limit(FIELD_LIMIT)
    fh = open(path, encoding=codec, newline="")  # noqa: SIM115 - closed by CasesInput.close: rows are read lazily
    try:
        first = fh.readline()
        sep = _SEP_LINE.match(first)
        skipped = 0
        if sep:
            delimiter, skipped, first = sep.group(1), 1, fh.readline()
        else:
            delimiter = _delimiter(first)
        if not first.strip():
            raise CasesFileError(f"{path}: empty file (expected a header row: {', '.join(REQUIRED)}, ...)")
        reader = csv.reader(itertools.chain([first], fh), delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise CasesFileError(f"{path}: empty file (expected a header row: {', '.join(REQUIRED)}, ...)") from None
        except csv.Error as exc:
            raise CasesFileError(f"{path}: line {1 + skipped}: {exc}") from None
        columns = _columns(path, header)
    except BaseException:
        fh.close()
        raise
    rows = _csv_rows(path, reader, columns, skipped)
    return CasesInput(path, "csv", columns, header, rows, encoding=label, delimiter=delimiter,
                      sep_line=bool(sep), _close=[fh.close])


def _csv_rows(path: Path, reader, columns: list[str], skipped: int) -> Iterator[Row]:
    n = len(columns)
    start = reader.line_num + 1 + skipped
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CasesFileError(f"{path}: line {start}: {exc}") from None
        row = _row(start, cells, columns, n)
        if row is not None:
            yield row
        start = reader.line_num + 1 + skipped


def _row(line: int, cells: list, columns: list[str], n: int) -> Row | None:
    if not any(c.strip() if isinstance(c, str) else c is not None for c in cells):
        return None
    if len(cells) > n and any((c.strip() if isinstance(c, str) else c is not None) for c in cells[n:]):
        return Row(line, error=f"{len(cells)} cells but the header has {n} columns")
    return Row(line, {name: c for name, c in zip(columns, cells) if name})


# --- the header ------------------------------------------------------------------------------------

def _columns(path: Path, header: list) -> list[str]:
    """The column of each header cell ('' for an empty header over an unused column)."""
    names = [column_name(str(h)) if h not in (None, "") else "" for h in header]
    seen: dict[str, int] = {}
    for i, (raw, name) in enumerate(zip(header, names)):
        if not name:
            continue
        if name not in COLUMNS:
            raise CasesFileError(f"{path}: unknown column '{raw}'{did_you_mean(near(name, COLUMNS, limit=1))}; "
                                 f"columns: {', '.join(COLUMNS)} (and the aliases in kb/rules/columns.yaml)")
        if name in seen:
            j = seen[name]
            raise CasesFileError(f"{path}: columns {j + 1} '{header[j]}' and {i + 1} '{raw}' both give {name}")
        seen[name] = i
    missing = [r for r in REQUIRED if r not in names]
    if missing:
        raise CasesFileError(f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    return names


# --- .xlsx -----------------------------------------------------------------------------------------

def _cell(value):
    """A workbook cell as parse_case takes it: dates as dates, whole numbers without '.0'."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if value is None:
        return ""
    return str(value)


def _open_xlsx(path: Path) -> CasesInput:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise CasesFileError(f"{path}: not a readable .xlsx workbook: {exc}") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        skipped, header = _xlsx_header(rows)
    except StopIteration:
        wb.close()
        raise CasesFileError(f"{path}: the first sheet '{ws.title}' is empty (expected a header row: {', '.join(REQUIRED)}, ...)") from None
    try:
        columns = _columns(path, [h if h is None else str(h).strip() for h in header])
    except CasesFileError:
        wb.close()
        raise
    return CasesInput(path, "xlsx", columns, [str(h or "") for h in header], _xlsx_rows(rows, columns, skipped + 2),
                      sheet=ws.title, _close=[wb.close])


TITLE_ROWS = 5
"""How many title or blank rows (one filled cell at most, e.g. a merged 台账 title) may stand
above the header of a sheet."""


def _xlsx_header(rows) -> tuple[int, list]:
    """(rows skipped, the header): the first row with two or more filled cells."""
    for skipped in range(TITLE_ROWS + 1):
        header = list(next(rows))
        while header and header[-1] in (None, ""):
            header.pop()
        if sum(1 for h in header if h not in (None, "")) >= 2 or skipped == TITLE_ROWS:
            return skipped, header
    raise StopIteration


def _xlsx_rows(rows, columns: list[str], first: int) -> Iterator[Row]:
    n = len(columns)
    for line, values in enumerate(rows, start=first):
        row = _row(line, [_cell(v) for v in values], columns, n)
        if row is not None:
            yield row


__all__ = ["FIELD_LIMIT", "CasesInput", "detect_encoding", "open_cases"]
