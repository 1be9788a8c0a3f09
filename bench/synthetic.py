"""A synthetic knowledge base of 31 provinces and 300 cities, shaped like the Shanxi plan.

Every province and city gets a plan whose items are copies of the real items (the Shanxi plan's
body and ledger with its year actions, the NEA ledger and indicators, the 1479 items), with the
place's name written into the text so that the full-text index sees different documents. Items
are generated lazily so that building 100k items streams through memory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

PROVINCES = 31
CITIES = 300
CHINESE_DIGITS = "零一二三四五六七八九"


def place_name(n: int) -> str:
    return "".join(CHINESE_DIGITS[int(d)] for d in str(n))


@dataclass
class SyntheticKB:
    """What kb.store.database.build() needs: documents, registries, links, a fingerprint, and items."""

    base: object
    total: int
    documents: dict = field(default_factory=dict)
    links: list = field(default_factory=list)
    fingerprint: str = "synthetic"

    def __post_init__(self):
        self.registries = self.base.registries
        self.units = self.base.units
        shanxi = self.base.documents["shanxi"]
        self.plans = []
        for p in range(1, PROVINCES + 1):
            self.plans.append((f"p{p:02d}", f"第{place_name(p)}省", f"p{p:02d}"))
        for c in range(CITIES):
            p = c % PROVINCES + 1
            self.plans.append((f"p{p:02d}c{c:03d}", f"第{place_name(c)}市", f"p{p:02d}"))
        for doc_id, name, jurisdiction in self.plans:
            self.documents[doc_id] = dataclasses.replace(
                shanxi, id=doc_id, title_zh=f"{name}{shanxi.title_zh}", jurisdiction=jurisdiction)
        self.documents.update(self.base.documents)

    def items(self):
        """The real items, then synthetic ones up to `total`, cycling through the real items for
        each plan in turn."""
        template = list(self.base.items.values())
        yield from template
        made = len(template)
        per_plan = -(-(self.total - made) // len(self.plans))
        for k, (doc_id, name, _j) in enumerate(self.plans):
            for n in range(per_plan):  # each plan starts elsewhere in the template: all kinds occur
                if made >= self.total:
                    return
                m = n + k * per_plan
                src = template[m % len(template)]
                copy = n // len(template)
                ref = f"{src.doc}.{src.ref}" + (f"~{copy}" if copy else "")
                yield dataclasses.replace(
                    src, id=f"{doc_id}:{ref}", doc=doc_id, ref=ref,
                    pieces=tuple(p.replace("山西", name).replace("我省", name) for p in src.pieces),
                    parent=None,
                )
                made += 1


def make(base, total: int) -> SyntheticKB:
    return SyntheticKB(base, total)
