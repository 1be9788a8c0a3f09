"""YAML reading that remembers where every value came from.

`powerkb check` must point at `file:line` for every problem, so mappings and sequences are loaded
as dict/list subclasses that carry the line of each key and element. Dates stay strings (the
format validates ISO dates itself), and duplicate keys are an error instead of last-one-wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml


class LineDict(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that knows its own line and the line of each element (1-based)."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class YamlError(Exception):
    """Broken YAML, with the line it broke on."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser when PyYAML has it (about ten times faster), our constructors either way."""


# Keep dates as strings (the schema checks their shape and the loader parses them), and read only
# true/false as booleans: YAML 1.1 would turn the key `on:` (of a recurring deadline) into True.
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode, deep: bool = False) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


@dataclass
class YamlFile:
    path: Path
    data: object


def load_yaml(path: Path, data: bytes | None = None) -> YamlFile:
    """Parse one file (or `data`, its bytes as already read); a syntax error becomes a
    `YamlError` with a line, never a traceback."""
    try:
        text = (path.read_bytes() if data is None else data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(path, 1, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise YamlError(path, 1, f"cannot read: {exc.strerror}") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlError(path, line, f"YAML syntax error: {message}") from None
    except yaml.reader.ReaderError as exc:  # a control character: say where, on one line
        # libyaml counts the position in bytes of UTF-8, the pure-Python reader in characters
        if _Loader.__mro__[1] is not yaml.SafeLoader:  # libyaml counts bytes
            before = text.encode("utf-8")[:exc.position].count(b"\n")
        else:
            before = text.count("\n", 0, exc.position)
        line = before + 1
        shown = f"character {chr(exc.character)!r} (#x{exc.character:04x})"
        raise YamlError(path, line, f"{shown} is not allowed in YAML: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise YamlError(path, 1, "YAML syntax error: " + " ".join(str(exc).split())) from None
    return YamlFile(path, data)


def line_at(data, path) -> int:
    """The line of the value found by following `path` (keys and indexes) from `data`."""
    line = getattr(data, "line", 1)
    node = data
    for step in path:
        if isinstance(node, LineDict) and step in node or isinstance(node, LineList) and isinstance(step, int) and step < len(node):
            line = node.line_of(step)
            node = node[step]
        else:
            break
    return line


def plain(value):
    """The same data as built-in dicts and lists, for objects that outlive the YAML (a pickled
    cache must not need this module, which imports yaml, to be read back)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
