"""The powerkb terminal app: browse the documents, ask queries, see what falls due, compare.

The knowledge base is loaded once, before the app starts (from the cache, a fraction of a second),
and shared by every screen as `app.base`. `app.as_of` is the date "overdue" is measured against;
any screen may change it and the others follow. Screens are modes (main, deadlines, diff), so each
keeps its state while another is shown; help and export are modal.
"""

from __future__ import annotations

from datetime import date
from importlib import import_module
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from .commands import PowerKBCommands
from .export import describe
from .screens.main import MainScreen


def _later(module: str, name: str):
    """A screen made, and its module imported, when it is first shown: the first frame waits
    only for what it shows."""
    return lambda: getattr(import_module(f"{__package__}.screens.{module}"), name)()


class PowerKBApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute, so subclasses elsewhere find it
    TITLE = "powerkb"
    MODES = {"main": MainScreen, "deadlines": _later("deadlines", "DeadlinesScreen"), "diff": _later("diff", "DiffScreen")}
    DEFAULT_MODE = "main"
    COMMANDS = App.COMMANDS | {PowerKBCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", tooltip="Leave powerkb", priority=True),
        Binding("slash", "focus_query", "Query", tooltip="Type a query (from any screen)"),
        Binding("1", "switch_mode('main')", "Browse", tooltip="The documents, results and items"),
        Binding("2", "switch_mode('deadlines')", "Deadlines", tooltip="What falls due, month by month"),
        Binding("3", "switch_mode('diff')", "Diff", tooltip="Compare two documents"),
        Binding("e", "export", "Export", tooltip="Write the results shown to a JSON, CSV or Markdown file"),
        Binding("t", "toggle_theme", "Theme", tooltip="Switch between the light and the dark theme"),
        Binding("question_mark", "help", "Help", tooltip="Keys and the query language"),
    ]

    as_of: reactive[date] = reactive(date.today, init=False)

    def __init__(self, base, as_of: date | None = None) -> None:
        super().__init__()
        self.base = base
        self.set_reactive(PowerKBApp.as_of, as_of or date.today())
        self.sub_title = self._sub_title()

    def _sub_title(self) -> str:
        warning = " · UNCHECKED: fails powerkb check" if getattr(self.base, "unchecked", False) else ""
        return f"{len(self.base.items)} items · as of {self.as_of.isoformat()}{warning}"

    def watch_as_of(self) -> None:
        self.sub_title = self._sub_title()

    async def open_item(self, item_id: str) -> None:
        """Show an item on the main screen, whichever screen asked."""
        await self.switch_mode("main")
        self.screen.show_item(item_id)

    async def show_diff(self, diff, query: str | None = None) -> None:
        """Show a `kb.analysis.diff.DiffResult` on the diff screen."""
        await self.switch_mode("diff")
        self.screen.show(diff, query or f"diff {diff.a} vs {diff.b}")

    async def show_diff_of(self, a: str, b: str) -> None:
        await self.show_diff(self.base.diff(a, b))

    async def action_focus_query(self) -> None:
        await self.switch_mode("main")
        self.screen.focus_query()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_help(self) -> None:
        self.push_screen(_later("help", "HelpScreen")())

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "export":
            return self._exportable() is not None or None
        return True

    def _exportable(self):
        exporter = getattr(self.screen, "export_result", None)
        return exporter() if exporter else None

    def action_export(self) -> None:
        found = self._exportable()
        if found is None:
            self.notify("Nothing to export yet: run a query first.", severity="warning")
            return
        stem, result = found
        what = describe(result)

        def done(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Wrote {what} to {path}", title="Exported")

        from .screens.export import ExportScreen

        self.push_screen(ExportScreen(stem, result, what), done)


def run(policies=None, as_of: date | None = None, checked: bool | None = None) -> int:
    """Start the app on the policy tree `policies` (the bundled one by default); the exit code.
    A tree that fails `powerkb check` is refused unless `checked=False` (then the subtitle says so)."""
    import kb

    app = PowerKBApp(kb.load(policies, checked=checked), as_of=as_of)
    app.run()
    return app.return_code or 0
