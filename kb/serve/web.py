"""`powerkb serve`: the knowledge base as web pages for staff and as a versioned JSON API.

Starlette (a small, well-kept ASGI toolkit) routes requests; uvicorn serves them; Jinja2 renders
the pages on the server, so the browser needs no JavaScript. Everything is read-only: the store is
opened `immutable`, item ids are looked up (never joined to a path), static files come from the
package's own directory and the only way a request reaches SQL is the query language.

Every JSON body is the text the CLI prints with `--format json` (see `kb/serve/engine.py`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import date

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from kb.serve import files, i18n, views
from kb.serve.engine import Engine, TooLarge, error_body
from kb.serve.engine import parse_date as _as_of

log = logging.getLogger("powerkb.serve")
JSON = "application/json; charset=utf-8"


@contextlib.contextmanager
def _keeps_form(ctx: dict):
    """An error raised while a page is answered carries the page's form (`page_context`), so the
    error page shows it filled in as the user left it."""
    try:
        yield
    except Exception as exc:
        exc.page_context = ctx
        raise


async def _work(engine: Engine, fn, *args, alone: bool = True):
    """Run engine work in a thread, within the time limit (the thread is abandoned past it; its
    SQL has been interrupted by then). `alone`: under the engine's lock (`Engine.call`)."""
    from kb.serve.engine import TimedOut

    def job():
        return engine.call(fn, *args) if alone else fn(*args)
    try:
        with anyio.fail_after(engine.timeout + 1):
            return await anyio.to_thread.run_sync(job, abandon_on_cancel=True)
    except TimeoutError:
        raise TimedOut(f"the request took longer than {engine.timeout:g} s") from None


async def _body(engine: Engine, key: tuple, make) -> str:
    """A JSON body: from the cache without leaving the event loop, else made in a thread."""
    hit = engine.cache_get(key)
    if hit is not None:
        return hit
    return await _work(engine, engine.cached, key, make, alone=False)


def _log_internal(status: int, exc: BaseException) -> None:
    if status == 500:
        log.error("internal error", exc_info=exc)


# --- the JSON API -------------------------------------------------------------------------------

def _api(handler):
    """A JSON endpoint: its errors become the JSON error body with the status of their class."""
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request, request.app.state.engine)
        except Exception as exc:  # noqa: BLE001 - every error is answered, none with a traceback
            status, body = error_body(exc)
            _log_internal(status, exc)
            return JSONResponse(body, status_code=status)
    return endpoint


def _json(text: str, status: int = 200) -> Response:
    return Response(text + "\n", status_code=status, media_type=JSON)


async def api_query(request, engine):
    p = request.query_params
    q, as_of = p.get("q"), _as_of(p.get("as_of"))
    items, inferred = p.get("items") in ("1", "true"), p.get("with_inferred") in ("1", "true")  # --items, --with-inferred
    key = ("query", q, as_of or date.today(), items, inferred)
    return _json(await _body(engine, key, lambda: engine.query_json(q, as_of, items=items, with_inferred=inferred)))


async def api_item(request, engine):
    item_id = request.path_params["id"]
    return _json(await _body(engine, ("item", item_id), lambda: engine.item_json(item_id)))


async def api_trace(request, engine):
    item_id = request.path_params["id"]
    depth_text = request.query_params.get("depth")  # --depth N: how many steps each way
    if depth_text is not None and not depth_text.isdigit():
        from kb.core.errors import UsageError

        raise UsageError(f"depth must be a whole number, not {depth_text!r}")
    depth = int(depth_text) if depth_text else None
    return _json(await _body(engine, ("trace", item_id, depth), lambda: engine.trace_json(item_id, depth)))


def _diff_args(p) -> tuple[str, str, str | None]:
    from kb.core.errors import UsageError

    a, b = p.get("a"), p.get("b")
    if not a or not b:
        raise UsageError("give the two documents to compare: a=...&b=...")
    return a, b, p.get("where") or None


async def api_diff(request, engine):
    args = _diff_args(request.query_params)
    verdicts = tuple(v for part in request.query_params.getlist("verdict") for v in part.split(",") if v) or None
    return _json(await _body(engine, ("diff", *args, verdicts), lambda: engine.diff_json(*args, verdicts=verdicts)))


async def api_coverage(request, engine):
    return _json(await _body(engine, ("coverage",), engine.coverage_json))


