"""The `powerkb` command line.

Every subcommand imports what it needs when it runs, so that `powerkb query` starts fast and
never pays for Textual, openpyxl or jsonschema. User errors end in a message and an exit code:
1 for a failed check or an unknown id, 2 for a bad query or bad arguments.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys

from kb.core.jsonout import dumps


def _checked(args) -> bool:
    from kb.base import unchecked_by_env

    return not (getattr(args, "unchecked", False) or unchecked_by_env())


def _kb(args, lazy: bool = False):
    """The knowledge base, refused when it fails `powerkb check` unless --unchecked; with the
    override, a tree that fails says so on stderr (on every command that answers from it)."""
    from kb.base import KnowledgeBase

    base = KnowledgeBase.open(args.policies, lazy=lazy, checked=_checked(args))
    if base.unchecked:
        n = len(base.problems)
        print(f"powerkb: warning: unchecked: this policy tree fails the check ({n} problem{'s' if n != 1 else ''}; run 'powerkb check'); answers may be wrong",
              file=sys.stderr)
    return base


def cmd_check(args) -> int:
    from kb.core.paths import policies_dir
    from kb.loading.cache import read_source
    from kb.verify.check import check

    root = policies_dir(args.policies)
    tree = read_source(root)  # a JSON export gets the checks that need no source text
    problems = check(tree, coverage=not args.no_coverage)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr)
        return 1
    counts = {d: sum(1 for i in tree.items.values() if i.doc == d) for d in tree.documents}
    summary = ", ".join(f"{d}: {n} items" for d, n in counts.items())
    quotes = "references and values checked (quotes need the YAML tree)" if root.is_file() else "every quote found in its source"
    print(f"ok: {len(tree.items)} items ({summary}), {len(tree.links)} links, {len(tree.registries.units)} units, {quotes}")
    return 0


def _render(result, fmt: str) -> None:
    """Every command's output goes through the one renderer registry (kb.render.registry)."""
    from kb.render.registry import render

    render(result, fmt, out=sys.stdout)


def cmd_show(args) -> int:
    from kb.render.item import layout

    base = _kb(args)
    _render(layout(base.item(args.id), base), args.format)
    return 0


