"""CLI basics: global options in either position, help for the query language, completion,
examples in every --help, what `check` checked, what `export` wrote, the exit-code table."""

from __future__ import annotations

import pytest

from tests.conftest import POLICIES, ROOT


def test_help_query_prints_the_language_reference(cli):
    code, out, _ = cli("help", "query")
    assert code == 0
    assert out == (ROOT / "docs" / "query-language.md").read_text(encoding="utf-8")


def test_help_command_and_unknown_topic(cli):
    code, out, _ = cli("help", "export")
    assert code == 0 and "--format" in out and "examples:" in out
    code, _, err = cli("help", "exprot")
    assert code == 2 and "no help on 'exprot'" in err


def test_the_query_reference_ships_in_the_wheel():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = data["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["docs/query-language.md"] == "kb/_data/docs/query-language.md"
    assert any(dep.startswith("shtab") for dep in data["project"]["dependencies"])


@pytest.mark.parametrize("command", ["check", "show", "trace", "coverage", "diff", "tui", "export", "evaluate", "query"])
def test_every_command_help_has_examples(cli, command):
    code, out, _ = cli(command, "--help")
    assert code == 0 and "examples:" in out and f"powerkb {command}" in out.split("examples:")[1]


def test_completion_script(cli):
    code, out, _ = cli("completion", "bash")
    assert code == 0 and "powerkb" in out and "evaluate" in out and "--lang" in out


def test_check_names_its_tree_and_warns_about_a_differing_checkout(cli, tree_copy, monkeypatch):
    code, _, err = cli("--policies", str(POLICIES), "check", "--no-coverage")
    assert code == 0 and f"检查的政策目录：{POLICIES}" in err and "注意" not in err
    # inside a checkout whose policies/ was edited, a check of the installed tree says so
    checkout = tree_copy.parent
    doc = tree_copy / "documents" / "nea.yaml"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("POWERKB_POLICIES", str(POLICIES))  # the tree "installed"
    code, _, err = cli("check", "--no-coverage")
    assert code == 0 and "注意" not in err  # POWERKB_POLICIES chose the tree on purpose
    monkeypatch.delenv("POWERKB_POLICIES")
    from kb.core import paths

    monkeypatch.setattr(paths, "_bundled", lambda name: POLICIES)
    code, _, err = cli("check", "--no-coverage", "--lang", "en")
    assert code == 0 and "differs from the tree in use" in err and "--policies" in err


def test_export_reports_what_it_wrote(cli, tmp_path):
    target = tmp_path / "items.jsonl"
    code, out, err = cli("--policies", str(POLICIES), "export", "--format", "jsonl", "-o", str(target), "--where", "doc = nea")
    n = len(target.read_text(encoding="utf-8").splitlines())
    assert code == 0 and out == "" and f"已写出 jsonl：{target}（{n} 个条目" in err
    code, out, err = cli("--policies", str(POLICIES), "export", "--format", "csv", "--lang", "en")
    assert code == 0 and out and "wrote csv to standard output" in err


def test_exit_codes_are_documented_once_and_hold(cli):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("###", 1)[0]
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 70 |"):
        assert code in table
    assert cli("--policies", str(POLICIES), "query", "untt = 市能源局")[0] == 2
    assert cli("--policies", str(POLICIES), "show", "nea:ledger.999")[0] == 2
    assert cli("--policies", str(POLICIES), "--lang", "fr", "check")[0] == 2
    assert cli("--policies", str(POLICIES), "evaluate", str(ROOT / "examples" / "cases-with-errors.csv"))[0] == 1
    assert cli("--policies", str(POLICIES), "evaluate", str(ROOT / "examples" / "cases.csv"))[0] == 0


def test_readme_examples_exit_0(cli):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "powerkb evaluate examples/cases.csv " in readme
    code, _, err = cli("--policies", str(POLICIES), "evaluate", str(ROOT / "examples" / "cases.csv"))
    # only the note of how the file was read: no row error
    read = f"powerkb: read {ROOT / 'examples' / 'cases.csv'} as UTF-8, comma-separated (from the header)"
    assert code == 0 and err.splitlines() == [read]
