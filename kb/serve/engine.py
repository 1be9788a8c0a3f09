"""The knowledge base as a server holds it: opened once, read-only, one request at a time.

Every answer is made by the functions the CLI uses for `--format json` (`to_json`, `to_dict`,
`report_json`), so an HTTP body, an MCP tool result and the CLI's output are the same text; this
module only adds what a server needs on top: limits, a time limit per request, and the mapping of
the engine's errors onto HTTP status codes.

Why one lock: the store is one SQLite connection and queries take well under a millisecond, so
serialising them costs nothing measurable and keeps the progress handler (our time limit) bound to
exactly one running statement.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

MAX_QUERY = 1000
"""Characters in a query (or a diff's `where`); the longest documented example is under 60."""
MAX_UPLOAD = 5 * 1024 * 1024
"""Bytes of a cases CSV sent to `evaluate`."""
MAX_ROWS = 10_000
"""Data rows of a cases CSV sent to `evaluate`."""
TIMEOUT = 5.0
"""Seconds one request may run; SQLite is interrupted after it (a progress handler)."""
CACHE_BYTES = 64 * 1024 * 1024
"""JSON bodies kept for repeated requests (the store never changes while the server runs)."""


class TimedOut(Exception):
    """A request ran past the time limit (HTTP 503)."""


class TooLarge(Exception):
    """An upload or a query over its limit (HTTP 413); the message says which limit."""


def dumps(obj) -> str:
    """JSON as the CLI prints it (`kb.core.jsonout.listing`: indented, a result's rows one a line)."""
    from kb.core.jsonout import listing

    return listing(obj)


def parse_date(text: str | None) -> date | None:
    """An `as_of` argument: empty is None (today), else YYYY-MM-DD or a usage error (HTTP 400)."""
    from kb.core.errors import UsageError

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"'{text}' is not a date of the form YYYY-MM-DD") from None


