"""The `powerkb` command line.

Every subcommand imports what it needs when it runs, so that `powerkb query` starts fast and
never pays for Textual, openpyxl or jsonschema. User errors end in a message, never a traceback,
and an exit code (the table is in README.md, "Exit codes"):

    0   ok
    1   problems found: `check` found problems, `evaluate` had rows it could not evaluate
    2   usage error: bad arguments, a bad query, an unknown name (id, document, unit, language)
    70  internal error (a bug: POWERKB_DEBUG=1 shows the traceback)

The global options (--policies, --lang, --as-of) may come before or after the command.
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
        print(f"powerkb: warning: unchecked: this policy tree fails the check "
              f"({n} problem{'s' if n != 1 else ''}; run 'powerkb check'); answers may be wrong",
              file=sys.stderr)
    return base


def cmd_check(args) -> int:
    from kb.core.paths import policies_dir
    from kb.loading.cache import read_source
    from kb.render.i18n import label
    from kb.verify.check import check

    root = policies_dir(args.policies)
    print(label("cli.checked", path=root), file=sys.stderr)
    _warn_local_tree(args, root)
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
    print(f"ok: {len(tree.items)} items ({summary}), {len(tree.links)} links, "
          f"{len(tree.registries.units)} units, {quotes}")
    return 0


def _render(result, fmt: str) -> None:
    """Every command's output goes through the one renderer registry (kb.render.registry)."""
    from kb.render.registry import render

    render(result, fmt, out=sys.stdout)


def _tree_digest(root) -> str:
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _warn_local_tree(args, used) -> None:
    """Inside a checkout whose policies/ is not the tree in use (an installed copy), editing the
    YAML changes nothing until the tree is pointed at: say so, instead of checking the wrong tree."""
    from pathlib import Path

    if args.policies or os.environ.get("POWERKB_POLICIES"):
        return
    here = Path.cwd() / "policies"
    if not (here / "documents").is_dir() or here.resolve() == Path(used).resolve():
        return
    if _tree_digest(here) != _tree_digest(used):
        from kb.render.i18n import label

        print(label("cli.differs", here=here, used=used), file=sys.stderr)


