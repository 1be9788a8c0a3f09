"""The HTTP JSON API (`powerkb serve`, /api/v1): every body equals the CLI's `--format json`
output for each documented example, errors map onto status codes by the CLI's exit-code classes,
and the server's limits and read-only guarantees hold."""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from kb.serve import files  # noqa: E402
from kb.serve.engine import Engine  # noqa: E402
from kb.serve.web import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
AS_OF = "2021-06-01"


@pytest.fixture(scope="module")
def engine():
    return Engine(POLICIES)


@pytest.fixture(scope="module")
def client(engine):
    return TestClient(create_app(engine=engine))


def readme_commands() -> list[list[str]]:
    """The `powerkb ...` lines of the README's "What you can do" block, as argument lists."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## What you can do", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [shlex.split(line, comments=True)[1:] for line in block.splitlines() if line.startswith("powerkb ")]


def doc_queries() -> list[str]:
    """The query examples of docs/query-language.md (the block the web page offers too)."""
    return [q for q, _ in files.examples()]


def api_request(args: list[str]):
    """The API request that answers the CLI command `args` ((method, path, params, upload) or
    None for commands the API does not serve: export, tui, serve, mcp)."""
    cmd, rest = args[0], [a for a in args[1:]]
    opts, pos = {}, []
    i = 0
    while i < len(rest):
        if rest[i].startswith("--"):
            opts[rest[i]] = rest[i + 1] if i + 1 < len(rest) and not rest[i + 1].startswith("--") else True
            i += 2 if opts[rest[i]] is not True else 1
        else:
            pos.append(rest[i])
            i += 1
    if cmd == "show":
        return "GET", f"/api/v1/items/{pos[0]}", {}, None
    if cmd == "trace":
        return "GET", f"/api/v1/trace/{pos[0]}", {"depth": opts["--depth"]} if "--depth" in opts else {}, None
    if cmd == "coverage":
        return "GET", "/api/v1/coverage", {}, None
    if cmd == "query":
        flags = {k.lstrip("-").replace("-", "_"): "1" for k in ("--items", "--with-inferred") if k in opts}
        return "GET", "/api/v1/query", {"q": pos[0], "as_of": AS_OF, **flags}, None
    if cmd == "diff":
        extra = {k: opts["--" + k] for k in ("where", "verdict") if "--" + k in opts}
        return "GET", "/api/v1/diff", {"a": pos[0], "b": pos[1], **extra}, None
    if cmd == "evaluate":
        params = {"jurisdiction": opts["--jurisdiction"]} if "--jurisdiction" in opts else {}
        return "POST", "/api/v1/evaluate", params, (ROOT / pos[0]).read_bytes()
    return None


def cli_json(cli, args: list[str]):
    """Run the CLI with `--format json` (and the fixed as-of date for queries)."""
    args = list(args)
    if "--format" in args:
        del args[args.index("--format"):args.index("--format") + 2]
    if args[0] == "query" and "--as-of" not in args:
        args += ["--as-of", AS_OF]
    if args[0] == "evaluate":
        args[1] = str(ROOT / args[1])
    code, out, err = cli(*args, "--format", "json")
    data = json.loads(out)
    if args[0] == "evaluate":  # the file the CLI read is the upload the API read: same body but its name
        data["input"]["file"] = "cases.csv"
    return code, data


def test_readme_lists_serve_and_mcp():
    commands = {a[0] for a in readme_commands()}
    assert {"serve", "mcp"} <= commands


SERVED = [a for a in readme_commands() if api_request(a) is not None]


@pytest.mark.parametrize("args", SERVED, ids=[" ".join(a) for a in SERVED])
def test_api_equals_cli_for_readme_examples(client, cli, args):
    method, path, params, upload = api_request(args)
    code, expected = cli_json(cli, args)
    if method == "GET":
        r = client.get(path, params=params)
    else:
        r = client.post(path, params=params, content=upload, headers={"content-type": "text/csv"})
    assert r.status_code == (200 if code == 0 else 422), r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == expected


def test_every_readme_command_with_json_output_is_served():
    """The commands the API leaves out are the ones with no JSON answer of their own."""
    left = {a[0] for a in readme_commands() if api_request(a) is None}
    assert left == {"export", "tui", "serve", "mcp", "help"}


@pytest.mark.parametrize("q", doc_queries())
def test_api_equals_cli_for_documented_queries(client, cli, q):
    code, expected = cli_json(cli, ["query", q])
    assert code == 0
    r = client.get("/api/v1/query", params={"q": q, "as_of": AS_OF})
    assert r.status_code == 200
    assert r.json() == expected
    assert expected not in ([], {}), "a documented example answers something"


def test_documented_examples_are_the_docs_block():
    text = (ROOT / "docs" / "query-language.md").read_text(encoding="utf-8")
    qs = doc_queries()
    assert len(qs) >= 10 and all(q in text for q in qs)
    assert "due <= 2021-12 and unit = 市能源局" in qs


def test_query_error_is_the_query_errors_dict(client, cli):
    """The documented bad query (`untt = 市能源局`): 400, the QueryError's dict, its caret span."""
    from kb.query.parse import QueryError

    q = "untt = 市能源局"
    code, _, err = cli("query", q)
    assert code == 2 and "^" in err
    r = client.get("/api/v1/query", params={"q": q})
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"error", "query", "start", "end", "expected", "suggestions"}
    assert body["query"] == q and (body["start"], body["end"]) == (0, 4)
    assert "unit" in body["suggestions"]
    from kb.query.parse import parse

    with pytest.raises(QueryError) as exc:
        parse(q)
    assert body == exc.value.to_dict()


