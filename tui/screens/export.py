"""The export dialog: a format and a path; it writes the results of the screen it was opened from
and returns where the file went.

* The file name is new each time: `powerkb-results-20210601-1432.json`, and `-2`, `-3` … when
  that exists already, so a second export never silently replaces the first.
* A path typed over an existing file is written only after a second press of Export, the dialog
  having said that the file exists.
* The formats offered are those the renderer registry writes for the result
  (`tui.export.formats_for`); the format chosen last is remembered (in the user config, `tui.settings`).
* The file is written through the CLI's atomic writer (`kb.export.formats.write_file`): a reader
  never sees half a file, and a failure is reported in the dialog.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from .. import settings
from ..export import formats_for, render
from ..strings import text


def fresh_path(stem: str, fmt: str, directory: Path | None = None, now: datetime | None = None) -> Path:
    """A file name not yet taken: the stem, the minute, and a number when needed."""
    directory = directory or Path.cwd()
    base = f"{stem}-{(now or datetime.now()).strftime('%Y%m%d-%H%M')}"
    path, n = directory / f"{base}.{fmt}", 1
    while path.exists():
        n += 1
        path = directory / f"{base}-{n}.{fmt}"
    return path


class ExportScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss", text("cancel"), show=False)]

    def __init__(self, stem: str, result, what: str) -> None:
        super().__init__()
        self.stem, self.result, self.what = stem, result, what
        self.formats = formats_for(result)  # those the renderer registry writes for this result
        remembered = settings.load_settings().get("export_format")
        self.fmt = remembered if remembered in self.formats else next(iter(self.formats), "json")
        self.confirmed: Path | None = None  # an existing file the user agreed to replace

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog") as dialog:
            dialog.border_title = text("export-title", what=self.what)
            with RadioSet(id="export-format"):
                for fmt, name in self.formats.items():
                    yield RadioButton(name, value=fmt == self.fmt, name=fmt)
            yield Label(text("file"))
            yield Input(str(fresh_path(self.stem, self.fmt)), id="export-path")
            yield Static(id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button(text("export"), variant="primary", id="export-ok")
                yield Button(text("cancel"), id="export-cancel")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.fmt = event.pressed.name
        settings.save_setting("export_format", self.fmt)
        path = self.query_one("#export-path", Input)
        path.value = str(Path(path.value).with_suffix(f".{self.fmt}"))

    def on_input_changed(self) -> None:
        self.confirmed = None
        self.query_one("#export-error", Static).update("")

    def on_input_submitted(self) -> None:
        self.export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self.export()
        else:
            self.dismiss(None)

    def _say(self, words: str, style: str) -> None:
        self.query_one("#export-error", Static).update(Text(words, style=style))

    def export(self) -> None:
        from kb.export.formats import WriteError, write_file

        path = Path(self.query_one("#export-path", Input).value).expanduser().resolve()
        if path.exists() and path != self.confirmed:
            self.confirmed = path
            self._say(text("overwrite", path=path), "bold yellow")
            return
        try:
            write_file(path, render(self.result, self.fmt).encode("utf-8"))
        except WriteError as error:
            self._say(text("could-not-write", error=error), "red")
            return
        settings.save_setting("export_format", self.fmt)
        self.dismiss(path)