def cmd_show(args) -> int:
    if args.format == "json":  # the item's public JSON, as the item renderer writes it, from the store alone
        data = _kb(args, lazy=True).item_json(args.id)
        sys.stdout.write(dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
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


def _depth_arg(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a depth: give a whole number of steps, 1 or more")
    return int(text)


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

    _render(trace(_kb(args), args.id, args.depth), args.format)
    return 0


def cmd_coverage(args) -> int:
    from kb.analysis.trace import coverage
    from kb.render.registry import Coverage

    rows = coverage(_kb(args))
    if args.format == "xlsx":  # a workbook for a report: written to -o, never to a terminal
        from kb.export.formats import ExportError, write_file
        from kb.export.xlsx import coverage_workbook_bytes
        from kb.render.analysis import measure_text

        if not args.output:
            raise ExportError("--format xlsx writes a workbook: give -o FILE")
        from pathlib import Path

        write_file(Path(args.output), coverage_workbook_bytes(rows, measure_text))
        print(f"powerkb: wrote {args.output}", file=sys.stderr)
        return 0
    _render(Coverage(rows), args.format)
    return 0


def cmd_diff(args) -> int:
    base = _kb(args)
    _render(base.diff(args.a, args.b, where=args.where, verdicts=args.verdict), args.format)
    return 0


def cmd_tui(args) -> int:
    from tui.app import run

    return run(policies=args.policies, as_of=getattr(args, "as_of", None), checked=_checked(args),
               query=getattr(args, "query", None))


def cmd_export(args) -> int:
    from kb.export.formats import BINARY, ExportError, export

    fmt, output = args.format, args.output
    if output == "-":
        output = None
    if fmt in BINARY and output is None:
        raise ExportError(f"--format {fmt} writes a binary file: give -o FILE (standard output is not allowed)")
    from kb.export.formats import select_items
    from kb.render.i18n import label

    base = _kb(args)
    data = export(base, fmt, output, args.where, as_of=args.as_of)
    n = len(select_items(base, args.where))
    if output is None:  # as UTF-8 bytes whatever the locale says: the CSV's BOM and CRLFs intact
        sys.stdout.flush()
        sys.stdout.buffer.write(data.encode("utf-8") if isinstance(data, str) else data)
        sys.stdout.buffer.flush()
        print(label("cli.wrote_stdout", what=fmt, n=n), file=sys.stderr)
    else:
        from pathlib import Path

        print(label("cli.wrote", what=fmt, path=output, n=n, size=Path(output).stat().st_size), file=sys.stderr)
    return 0


def cmd_evaluate(args) -> int:
    """`powerkb evaluate CASES`: exit 1 when a row could not be evaluated, else 0.

    Streams: each case is read, evaluated and written before the next is read."""
    from kb.core.i18n import current_lang
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
            write_table(sys.stdout, results, jurisdiction, base, explain=args.explain, lang=current_lang())
    return 1 if bad else 0


def cmd_serve(args) -> int:
    from kb.serve.web import run

    return run(args.policies, host=args.host, port=args.port, workers=args.workers)


def cmd_mcp(args) -> int:
    from kb.serve.mcp import run

    return run(args.policies)


EXAMPLES = {
    "check": """examples:
  powerkb check                        verify the bundled (or $POWERKB_POLICIES) tree
  powerkb check --policies ./policies  verify the tree of this checkout
  powerkb check --no-coverage          skip the sentence coverage check""",
    "show": """examples:
  powerkb show nea:ledger.23
  powerkb show shanxi:ledger.task.6@2021 --format json
  powerkb --lang en show 1479:task.7""",
    "trace": """examples:
  powerkb trace 1479:task.7            the NEA rows, indicators and Shanxi tasks behind it
  powerkb trace nea:ledger.23 --format json""",
    "coverage": """examples:
  powerkb coverage                     national measures and their Shanxi counterparts
  powerkb coverage --format md > coverage.md
  powerkb coverage --lang en --format json""",
    "diff": """examples:
  powerkb diff 1479 shanxi
  powerkb diff nea shanxi --where 'metric = 全过程办电时间'
  powerkb diff 1479 shanxi --format md > diff.md""",
    "tui": """examples:
  powerkb tui
  powerkb tui --as-of 2021-06-01""",
    "export": """examples:
  powerkb export --format xlsx -o 台账.xlsx
  powerkb export --format xlsx -o 台账.xlsx --as-of 2021-06-01   with an overdue column
  powerkb export --format csv --where 'doc = nea' > nea.csv
  powerkb export --format ics -o deadlines.ics --where 'unit = 市能源局'""",
    "evaluate": """examples:
  powerkb evaluate examples/cases.csv
  powerkb evaluate examples/cases.csv --jurisdiction shanxi --format csv > results.csv
  powerkb evaluate examples/cases-with-errors.csv      exits 1: some rows cannot be evaluated""",
    "query": """examples:
  powerkb query 'due <= 2021-12 and unit = 市能源局' --as-of 2021-06-01
  powerkb query 'text ~ 电价'
  powerkb query '居民用户'                  also finds 居民客户 (synonyms, policies/synonyms.yaml)
  powerkb query 'count due in 2022 group by unit'
  powerkb query 'metric = 全过程办电时间' --format csv > rows.csv
the language: powerkb help query""",
    "help": """examples:
  powerkb help query                   the query language reference
  powerkb help export                  the options of one command""",
    "serve": """examples:
  powerkb serve                        http://127.0.0.1:8000 (pages in Chinese; ?lang=en)
  powerkb serve --port 9000 --workers 2""",
    "mcp": """examples:
  powerkb mcp                          an MCP server on standard input/output""",
    "completion": """examples:
  powerkb completion bash > ~/.local/share/bash-completion/completions/powerkb
  powerkb completion zsh > ~/.zfunc/_powerkb""",
}


def _global_options(parser, inner: bool) -> None:
    """The options every command takes, before or after its name. On the subcommands they
    default to SUPPRESS, so that a value given before the command is not reset after it."""
    quiet = {"default": argparse.SUPPRESS} if inner else {}
    parser.add_argument("--policies", metavar="DIR", help="policy tree to use (default: $POWERKB_POLICIES or the bundled one)", **quiet)
    parser.add_argument("--lang", choices=["zh", "en"], help="language of labels and messages (default: $POWERKB_LANG or zh)", **quiet)
    parser.add_argument("--as-of", type=_date_arg, metavar="DATE",
                        help="the date 'today', 'overdue' and 'upcoming' refer to (query, export, tui)", **quiet)
    parser.add_argument("--unchecked", action="store_true",
                        help="use a policy tree that fails 'powerkb check' anyway (said on every answer; also POWERKB_UNCHECKED=1)",
                        **quiet)


class _Skipped:
    """A subcommand's parser that is not built: `powerkb query ...` needs only the query's own
    (argparse takes a few milliseconds per subcommand, a good part of a cold query)."""

    def __getattr__(self, name):  # add_argument, set_defaults, add_argument_group, ...: nothing
        return lambda *args, **kwargs: self


_VALUED = ("--policies", "--lang", "--as-of")
"""The global options that take a value (they may come before the command)."""


def command_of(argv: list[str]) -> str | None:
    """The subcommand named in `argv`, or None when it cannot be told without parsing (help, version,
    an unknown option): then every subcommand is built."""
    args = iter(argv)
    for arg in args:
        if arg in _VALUED:
            next(args, None)
        elif arg == "--unchecked" or arg.startswith(tuple(f"{o}=" for o in _VALUED)):
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` reads it ($COLUMNS, then the terminal,
    else 80), without importing shutil (and with it bz2, lzma, fnmatch) on every cold command."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _formatter(kind=argparse.HelpFormatter):
    """argparse's formatter `kind` at the terminal's width (argparse makes one per argument)."""
    return lambda prog: kind(prog, width=_columns() - 2)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given `argv` that names a known subcommand, only that one's
    (help, completion and a plain `powerkb` build them all)."""
    parser = argparse.ArgumentParser(prog="powerkb", description="Rules-as-code knowledge base for 获得电力 policy.",
                                     formatter_class=_formatter(),
                                     epilog="exit codes: 0 ok, 1 problems found, 2 usage/query/unknown-name error, 70 internal error. "
                                            "'powerkb help query' prints the query language.")
    _global_options(parser, inner=False)
    parser.add_argument("--version", action="version", version="powerkb 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    only = command_of(argv) if argv is not None else None
    built = []

    def command(name, help_text, func):
        if only not in (None, name):
            return _Skipped()
        built.append(name)
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=EXAMPLES.get(name),
                           formatter_class=_formatter(argparse.RawDescriptionHelpFormatter))
        _global_options(p, inner=True)
        p.set_defaults(func=func)
        return p

    p = command("check", "verify the policy tree: format, quotes, references, dates, coverage", cmd_check)
    p.add_argument("--no-coverage", action="store_true", help="skip the check that every source sentence is encoded")

    p = command("show", "print one item", cmd_show)
    p.add_argument("id", help="an item id such as nea:ledger.23")
    p.add_argument("--format", choices=["text", "json", "md"], default="text")
    p = command("trace", "the chain of an item both ways: what it implements, what implements or measures it", cmd_trace)
    p.add_argument("id")
    p.add_argument("--depth", type=_depth_arg, default=None, metavar="N",
                   help="follow at most N links each way (1: direct links only; default: all)")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = command("coverage", "each national measure with its provincial counterparts", cmd_coverage)
    p.add_argument("--format", choices=["table", "json", "md", "csv", "xlsx"], default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="xlsx: the workbook to write (a report to leadership)")

    p = command("diff", "compare the targets and texts of two documents (national vs provincial)", cmd_diff)
    p.add_argument("a", help="the national document, e.g. 1479 or nea")
    p.add_argument("b", help="the provincial document, e.g. shanxi")
    p.add_argument("--where", metavar="QUERY", help="only items and targets matching this condition")
    p.add_argument("--verdict", action="append", metavar="VERDICT",
                   help="only target pairs with this verdict (stricter, same, looser, ...; repeat or separate by commas)")
    p.add_argument("--format", choices=["table", "json", "md", "csv"], default="table")

    p = command("tui", "the terminal app: browse, query, trace, diff, deadlines", cmd_tui)
    p.add_argument("--query", metavar="QUERY", help="start on the results of this query")

    p = command("export", "export items: json, jsonl, csv, xlsx (台账), ics, graphml, sqlite", cmd_export)
    p.add_argument("--format", required=True, choices=["json", "jsonl", "csv", "xlsx", "ics", "graphml", "sqlite"])
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output; required for xlsx and sqlite)")
    p.add_argument("--where", metavar="QUERY", help="only the items matching this query")

    p = command("evaluate", "check connection cases (CSV or .xlsx) against the targets in force", cmd_evaluate)
    p.add_argument("cases", metavar="CASES", help="a CSV (UTF-8, GBK/GB18030 or UTF-16; , ; or tab) or an .xlsx workbook")
    p.add_argument("--jurisdiction", default=None,
                   help="whose targets apply besides the national ones (default: the one provincial jurisdiction of the tree)")
    p.add_argument("--format", choices=["table", "json", "csv", "md"], default="table",
                   help="table: one line a case (default); json; csv: one row per check, UTF-8 with BOM for Excel; "
                        "md: a Markdown report")
    p.add_argument("--explain", action="store_true", help="table: every check of every case with its full reasoning")

    p = command("serve", "web pages and a JSON API (/api/v1), read-only (docs/serve.md)", cmd_serve)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1; one per core for more throughput)")

    command("mcp", "an MCP server over standard input/output, for assistants (docs/serve.md)", cmd_mcp)

    p = command("query", "ask a question in the query language ('powerkb help query')", cmd_query)
    p.add_argument("query", help="e.g. 'due <= 2021-12 and unit = 市能源局'")
    p.add_argument("--format", choices=["table", "json", "csv", "md"], default="table")
    p.add_argument("--explain", action="store_true", help="print the SQL (every value a bound parameter) and its plan")
    p.add_argument("--items", action="store_true",
                   help="one row per item (per item and date for a due condition), not per obligation")
    p.add_argument("--with-inferred", action="store_true",
                   help="also count inferred memberships and inferred dates; such rows are marked inferred")

    p = command("help", "help on a command, or 'help query' for the query language", cmd_help)
    p.add_argument("topic", nargs="?", help="query, or a command name")

    p = command("completion", "print a shell completion script (bash, zsh, tcsh)", cmd_completion)
    p.add_argument("shell", choices=["bash", "zsh", "tcsh"])
    if only is not None and not built:  # not a command: build them all, for argparse's message
        return build_parser()
    return parser


def cmd_help(args) -> int:
    from kb.core.errors import UnknownName

    parser = build_parser()
    if not args.topic:
        parser.print_help()
        return 0
    if args.topic in ("query", "query-language", "language"):
        from kb.core.paths import docs_file

        sys.stdout.write(docs_file("query-language.md").read_text(encoding="utf-8"))
        return 0
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if args.topic in sub.choices:
        sub.choices[args.topic].print_help()
        return 0
    raise UnknownName(f"no help on '{args.topic}' (topics: query, {', '.join(sub.choices)})", args.topic)


def cmd_completion(args) -> int:
    import shtab

    print(shtab.complete(build_parser(), shell=args.shell))
    return 0


def main(argv: list[str] | None = None) -> int:
    from kb.core.errors import PowerKBError

    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        from kb.core.i18n import set_lang

        set_lang(args.lang)  # None: $POWERKB_LANG, else zh
    except PowerKBError as exc:
        print(f"powerkb: {exc}", file=sys.stderr)
        return exc.exit_code
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
        set_lang(None)  # the language was this run's: an in-process caller gets its default back


_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}
"""Errors of writing standard output (`> /dev/full`): a clear message and exit 1, not a crash."""


class Terminated(BaseException):
    """SIGTERM, raised as an exception so that every `finally` (temporary files) runs."""


def _on_sigterm():
    """Install the SIGTERM handler; None (nothing installed) outside the main thread, where
    `signal.signal` raises ValueError (checking first would import `threading`: cold start)."""
    import signal

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
