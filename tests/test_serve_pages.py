"""The web pages of `powerkb serve`, read as HTML (the browser tests are in test_serve_browser.py):
Chinese by default and English on request, permalinks, links to items, the caret error, the
diff's verdict filter, the calendar's filters, and downloads equal to the CLI's output."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from kb.serve.engine import Engine  # noqa: E402
from kb.serve.web import create_app  # noqa: E402

POLICIES = Path(__file__).resolve().parent.parent / "policies"
Q = "due <= 2021-12 and unit = 市能源局"


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(engine=Engine(POLICIES)))


def links(page: str, prefix: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(' + re.escape(prefix) + r'[^"]*)"', page)]


def test_query_page_is_a_permalink_with_links_to_items(client, q):
    r = client.get("/", params={"q": Q, "as_of": "2021-06-01"})
    assert r.status_code == 200
    page = r.text
    assert '<html lang="zh-CN">' in page and "查询语句" in page
    from datetime import date

    # the page answers in obligations (the default), each linked to the item that states it
    expected = [row.to_dict()["item"] for row in client.app.state.engine.base.query(Q, as_of=date(2021, 6, 1))]
    items = links(page, "/items/")
    assert items and [i.removeprefix("/items/") for i in items] == expected
    assert f'value="{html.escape(Q, quote=True)}"' in page  # the box shows the query of the URL


def test_query_page_offers_the_documented_examples(client):
    from kb.serve.files import examples

    page = html.unescape(client.get("/").text)
    assert len(examples()) >= 10
    for ex, _ in examples():
        assert f"<code>{ex}</code>" in page


def test_query_error_shows_the_caret_message_in_pre(client):
    r = client.get("/", params={"q": "untt = 市能源局"})
    assert r.status_code == 400
    pre = re.search(r'<pre class="caret">(.*?)</pre>', r.text, re.S)
    assert pre
    text = html.unescape(pre.group(1))
    from kb.query.parse import QueryError, parse

    with pytest.raises(QueryError) as exc:
        parse("untt = 市能源局")
    assert text == str(exc.value)  # the CLI's message, caret under the offending word
    assert "\n  untt = 市能源局\n  ^^^^\n" in text


def test_english_on_request(client, monkeypatch):
    page = client.get("/", params={"lang": "en", "q": "text ~ 电价"}).text
    assert '<html lang="en">' in page and ">Query<" in page and "查询语句" not in page
    assert all("lang=en" in h for h in links(page, "/items/"))
    monkeypatch.setenv("POWERKB_LANG", "en")
    assert '<html lang="en">' in client.get("/").text


def test_item_page(client, base):
    item = base.item("shanxi:ledger.task.6")
    page = html.unescape(client.get("/items/shanxi:ledger.task.6").text)
    assert item.text in page and item.to_dict()["source"]["quote"] in page
    for u in item.units:
        assert (u.name or base.units[u.unit].zh) in page
    trace = base.trace("shanxi:ledger.task.6")
    for step in trace.up + trace.down:
        assert f'href="/items/{step.id}"' in page
    for child in base.children.get("shanxi:ledger.task.6", []):
        assert f'href="/items/{child}"' in page
    assert base.children.get("shanxi:ledger.task.6"), "a ledger row has its year actions"


def test_unknown_item_page_is_404_with_suggestions(client):
    r = client.get("/items/nea:ledger.999")
    assert r.status_code == 404 and 'href="/items/nea:ledger.9"' in r.text


def test_diff_page_and_verdict_filter(client, base):
    diff = base.diff("1479", "shanxi").to_dict()
    page = client.get("/diff", params={"a": "1479", "b": "shanxi"}).text
    rows = re.findall(r'<tr class="v-([a-z-]+)">', page)
    assert len(rows) == len(diff["targets"])
    stricter = client.get("/diff", params={"a": "1479", "b": "shanxi", "verdict": "stricter"}).text
    rows = re.findall(r'<tr class="v-([a-z-]+)">', stricter)
    assert rows and set(rows) == {"stricter"} and len(rows) == diff["summary"]["stricter"]


def test_calendar_filters_by_unit_and_as_of(client, q):
    page = client.get("/calendar", params={"unit": "市能源局", "as_of": "2021-06-01", "upcoming": "1"}).text
    expected = q("due dated and unit = \"市能源局\" and due upcoming")
    months = re.findall(r"<h2>(\d{4}-\d\d)</h2>", page)
    assert months == sorted(set(months)) and months[0] >= "2021-06"
    assert len(links(page, "/items/")) == len(expected)
    everything = client.get("/calendar").text
    assert len(links(everything, "/items/")) > len(expected)


def test_coverage_page(client, base):
    from kb.analysis.trace import coverage

    rows = coverage(base)
    page = client.get("/coverage").text
    covered = sum(1 for r in rows if r.counterparts)
    assert f"<strong>{covered}</strong> / {len(rows)}" in page


def test_csv_download_is_the_clis_csv(client, cli):
    code, out, _ = cli("query", "text ~ 电价", "--format", "csv", "--as-of", "2021-06-01")
    r = client.get("/download/query.csv", params={"q": "text ~ 电价", "as_of": "2021-06-01"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.text == out and out.count("\n") > 2


def test_xlsx_download_is_the_ledger_export(client, q):
    import openpyxl

    r = client.get("/download/query.xlsx", params={"q": "doc = nea and category = 降低办电成本"})
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    ids = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and c.value.startswith("nea:")}
    assert ids and ids <= {row.id for row in q("doc = nea")}


def test_pages_have_no_script_from_anywhere(client):
    for path in ("/", "/diff?a=1479&b=shanxi", "/calendar", "/coverage", "/items/nea:ledger.23"):
        page = client.get(path).text
        assert "<script" not in page
        assert "/static/style.css" in page


def test_item_page_says_whom_a_deadline_binds_and_why_it_ends(client, base):
    data = base.item("shanxi:org.1").to_dict()
    recurring = next(d for d in data["deadlines"] if d["kind"] == "recurring")
    page = html.unescape(client.get("/items/shanxi:org.1").text)
    assert recurring["phrase"] in page and recurring["until"] in page
    for who in recurring["subjects"] + recurring["recipients"]:
        assert who["as_written"] in page
    assert recurring["until_reason"] in page


@pytest.mark.parametrize("path, params, kept", [
    ("/", {"q": "untt = 市能源局"}, "untt = 市能源局"),  # the query fails
    ("/", {"q": "due in 2021", "as_of": "2021-13-01"}, "due in 2021"),  # its date does
    ("/calendar", {"unit": "市能源局", "as_of": "2021-13-01"}, "市能源局"),
])
def test_an_error_page_keeps_the_form_as_the_user_left_it(client, path, params, kept):
    r = client.get(path, params=params)
    assert r.status_code == 400
    assert f'value="{html.escape(kept, quote=True)}"' in r.text