def _date_arg(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date of the form YYYY-MM-DD") from None


def cmd_query(args) -> int:
    base = _kb(args, lazy=True)  # a query reads the store only: the tree is not unpickled
    result = base.query(args.query, as_of=args.as_of, items=args.items, with_inferred=args.with_inferred)
    if args.explain:
        for line in result.dates:  # each date literal and the period it was read as
            print("date:", line)
        print(result.sql or "(a diff runs no single SQL statement)")
        print("parameters:", dumps(result.params, ensure_ascii=False))
        for row in base.store.con.execute("EXPLAIN QUERY PLAN " + result.sql, result.params) if result.sql else []:
            print("plan:", row[3])
        return 0
    _render(result, args.format)
    return 0


def cmd_trace(args) -> int:
    from kb.analysis.trace import trace

    _render(trace(_kb(args), args.id), args.format)
    return 0


def cmd_coverage(args) -> int:
    from kb.analysis.trace import coverage
    from kb.render.registry import Coverage

    _render(Coverage(coverage(_kb(args))), args.format)
    return 0


def cmd_diff(args) -> int:
    base = _kb(args)
    _render(base.diff(args.a, args.b, where=args.where), args.format)
    return 0


def cmd_tui(args) -> int:
    from tui.app import run

    return run(policies=args.policies, as_of=getattr(args, "as_of", None), checked=_checked(args))


def cmd_export(args) -> int:
    from kb.export.formats import BINARY, ExportError, export

    fmt, output = args.format, args.output
    if output == "-":
        output = None
    if fmt in BINARY and output is None:
        raise ExportError(f"--format {fmt} writes a binary file: give -o FILE (standard output is not allowed)")
    data = export(_kb(args), fmt, output, args.where)
    if output is None:  # as UTF-8 bytes whatever the locale says: the CSV's BOM and CRLFs intact
        sys.stdout.flush()
        sys.stdout.buffer.write(data.encode("utf-8") if isinstance(data, str) else data)
        sys.stdout.buffer.flush()
    return 0


def cmd_evaluate(args) -> int:
    """`powerkb evaluate CASES`: exit 1 when a row could not be evaluated, else 0.

    Streams: each case is read, evaluated and written before the next is read."""
    from kb.render.evaluations import write_csv, write_json, write_table
    from kb.render.registry import Evaluations
    from kb.rules.casefile import open_cases
    from kb.rules.evaluate import iter_evaluate, resolve_jurisdiction

    base = _kb(args)
    jurisdiction = resolve_jurisdiction(base, args.jurisdiction)
    bad = 0

    def reported(results):
        nonlocal bad
        for ev in results:
            if not ev.ok:
                bad += 1
                print(f"powerkb: {args.cases}: row {ev.row}: case {ev.id}: {ev.error}", file=sys.stderr)
            yield ev

    with open_cases(args.cases) as source:
        print(f"powerkb: {source.describe()}", file=sys.stderr)
        results = reported(iter_evaluate(base, source, jurisdiction))
        if args.format == "md":  # a briefing: the whole result, through the registry
            _render(Evaluations(list(results), jurisdiction), "md")
        elif args.format == "json":
            write_json(sys.stdout, results, jurisdiction, source)
        elif args.format == "csv":
            write_csv(sys.stdout, results)
        else:
            write_table(sys.stdout, results, jurisdiction, base, explain=args.explain, lang=args.lang)
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="powerkb", description="Rules-as-code knowledge base for 获得电力 policy.")
    parser.add_argument("--policies", metavar="DIR", help="policy tree to use (default: $POWERKB_POLICIES or the bundled one)")
    parser.add_argument("--unchecked", action="store_true",
                        help="use a policy tree that fails 'powerkb check' anyway (said on every answer; also POWERKB_UNCHECKED=1)")
    parser.add_argument("--version", action="version", version="powerkb 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="verify the policy tree: format, quotes, references, dates, coverage")
    p.add_argument("--no-coverage", action="store_true", help="skip the check that every source sentence is encoded")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("show", help="print one item")
    p.add_argument("id", help="an item id such as nea:ledger.23")
    p.add_argument("--format", choices=["text", "json", "md"], default="text")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("trace", help="the chain of an item both ways: what it implements, what implements or measures it")
    p.add_argument("id")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("coverage", help="each 1479 item and NEA ledger row with its Shanxi counterparts")
    p.add_argument("--format", choices=["table", "json", "md", "csv"], default="table")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("diff", help="compare the targets and texts of two documents (national vs provincial)")
    p.add_argument("a", help="the national document, e.g. 1479 or nea")
    p.add_argument("b", help="the provincial document, e.g. shanxi")
    p.add_argument("--where", metavar="QUERY", help="only items and targets matching this condition")
    p.add_argument("--format", choices=["table", "json", "md", "csv"], default="table")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("tui", help="the terminal app: browse, query, trace, diff, deadlines")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE", help="the date overdue items are marked against")
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("export", help="export items: json, jsonl, csv, xlsx (台账), ics, graphml, sqlite")
    p.add_argument("--format", required=True, choices=["json", "jsonl", "csv", "xlsx", "ics", "graphml", "sqlite"])
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output; required for xlsx and sqlite)")
    p.add_argument("--where", metavar="QUERY", help="only the items matching this query")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("evaluate", help="check connection cases (CSV or .xlsx) against the targets in force")
    p.add_argument("cases", metavar="CASES", help="a CSV (UTF-8, GBK/GB18030 or UTF-16; , ; or tab) or an .xlsx workbook")
    p.add_argument("--jurisdiction", default=None, help="whose targets apply besides the national ones (default: the one provincial jurisdiction of the tree)")
    p.add_argument("--format", choices=["table", "json", "csv", "md"], default="table",
                   help="table: one line a case (default); json; csv: one row per check; md: a Markdown report, UTF-8 with BOM for Excel")
    p.add_argument("--explain", action="store_true", help="table: every check of every case with its full reasoning")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="labels of the one-line table (default zh)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("query", help="ask a question in the query language (docs/query-language.md)")
    p.add_argument("query", help="e.g. 'due <= 2021-12 and unit = 市能源局'")
    p.add_argument("--format", choices=["table", "json", "csv", "md"], default="table")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE", help="the date 'today', 'overdue' and 'upcoming' refer to")
    p.add_argument("--explain", action="store_true", help="print the SQL (every value a bound parameter) and its plan")
    p.add_argument("--items", action="store_true",
                   help="one row per item (per item and date for a due condition), not per obligation")
    p.add_argument("--with-inferred", action="store_true",
                   help="also count inferred memberships and inferred dates; such rows are marked inferred")
    p.set_defaults(func=cmd_query)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kb.core.errors import PowerKBError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        if argv is None and sys.stdin.isatty() and sys.stdout.isatty():
            args.func = cmd_tui  # plain `powerkb` in a terminal opens the app
        else:
            parser.print_help()
            return 0
    previous = _on_sigterm()
    try:
        code = args.func(args)
        sys.stdout.flush()  # a full disk is met here, not at exit
        return code
    except PowerKBError as exc:
        print(f"powerkb: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Terminated:
        return 143
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except OSError as exc:
        if exc.filename is None and exc.errno in _WRITE_ERRORS:
            _drop_stdout()
            print(f"powerkb: cannot write standard output: {exc.strerror}", file=sys.stderr)
            return 1
        return _internal(exc)
    except Exception as exc:  # a bug: say so plainly; POWERKB_DEBUG=1 shows the traceback
        return _internal(exc)
    finally:
        _restore_sigterm(previous)


_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}
"""Errors of writing standard output (`> /dev/full`): a clear message and exit 1, not a crash."""


class Terminated(BaseException):
    """SIGTERM, raised as an exception so that every `finally` (temporary files) runs."""


def _on_sigterm():
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):
        return None


def _restore_sigterm(previous) -> None:
    import signal

    if previous is not None:
        try:
            signal.signal(signal.SIGTERM, previous)
        except (ValueError, OSError):
            pass


def _drop_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _internal(exc: BaseException) -> int:
    if os.environ.get("POWERKB_DEBUG"):
        raise exc
    print(f"powerkb: internal error: {type(exc).__name__}: {exc} (set POWERKB_DEBUG=1 for details)", file=sys.stderr)
    return 70


if __name__ == "__main__":
    sys.exit(main())