def test_unknown_id_is_404_with_suggestions(client):
    for path in ("/api/v1/items/nea:ledger.999", "/api/v1/trace/nea:ledger.999"):
        r = client.get(path)
        assert r.status_code == 404
        assert "nea:ledger.9" in r.json()["suggestions"]


def test_unknown_names_and_usage_errors_are_400(client):
    r = client.get("/api/v1/diff", params={"a": "1479", "b": "nosuch"})
    assert r.status_code == 400 and "nosuch" in r.json()["error"]
    assert client.get("/api/v1/diff", params={"a": "1479"}).status_code == 400
    r = client.get("/api/v1/query", params={"q": "doc = nea", "as_of": "June"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["error"]
    assert client.get("/api/v1/query").status_code == 400
    r = client.post("/api/v1/evaluate", params={"jurisdiction": "atlantis"}, content=b"id\n")
    assert r.status_code == 400 and "atlantis" in r.json()["error"]


def test_evaluate_bad_rows_are_422_with_the_clis_body(client, cli, tmp_path):
    good = (ROOT / "examples" / "cases.csv").read_text(encoding="utf-8-sig")
    header, first = good.splitlines()[:2]
    bad = f"{header}\n{first}\n{first}\n"  # the same id twice: the second row cannot be evaluated
    path = tmp_path / "cases.csv"
    path.write_text(bad, encoding="utf-8")
    code, out, _ = cli("evaluate", str(path), "--format", "json")
    assert code == 1
    r = client.post("/api/v1/evaluate", content=bad.encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 422
    expected = json.loads(out)
    expected["input"]["file"] = "cases.csv"  # the upload's name: the server never shows a path of its own
    assert r.json() == expected and r.json()["summary"]["bad_rows"] == 1


def test_evaluate_takes_a_multipart_upload(client, cli):
    data = (ROOT / "examples" / "cases.csv").read_bytes()
    r = client.post("/api/v1/evaluate", files={"file": ("mine.csv", data, "text/csv")}, data={"jurisdiction": "shanxi"})
    code, expected = cli_json(cli, ["evaluate", "examples/cases.csv", "--jurisdiction", "shanxi"])
    assert r.status_code == (200 if code == 0 else 422) and r.json() == expected
    assert len(expected["cases"]) > 3


def test_evaluate_errors_name_the_upload_not_a_temporary_path(client):
    r = client.post("/api/v1/evaluate", content="id,bogus\n1,2\n".encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 400
    assert r.json()["error"].startswith("cases.csv: unknown column 'bogus'")
    assert "/tmp" not in r.text and "powerkb-serve-" not in r.text


def test_internal_error_is_500_without_traceback(monkeypatch):
    engine = Engine(POLICIES)  # its own: nothing cached yet

    def boom(*a, **k):
        raise RuntimeError("secret detail /home/x")
    monkeypatch.setattr(engine, "coverage_json", boom)
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    r = client.get("/api/v1/coverage")
    assert r.status_code == 500
    assert r.json()["error"] == "internal error"
    assert "secret" not in r.text and "Traceback" not in r.text


def test_openapi_lists_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    routes = {r.path for r in client.app.routes if getattr(r, "path", "").startswith("/api/v1/") and r.path != "/api/v1/openapi.json"}
    assert routes == set(doc["paths"])
    assert "post" in doc["paths"]["/api/v1/evaluate"]


def test_published_schemas_are_served(client):
    for name in ("item-v1.json", "export-v1.json", "policy-v1.json"):
        r = client.get(f"/schema/{name}")
        assert r.status_code == 200 and r.json()["$schema"].startswith("https://json-schema.org/")
    item = client.get("/api/v1/items/nea:ledger.23").json()
    import jsonschema

    jsonschema.validate(item, client.get("/schema/item-v1.json").json())


# --- safety ------------------------------------------------------------------------------------

def test_store_is_opened_read_only_and_immutable(engine):
    con = engine.base.store.con
    with pytest.raises(sqlite3.OperationalError):
        con.execute("CREATE TABLE intruder(x)")
    with pytest.raises(sqlite3.OperationalError):
        con.execute("DELETE FROM items")
    assert con.execute("PRAGMA query_only").fetchone()[0] == 1


def test_sql_in_a_query_is_only_a_value(client, engine):
    """A request reaches SQL only through the query language: SQL in it is a query error or a
    search value, and the store is unchanged."""
    before = engine.base.store.con.execute("SELECT count(*) FROM items").fetchone()[0]
    r = client.get("/api/v1/query", params={"q": "DROP TABLE items"})
    assert r.status_code == 400
    r = client.get("/api/v1/query", params={"q": "text ~ \"'; DROP TABLE items; --\""})
    assert r.status_code == 200 and r.json() == []
    r = client.get("/api/v1/query", params={"q": "unit = \"x' OR 1=1 --\""})
    assert r.status_code == 400 and "unknown unit" in r.json()["error"]
    assert engine.base.store.con.execute("SELECT count(*) FROM items").fetchone()[0] == before


def test_query_length_limit(client, engine):
    long = "text ~ 电价 or " * 200
    r = client.get("/api/v1/query", params={"q": long})
    assert r.status_code == 400
    body = r.json()
    assert body["start"] == engine.max_query and "at most 1000" in body["error"]
    r = client.get("/api/v1/diff", params={"a": "1479", "b": "shanxi", "where": long})
    assert r.status_code == 400


def test_time_limit_interrupts_sql():
    """With a time limit already past, SQLite is interrupted by the progress handler: 503."""
    slow = Engine(POLICIES, timeout=0.0)
    r = TestClient(create_app(engine=slow)).get("/api/v1/query", params={"q": "text ~ 电价 or text ~ 零投资"})
    assert r.status_code == 503 and "longer than" in r.json()["error"]
    fine = Engine(POLICIES, timeout=5.0)
    assert TestClient(create_app(engine=fine)).get("/api/v1/query", params={"q": "text ~ 电价"}).status_code == 200


def test_upload_limits():
    data = (ROOT / "examples" / "cases.csv").read_bytes()
    small = Engine(POLICIES, max_upload=len(data) - 1)
    r = TestClient(create_app(engine=small)).post("/api/v1/evaluate", content=data, headers={"content-type": "text/csv"})
    assert r.status_code == 413 and "at most" in r.json()["error"]
    few = Engine(POLICIES, max_rows=1)
    r = TestClient(create_app(engine=few)).post("/api/v1/evaluate", content=data, headers={"content-type": "text/csv"})
    assert r.status_code == 413 and "rows" in r.json()["error"]


@pytest.mark.parametrize("path", [
    "/schema/..%2F..%2Fpyproject.toml", "/schema/../../pyproject.toml", "/static/..%2Fengine.py",
    "/static/../../../pyproject.toml", "/items/..%2F..%2Fpyproject.toml", "/api/v1/items/..%2F..%2Fpyproject.toml",
    "/api/v1/items/%2Fetc%2Fpasswd",
])
def test_no_request_path_reaches_the_file_system(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "[project]" not in r.text and "root:" not in r.text


def test_responses_forbid_other_origins(client):
    r = client.get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert not re.search(r'(src|href)="(https?:)?//', r.text), "nothing is fetched from another host"


def test_cached_bodies_keep_their_date(client):
    """Bodies are cached (the store is immutable) under every argument and the date: the same
    query as of two dates gives two answers, each the same when asked again."""
    q = "due <= 2021-12 and unit = 市能源局"
    early = client.get("/api/v1/query", params={"q": q, "as_of": "2020-01-01"}).json()
    late = client.get("/api/v1/query", params={"q": q, "as_of": "2021-06-01"}).json()
    assert not any(r["overdue"] for r in early) and any(r["overdue"] for r in late)
    assert client.get("/api/v1/query", params={"q": q, "as_of": "2020-01-01"}).json() == early


def test_powerkb_serve_listens_on_localhost(tmp_path):
    """The command itself: `python -m kb.cli serve --port P` answers on 127.0.0.1 and stops."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kb.cli", "--policies", str(POLICIES), "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query?q=count%20doc%20%3D%20nea", timeout=2) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None and body["count"] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert b"127.0.0.1" in proc.stdout.read()
