"""The one Markdown table writer and the one CSV writer: every md and csv output goes through here.

They live in the core layer (not in kb.render) because `kb.export` and `kb.render` are independent
layers that must not import each other, and both write CSV: `powerkb export --format csv` and the
Python `export()` as much as `powerkb query --format csv` and the TUI's export dialog.

CSV is written for people as much as for programs:
* rows end in CRLF (RFC 4180; what Excel writes and expects);
* a field is quoted when it holds a comma, a quote, a line break **or a semicolon**: LibreOffice
  and Excel in many locales split on `;`, and an unquoted one would break the row apart;
* a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`,
  so that a spreadsheet shows it as text instead of running it as a formula (CSV injection).
  Numbers (`-3`, `+1.5`) are left alone: they are data, not formulas, and programs read them back;
* with `bom=True` the text starts with a UTF-8 byte order mark: without one, Excel on Chinese
  Windows reads the file in the system code page (GBK) and garbles every character. Output for
  pipes and programs (`powerkb query --format csv`) goes without one: a BOM would become part of
  the first column's name for most CSV readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

BOM = "\ufeff"
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_QUOTE_IF = (",", '"', "\n", "\r", ";")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cell(value) -> str:
    """One field, escaped against formulas and quoted where a reader would split it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_LEAD) and not _is_number(text):
        text = "'" + text
    if any(ch in text for ch in _QUOTE_IF):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(header: Sequence, rows: Iterable[Sequence], *, bom: bool = False) -> str:
    """A whole CSV document: the header row, then `rows`, each line ending in CRLF."""
    lines = [",".join(csv_cell(v) for v in row) for row in (header, *rows)]
    return (BOM if bom else "") + "".join(line + "\r\n" for line in lines)


def md_cell(value) -> str:
    """One table cell: on one line, with `|` escaped so that it does not end the cell."""
    return " ".join(str("" if value is None else value).split()).replace("|", "\\|")


def md_table(header: Sequence, rows: Iterable[Sequence]) -> list[str]:
    """A GitHub-flavoured Markdown table, as lines (no trailing newline)."""
    out = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return out
