"""The export dialog: a format and a path (in the current directory unless changed); it writes
the results of the screen it was opened from and returns where the file went. The formats it
offers are those the renderer registry writes for the result (tui.export.formats_for)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ..export import default_path, formats_for, write


class ExportScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss", "Cancel", show=False)]

    def __init__(self, stem: str, result, what: str) -> None:
        super().__init__()
        self.stem, self.result, self.what = stem, result, what
        self.fmt = "json"

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog") as dialog:
            dialog.border_title = f"Export {self.what}"
            with RadioSet(id="export-format"):
                for n, (fmt, name) in enumerate(formats_for(self.result).items()):
                    yield RadioButton(name, value=n == 0, name=fmt)
            yield Label("file")
            yield Input(str(default_path(self.stem, self.fmt)), id="export-path")
            yield Static(id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.fmt = event.pressed.name
        path = self.query_one("#export-path", Input)
        path.value = str(Path(path.value).with_suffix(f".{self.fmt}"))

    def on_input_submitted(self) -> None:
        self.export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self.export()
        else:
            self.dismiss(None)

    def export(self) -> None:
        try:
            path = write(self.result, self.fmt, self.query_one("#export-path", Input).value)
        except OSError as error:
            self.query_one("#export-error", Static).update(Text(f"could not write: {error.strerror or error}", style="red"))
            return
        self.dismiss(path)
