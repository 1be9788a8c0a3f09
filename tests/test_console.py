"""The console script (kb/console.py): a one-shot command ends with os._exit after flushing,
without the collector; it must lose nothing (whole output, exit codes, messages, the removal of
a temporary cache) and leave long-running commands as they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "import sys; from kb.console import run; sys.exit(run())"


def console(*args, env=None, **kw):
    """`powerkb ARGS` as the installed script runs it, in a process of its own."""
    full = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=ROOT, env=full, capture_output=True, timeout=120, **kw)
    done.stdout, done.stderr = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")  # CRLFs of a CSV kept
    return done


@pytest.mark.parametrize("args", [
    ["query", "due <= 2021-12 and unit = 市能源局", "--as-of", "2021-06-01", "--format", "json"],
    ["query", "doc = nea", "--items", "--format", "json"],  # a large answer: every byte must be flushed
    ["query", "text ~ 电价", "--format", "csv"],
    ["show", "nea:ledger.23", "--format", "json"],
    ["trace", "1479:task.7", "--format", "json"],
])
def test_one_shot_output_is_whole(cli, args):
    code, out, err = cli(*args)
    done = console(*args)
    assert (done.returncode, done.stdout) == (code, out) and code == 0, done.stderr
    if "json" in args:
        json.loads(done.stdout)


def test_output_through_a_pipe_is_whole(cli):
    args = ["query", "doc = nea", "--items", "--format", "json"]
    _, out, _ = cli(*args)
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdout.write(str(len(sys.stdin.buffer.read())))"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    writer = subprocess.Popen([sys.executable, "-c", SCRIPT, *args], cwd=ROOT, stdout=reader.stdin)
    reader.stdin.close()  # the writer holds the pipe now
    assert writer.wait(timeout=120) == 0
    assert int(reader.stdout.read()) == len(out.encode("utf-8")) > 100_000
    assert reader.wait(timeout=60) == 0


@pytest.mark.parametrize("args, code, says", [
    (["query", "colour = red"], 2, "colour"),
    (["show", "nea:ledger.999"], 2, "nea:ledger.999"),
    (["query", "due <= 2021-13"], 2, "2021-13"),
])
def test_errors_keep_their_exit_code_and_message(args, code, says):
    done = console(*args)
    assert done.returncode == code and says in done.stderr and "Traceback" not in done.stderr


def test_a_temporary_cache_is_still_removed(tmp_path):
    """An unusable cache directory means a temporary one, removed at exit: the console script
    then exits normally so that the removal runs."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = console("show", "nea:ledger.3", "--format", "json", env={"POWERKB_CACHE": str(blocker), "TMPDIR": str(temp)})
    assert done.returncode == 0 and json.loads(done.stdout)["id"] == "nea:ledger.3"
    assert "temporary" in done.stderr
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("command, collector", [("query", False), ("show", False), ("check", True), ("serve", True),
                                                ("tui", True), ("evaluate", True), ("export", True)])
def test_the_collector_is_off_only_for_one_shot_commands(command, collector):
    probe = ("import gc, sys; import kb.console as c; import kb.cli; "
             "kb.cli.main = lambda: print(gc.isenabled()) or 0; "
             f"sys.argv = ['powerkb', '--lang', 'zh', {command!r}]; sys.exit(c.run())")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == str(collector), done.stderr


def test_in_process_main_leaves_the_collector_alone():
    import gc

    from kb.cli import main

    assert gc.isenabled()
    assert main(["show", "nea:ledger.3", "--format", "json"]) == 0
    assert gc.isenabled()
