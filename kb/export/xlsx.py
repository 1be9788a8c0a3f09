"""The xlsx export: a workbook laid out like the 台账 (task ledger) tables of the sources, ready to
print on A4 and to keep as a ledger in Excel/WPS on Chinese Windows.

For each document:

* its ledger (the items of the `ledger` id family, docs/policy-format.md) on a sheet named by the
  document id, one row per ledger row, with the source's 序号 (nea:ledger.51 is row 51), and —
  where the ledger has them — the national column beside the document's own, and one column per
  year (2020年/2021年/2022年) holding that year's action (the row's `<row>@<year>` item) instead
  of an extra row; the ledger's notes (注) follow the rows;
* the document's other parts (body, indicators, forms) on a second sheet `<doc> 其他部分`; a
  document without a ledger has only the one sheet, named by its id.

Each sheet: the title as a merged first row, the column headers (Chinese by default; the run's
language) frozen, filtered and repeated on every printed page; wrapped cells with row heights that
show the whole text; 宋体 (SimSun, charset GB2312, so that Excel and LibreOffice substitute a
Chinese font where SimSun is missing); A4 landscape, fitted to the page width, with page numbers.
With `as_of`, a last column marks the items overdue on that day.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field

from kb.core.i18n import label

LEDGER = "ledger"  # the id family of a document's task ledger
FONT = "宋体"  # SimSun; charset 134 (GB2312) lets a spreadsheet pick a Chinese fallback
FONT_SIZE = 10
LINE_PT = 13.0  # the height of one line of 10pt 宋体, in points
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3


@dataclass
class Column:
    key: str
    head: str
    width: int
    value: object  # item -> cell value


@dataclass
class Sheet:
    name: str
    title: str
    columns: list[Column]
    rows: list = field(default_factory=list)  # items
    notes: list = field(default_factory=list)  # items shown after the rows, across the sheet


def _clean(text):
    """Cell text without the control characters that xlsx cannot store."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text) if isinstance(text, str) else text


def _units(item, role: str) -> str:
    return "、".join(dict.fromkeys(r.name or r.unit for r in item.units if r.role == role))


def seq(item) -> int | None:
    """The row's number in its ledger, as the source numbers it: the last number of its id."""
    m = re.search(r"(\d+)$", item.ref)
    return int(m.group(1)) if m else None


def is_ledger_row(item) -> bool:
    return item.ref.startswith(LEDGER + ".") and item.parent is None and item.kind != "note"


def is_ledger_note(item) -> bool:
    return item.ref.startswith(LEDGER + ".") and item.kind == "note"


def year_of(item) -> str | None:
    """The year column of a ledger row's action (`<row>@2021`), if it is one."""
    _, at, year = item.ref.partition("@")
    return year if at and year.isdigit() else None


def _category(item) -> str:
    return item.category or (item.section[-1] if item.section else "")


def _responsible(item) -> str:
    return "\n".join(item.responsible) or _units(item, "lead")


def _cooperating(item) -> str:
    return "\n".join(item.cooperating) or _units(item, "cooperate")


def _due(item) -> str:
    return "\n".join(dict.fromkeys(d.phrase for d in item.deadlines))


def _overdue_column(as_of) -> list[Column]:
    if as_of is None:
        return []
    from kb.export.formats import overdue

    mark = label("xlsx.overdue_mark")
    return [Column("overdue", label("xlsx.overdue", date=as_of.isoformat()), 12,
                   lambda i: mark if overdue(i, as_of) else "")]


def _tail(as_of) -> list[Column]:
    return [Column("responsible", label("xlsx.responsible"), 24, _responsible),
            Column("cooperating", label("xlsx.cooperating"), 22, _cooperating),
            Column("due", label("xlsx.due"), 14, _due),
            Column("id", label("xlsx.id"), 22, lambda i: i.id),
            Column("summary", label("xlsx.summary"), 44, lambda i: i.summary)] + _overdue_column(as_of)


