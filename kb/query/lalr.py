"""A small LALR(1) runner for lark's own tables, so that `powerkb query` starts without lark.

Importing lark and compiling its contextual lexer's regular expressions cost more than the whole
rest of a cold `powerkb query` (issue 16). lark builds the tables once (`tables()`, at cache time,
from the generated grammar); they are saved as JSON beside the other cached files, and this module
runs them: the same contextual lexing (per parser state, the same terminals in lark's order, the
same string-terminal fix-ups), the same shift/reduce actions and the same tree shaping (filtered
anonymous tokens, inlined `_rules`, `?rule` single-child expansion, aliases, propagated positions).

It only ever answers for queries that parse. Anything else (`Reject`) goes back to lark, which
raises the error with everything `kb.query.parse.syntax_error` needs; tests/test_query_lalr.py
checks that both give the same tree for every query in the test suite and for fuzzed input.
"""

from __future__ import annotations

import re

FORMAT = 2  # 2: string terminals and word classes listed apart (`literals`, `words`)
"""Bumped when the table layout below changes (the cache file name carries it)."""


class Reject(Exception):
    """The input does not parse here: ask lark for the error."""


class Token(str):
    """A token: its text, with lark's `type`, `start_pos` and `end_pos`."""

    __slots__ = ("end_pos", "start_pos", "type")

    def __new__(cls, type_: str, value: str, start: int, end: int):
        tok = str.__new__(cls, value)
        tok.type, tok.start_pos, tok.end_pos = type_, start, end
        return tok

    @property
    def value(self) -> str:
        return str(self)


class Meta:
    __slots__ = ("container_end_pos", "container_start_pos", "empty", "end_pos", "start_pos")

    def __init__(self):
        self.empty = True


class Tree:
    """A parse tree node with lark's attribute names (`data`, `children`, `meta`)."""

    __slots__ = ("children", "data", "meta")

    def __init__(self, data: str, children: list):
        self.data, self.children, self.meta = data, children, Meta()


# -- building the tables (needs lark; runs once per grammar) --------------------------------------

def tables(lark_parser, words: dict | None = None, stops: str = "") -> dict:
    """The tables of a built `lark.Lark` (parser="lalr", lexer="contextual"), as plain JSON data.

    `words`: terminals that are closed classes of words (keywords, fields), name -> words, each
    written `/(w1|w2|…)/i` followed by a lookahead that no word character follows, a word
    character being any but white space and `stops`; the runner compares them as strings."""
    from lark.lexer import PatternRE  # noqa: F401 - lark is present when tables are built

    frontend = lark_parser.parser
    table = frontend.parser.parser.parse_table
    rules = {id(r): n for n, r in enumerate(lark_parser.rules)}
    states = {str(s): {sym: [0, arg] if act.name == "Shift" else [1, rules[id(arg)]]
                       for sym, (act, arg) in acts.items()}
              for s, acts in table.states.items()}
    lexers, order, unless = {}, {}, {}
    for state, lexer in frontend.lexer.lexers.items():
        key = id(lexer)
        if key not in lexers:
            scanner = lexer.scanner
            lexers[key] = len(order)
            order[str(len(order))] = [t.name for t in scanner.terminals]
            for name, cb in lexer.callback.items():
                unless[name] = [t.name for t in cb.scanner.terminals]
        states[str(state)]["#lexer"] = lexers[key]
    return {
        "format": FORMAT,
        "start": table.start_states["start"],
        "end": table.end_states["start"],
        "states": states,
        "lexers": order,
        "unless": unless,
        "terminals": {t.name: t.pattern.to_regexp() for t in lark_parser.terminals},
        "literals": {t.name: [t.pattern.value, "i" in t.pattern.flags] for t in lark_parser.terminals
                     if t.pattern.type == "str" and set(t.pattern.flags) <= {"i"}
                     and ("i" not in t.pattern.flags or t.pattern.value.isascii())},
        "words": {name: sorted((w.lower() for w in ws), key=len, reverse=True) for name, ws in (words or {}).items()},
        "stops": stops,
        "ignore": list(lark_parser.lexer_conf.ignore),
        "rules": [_rule(r) for r in lark_parser.rules],
    }


def _rule(rule) -> list:
    """[tree name, expand a single child, [(child index, splice its children)], length, origin]."""
    keep = [(i, not sym.is_term and sym.name.startswith("_"))
            for i, sym in enumerate(rule.expansion)
            if rule.options.keep_all_tokens or not (sym.is_term and sym.filter_out)]
    name = rule.alias or rule.options.template_source or rule.origin.name
    return [str(name), bool(rule.options.expand1 and not rule.alias), keep, len(rule.expansion), rule.origin.name]


_FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")
"""The only non-ASCII characters that match an ASCII letter in a case-insensitive regular expression
(İ ı ſ K; checked over all of Unicode in tests/test_query_lalr.py)."""


# -- running them (no lark) ----------------------------------------------------------------------

