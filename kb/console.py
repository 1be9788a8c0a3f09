"""The `powerkb` console script: `kb.cli.main` in a process of its own.

A one-shot command (a query, an item, a trace) lives for a few tens of milliseconds, and a good
part of a cold one went to the interpreter rather than the answer (docs/performance.md):

* the cyclic garbage collector ran over the tens of thousands of objects that importing creates,
  though such a command makes almost no cycles: it is off for them (and stays on for the commands
  that run long or read a whole tree: tui, serve, mcp, check, evaluate, export);
* tearing the interpreter down at exit (modules, objects, the SQLite connection, all going away
  with the process anyway) cost about a sixth of the command: after the answer is flushed, a
  one-shot command ends with `os._exit`, unless something registered work for the exit (a
  temporary cache directory to remove), which then runs as usual.

Only the console script does this; `kb.cli.main` called in a process (tests, embedding) changes
nothing of its caller's interpreter.
"""

from __future__ import annotations

import gc

gc.disable()  # before the imports below: they create most of a cold command's objects

import os  # noqa: E402
import sys  # noqa: E402

ONE_SHOT = frozenset({"query", "show", "trace", "coverage", "diff", "help", "completion"})
"""Commands that answer and exit, with bounded work: no collector, no teardown."""


def run() -> int:
    from kb.cli import command_of, main

    one_shot = command_of(sys.argv[1:]) in ONE_SHOT
    if not one_shot:
        gc.enable()
    code = main()
    if one_shot:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            return code  # let the interpreter's own exit deal with (and report) the stream
        from kb.loading.cache import exit_work_pending

        if not exit_work_pending():
            os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(run())