def ledger_sheet(doc, items, children, as_of) -> Sheet | None:
    rows = [i for i in items if is_ledger_row(i)]
    if not rows:
        return None
    actions = {(c.parent, year_of(c)): c for c in children if year_of(c)}
    years = sorted({y for _, y in actions})
    national = any(i.national for i in rows)
    cols = [Column("seq", label("xlsx.seq"), 6, seq), Column("category", label("xlsx.category"), 14, _category)]
    if national:
        cols += [Column("national", label("xlsx.national"), 36, lambda i: "\n".join(i.national)),
                 Column("text", label("xlsx.local"), 36, lambda i: i.text)]
    else:
        cols.append(Column("text", label("xlsx.task"), 56, lambda i: i.text))
    for year in years:
        cols.append(Column(f"year.{year}", label("xlsx.year", year=year), 26,
                           lambda i, y=year: actions[(i.id, y)].text if (i.id, y) in actions else ""))
    title = next((i.section[0] for i in rows if i.section), doc.title_zh)
    notes = [i for i in items if is_ledger_note(i)]
    tail = _tail(as_of)
    if years:  # a wide ledger (year columns): a narrower summary keeps the printed page legible
        tail = [Column(c.key, c.head, 30, c.value) if c.key == "summary" else c for c in tail]
    return Sheet(doc.id[:31], title, cols + tail, rows, notes)


def other_sheet(doc, items, name: str, title: str, as_of) -> Sheet | None:
    rows = [i for i in items if not (i.ref.startswith(LEDGER + ".") or (i.parent and year_of(i)))]
    if not rows:
        return None
    cols = [Column("seq", label("xlsx.seq"), 6, None), Column("category", label("xlsx.section"), 16, _category),
            Column("text", label("xlsx.text"), 60, lambda i: i.text)]
    return Sheet(name[:31], title, cols + _tail(as_of), rows)


def sheets(base, items, as_of=None) -> list[Sheet]:
    """The sheets of the workbook, in document order (documents with no exported item skipped,
    unless none has one)."""
    out = []
    chosen = {i.id for i in items}
    docs = [d for d in base.documents if any(i.doc == d for i in items)] or list(base.documents)
    for doc_id in docs:
        doc = base.documents[doc_id]
        mine = [i for i in items if i.doc == doc_id]
        children = [i for i in base.items.values() if i.doc == doc_id and i.parent]
        ledger = ledger_sheet(doc, mine, children, as_of)
        if ledger:
            ledger.rows = [i for i in ledger.rows if i.id in chosen]
            out.append(ledger)
            other = other_sheet(doc, mine, label("xlsx.other_sheet", doc=doc_id),
                                label("xlsx.other_title", title=doc.title_zh), as_of)
        else:
            other = other_sheet(doc, mine, doc_id, doc.title_zh, as_of)
        if other:
            out.append(other)
    return out


def row_values(sheet: Sheet, n: int, item) -> list:
    """The cells of one row (what the tests read back): the source's 序号 on a ledger sheet, a
    running number elsewhere."""
    return [(n if c.value is None else c.value(item)) for c in sheet.columns]


def _units_of(text: str) -> float:
    """The width of a text in Excel column units, measured on LibreOffice's rendering of 10pt
    宋体/Noto CJK: a CJK character takes about 1.75 units, a Latin one about 0.8."""
    from rich.cells import cell_len

    return sum(1.75 if cell_len(ch) == 2 else 0.8 for ch in text)


def lines_needed(text, width: int) -> int:
    """How many lines a wrapped cell of `width` (Excel character units) needs, so that the row
    is tall enough to show all of it (spreadsheets do not grow rows of a written file)."""
    if text is None or text == "":
        return 1
    usable = max(1.0, width - 1.5)
    return sum(max(1, math.ceil(_units_of(p) / usable)) for p in str(text).split("\n"))


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return {
        "font": Font(name=FONT, size=FONT_SIZE, charset=134),
        "bold": Font(name=FONT, size=FONT_SIZE, bold=True, charset=134),
        "title": Font(name=FONT, size=14, bold=True, charset=134),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "fill": PatternFill("solid", fgColor="DDE5F0"),
    }


