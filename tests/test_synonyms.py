"""Search that knows the domain's words: policies/synonyms.yaml widens a full-text term to its
other written forms, the form written ranking first; a search that finds nothing names the
nearest terms that do occur."""

from __future__ import annotations

import json

import yaml

from tests.conftest import POLICIES


def _ids(q, text):
    return [r.id for r in q(text).rows]


def test_resident_customer_written_both_ways_gives_the_same_items(q, base):
    a, b = _ids(q, "居民用户"), _ids(q, "居民客户")
    assert set(a) == set(b)
    # both forms occur, each in items the other form alone would miss
    only_kehu = {i.id for i in base.items.values() if "居民客户" in i.text and "居民用户" not in i.text}
    only_yonghu = {i.id for i in base.items.values() if "居民用户" in i.text and "居民客户" not in i.text}
    assert only_kehu and only_yonghu and only_kehu | only_yonghu <= set(a)


def test_the_form_written_ranks_first(q, base):
    for term, other in (("居民用户", "居民客户"), ("居民客户", "居民用户")):
        ids = _ids(q, term)
        has = [any(term in x for xs in base.item(i).verbatim().values() for x in xs) for i in ids]
        first_without = has.index(False)
        assert all(has[:first_without]) and not any(has[first_without:]), term


def test_kilowatt_in_words_finds_the_kw_items(q, base):
    found = set(_ids(q, "160千瓦"))
    written_kw = {i.id for i in base.items.values() if "160kW" in i.text}
    assert written_kw and written_kw <= found
    assert set(_ids(q, '"160kW"')) <= found


def test_nothing_found_names_the_nearest_terms(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code, out, _ = cli("query", "居民用户报装费用说明", "--items")
    assert code == 0 and "共 0 条" in out and "相近的写法" in out
    line = next(x for x in out.splitlines() if "→ 居民用户报装" in x)
    n = int(line.rsplit("：", 1)[1].split()[0])
    code, js, _ = cli("query", "居民用户报装", "--items", "--format", "json")
    assert n == len(json.loads(js))


def test_check_refuses_a_synonym_no_source_uses(tree_copy, cli):
    path = tree_copy / "synonyms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["synonyms"].append({"forms": ["兆瓦时", "MWh"]})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out, err = cli("--policies", str(tree_copy), "check")
    assert code == 1 and "synonym “兆瓦时” occurs in no source" in out and "MWh" not in out


def test_synonyms_file_is_validated(tree_copy, cli):
    path = tree_copy / "synonyms.yaml"
    path.write_text("format: powerkb/1\nsynonyms:\n  - forms: [用户]\n", encoding="utf-8")
    code, out, _ = cli("--policies", str(tree_copy), "check")
    assert code == 1 and "synonyms.yaml" in out


def test_bundled_check_is_clean(cli):
    code, out, err = cli("--policies", str(POLICIES), "check", "--no-coverage")
    assert code == 0, out + err
    assert "检查的政策目录" in err and str(POLICIES) in err
