"""One registry of renderers, keyed by (result type, format), and one `render()` every command uses.

A renderer registers itself with a decorator, as Datasette's output renderers do:

    @renderer("rows", "csv")
    def rows_csv(result, ctx) -> str: ...

and `render(result, "csv")` finds it by the result's type. Adding a format is one function in
one module: the tests render every registered pair, and a command offers it once it is added to
its `--format` choices (a test checks that every choice is registered).

Result types: rows, count, groups, diff (a `QueryResult` of that kind, or a `DiffResult`), trace,
coverage, evaluations, item. A renderer returns text; a terminal ("table") renderer writes to
`ctx.out` (query results through kb/render/termtable.py, without rich, which a cold query cannot
afford; the others through `ctx.console()`, a rich Console), which `render` points at `out` or,
without one, at a string it returns.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

from kb.core.errors import PowerKBError
from kb.core.records import record

TYPES = ("rows", "count", "groups", "diff", "trace", "coverage", "evaluations", "item")
FORMATS = ("table", "text", "json", "csv", "md")

_RENDERERS: dict[tuple[str, str], Callable] = {}
_MODULES = {"rows": "kb.render.rows", "count": "kb.render.rows", "groups": "kb.render.rows",
            "diff": "kb.render.diff", "trace": "kb.render.analysis", "coverage": "kb.render.analysis",
            "evaluations": "kb.render.evaluations", "item": "kb.render.item"}
"""Where each type's renderers are: imported on first use, so `powerkb query` never loads the
evaluation rules (nor `show` the query engine)."""


class UnknownFormat(PowerKBError):
    """A format no renderer writes for this kind of result: a usage error (exit 2)."""

    exit_code = 2


@record
class Context:
    """What a renderer may need besides the result: where a table goes (`out`, never None),
    how wide it may be (None: the terminal's width), whether a CSV starts with a byte order mark
    (files for spreadsheets do; pipes do not)."""

    out: object
    width: int | None = None
    bom: bool = False

    def console(self):
        """A rich Console writing to `out`: a terminal gets colour, a buffer plain text."""
        from rich.console import Console

        return Console(file=self.out, width=self.width)

    def text_width(self) -> int:
        """The width plain text is wrapped to: the given one, else the terminal's, at most 120
        columns (longer lines of Chinese are hard to read)."""
        if self.width:
            return self.width
        import shutil

        return min(shutil.get_terminal_size((100, 24)).columns, 120)


@record
class Coverage:
    """`coverage()`'s rows as one result."""

    rows: list
    result_type = "coverage"


@record
class Evaluations:
    """The evaluations of a cases file, and the jurisdiction whose targets applied."""

    results: list
    jurisdiction: str
    result_type = "evaluations"


def renderer(result_type: str, *formats: str):
    """Register the decorated function as the renderer of `result_type` in each of `formats`."""
    assert result_type in TYPES, result_type

    def register(fn: Callable) -> Callable:
        for fmt in formats:
            assert fmt in FORMATS, fmt
            _RENDERERS[(result_type, fmt)] = fn
        return fn

    return register


def _load(*types: str) -> None:
    """Import the modules that register the renderers of `types` (default: all)."""
    import importlib

    for rtype in types or TYPES:
        importlib.import_module(_MODULES[rtype])


def registry() -> dict[tuple[str, str], Callable]:
    """Every (result type, format) pair and its renderer."""
    _load()
    return dict(_RENDERERS)


def formats(result_type: str) -> list[str]:
    """The formats written for `result_type`, in the order of FORMATS."""
    _load(result_type)
    return [f for f in FORMATS if (result_type, f) in _RENDERERS]


_CLASSES = (("kb.analysis.diff", "DiffResult", "diff"), ("kb.analysis.trace", "Trace", "trace"),
            ("kb.query.run", "QueryResult", None))
"""The result classes of the lower layers and their type (None: the query result's own `kind`)."""


def result_type(result) -> str:
    """The registry's name for what `result` is. The classes are looked up in the modules already
    imported: an object cannot be an instance of a class never loaded, and importing the trace
    module would load networkx into every `powerkb query`."""
    explicit = getattr(type(result), "result_type", None)
    if isinstance(explicit, str):
        return explicit
    for module, name, rtype in _CLASSES:
        mod = sys.modules.get(module)
        if mod is not None and isinstance(result, getattr(mod, name)):
            return rtype or result.kind  # a query result: rows, count, groups or diff
    raise TypeError(f"no renderer knows a {type(result).__name__}")


def lookup(rtype: str, fmt: str) -> Callable:
    """The renderer of (rtype, fmt), or UnknownFormat naming the formats there are."""
    _load(rtype)
    fn = _RENDERERS.get((rtype, fmt))
    if fn is None:
        raise UnknownFormat(f"cannot write {rtype} as '{fmt}' (formats for {rtype}: {', '.join(formats(rtype))})")
    return fn


def render(result, fmt: str, *, out=None, width: int | None = None, bom: bool = False) -> str:
    """`result` in format `fmt`, returned as text. With `out` (a text stream such as sys.stdout)
    it is also written there; a table then goes straight to `out` (a terminal gets colour) and
    "" is returned. Unknown (type, format): `UnknownFormat` naming the formats there are."""
    fn = lookup(result_type(result), fmt)
    sink = out if out is not None else io.StringIO()
    ctx = Context(out=sink, width=width if (width or out is not None) else 100, bom=bom)
    text = fn(result, ctx)
    if text is None:  # a table renderer printed to ctx.console()
        return "" if out is not None else sink.getvalue()
    if out is not None:
        out.write(text)
    return text
