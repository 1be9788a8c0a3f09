"""`powerkb check` on the real tree and on deliberately broken copies of it."""

from __future__ import annotations

import re

import pytest

LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<msg>.+)$")


def test_real_tree_passes(cli):
    code, out, err = cli("check")
    assert code == 0, out + err
    assert out.startswith("ok: ")


def check_lines(cli, tree):
    code, out, err = cli("--policies", str(tree), "check")
    lines = [l for l in out.splitlines() if l]
    for line in lines:
        assert LINE.match(line), f"not file:line: message: {line!r}"
    return code, lines


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path, needle):
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_misspelt_key_is_an_error_with_suggestion(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    edit(doc, "    summary:", "    sumary:")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("unknown key 'sumary'" in l and "did you mean 'summary'" in l for l in lines), lines
    hit = next(l for l in lines if "sumary" in l)
    assert hit.split(":")[0].endswith("documents/nea.yaml")
    assert int(LINE.match(hit)["line"]) == line_of(doc, "sumary:")


def test_broken_yaml_is_one_line_not_a_traceback(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    text = doc.read_text(encoding="utf-8").splitlines()
    text.insert(30, "  - id: [unclosed")
    doc.write_text("\n".join(text) + "\n", encoding="utf-8")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    yaml_errors = [l for l in lines if "YAML syntax error" in l]
    assert len(yaml_errors) == 1
    assert "nea.yaml" in yaml_errors[0]
    assert 30 <= int(LINE.match(yaml_errors[0])["line"]) <= 32


def test_quote_not_in_source(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    edit(doc, "分别压减至6个、22个、32个工作日以内。", "分别压减至6个、20个、32个工作日以内。")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("nea:ledger.3 text not found in sources/nea-2021-03-29.txt" in l for l in lines), lines


def test_unknown_unit_and_metric(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    edit(doc, "unit: power-suppliers", "unit: power-supplier")
    edit(doc, "metric: total-handling-time", "metric: total-handling-tim")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("unit 'power-supplier' is not in units.yaml (did you mean 'power-suppliers'?)" in l for l in lines), lines
    assert any("metric 'total-handling-tim' is not in metrics.yaml" in l for l in lines), lines


def test_date_must_agree_with_phrase(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    text = doc.read_text(encoding="utf-8")
    # the first 2020年底前 deadline of the ledger, moved to the wrong year
    new = text.replace("{date: 2020-12-31, phrase: 2020年底前}", "{date: 2021-12-31, phrase: 2020年底前}", 1)
    assert new != text
    doc.write_text(new, encoding="utf-8")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("does not match its phrase “2020年底前” (2020-12-31)" in l for l in lines), lines


def test_impossible_date(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    edit(doc, "{date: 2020-12-31, phrase: 2020年底前}", "{date: 2020-02-30, phrase: 2020年底前}")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("'2020-02-30' is not a real calendar date" in l for l in lines), lines


def test_duplicate_id(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    edit(doc, "- id: ledger.4\n", "- id: ledger.3\n")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("duplicate id nea:ledger.3" in l for l in lines), lines
    # and the gap it leaves is reported too
    assert any("skip ledger.4" in l for l in lines), lines


def test_dangling_link(cli, tree_copy):
    links = tree_copy / "links.yaml"
    edit(links, "links:\n", "links:\n  - {from: nea:ledger.99, rel: implements, to: 1479:task.1}\n")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("nea:ledger.99 does not exist" in l for l in lines), lines


def test_invented_source_text_is_caught(cli, tree_copy):
    src = tree_copy / "sources" / "nea-2021-03-29.txt"
    edit(src, "2022年底前\n", "2023年底前\n")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("the cleaned text has characters the raw text lacks" in l for l in lines), lines


def test_unencoded_source_sentence_is_reported(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    text = doc.read_text(encoding="utf-8")
    start = text.index("  - id: contacts")
    end = text.index("  - id:", start + 10)
    doc.write_text(text[:start] + text[end:], encoding="utf-8")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("source text not encoded by any item: “联系人" in l for l in lines), lines


def test_missing_required_key(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    text = doc.read_text(encoding="utf-8")
    start = text.index("  - id: ledger.5\n")
    k = text.index("    summary:", start)
    nxt = text.index("\n    ", k + 5)
    while text[nxt + 5] == " ":  # the summary may continue on indented lines
        nxt = text.index("\n    ", nxt + 1)
    doc.write_text(text[:k] + text[nxt + 1:], encoding="utf-8")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("'summary' is a required property" in l for l in lines), lines


@pytest.mark.parametrize("bad", ["format: powerkb/2", "format: powerkb/1\nunits: 3"])
def test_registry_shape(cli, tree_copy, bad):
    (tree_copy / "places.yaml").write_text(bad + "\n", encoding="utf-8")
    code, lines = check_lines(cli, tree_copy)
    assert code == 1
    assert any("places.yaml" in l for l in lines)


def test_query_on_broken_tree_reports_problems_not_traceback(cli, tree_copy):
    doc = tree_copy / "documents" / "nea.yaml"
    edit(doc, "    summary:", "    sumary:")
    code, out, err = cli("--policies", str(tree_copy), "query", "doc = nea")
    assert code == 1
    assert "unknown key 'sumary'" in err
    assert "Traceback" not in err


def test_cache_follows_the_policy_files(cli, tree_copy):
    """The store is rebuilt when a policy file changes: a query sees the edit at once."""
    code, out, _ = cli("--policies", str(tree_copy), "query", "id = nea:ledger.3", "--format", "csv")
    assert code == 0 and "EDITED" not in out
    doc = tree_copy / "documents" / "nea.yaml"
    text = doc.read_text(encoding="utf-8")
    k = text.index("    summary:", text.index("  - id: ledger.3\n"))
    doc.write_text(text[:k] + "    summary: EDITED SUMMARY." + text[k + len("    summary:"):], encoding="utf-8")
    code, out, err = cli("--policies", str(tree_copy), "query", "id = nea:ledger.3", "--format", "csv")
    assert code == 0, err
    assert "EDITED SUMMARY." in out
