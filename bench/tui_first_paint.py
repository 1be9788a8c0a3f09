"""How long `powerkb tui` takes to show its first frame.

Measures from the start of this script (before anything is imported) to the moment the first
frame of the main screen has been written to the terminal: the app is the real one, on the real
policy tree, and exits right after that first refresh. Run it in a terminal (or under `script`
when there is none), with a warm cache as a user would have after the first run:

    python bench/tui_first_paint.py            # prints: first paint after N ms
    script -qec "python bench/tui_first_paint.py" /dev/null
"""

import time

STARTED = time.perf_counter()

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import kb  # noqa: E402
from tui.app import PowerKBApp  # noqa: E402


class FirstPaint(PowerKBApp):
    def on_mount(self) -> None:
        self.call_after_refresh(lambda: self.exit(time.perf_counter() - STARTED))


if __name__ == "__main__":
    elapsed = FirstPaint(kb.load()).run()
    print(f"first paint after {elapsed * 1000:.0f} ms")
