"""The OpenAPI description of /api/v1, written by hand: six endpoints do not need a generator, and
a hand-written document says what the bodies are (the CLI's JSON) in words a client reads."""

from __future__ import annotations

from kb.core.version import __version__

_ERROR = {
    "type": "object",
    "description": "An error. For a query error, `start`/`end` locate the offending text in `query` "
                   "(as the CLI's caret does); otherwise they are null.",
    "properties": {
        "error": {"type": "string"}, "query": {"type": ["string", "null"]},
        "start": {"type": ["integer", "null"]}, "end": {"type": ["integer", "null"]},
        "expected": {"type": "array", "items": {"type": "string"}},
        "suggestions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["error", "query", "start", "end", "expected", "suggestions"],
}


def _errors(*codes: int) -> dict:
    text = {400: "a bad query, a bad argument or an unknown name (the CLI's exit code 2)",
            404: "no item with that id (suggestions: near ids)",
            413: "the query or the upload is over its limit",
            422: "problems in the input (the CLI's exit code 1)",
            500: "internal error (no traceback is sent)",
            503: "the request ran past the time limit"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def _ok(description: str, schema: dict | None = None) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema or {}}}}}


def _param(name: str, where: str, description: str, required: bool = False, fmt: str | None = None) -> dict:
    schema = {"type": "string", **({"format": fmt} if fmt else {})}
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


def document() -> dict:
    item_id = _param("id", "path", "an item id such as nea:ledger.23", True)
    return {
        "openapi": "3.1.0",
        "info": {"title": "powerkb", "version": __version__,
                 "description": "The 获得电力 policy knowledge base, read-only. Every 200 body equals the "
                                "output of the matching `powerkb ... --format json` command."},
        "paths": {
            "/api/v1/query": {"get": {
                "summary": "powerkb query Q --as-of D --format json",
                "parameters": [_param("q", "query", "a query (docs/query-language.md), at most 1000 characters", True),
                               _param("as_of", "query", "the date 'overdue' and 'upcoming' refer to (default today)", fmt="date")],
                "responses": {**_ok("rows (an array of items), a count, groups or a diff"), **_errors(400, 413, 500, 503)}}},
            "/api/v1/items/{id}": {"get": {
                "summary": "powerkb show ID --format json", "parameters": [item_id],
                "responses": {**_ok("the item", {"$ref": "/schema/item-v1.json"}), **_errors(404, 500)}}},
            "/api/v1/trace/{id}": {"get": {
                "summary": "powerkb trace ID --format json", "parameters": [item_id],
                "responses": {**_ok("the item's chain up and down"), **_errors(404, 500)}}},
            "/api/v1/diff": {"get": {
                "summary": "powerkb diff A B --where W --format json",
                "parameters": [_param("a", "query", "the national document", True),
                               _param("b", "query", "the provincial document", True),
                               _param("where", "query", "a condition narrowing the diff")],
                "responses": {**_ok("targets and texts compared"), **_errors(400, 413, 500, 503)}}},
            "/api/v1/coverage": {"get": {
                "summary": "powerkb coverage --format json",
                "responses": {**_ok("each national measure and its counterparts"), **_errors(500)}}},
            "/api/v1/evaluate": {"post": {
                "summary": "powerkb evaluate CASES.csv --jurisdiction J --format json",
                "parameters": [_param("jurisdiction", "query", "whose targets apply besides the national ones")],
                "requestBody": {"required": True, "description": "the cases CSV (docs/evaluate.md), at most 5 MB and 10,000 rows: "
                                "as the raw body (text/csv) or as the form field `file`",
                                "content": {"text/csv": {"schema": {"type": "string"}},
                                            "multipart/form-data": {"schema": {"type": "object", "properties": {
                                                "file": {"type": "string", "format": "binary"},
                                                "jurisdiction": {"type": "string"}}, "required": ["file"]}}}},
                "responses": {**_ok("the report; 422 with the same body when a row could not be evaluated"),
                              **_errors(400, 413, 422, 500, 503)}}},
        },
        "components": {"schemas": {"Error": _ERROR}},
    }
