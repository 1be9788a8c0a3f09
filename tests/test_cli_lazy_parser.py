"""`powerkb COMMAND ...` builds only that command's parser (a cold command's time), and the global
options still go before or after the command; help and completion still see every command."""

from __future__ import annotations

import argparse

import pytest

from kb.cli import build_parser, command_of


def _commands(parser) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def test_the_command_is_found_after_global_options():
    argv = ["--lang", "en", "--as-of=2021-06-01", "--unchecked", "--policies", "p", "query", "due in 2021"]
    assert command_of(argv) == "query"
    assert _commands(build_parser(argv)) == ["query"]


def test_global_options_parse_the_same_before_and_after_the_lazy_command():
    before = build_parser(a := ["--lang", "en", "--as-of", "2021-06-01", "query", "due in 2021"]).parse_args(a)
    after = build_parser(b := ["query", "due in 2021", "--lang", "en", "--as-of", "2021-06-01"]).parse_args(b)
    assert (before.lang, before.as_of, before.query) == (after.lang, after.as_of, after.query) == ("en", after.as_of, "due in 2021")
    assert str(before.as_of) == "2021-06-01"


def test_help_an_unknown_command_and_no_argv_build_every_command():
    full = _commands(build_parser())
    assert {"query", "show", "help", "completion"} <= set(full)
    assert _commands(build_parser(["--help"])) == full
    assert _commands(build_parser(["bogus"])) == full  # argparse lists the choices in its message


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "", "40", "200"])
def test_help_at_any_columns_setting(monkeypatch, capsys, columns):
    """The help's width comes from $COLUMNS as shutil reads it (no shutil import): a value that
    is not a positive number falls back to the terminal or 80, never breaks the help."""
    import shutil

    from kb.cli import _columns, main

    monkeypatch.setenv("COLUMNS", columns)
    assert _columns() == shutil.get_terminal_size((80, 24)).columns
    with pytest.raises(SystemExit) as done:
        main(["query", "--help"])
    assert done.value.code == 0 and "--format" in capsys.readouterr().out
