"""`powerkb mcp`: the MCP SDK's own client calls every tool against the real knowledge base and
gets the CLI's `--format json` output; items are resources; errors are tool errors with the JSON
error body. One test runs the real stdio server as a subprocess (`python -m kb.cli mcp`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")
import anyio  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
AS_OF = "2021-06-01"


@pytest.fixture(scope="module")
def server():
    from kb.serve.engine import Engine
    from kb.serve.mcp import build

    return build(Engine(POLICIES))


def call(server, name: str, args: dict):
    from mcp import Client

    async def main():
        async with Client(server) as client:
            return await client.call_tool(name, args)
    return anyio.run(main)


def text_of(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


CASES = [
    ("query", {"q": "due <= 2021-12 and unit = 市能源局", "as_of": AS_OF},
     ["query", "due <= 2021-12 and unit = 市能源局", "--as-of", AS_OF]),
    ("query", {"q": "count doc = shanxi group by unit", "as_of": AS_OF}, ["query", "count doc = shanxi group by unit", "--as-of", AS_OF]),
    ("show", {"id": "nea:ledger.23"}, ["show", "nea:ledger.23"]),
    ("trace", {"id": "1479:task.7"}, ["trace", "1479:task.7"]),
    ("diff", {"a": "1479", "b": "shanxi", "where": "metric = 合计办理时间"},
     ["diff", "1479", "shanxi", "--where", "metric = 合计办理时间"]),
    ("coverage", {}, ["coverage"]),
]


@pytest.mark.parametrize("name,args,cli_args", CASES, ids=[c[0] + ":" + str(i) for i, c in enumerate(CASES)])
def test_tool_equals_cli(server, cli, name, args, cli_args):
    result = call(server, name, args)
    assert not result.is_error, text_of(result)
    code, out, _ = cli(*cli_args, "--format", "json")
    assert code == 0
    assert json.loads(text_of(result)) == json.loads(out)


def test_evaluate_tool_takes_csv_text(server, cli):
    csv_text = (ROOT / "examples" / "cases.csv").read_text(encoding="utf-8-sig")
    result = call(server, "evaluate", {"csv": csv_text, "jurisdiction": "shanxi"})
    _, out, _ = cli("evaluate", str(ROOT / "examples" / "cases.csv"), "--jurisdiction", "shanxi", "--format", "json")
    expected = json.loads(out)
    expected["input"]["file"] = "cases.csv"  # the CSV text's name: the server never shows a path of its own
    assert json.loads(text_of(result)) == expected


def test_errors_are_tool_errors_with_the_json_error(server):
    result = call(server, "query", {"q": "untt = 市能源局"})
    assert result.is_error
    body = json.loads(text_of(result).split(": ", 1)[1])
    assert (body["start"], body["end"]) == (0, 4) and "unit" in body["suggestions"]
    result = call(server, "show", {"id": "nea:ledger.999"})
    assert result.is_error and "nea:ledger.9" in text_of(result)


def test_every_item_is_a_resource(server, base, cli):
    from mcp import Client

    async def main():
        async with Client(server) as client:
            listed = await client.list_resources()
            read = await client.read_resource("powerkb://item/shanxi:ledger.task.6@2021")
            return listed, read
    listed, read = anyio.run(main)
    uris = {str(r.uri) for r in listed.resources}
    assert uris == {f"powerkb://item/{i}" for i in base.items}
    _, out, _ = cli("show", "shanxi:ledger.task.6@2021", "--format", "json")
    assert json.loads(read.contents[0].text) == json.loads(out)


def test_stdio_server_in_a_subprocess(base):
    """The command an assistant runs: `python -m kb.cli mcp`, spoken to over stdin/stdout."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    env = {**os.environ, "PYTHONPATH": str(ROOT), "POWERKB_POLICIES": str(POLICIES)}
    params = StdioServerParameters(command=sys.executable, args=["-m", "kb.cli", "mcp"], env=env, cwd=str(ROOT))

    async def main():
        with anyio.fail_after(60):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                result = await session.call_tool("query", {"q": "count doc = nea"})
                return tools, result
    tools, result = anyio.run(main)
    assert {t.name for t in tools.tools} == {"query", "show", "trace", "diff", "coverage", "evaluate"}
    assert json.loads(text_of(result)) == {"query": "count doc = nea", "count": base.query("count doc = nea").count}