async def _read_capped(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise TooLarge(f"the upload is {length} bytes; at most {limit} are allowed")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the upload is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _upload(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The cases CSV of a POST: a multipart form's `file` (and `jurisdiction`) or the raw body."""
    from kb.core.errors import UsageError

    body = await _read_capped(request, limit + 64 * 1024)  # the form's own bytes on top
    jurisdiction = request.query_params.get("jurisdiction")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10, max_part_size=limit)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise UsageError("send the cases CSV as the form field 'file'")
        data = await upload.read()
        jurisdiction = form.get("jurisdiction") or jurisdiction
        return data, (jurisdiction if isinstance(jurisdiction, str) and jurisdiction else None)
    return body, jurisdiction or None


async def api_evaluate(request, engine):
    data, jurisdiction = await _upload(request, engine.max_upload)
    text, ok = await _work(engine, engine.evaluate, data, jurisdiction)
    return Response(text, status_code=200 if ok else 422, media_type=JSON)


async def api_openapi(request, engine):
    from kb.serve.openapi import document

    return JSONResponse(document())


async def schema(request: Request) -> Response:
    path = files.schemas().get(request.path_params["name"])
    if path is None:
        return JSONResponse({"error": "no such schema", "schemas": sorted(files.schemas())}, status_code=404)
    return Response(path.read_bytes(), media_type="application/schema+json")


# --- the pages ----------------------------------------------------------------------------------

templates = Jinja2Templates(directory=str(files.TEMPLATES))


def _href(lang: str):
    """Links within the site keep `lang=en` when the page was asked for in English."""
    from urllib.parse import quote, urlencode

    def href(path: str, **params) -> str:
        pairs = [(k, x) for k, v in params.items() for x in (v if isinstance(v, (list, tuple)) else [v]) if x not in (None, "", False)]
        if lang == "en" and not any(k == "lang" for k, _ in pairs):
            pairs.append(("lang", "en"))
        return quote(path, safe="/:@.") + ("?" + urlencode(pairs) if pairs else "")
    return href


def _context(request: Request, **extra) -> dict:
    lang = i18n.pick(request.query_params.get("lang"))
    other = request.url.include_query_params(lang="en" if lang == "zh" else "zh")
    switch = f"{other.path}?{other.query}"
    return {"request": request, "lang": lang, "L": i18n.labels(lang), "V": i18n.verdicts(lang),
            "href": _href(lang), "switch_lang": switch, **extra}


def _page(name: str):
    """A page: on an error, the same page with the error shown (QueryError: its caret message)."""
    def wrap(handler):
        async def endpoint(request: Request) -> Response:
            try:
                ctx = await handler(request, request.app.state.engine)
                status = 200
            except Exception as exc:  # noqa: BLE001
                status, body = error_body(exc)
                _log_internal(status, exc)
                ctx = {"error": body, "error_text": str(exc) if status != 500 else "internal error"}
                ctx.update(getattr(exc, "page_context", {}))
            if isinstance(ctx, Response):
                return ctx
            return templates.TemplateResponse(request, name, _context(request, **ctx), status_code=status)
        return endpoint
    return wrap


@_page("query.html")
async def page_query(request, engine):
    p = request.query_params
    q, as_of_text = p.get("q", ""), p.get("as_of", "")
    ctx = {"q": q, "as_of": as_of_text, "examples": files.examples()}
    if not q.strip():
        return ctx
    with _keeps_form(ctx):
        view = await _work(engine, views.query_view, engine, q, _as_of(as_of_text))
    return {**ctx, "view": view}


@_page("item.html")
async def page_item(request, engine):
    return await _work(engine, views.item_view, engine, request.path_params["id"])


@_page("diff.html")
async def page_diff(request, engine):
    p = request.query_params
    ctx = {"a": p.get("a", ""), "b": p.get("b", ""), "where": p.get("where", ""),
           "documents": await _work(engine, views.documents, engine), "verdict_filter": p.getlist("verdict")}
    if not (ctx["a"] and ctx["b"]):
        return ctx
    with _keeps_form(ctx):
        result = await _work(engine, engine.diff, *_diff_args(p))
    return {**ctx, "diff": views.diff_view(result, p.getlist("verdict"))}


@_page("calendar.html")
async def page_calendar(request, engine):
    p = request.query_params
    unit, upcoming, as_of_text = p.get("unit", ""), p.get("upcoming") == "1", p.get("as_of", "")
    ctx = {"unit": unit, "upcoming": upcoming, "as_of": as_of_text}
    with _keeps_form(ctx):
        view = await _work(engine, views.calendar_view, engine, unit or None, upcoming, _as_of(as_of_text))
    return {**ctx, "view": view}


@_page("coverage.html")
async def page_coverage(request, engine):
    return {"view": await _work(engine, views.coverage_view, engine)}


# --- downloads ----------------------------------------------------------------------------------

def _attachment(data, name: str, media: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _query_csv(engine, q, as_of) -> str:
    from kb.render.registry import render

    result = engine.query(q, as_of)  # the CLI's `query --format csv` (a diff: its own CSV)
    return render(result, "csv")


async def download_query(request, engine):
    """The CLI's `query --format csv` output (for a diff, its Markdown report, as the CLI gives)."""
    p = request.query_params
    text = await _work(engine, _query_csv, engine, p.get("q"), _as_of(p.get("as_of")))
    return _attachment(text, "powerkb-query.csv", "text/csv; charset=utf-8")


def _query_xlsx(engine, q) -> bytes:
    from kb.export.formats import export

    return export(engine.base, "xlsx", None, where=engine.check_query(q))


async def download_xlsx(request, engine):
    """The 台账 workbook of the items a query selects (`powerkb export --format xlsx --where Q`)."""
    data = await _work(engine, _query_xlsx, engine, request.query_params.get("q"))
    return _attachment(data, "powerkb-ledger.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


async def download_diff(request, engine):
    from kb.render.registry import render

    result = await _work(engine, engine.diff, *_diff_args(request.query_params))
    return _attachment(render(result, "md"), "powerkb-diff.md", "text/markdown; charset=utf-8")


async def download_coverage(request, engine):
    from kb.render.registry import Coverage, render

    rows = await _work(engine, engine.coverage)
    return _attachment(render(Coverage(rows), "md"), "powerkb-coverage.md", "text/markdown; charset=utf-8")


async def healthz(request):
    return JSONResponse({"ok": True, "fingerprint": request.app.state.engine.base.fingerprint})


class SecurityHeaders:
    """Nothing from another origin: no CDN, no inline script, no framing."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
                            (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)
        await self.app(scope, receive, send_with_headers)


def create_app(policies=None, *, engine: Engine | None = None) -> Starlette:
    """The application; `engine` lets tests pass one with other limits."""
    from starlette.middleware import Middleware

    routes = [
        Route("/", page_query),
        Route("/items/{id}", page_item),
        Route("/diff", page_diff),
        Route("/calendar", page_calendar),
        Route("/coverage", page_coverage),
        Route("/download/query.csv", _api(download_query)),
        Route("/download/query.xlsx", _api(download_xlsx)),
        Route("/download/diff.md", _api(download_diff)),
        Route("/download/coverage.md", _api(download_coverage)),
        Route("/api/v1/query", _api(api_query)),
        Route("/api/v1/items/{id}", _api(api_item)),
        Route("/api/v1/trace/{id}", _api(api_trace)),
        Route("/api/v1/diff", _api(api_diff)),
        Route("/api/v1/coverage", _api(api_coverage)),
        Route("/api/v1/evaluate", _api(api_evaluate), methods=["POST"]),
        Route("/api/v1/openapi.json", _api(api_openapi)),
        Route("/api", lambda r: RedirectResponse("/api/v1/openapi.json")),
        Route("/schema/{name}", schema),
        Route("/healthz", healthz),
        Mount("/static", app=StaticFiles(directory=str(files.STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.engine = engine or Engine(policies)
    return app


def app_from_env() -> Starlette:
    """The app of one worker process (`--workers N`): the policy tree comes from the environment."""
    return create_app(os.environ.get("POWERKB_POLICIES") or None)


def run(policies=None, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> int:
    """Serve until interrupted. With several workers, each process opens the store itself (it is
    one read-only file, so they share the operating system's page cache and nothing else)."""
    import uvicorn

    print(f"powerkb: serving on http://{host}:{port}/ (read-only; Ctrl+C stops)", flush=True)
    if workers > 1:
        if policies:
            os.environ["POWERKB_POLICIES"] = str(policies)
        create_app(policies)  # build the cache once, here, not in every worker at once
        uvicorn.run("kb.serve.web:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning")
    else:
        uvicorn.run(create_app(policies), host=host, port=port, log_level="warning")
    return 0


__all__ = ["create_app", "run", "HTMLResponse"]
