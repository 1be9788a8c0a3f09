"""The xlsx export: a workbook laid out like the 台账 (task ledger) tables of the sources.

One sheet per document (named by the document id, so a row can be traced back), with the
document title as a merged title row, then the ledger's own column headers:

    序号 | 分类 | 工作目标任务 | 责任单位 | 协同推进单位 | 完成时间 | 条目编号 | 英文摘要

`序号` numbers the rows of the sheet; `分类` is the item's 分类 cell, else its nearest section
heading; `工作目标任务` the verbatim text; the unit columns are the verbatim 责任单位 /
协同推进单位 cells, or the registry names of the lead / cooperating units where the source has no
such cell; `完成时间` the deadline phrases as the source writes them (one a line); `条目编号` the
powerkb id; `英文摘要` the English summary. The header rows are frozen, filtered and repeated on
every printed page.
"""

from __future__ import annotations

import io

HEADERS = ["序号", "分类", "工作目标任务", "责任单位", "协同推进单位", "完成时间", "条目编号", "英文摘要"]
WIDTHS = [6, 18, 60, 26, 22, 16, 26, 50]
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3


def _clean(text):
    """Cell text without the control characters that xlsx cannot store."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text) if isinstance(text, str) else text


def _units(item, role: str) -> str:
    return "、".join(dict.fromkeys(r.name or r.unit for r in item.units if r.role == role))


def row_values(n: int, item) -> list:
    """The cells of one ledger row (what the tests read back)."""
    category = item.category or (item.section[-1] if item.section else "")
    responsible = "\n".join(item.responsible) or _units(item, "lead")
    cooperating = "\n".join(item.cooperating) or _units(item, "cooperate")
    due = "\n".join(dict.fromkeys(d.phrase for d in item.deadlines))
    return [n, category, item.text, responsible, cooperating, due, item.id, item.summary]


def sheet_names(base, items) -> list[str]:
    """The documents that get a sheet: those with an exported item (all of them when none is)."""
    docs = [d for d in base.documents if any(i.doc == d for i in items)]
    return docs or list(base.documents)


def build_workbook(base, items):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "powerkb"
    wb.properties.title = "获得电力 工作任务台账"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    last_col = get_column_letter(len(HEADERS))
    for doc_id in sheet_names(base, items):
        doc = base.documents[doc_id]
        ws = wb.create_sheet(title=doc_id[:31])
        ws.cell(TITLE_ROW, 1, _clean(doc.title_zh)).font = Font(bold=True, size=14)
        ws.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.merge_cells(f"A{TITLE_ROW}:{last_col}{TITLE_ROW}")
        ws.row_dimensions[TITLE_ROW].height = 36
        for col, (head, width) in enumerate(zip(HEADERS, WIDTHS), start=1):
            cell = ws.cell(HEADER_ROW, col, head)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE5F0")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
            ws.column_dimensions[get_column_letter(col)].width = width
        rows = [i for i in items if i.doc == doc_id]
        for n, item in enumerate(rows, start=1):
            for col, value in enumerate(row_values(n, item), start=1):
                cell = ws.cell(FIRST_ROW + n - 1, col, _clean(value))
                cell.alignment = wrap
                cell.border = border
        ws.freeze_panes = ws.cell(FIRST_ROW, 1)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + len(rows)}"
        ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    return wb


def workbook_bytes(base, items) -> bytes:
    buf = io.BytesIO()
    build_workbook(base, items).save(buf)
    return buf.getvalue()
