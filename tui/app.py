"""The powerkb terminal app: browse the documents, ask queries, see what falls due, compare.

The knowledge base is loaded once, before the app starts (from the cache, a fraction of a second),
and shared by every screen as `app.base`. `app.as_of` is the date "overdue" is measured against;
any screen may change it and the others follow. Screens are modes (main, deadlines, diff), so each
keeps its state while another is shown; help and export are modal.

Where the user has been is one list for the whole app (`places`: a screen, and on the main screen
the item shown), so Back from an item opened on the deadlines screen returns to the deadlines, and
Forward undoes a Back. The theme and the export format are remembered between runs (`tui.settings`).
"""

from __future__ import annotations

from datetime import date
from importlib import import_module
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from . import settings
from .commands import PowerKBCommands
from .export import describe
from .screens.main import MainScreen
from .strings import text

THEMES = ("textual-dark", "textual-light")


def settle_memory() -> None:
    """After the first frame: everything loaded so far (the knowledge base, the screens) stays
    for the whole run, so Python's cycle collector is told to leave it alone (`gc.freeze`).
    Otherwise a query building 20,000 rows sets off full collections that walk every object of
    the tree, 100-300 ms each with the interpreter held: the screen froze while a worker ran."""
    import gc

    gc.collect()
    gc.freeze()


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
        Binding("f1,question_mark", "help", text("help"), tooltip=text("help.tip"), key_display="F1"),
        Binding("slash", "focus_query", text("query"), tooltip=text("query.tip")),
        Binding("1", "go('main')", text("browse"), tooltip=text("browse.tip")),
        Binding("2", "go('deadlines')", text("deadlines"), tooltip=text("deadlines.tip")),
        Binding("3", "go('diff')", text("diff"), tooltip=text("diff.tip")),
        Binding("e", "export", text("export"), tooltip=text("export.tip")),
        Binding("t", "toggle_theme", text("theme"), tooltip=text("theme.tip"), show=False),
        Binding("alt+right", "forward", text("forward"), tooltip=text("forward.tip"), show=False),
        Binding("ctrl+q", "quit", text("quit"), tooltip=text("quit.tip"), priority=True, show=False),
        # Textual's own, with the label in the app's language, shown last in the footer (the footer's
        # docked palette item is off: at 80 columns it overlapped the last binding, a stray "3")
        Binding("ctrl+p", "command_palette", text("palette"), tooltip=text("palette.tip"), priority=True),
    ]

    as_of: reactive[date] = reactive(date.today, init=False)

    def __init__(self, base, as_of: date | None = None, query: str | None = None) -> None:
        super().__init__()
        self.base = base
        self.start_query = query
        self.set_reactive(PowerKBApp.as_of, as_of or date.today())
        self.sub_title = self._sub_title()
        self.places: list[tuple[str, str | None]] = []  # where Back goes: (mode, item on main)
        self.ahead: list[tuple[str, str | None]] = []  # where Forward goes
        self.prefs = settings.load_settings()
        if self.prefs.get("theme") in self.available_themes:  # any theme, also one picked in the palette
            self.theme = self.prefs["theme"]

    def on_mount(self) -> None:
        self.call_after_refresh(settle_memory)

    def _sub_title(self) -> str:
        warning = text("unchecked") if getattr(self.base, "unchecked", False) else ""
        return text("subtitle", n=len(self.base.items), day=self.as_of.isoformat()) + warning

    def watch_as_of(self) -> None:
        self.sub_title = self._sub_title()

    # -- where the user has been ----------------------------------------------------------
    def here(self) -> tuple[str, str | None]:
        item = getattr(self.screen, "current", None) if self.current_mode == "main" else None
        return self.current_mode, item

    def remember(self, place: tuple[str, str | None] | None = None) -> None:
        """Record `place` (by default where the user is now) as the place Back returns to."""
        place = place or self.here()
        if not self.places or self.places[-1] != place:
            self.places.append(place)
        self.ahead.clear()
        self.refresh_bindings()

    async def _visit(self, place: tuple[str, str | None]) -> None:
        mode, item = place
        await self.switch_mode(mode)
        if mode == "main" and item:
            self.screen.show_item(item, remember=False)
        self.refresh_bindings()

    async def action_back(self) -> None:
        if self.places:
            self.ahead.append(self.here())
            await self._visit(self.places.pop())
        elif self.current_mode != "main":
            await self.switch_mode("main")

    async def action_forward(self) -> None:
        if self.ahead:
            self.places.append(self.here())
            await self._visit(self.ahead.pop())

    async def action_go(self, mode: str) -> None:
        if mode != self.current_mode:
            self.remember()
            await self.switch_mode(mode)

    async def open_item(self, item_id: str) -> None:
        """Show an item on the main screen, whichever screen asked (Back returns to that screen)."""
        if self.current_mode != "main":
            self.remember()
            await self.switch_mode("main")
        self.screen.show_item(item_id)

    async def show_diff(self, diff, query: str | None = None) -> None:
        """Show a `kb.analysis.diff.DiffResult` on the diff screen."""
        if self.current_mode != "diff":
            self.remember()
            await self.switch_mode("diff")
        self.screen.show(diff, query or f"diff {diff.a} vs {diff.b}")

    async def show_diff_of(self, a: str, b: str) -> None:
        from kb.core.errors import PowerKBError

        try:
            diff = self.base.diff(a, b)
        except PowerKBError as error:
            self.notify(str(error), severity="error")
            return
        if diff.notice:
            self.notify(diff.notice)
        await self.show_diff(diff)

    async def action_focus_query(self) -> None:
        await self.action_go("main")
        self.screen.focus_query()

    # -- theme, help, copy ----------------------------------------------------------------
    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.current_theme.dark else THEMES[0]

    def watch_theme(self, theme: str) -> None:
        if getattr(self, "prefs", None) is not None and self.prefs.get("theme") != theme:
            self.prefs["theme"] = theme
            settings.save_setting("theme", theme)

    def action_help(self) -> None:
        if type(self.screen).__name__ != "HelpScreen":
            self.push_screen(_later("help", "HelpScreen")())

    def copy(self, what: str) -> None:
        """Put `what` on the clipboard (OSC 52: works over ssh and in most terminals) and say so."""
        self.copy_to_clipboard(what)
        self.notify(text("copied", text=what if len(what) < 60 else what[:57] + "…"), timeout=2)

    # -- export ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "export":
            return self._exportable() is not None or None
        if action == "forward":
            return True if self.ahead else None
        if action == "back":
            return True if self.places or self.current_mode != "main" else None
        return True

    def _exportable(self):
        exporter = getattr(self.screen, "export_result", None)
        return exporter() if exporter else None

    def action_export(self) -> None:
        complete = getattr(self.screen, "complete_result", None)
        if complete is not None:  # a result shown while its rest is being fetched: all of it
            complete()
        found = self._exportable()
        if found is None:
            self.notify(text("nothing-export"), severity="warning")
            return
        stem, result = found
        what = describe(result)

        def done(path: Path | None) -> None:
            if path is not None:
                self.notify(text("exported", what=what, path=path), title=text("exported.title"))

        from .screens.export import ExportScreen

        self.push_screen(ExportScreen(stem, result, what), done)


def run(policies=None, as_of: date | None = None, query: str | None = None, checked: bool | None = None) -> int:
    """Start the app on the policy tree `policies` (the bundled one by default), on `query` if
    given; the exit code. A tree that fails `powerkb check` is refused unless `checked=False`
    (then the subtitle says so)."""
    import kb

    app = PowerKBApp(kb.load(policies, checked=checked), as_of=as_of, query=query)
    app.run()
    return app.return_code or 0
