"""Strict YAML 1.2 reading with positions.

A pact is a contract, so its YAML must be unambiguous. This reader:

- parses YAML 1.2 core schema (``1e26`` is a number, ``no`` is a string, a date
  is a string);
- refuses anchors and aliases (no alias bombs, no hidden sharing), duplicate
  keys, non-string keys, tags, multiple documents, documents over 1 MiB,
  nesting deeper than 16 collections and numbers beyond the largest double;
- returns plain Python data (dict, list, str, int, float, bool, None) and a map
  from each node's path to its 1-based (line, column), so later checks can
  point at the offending node.

Whatever the bytes, ``load_document`` raises only ``YamlDocError``.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_DEPTH = 16  # collections inside collections; a pact needs 4 (parties[i].keys[j])

PathPart = str | int
Path = tuple[PathPart, ...]
Positions = dict[Path, tuple[int, int]]

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class YamlDocError(Exception):
    """The bytes are not a strict YAML document; ``diagnostics`` says where and why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def _at(node: Any) -> tuple[int, int]:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


def _int(node: ScalarNode) -> int:
    t = node.value.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    base, digits = (16, t[2:]) if t.startswith(("0x", "0X")) else (8, t[2:]) if t.startswith(("0o", "0O")) else (10, t)
    # no number a pact needs comes near the largest double; checking the length first also keeps
    # clear of Python's int digit limit (a ValueError) and of float()'s OverflowError later
    significant = digits.lstrip("0")
    if len(significant) > {16: 257, 8: 343, 10: 309}[base] or abs(int(significant or "0", base)) > sys.float_info.max:
        raise YamlDocError([Diagnostic(*_at(node), "error", f"number too large ({len(digits)} digits): at most about 1.8e308")])
    return sign * int(digits, base)


def _scalar(node: ScalarNode) -> Any:
    text = node.value
    if node.style is not None and node.style in ("'", '"', "|", ">"):
        return text
    tag = node.tag
    if tag == _INT:
        return _int(node)
    if tag == _FLOAT:
        low = text.lower()
        if low.endswith(".inf"):
            return -math.inf if low.startswith("-") else math.inf
        if low == ".nan":
            return math.nan
        return float(text.replace("_", ""))
    if tag == _BOOL:
        return text.lower() == "true"
    if tag == _NULL:
        return None
    if tag in (_STR, _TIMESTAMP):
        return text
    raise YamlDocError([Diagnostic(*_at(node), "error", f"YAML tag {tag!r} is not allowed in a pact")])


class _Builder:
    def __init__(self) -> None:
        self.positions: Positions = {}
        self.errors: list[Diagnostic] = []

    def build(self, node: Node, path: Path) -> Any:
        self.positions[path] = _at(node)
        if isinstance(node, ScalarNode):
            try:
                return _scalar(node)
            except YamlDocError as e:
                self.errors.extend(e.diagnostics)
                return None
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self.errors.append(Diagnostic(*_at(key_node), "error", "a mapping key must be a plain string"))
                    continue
                try:
                    key = _scalar(key_node)
                except YamlDocError as e:
                    self.errors.extend(e.diagnostics)
                    continue
                if key_node.tag == "tag:yaml.org,2002:merge" or key == "<<":
                    self.errors.append(Diagnostic(*_at(key_node), "error", "merge keys ('<<') are not allowed in a pact"))
                    continue
                if not isinstance(key, str):
                    key = str(key_node.value)
                if key in out:
                    first = self.positions.get(path + (key,), (0, 0))
                    self.errors.append(
                        Diagnostic(
                            *_at(key_node),
                            "error",
                            f"duplicate key {key!r} (first at line {first[0]}): a contract must not be ambiguous",
                        )
                    )
                    continue
                self.positions[path + (key,)] = _at(key_node)
                out[key] = self.build(value_node, path + (key,))
                # the key's own position is what a reader looks for when a value is missing
                self.positions[path + (key, "@key")] = _at(key_node)
            return out
        self.errors.append(Diagnostic(*_at(node), "error", "unsupported YAML node"))
        return None


def load_document(data: bytes) -> tuple[Any, Positions]:
    """Parse one strict YAML document; raises YamlDocError with every problem found."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise YamlDocError(
            [Diagnostic(1, 1, "error", f"file is {len(data)} bytes; a pact may be at most {MAX_DOCUMENT_BYTES} bytes (1 MiB)")]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise YamlDocError([Diagnostic(1, 1, "error", f"not UTF-8 text: {e.reason} at byte {e.start}")]) from None
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = True  # we report duplicates ourselves, with positions
    try:
        depth = 0
        for event in yaml.parse(text):
            line, col = event.start_mark.line + 1, event.start_mark.column + 1
            if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor is not None):
                raise YamlDocError(
                    [Diagnostic(line, col, "error", "YAML anchors and aliases are not allowed in a pact: write each value out")]
                )
            # contract section 1: tags are errors, the standard ones too (`!!str 1` is not how a pact says "1")
            tag = getattr(event, "tag", None) if isinstance(event, NodeEvent) else None
            if tag not in (None, "!"):
                raise YamlDocError([Diagnostic(line, col, "error", f"YAML tag {tag!r} is not allowed in a pact")])
            # the composer and our builder recurse once per level: refuse deep nesting while
            # still streaming events, before anything recursive runs
            depth += 1 if isinstance(event, CollectionStartEvent) else -1 if isinstance(event, CollectionEndEvent) else 0
            if depth > MAX_DEPTH:
                raise YamlDocError(
                    [Diagnostic(line, col, "error", f"nested more than {MAX_DEPTH} levels deep; a pact needs at most 4")]
                )
        docs = list(yaml.compose_all(text))
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlDocError([Diagnostic(line, col, "error", f"not valid YAML: {e.problem or e.context}")]) from None
    except YAMLError as e:
        raise YamlDocError([Diagnostic(1, 1, "error", f"not valid YAML: {e}")]) from None
    except (RecursionError, ValueError, ArithmeticError) as e:
        # should the limits above ever miss a case, it is still one positioned line, not a traceback
        raise YamlDocError([Diagnostic(1, 1, "error", f"not a usable YAML document: {type(e).__name__}")]) from None
    if len(docs) != 1 or docs[0] is None:
        raise YamlDocError([Diagnostic(1, 1, "error", f"expected exactly one YAML document, found {len([d for d in docs if d is not None])}")])
    root = docs[0]
    if not isinstance(root, MappingNode):
        raise YamlDocError([Diagnostic(*_at(root), "error", "a pact must be a YAML mapping (key: value pairs) at the top level")])
    builder = _Builder()
    try:
        value = builder.build(root, ())
    except (RecursionError, ValueError, ArithmeticError) as e:
        raise YamlDocError([Diagnostic(*_at(root), "error", f"not a usable YAML document: {type(e).__name__}")]) from None
    if builder.errors:
        raise YamlDocError(sorted(builder.errors))
    return value, builder.positions
