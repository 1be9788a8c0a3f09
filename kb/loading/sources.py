"""The source texts: finding quotes in them and proving the cleaned copies invent nothing.

Quotes are compared with all whitespace removed, because the PDF extraction scatters spaces and
line breaks through Chinese text. Marker lines (`§ ...`) of the cleaned files become a separator
that no quote can cross, so a quote that is found lies inside one cell of one page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from pathlib import Path

from kb.core.records import field, record

_WS = re.compile(r"\s+")
SEP = "\x00"


def squash(text: str) -> str:
    """Remove all whitespace: the normal form in which quotes are compared."""
    return _WS.sub("", text or "")


@record
class SourceText:
    """A cleaned source file, indexed for quote lookup by page and by line."""

    path: Path
    name: str  # relative to the policies dir, e.g. "sources/nea-2021-03-29.txt"
    flat: str = ""  # squashed text lines, markers as SEP
    pages: dict[int, tuple[int, int]] = field(default_factory=dict)
    line_starts: list[int] = field(default_factory=list)  # offset in flat of each text line
    line_numbers: list[int] = field(default_factory=list)  # file line of each text line
    markers: list[tuple[int, str]] = field(default_factory=list)  # (offset, marker text)

    @classmethod
    def read(cls, path: Path, name: str, data: bytes | None = None) -> SourceText:
        """Read a cleaned source (from `data`, its bytes as already read, when given)."""
        src = cls(path, name)
        parts: list[str] = []
        offset = 0
        page_starts: list[tuple[int, int]] = []
        for number, line in enumerate((path.read_bytes() if data is None else data).decode("utf-8").splitlines(), start=1):
            if line.startswith("§"):
                marker = line[1:].strip()
                src.markers.append((offset, marker))
                if m := re.fullmatch(r"page\s+(\d+)", marker):
                    page_starts.append((int(m.group(1)), offset))
                parts.append(SEP)
                offset += 1
                continue
            flat = squash(line)
            if not flat:
                continue
            src.line_starts.append(offset)
            src.line_numbers.append(number)
            parts.append(flat)
            offset += len(flat)
        src.flat = "".join(parts)
        for i, (page, start) in enumerate(page_starts):
            end = page_starts[i + 1][1] if i + 1 < len(page_starts) else len(src.flat)
            src.pages[page] = (start, end)
        return src

    def text_lines(self) -> str:
        """All text lines, squashed and concatenated (for the provenance check)."""
        return self.flat.replace(SEP, "")

    def find(self, quote: str, pages: tuple[int, ...] = ()) -> list[int]:
        """Offsets where the squashed quote starts, restricted to `pages` when given."""
        needle = squash(quote)
        if not needle:
            return []
        ranges = [self.pages[p] for p in pages if p in self.pages] if pages else [(0, len(self.flat))]
        hits = []
        for lo, hi in ranges:
            at = self.flat.find(needle, lo)
            while at != -1 and at + len(needle) <= hi:
                hits.append(at)
                at = self.flat.find(needle, at + 1)
        return hits

    def line_of(self, offset: int) -> int:
        i = bisect_right(self.line_starts, offset) - 1
        return self.line_numbers[i] if i >= 0 else 1

    def marker_before(self, offset: int, prefix: str = "") -> str | None:
        found = None
        for at, marker in self.markers:
            if at > offset:
                break
            if marker.startswith(prefix):
                found = marker
        return found


def apply_errata(raw_flat: str, corrections) -> tuple[str, list[str]]:
    """The raw text with the errata's corrections applied, and the corrections that did not apply."""
    missing = []
    for c in corrections:
        raw, clean = squash(c["raw"]), squash(c["clean"])
        if raw not in raw_flat:
            missing.append(c["raw"])
            continue
        raw_flat = raw_flat.replace(raw, clean, 1)
    return raw_flat, missing


def invented_characters(cleaned: str, raw: str) -> Counter:
    """Characters the cleaned text has more often than the raw text: what it would have invented."""
    over = Counter(cleaned)
    over.subtract(Counter(raw))
    return Counter({ch: n for ch, n in over.items() if n > 0})
