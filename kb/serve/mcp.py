"""`powerkb mcp`: the knowledge base for assistants, as an MCP server over standard input/output.

Built on the official `mcp` SDK (`MCPServer`, which SDK 1.x called FastMCP). Six tools, one per
CLI command, each returning the CLI's `--format json` text; every item is also a resource,
`powerkb://item/{id}`, whose text is `powerkb show ID --format json`. An error is a tool error whose
text is the same JSON error body the HTTP API sends.
"""

from __future__ import annotations

import json

from kb.serve.engine import Engine, error_body

URI = "powerkb://item/{id}"

INSTRUCTIONS = (
    "powerkb answers questions about China's 获得电力 (Getting Electricity) policy documents: a national "
    "opinion, an NEA notice with its task ledger and indicators, and a provincial work plan. Use `query` with "
    "the query language (e.g. 'due <= 2021-12 and unit = 市能源局', 'text ~ 电价', 'count doc = nea group by unit'), "
    "`show` for one item by id, `trace` for what an item implements and what implements it, `diff` to compare "
    "a national and a provincial document, `coverage` for national items and their provincial counterparts, "
    "and `evaluate` to check connection cases (CSV text) against the targets in force. Every item quotes its "
    "source verbatim; cite item ids."
)


def _guard(engine: Engine, fn, *args) -> str:
    """Run a tool's work; an error becomes a `ToolError` whose text is the JSON error body (the SDK
    passes a ToolError's message to the client and hides any other exception's)."""
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return engine.call(fn, *args)
    except Exception as exc:  # noqa: BLE001 - every error is an answer, never a traceback
        _, body = error_body(exc)
        raise ToolError(json.dumps(body, ensure_ascii=False)) from None


def build(engine: Engine):
    """The MCP server for one engine (tests connect a client to it in-process)."""
    from mcp.server.mcpserver import MCPServer

    from kb.core.version import __version__

    server = MCPServer("powerkb", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")

    @server.tool()
    def query(q: str, as_of: str | None = None) -> str:
        """Run a query in the powerkb query language (docs/query-language.md); `as_of` (YYYY-MM-DD) is the
        date 'overdue' and 'upcoming' refer to. Returns `powerkb query Q --format json`."""
        from kb.serve.engine import parse_date

        def run():
            return engine.query_json(q, parse_date(as_of))
        return _guard(engine, run)

    @server.tool()
    def show(id: str) -> str:  # noqa: A002 - the CLI's word
        """One item by id (e.g. nea:ledger.23): `powerkb show ID --format json`."""
        return _guard(engine, engine.item_json, id)

    @server.tool()
    def trace(id: str) -> str:  # noqa: A002
        """What an item implements (up) and what implements or measures it (down): `powerkb trace ID --format json`."""
        return _guard(engine, engine.trace_json, id)

    @server.tool()
    def diff(a: str, b: str, where: str | None = None) -> str:
        """Compare the targets and texts of a national document `a` and a provincial document `b`, optionally
        narrowed by a query condition: `powerkb diff A B --where W --format json`."""
        return _guard(engine, engine.diff_json, a, b, where)

    @server.tool()
    def coverage() -> str:
        """Each national measure with its provincial counterparts: `powerkb coverage --format json`."""
        return _guard(engine, engine.coverage_json)

    @server.tool()
    def evaluate(csv: str, jurisdiction: str | None = None) -> str:
        """Check connection cases given as CSV text (the columns of docs/evaluate.md) against the targets in
        force: `powerkb evaluate CASES.csv --format json`. Rows that cannot be evaluated carry an `error`."""
        def run():
            text, _ok = engine.evaluate(csv.encode("utf-8"), jurisdiction)
            return text
        return _guard(engine, run)

    for item_id in engine.base.items:
        _item_resource(server, engine, item_id)

    @server.resource(URI, name="item", mime_type="application/json",
                     description="An item by id: powerkb show ID --format json")
    def item(id: str) -> str:  # noqa: A002
        return _guard(engine, engine.item_json, id)

    return server


def _item_resource(server, engine: Engine, item_id: str) -> None:
    item = engine.base.items[item_id]

    def read() -> str:
        return _guard(engine, engine.item_json, item_id)
    server.resource(URI.format(id=item_id), name=item_id, mime_type="application/json",
                    description=item.summary[:200])(read)


def run(policies=None) -> int:
    build(Engine(policies)).run("stdio")
    return 0