def _write_sheet(wb, sheet: Sheet, st) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=sheet.name)
    last = get_column_letter(len(sheet.columns))
    ws.cell(TITLE_ROW, 1, _clean(sheet.title)).font = st["title"]
    ws.cell(TITLE_ROW, 1).alignment = st["center"]
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 30
    head_lines = 1
    for col, c in enumerate(sheet.columns, start=1):
        cell = ws.cell(HEADER_ROW, col, c.head)
        cell.font, cell.fill, cell.alignment, cell.border = st["bold"], st["fill"], st["center"], st["border"]
        ws.column_dimensions[get_column_letter(col)].width = c.width
        head_lines = max(head_lines, lines_needed(c.head, c.width))
    ws.row_dimensions[HEADER_ROW].height = head_lines * LINE_PT + 6
    r = FIRST_ROW
    for n, item in enumerate(sheet.rows, start=1):
        values = row_values(sheet, n, item)
        need = 1
        for col, (c, value) in enumerate(zip(sheet.columns, values), start=1):
            cell = ws.cell(r, col, _clean(value))
            cell.font, cell.border = st["font"], st["border"]
            cell.alignment = st["center"] if c.key == "seq" else st["wrap"]
            need = max(need, lines_needed(value, c.width))
        ws.row_dimensions[r].height = min(409, need * LINE_PT + 4)  # 409pt: Excel's tallest row
        r += 1
    last_data = r - 1
    for note in sheet.notes:  # the ledger's notes (注1, 注2) across the sheet, after the rows
        ws.cell(r, 1, _clean(note.text)).font = st["font"]  # the note as the source words it (注：…)
        ws.cell(r, 1).alignment = st["wrap"]
        ws.merge_cells(f"A{r}:{last}{r}")
        total = sum(c.width for c in sheet.columns)
        ws.row_dimensions[r].height = min(409, lines_needed(note.text, total) * LINE_PT + 4)
        r += 1
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(HEADER_ROW, last_data)}"
    _page_setup(ws, sheet)


def _page_setup(ws, sheet: Sheet) -> None:
    ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = label("xlsx.footer")
    ws.oddFooter.center.font = FONT


def build_workbook(base, items, as_of=None):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "powerkb"
    wb.properties.title = "获得电力 工作任务台账"
    st = _styles()
    for sheet in sheets(base, items, as_of):
        _write_sheet(wb, sheet, st)
    return wb


def workbook_bytes(base, items, as_of=None) -> bytes:
    buf = io.BytesIO()
    build_workbook(base, items, as_of).save(buf)
    return buf.getvalue()


def coverage_workbook_bytes(rows, text_of) -> bytes:
    """Coverage as a workbook for a report to leadership: one sheet per plan, a row per
    higher-level measure with its direct counterparts (partial marked), those reached only
    through another item, and why there is none; printable like the 台账 (A4, 宋体, row heights).
    `text_of(row)` gives the measure's text in the run's language."""
    from openpyxl import Workbook

    def counterparts(r) -> str:
        return "\n".join(c + (label("coverage.partial") if c in r.partial else "") for c in r.counterparts)

    def through(r) -> str:
        return "\n".join(label("coverage.through", id=i, via=v) for i, v in r.through)

    cols = [Column("seq", label("xlsx.seq"), 6, None), Column("id", label("col.measure"), 18, lambda r: r.id),
            Column("text", label("xlsx.text"), 50, text_of), Column("via", label("col.via"), 14, lambda r: "\n".join(r.via)),
            Column("counterparts", label("col.counterparts"), 26, counterparts),
            Column("through", label("coverage.through_head"), 26, through),
            Column("reason", label("coverage.reason_head"), 30, lambda r: "" if r.counterparts else (r.reason or ""))]
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "powerkb"
    st = _styles()
    for doc in dict.fromkeys(r.doc for r in rows):
        mine = [r for r in rows if r.doc == doc]
        covered = sum(1 for r in mine if r.counterparts)
        title = label("coverage.sheet_title", doc=doc, covered=covered, total=len(mine))
        _write_sheet(wb, Sheet(doc[:31], title, cols, mine), st)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
