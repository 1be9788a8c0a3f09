"""Errors that the CLI turns into a message and an exit code, never a traceback."""

from __future__ import annotations


class PowerKBError(Exception):
    """A user-facing error: `str(err)` is the whole message."""

    exit_code = 1


class UnknownId(PowerKBError):
    def __init__(self, wanted: str, suggestions: list[str]):
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no item with id '{wanted}'{hint}")
        self.wanted, self.suggestions = wanted, suggestions


class PolicyProblems(PowerKBError):
    """The policy tree does not load; the problems are listed as file:line: message."""

    def __init__(self, problems):
        self.problems = problems
        lines = [str(p) for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"... and {len(problems) - 20} more (run 'powerkb check')")
        super().__init__("\n".join(lines))