class Parser:
    """lark's LALR parser and contextual lexer, from `tables()` data."""

    def __init__(self, data: dict):
        self.start, self.end = data["start"], data["end"]
        self.states = {int(s): acts for s, acts in data["states"].items()}
        self.lexers = {int(n): names for n, names in data["lexers"].items()}
        self.unless = data["unless"]
        self.sources = data["terminals"]
        self.literals = {name: (value.lower() if fold else value, fold) for name, (value, fold) in data["literals"].items()}
        self.ignore = set(data["ignore"])
        self.rules = data["rules"]
        self.words = data["words"]
        self.stops = data["stops"]
        self._compiled: dict[str, re.Pattern] = {}

    def _re(self, name: str) -> re.Pattern:
        pattern = self._compiled.get(name)
        if pattern is None:  # compiled on first use: most terminals are never tried
            pattern = self._compiled[name] = re.compile(self.sources[name])
        return pattern

    def _end(self, name: str, text: str, pos: int) -> int:
        """Where terminal `name` ends when it matches `text` at `pos` (-1: it does not). A keyword
        or operator (a string terminal: most of them) is compared as a string, so a cold query
        compiles only the few regular expressions it meets (names, numbers, quoted text)."""
        literal = self.literals.get(name)
        if literal is not None:
            end = self._words_end([literal[0]], text, pos, literal[1], boundary=False)
            if end is not None:
                return end
        words = self.words.get(name)
        if words is not None:
            end = self._word_end(words, text, pos)
            if end is not None:
                return end
        m = self._re(name).match(text, pos)
        return m.end() if m else -1

    def _word_end(self, words: list[str], text: str, pos: int) -> int | None:
        """A word class (keywords, fields) at `pos`: see `_words_end`."""
        return self._words_end(words, text, pos, True, boundary=True)

    def _words_end(self, words: list[str], text: str, pos: int, fold: bool, boundary: bool) -> int | None:
        """The end of the first of `words` (longest first, as the regular expression tries them) at
        `pos`, compared case-insensitively with `fold`, and with `boundary` followed by no word
        character (anything but white space and the stops); -1 when none is; None when a
        character there folds to ASCII in a regular expression (ı İ ſ K: Unicode case folding;
        the expression decides)."""
        for word in words:
            end = pos + len(word)
            got = text[pos:end]
            if fold and word.isascii():
                if not got.isascii():
                    if not _FOLDS_TO_ASCII.isdisjoint(got):
                        return None
                    continue  # no other non-ASCII character equals an ASCII letter, in any case
                got = got.lower()
            if got == word and not (boundary and end < len(text) and self._word_char(text[end])):
                return end
        return -1

    def _word_char(self, ch: str) -> bool:
        return not (ch.isspace() or ch in self.stops)

    def _whole(self, name: str, value: str) -> bool:
        """Is all of `value` terminal `name` (a name that is a keyword)?"""
        literal = self.literals.get(name)
        if literal is not None and (value.isascii() or not literal[1]):
            return (value.lower() if literal[1] else value) == literal[0]
        words = self.words.get(name)
        if words is not None and value.isascii():
            return value.lower() in words
        return self._re(name).fullmatch(value) is not None

    def _token(self, text: str, pos: int, lexer: int) -> Token | None:
        for name in self.lexers[lexer]:
            end = self._end(name, text, pos)
            if end > pos:  # lark has no zero-width terminals: never loop on one
                value = text[pos:end]
                for other in self.unless.get(name, ()):
                    if self._whole(other, value):
                        name = other
                        break
                return Token(name, value, pos, end)
        raise Reject

    def _tokens(self, text: str, stack: list):
        """Tokens lexed in the state on top of the stack (lark's contextual lexer), then $END."""
        pos, n = 0, len(text)
        while pos < n:
            tok = self._token(text, pos, self.states[stack[-1]]["#lexer"])
            pos = tok.end_pos
            if tok.type not in self.ignore:
                yield tok
        yield Token("$END", "", n, n)

    def parse(self, text: str) -> Tree:
        states, rules = self.states, self.rules
        stack: list[int] = [self.start]
        values: list = []
        for tok in self._tokens(text, stack):
            while True:
                action = states[stack[-1]].get(tok.type)
                if action is None:
                    raise Reject
                kind, arg = action
                if kind == 0:  # shift
                    stack.append(arg)
                    values.append(tok)
                    break
                size = rules[arg][3]
                children = values[len(values) - size:] if size else []
                if size:
                    del stack[-size:]
                    del values[-size:]
                goto = states[stack[-1]].get(rules[arg][4])
                if goto is None:
                    raise Reject
                stack.append(goto[1])
                values.append(_reduce(rules[arg], children))
                if tok.type == "$END" and stack[-1] == self.end:
                    return values[-1]
        raise Reject


def _reduce(rule: list, children: list):
    """The node a reduction makes, shaped as lark's ParseTreeBuilder would."""
    name, expand1, keep = rule[0], rule[1], rule[2]
    filtered: list = []
    for i, splice in keep:
        if splice:
            filtered.extend(children[i].children)
        else:
            filtered.append(children[i])
    if expand1 and len(filtered) == 1:
        node = filtered[0]
    else:
        node = Tree(name, filtered)
    if isinstance(node, Tree):
        _positions(node.meta, children)
    return node


def _first(nodes):
    for c in nodes:
        if isinstance(c, Tree):
            if not c.meta.empty:
                return c.meta
        elif isinstance(c, Token):
            return c
    return None


def _positions(meta: Meta, children: list) -> None:
    """lark's propagate_positions: a node spans from its first to its last child (filtered tokens
    included); `container_*` remembers the outer span of an inlined `?rule` (parentheses)."""
    first = _first(children)
    if first is not None:
        if not hasattr(meta, "start_pos"):
            meta.start_pos = getattr(first, "container_start_pos", first.start_pos)
            meta.empty = False
        meta.container_start_pos = getattr(first, "container_start_pos", first.start_pos)
    last = _first(reversed(children))
    if last is not None:
        if not hasattr(meta, "end_pos"):
            meta.end_pos = getattr(last, "container_end_pos", last.end_pos)
            meta.empty = False
        meta.container_end_pos = getattr(last, "container_end_pos", last.end_pos)
