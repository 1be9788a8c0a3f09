"""The help screen (?): every key, where it works, and the query language in brief.

The keys are read from the bindings the app, the screens and the query bar declare, so the help
cannot fall out of step with them; the language's fields, states and group keys come from
`kb.query.parse`, the grammar's own lists.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import declared, key_display
from ..strings import text as tr

EXAMPLES = [
    ("due <= 2021-12 and unit = 市能源局", "what the city energy bureaus must do by the end of 2021"),
    ('due by 2021-12 for "city bureaus"', "the same, as a sentence"),
    ("due in 2021-Q3", "everything due in the third quarter of 2021"),
    ("doc = {b} and kind = task", "the tasks of one document"),
    ("text ~ 电价", "full-text search (hits are highlighted)"),
    ("metric = 全过程办电时间 and customer = 居民", "items with that target"),
    ("count doc = {b} group by unit", "counts per unit"),
    ("diff {a} vs {b} where metric = 合计办理时间", "opens the diff screen"),
]


WIDGET_KEYS = [("enter", "k.enter", "everywhere"), ("tab / shift+tab", "k.tab", "everywhere"),
               ("↑ ↓ pgup pgdn", "k.arrows", "lists"), ("space  ← →", "k.tree", "tree"),
               ("→ / end", "k.right", "query-bar"), ("o", "k.sort", "lists"), ("esc", "k.esc", "everywhere"),
               ("ctrl+c", "ctrl-c", "everywhere")]


def keys_table(app) -> Table:
    from ..widgets.query_bar import QueryBar
    from .deadlines import DeadlinesScreen
    from .diff import DiffScreen
    from .main import MainScreen

    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column(tr("key"), style="bold cyan", no_wrap=True)
    table.add_column(tr("action"), style="bold")
    table.add_column(tr("what"))
    table.add_column(tr("where-col"), style="dim", no_wrap=True)
    places = [(type(app), "everywhere"), (MainScreen, "main"), (QueryBar, "query-bar"),
              (DeadlinesScreen, "deadlines"), (DiffScreen, "diff")]
    palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette")
    table.add_row(key_display(app, palette), tr("palette"), tr("palette.tip") + "; " + tr("palette-search"), tr("everywhere"))
    for cls, where in places:
        for binding in declared(cls):
            if binding.action == "command_palette":
                continue
            table.add_row(key_display(app, binding), binding.description, binding.tooltip, tr(where))
    for keys, key, where in WIDGET_KEYS:
        table.add_row(keys, "", tr(key), tr(where))
    return table


def language_text(docs=None) -> Text:
    """The language in brief; the examples name the documents of the tree shown (`docs`)."""
    from kb.analysis.diff import default_pair

    ids = list(docs or {})
    a, b = (default_pair(docs) if docs else None) or ((ids[0], ids[-1]) if ids else ("A", "B"))
    from kb.query.parse import DUE_STATES, FIELDS, GROUP_KEYS

    text = Text()
    text.append("\nQuery language", style="bold underline")
    text.append("  (docs/query-language.md)\n\n")
    for query, meaning in EXAMPLES:
        query = query.format(a=a, b=b)
        text.append(f"  {query}\n", style="bold")
        text.append(f"      {meaning}\n", style="dim")
    text.append("\nConditions: ", style="bold")
    text.append("FIELD = value, != , ~ (contains), !~ ; due <= / < / >= / > / = / in / by DATE; "
                "due between D1 and D2; target < 10 workdays; a quoted or Chinese search term. "
                "Combine with and (or nothing), or, not, ( ).\n")
    text.append("Fields: ", style="bold")
    text.append(", ".join(FIELDS) + "\n")
    text.append("due states: ", style="bold")
    text.append(", ".join(DUE_STATES) + "\n")
    text.append("Dates: ", style="bold")
    text.append("2021-12-31, 2021-12, 2021, 2021-Q3, 2021-H1, today (the 'as of' date)\n")
    text.append("Then: ", style="bold")
    text.append("order by due|id|doc|kind|category|rank [asc|desc], limit N, group by " + "|".join(GROUP_KEYS)
                + "; count <query>; diff A vs B [where <condition>]\n")
    text.append("Units ", style="bold")
    text.append("match by any name or alias; a collective also finds its members' items, a member its "
                "collectives' items in its own jurisdiction.\n")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q,f1", "dismiss", tr("close"), show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = tr("help-title")
            yield Static(Group(Text(tr("keys"), style="bold underline"), keys_table(self.app),
                               language_text(self.app.base.documents)))
