"""Errors that the CLI turns into a message and an exit code, never a traceback."""

from __future__ import annotations


class PowerKBError(Exception):
    """A user-facing error: `str(err)` is the whole message."""

    exit_code = 1


class UsageError(PowerKBError):
    """A request that cannot be answered as asked (two documents that cannot be diffed, a missing
    option): exit code 2, like every usage error."""

    exit_code = 2


class UnknownName(PowerKBError):
    """A name that is not known: an item id, a document, a unit, a metric, a jurisdiction, a key.

    One type (and one exit code, 2: a usage error) for every "unknown X", whichever command meets
    it; `suggestions` holds the near misses. In a query it is also a `QueryError` with a caret."""

    exit_code = 2

    def __init__(self, message: str, wanted: str = "", suggestions: list[str] | None = None):
        super().__init__(message)
        self.wanted, self.suggestions = wanted, list(suggestions or [])


class UnknownId(UnknownName):
    def __init__(self, wanted: str, suggestions: list[str]):
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no item with id '{wanted}'{hint}", wanted, suggestions)


class PolicyProblems(PowerKBError):
    """The policy tree does not load; the problems are listed as file:line: message."""

    def __init__(self, problems):
        self.problems = problems
        lines = [str(p) for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"... and {len(problems) - 20} more (run 'powerkb check')")
        super().__init__("\n".join(lines))


class TreeRejected(PolicyProblems):
    """The tree loads but fails `powerkb check`: it is not served unless the user says so."""

    SHOWN = 10

    def __init__(self, problems):
        self.problems = problems
        n = len(problems)
        lines = [f"the policy tree fails the check ({n} problem{'s' if n != 1 else ''}); it is not used:"]
        lines += [f"  {p}" for p in problems[:self.SHOWN]]
        if n > self.SHOWN:
            lines.append(f"  ... and {n - self.SHOWN} more")
        lines.append("run 'powerkb check' to see them all; --unchecked (or POWERKB_UNCHECKED=1) uses it anyway")
        PowerKBError.__init__(self, "\n".join(lines))
