"""The `powerkb` command line.

Every subcommand imports what it needs when it runs, so that `powerkb query` starts fast and
never pays for Textual, openpyxl or jsonschema. User errors end in a message and an exit code:
1 for a failed check or an unknown id, 2 for a bad query or bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _kb(args, lazy: bool = False):
    from kb.base import KnowledgeBase

    return KnowledgeBase.open(args.policies, lazy=lazy)


def cmd_check(args) -> int:
    from kb.core.paths import policies_dir
    from kb.loading.loader import read_tree
    from kb.verify.check import check

    tree = read_tree(policies_dir(args.policies))
    problems = check(tree, coverage=not args.no_coverage)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr)
        return 1
    counts = {d: sum(1 for i in tree.items.values() if i.doc == d) for d in tree.documents}
    summary = ", ".join(f"{d}: {n} items" for d, n in counts.items())
    print(f"ok: {len(tree.items)} items ({summary}), {len(tree.links)} links, {len(tree.registries.units)} units, every quote found in its source")
    return 0


def cmd_show(args) -> int:
    from kb.render.item import show_text

    base = _kb(args)
    item = base.item(args.id)
    if args.format == "json":
        print(json.dumps(item.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(show_text(item, base))
    return 0


def _date_arg(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date of the form YYYY-MM-DD") from None


def cmd_query(args) -> int:
    from kb.render.rows import groups_table, rows_csv, rows_table, to_json

    base = _kb(args, lazy=True)  # a query reads the store only: the tree is not unpickled
    result = base.query(args.query, as_of=args.as_of)
    if args.explain:
        print(result.sql or "(a diff runs no single SQL statement)")
        print("parameters:", json.dumps(result.params, ensure_ascii=False))
        for row in base.store.con.execute("EXPLAIN QUERY PLAN " + result.sql, result.params) if result.sql else []:
            print("plan:", row[3])
        return 0
    if result.kind == "diff" and args.format != "table":
        from kb.render.diff import print_diff

        print_diff(result.diff, "json" if args.format == "json" else "md")
    elif args.format == "json":
        print(to_json(result))
    elif args.format == "csv":
        sys.stdout.write(rows_csv(result))
    elif result.kind == "diff":
        from kb.render.diff import print_diff

        print_diff(result.diff, "table")
    else:
        from rich.console import Console

        console = Console()
        if result.kind == "count":
            console.print(result.count)
        elif result.kind == "groups":
            groups_table(result, console)
        else:
            rows_table(result, console)
    return 0


def cmd_trace(args) -> int:
    from kb.analysis.trace import trace, trace_text

    result = trace(_kb(args), args.id)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.format == "json" else trace_text(result))
    return 0


def cmd_coverage(args) -> int:
    from kb.analysis.trace import coverage, coverage_markdown

    rows = coverage(_kb(args))
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
    elif args.format == "md":
        sys.stdout.write(coverage_markdown(rows))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(header_style="bold", expand=True)
        from kb.analysis.trace import counterparts_text

        table.add_column("measure", no_wrap=True, style="cyan")
        table.add_column("via", no_wrap=True)
        table.add_column("counterparts", ratio=2, overflow="fold")
        table.add_column("summary", ratio=3, overflow="fold")
        for r in rows:
            table.add_row(r.id, ", ".join(r.via), counterparts_text(r), r.summary)
        console = Console()
        console.print(table)
        missing = sum(1 for r in rows if not r.counterparts)
        console.print(f"{len(rows) - missing} of {len(rows)} measures have a direct counterpart; {missing} have none.")
    return 0


def cmd_diff(args) -> int:
    from kb.render.diff import print_diff

    base = _kb(args)
    result = base.diff(args.a, args.b, where=args.where)
    print_diff(result, args.format)
    return 0


def cmd_tui(args) -> int:
    from tui.app import run

    return run(policies=args.policies, as_of=getattr(args, "as_of", None), query=getattr(args, "query", None))


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
    """`powerkb evaluate CASES.csv`: exit 1 when a row could not be evaluated, else 0."""
    from kb.rules.evaluate import (
        evaluate_file,
        report_csv,
        report_json,
        report_text,
        resolve_jurisdiction,
    )

    base = _kb(args)
    jurisdiction = resolve_jurisdiction(base, args.jurisdiction)
    results = evaluate_file(base, args.cases, jurisdiction)
    if args.format == "json":
        text = report_json(results, jurisdiction)
    elif args.format == "csv":
        text = report_csv(results)
    else:
        text = report_text(results, jurisdiction)
    sys.stdout.write(text)
    bad = [e for e in results if not e.ok]
    for ev in bad:
        print(f"powerkb: {args.cases}: row {ev.row}: case {ev.id}: {ev.error}", file=sys.stderr)
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="powerkb", description="Rules-as-code knowledge base for 获得电力 policy.")
    parser.add_argument("--policies", metavar="DIR", help="policy tree to use (default: $POWERKB_POLICIES or the bundled one)")
    parser.add_argument("--version", action="version", version="powerkb 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="verify the policy tree: format, quotes, references, dates, coverage")
    p.add_argument("--no-coverage", action="store_true", help="skip the check that every source sentence is encoded")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("show", help="print one item")
    p.add_argument("id", help="an item id such as nea:ledger.23")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("trace", help="the chain of an item both ways: what it implements, what implements or measures it")
    p.add_argument("id")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("coverage", help="each 1479 item and NEA ledger row with its Shanxi counterparts")
    p.add_argument("--format", choices=["table", "json", "md"], default="table")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("diff", help="compare the targets and texts of two documents (national vs provincial)")
    p.add_argument("a", help="the national document, e.g. 1479 or nea")
    p.add_argument("b", help="the provincial document, e.g. shanxi")
    p.add_argument("--where", metavar="QUERY", help="only items and targets matching this condition")
    p.add_argument("--format", choices=["table", "json", "md"], default="table")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("tui", help="the terminal app: browse, query, trace, diff, deadlines")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE", help="the date overdue items are marked against")
    p.add_argument("--query", metavar="QUERY", help="start on the results of this query")
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("export", help="export items: json, jsonl, csv, xlsx (台账), ics, graphml, sqlite")
    p.add_argument("--format", required=True, choices=["json", "jsonl", "csv", "xlsx", "ics", "graphml", "sqlite"])
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output; required for xlsx and sqlite)")
    p.add_argument("--where", metavar="QUERY", help="only the items matching this query")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("evaluate", help="check connection cases (CSV) against the targets in force")
    p.add_argument("cases", metavar="CASES.csv")
    p.add_argument("--jurisdiction", default=None, help="whose targets apply besides the national ones (default: the one provincial jurisdiction of the tree)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("query", help="ask a question in the query language (docs/query-language.md)")
    p.add_argument("query", help="e.g. 'due <= 2021-12 and unit = 市能源局'")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument("--as-of", type=_date_arg, metavar="DATE", help="the date 'today', 'overdue' and 'upcoming' refer to")
    p.add_argument("--explain", action="store_true", help="print the SQL (every value a bound parameter) and its plan")
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
    try:
        return args.func(args)
    except PowerKBError as exc:
        print(f"powerkb: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: say so plainly; POWERKB_DEBUG=1 shows the traceback
        if os.environ.get("POWERKB_DEBUG"):
            raise
        print(f"powerkb: internal error: {type(exc).__name__}: {exc} (set POWERKB_DEBUG=1 for details)", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