def connect_immutable(path: Path) -> sqlite3.Connection:
    """A connection that cannot write and that tells SQLite the file never changes
    (`immutable=1`: no locks, no change checks). The store is rebuilt aside and renamed, never
    edited in place, so this holds for as long as the server runs."""
    uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
    con = sqlite3.connect(uri, uri=True, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA query_only = 1")
    return con


class Engine:
    """One knowledge base, opened for serving."""

    def __init__(self, policies=None, *, timeout: float = TIMEOUT, max_query: int = MAX_QUERY,
                 max_upload: int = MAX_UPLOAD, max_rows: int = MAX_ROWS):
        from kb.base import KnowledgeBase

        self.base = KnowledgeBase.open(policies)
        self.timeout, self.max_query = timeout, max_query
        self.max_upload, self.max_rows = max_upload, max_rows
        store = self.base.store
        store.con.close()
        store.con = connect_immutable(store.path)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, str] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cached_bytes = 0
        self.base.graph  # noqa: B018 - built now, not in the first request
        self.base.children  # noqa: B018

    # -- running one request ---------------------------------------------------------------------
    def call(self, fn, *args, **kwargs):
        """Run `fn` alone, interrupting its SQL once the time limit has passed."""
        if not self._lock.acquire(timeout=self.timeout):
            raise TimedOut(f"the server is busy: no answer within {self.timeout:g} s")
        con = self.base.store.con
        deadline = time.monotonic() + self.timeout
        con.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise TimedOut(f"the request took longer than {self.timeout:g} s and was stopped") from None
            raise
        finally:
            con.set_progress_handler(None, 0)
            self._lock.release()

    def cache_get(self, key: tuple) -> str | None:
        with self._cache_lock:
            body = self._cache.get(key)
            if body is not None:
                self._cache.move_to_end(key)
            return body

    def cached(self, key: tuple, make) -> str:
        """A JSON body from the cache, or made by `make` (under the time limit) and kept. Keys hold
        every argument and the effective date, so an answer that depends on "today" is not served
        tomorrow; errors are never kept."""
        body = self.cache_get(key)
        if body is not None:
            return body
        body = self.call(make)
        if len(body) <= CACHE_BYTES // 16:
            with self._cache_lock:
                if key not in self._cache:
                    self._cache[key] = body
                    self._cached_bytes += len(body)
                while self._cached_bytes > CACHE_BYTES:
                    _, old = self._cache.popitem(last=False)
                    self._cached_bytes -= len(old)
        return body

    def check_query(self, text: str | None, what: str = "q") -> str:
        """A query within the length limit, or a QueryError (HTTP 400) pointing past the limit."""
        from kb.query.parse import QueryError

        if text is None or not text.strip():
            raise QueryError(f"give a query ({what}=...)", text or "", 0, 0)
        if len(text) > self.max_query:
            raise QueryError(f"the query is {len(text)} characters long; at most {self.max_query} are allowed",
                             text[: self.max_query + 20], self.max_query, self.max_query + 20)
        return text

    # -- the answers, as the CLI's --format json prints them --------------------------------------
    def query(self, text: str, as_of: date | None = None, **how):
        """The QueryResult of `powerkb query TEXT --as-of AS_OF` (`items`, `with_inferred`: its flags)."""
        return self.base.query(self.check_query(text), as_of=as_of, **how)

    def query_json(self, text: str, as_of: date | None = None, **how) -> str:
        return _json_of(self.query(text, as_of, **how))

    def item_json(self, item_id: str) -> str:
        return dumps(self.base.item(item_id).to_dict())

    def trace(self, item_id: str, depth: int | None = None):
        return self.base.trace(item_id, depth=depth)

    def trace_json(self, item_id: str, depth: int | None = None) -> str:
        return _json_of(self.trace(item_id, depth))

    def diff(self, a: str, b: str, where: str | None = None, verdicts=None):
        if where is not None and where.strip():
            self.check_query(where, "where")
        else:
            where = None
        return self.base.diff(a, b, where=where, verdicts=list(verdicts) if verdicts else None)

    def diff_json(self, a: str, b: str, where: str | None = None, verdicts=None) -> str:
        return _json_of(self.diff(a, b, where, verdicts))

    def coverage(self):
        from kb.analysis.trace import coverage

        return coverage(self.base)

    def coverage_json(self) -> str:
        from kb.render.registry import Coverage

        return _json_of(Coverage(self.coverage()))

    def evaluate(self, data: bytes, jurisdiction: str | None = None) -> tuple[str, bool]:
        """`powerkb evaluate CASES.csv --format json` on uploaded bytes: (the report, all rows ok).

        The upload is written to a private temporary directory under a name chosen here (never
        the client's) and read by the CLI's own `evaluate_file`."""
        import io

        from kb.render.evaluations import write_json
        from kb.rules.casefile import open_cases
        from kb.rules.evaluate import iter_evaluate, resolve_jurisdiction

        if len(data) > self.max_upload:
            raise TooLarge(f"the file is {len(data)} bytes; at most {self.max_upload} are allowed")
        rows = data.count(b"\n") + (not data.endswith(b"\n"))
        if rows - 1 > self.max_rows:  # a cheap upper bound; quoted newlines only make it larger
            raise TooLarge(f"the file has about {rows - 1} rows; at most {self.max_rows} are allowed")
        jurisdiction = resolve_jurisdiction(self.base, jurisdiction)
        with tempfile.TemporaryDirectory(prefix="powerkb-serve-") as tmp:
            path = Path(tmp) / "cases.csv"
            path.write_bytes(data)
            out = io.StringIO()
            try:  # the CLI's own streaming reader and JSON writer: the same body, `input` included
                with open_cases(path) as source:
                    tally = write_json(out, iter_evaluate(self.base, source, jurisdiction), jurisdiction, source)
            except Exception as exc:  # say "cases.csv", not the temporary path
                exc.args = tuple(str(a).replace(str(path), "cases.csv") for a in exc.args)
                raise
        text = out.getvalue().replace(str(path), "cases.csv").rstrip("\n")
        return text, tally.bad_rows == 0


# -- errors -------------------------------------------------------------------------------------

def error_body(exc: BaseException) -> tuple[int, dict]:
    """The HTTP status and JSON body for an error, in the classes of the CLI's exit codes:
    a bad query, usage or unknown name (exit 2) is 400, an unknown item id 404, other problems
    (exit 1) 422, a time-out 503, anything else 500 without a traceback."""
    from kb.core.errors import PowerKBError, UnknownId, UnknownName
    from kb.query.parse import QueryError

    if isinstance(exc, QueryError):
        return 400, exc.to_dict()
    body = {"error": str(exc), "query": None, "start": None, "end": None, "expected": [],
            "suggestions": list(getattr(exc, "suggestions", []) or [])}
    if isinstance(exc, UnknownId):
        return 404, body
    if isinstance(exc, UnknownName):
        return 400, body
    if isinstance(exc, TooLarge):
        return 413, body
    if isinstance(exc, TimedOut):
        return 503, body
    if isinstance(exc, PowerKBError):
        return (400 if exc.exit_code == 2 else 422), body
    body["error"] = "internal error"
    return 500, body


def _json_of(result) -> str:
    """A result as the CLI's `--format json` prints it: the same renderer of the one registry."""
    from kb.render.registry import render

    return render(result, "json").rstrip("\n")
