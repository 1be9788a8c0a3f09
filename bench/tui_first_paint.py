"""How long `powerkb tui` takes to show its first frame, and its floor.

Measures from the start of this script (before anything is imported) to the moment the first
frame of the main screen has been written to the terminal: the app is the real one, on the real
policy tree, and exits right after that first refresh. `--floor` does the same for the least a
Textual app can be (one line of text, nothing imported beyond Textual): what no terminal app
of this kind can beat, measured the same way. Run it in a terminal (or under `script` when
there is none), with a warm cache as a user would have after the first run:

    python bench/tui_first_paint.py            # prints: first paint after N ms
    python bench/tui_first_paint.py --floor
    script -qec "python bench/tui_first_paint.py" /dev/null
"""

import time

STARTED = time.perf_counter()

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def floor_app():
    from textual.app import App
    from textual.widgets import Static

    class Floor(App):
        def compose(self):
            yield Static("powerkb")

        def on_mount(self) -> None:
            self.call_after_refresh(lambda: self.exit(time.perf_counter() - STARTED))

    return Floor()


def real_app():
    import kb
    from tui.app import PowerKBApp

    class FirstPaint(PowerKBApp):
        def on_mount(self) -> None:
            self.call_after_refresh(lambda: self.exit(time.perf_counter() - STARTED))

    return FirstPaint(kb.load())


if __name__ == "__main__":
    elapsed = (floor_app() if "--floor" in sys.argv[1:] else real_app()).run()
    print(f"first paint after {elapsed * 1000:.0f} ms")
