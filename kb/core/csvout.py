"""CSV as Excel on Chinese Windows reads it: fields quoted when they hold a comma, a quote, a line
break or a `;` (Excel in locales whose list separator is `;`, and some import wizards, would split
an unquoted `;`), CRLF line ends. Used by every CSV powerkb writes."""

from __future__ import annotations


def csv_field(value) -> str:
    text = "" if value is None else str(value)
    if any(c in text for c in ',";\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(rows) -> str:
    return "".join(",".join(csv_field(v) for v in row) + "\r\n" for row in rows)
