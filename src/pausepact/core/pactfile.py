"""Reading a pact file: strict YAML, the closed schema, then the rules of a valid pact.

``parse_pact(data)`` returns the ``Pact`` (or None) and every problem found, each pointing at
the YAML node it is about. The closed schema (``core.pact``: exactly the fields of contract
section 1 with their types) runs first, then each rule P1-P9 as its own small function
(``core.lint``). An error a rule produces names it as a prefix, ``P5: ...``; an error of the
schema (a missing or unknown field, a wrong type, a malformed duration or quorum) names none,
and where a rule and the schema refuse the same value (an id's pattern, a duration's bounds)
only the rule's line is kept. Warnings are advice: they name no rule and never make a pact
invalid.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import ValidationError

from .diagnostics import Diagnostic
from .lint import Findings, dotted, lint
from .pact import Pact, pact_digest
from .yamldoc import YamlDocError, load_document


def _schema_errors(out: Findings, error: ValidationError) -> None:
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind = err["type"]
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            out.schema(loc, kind, f"{dotted(loc[:-1])}: invalid name {_short(loc[-1])}: {err['msg']}", key=True)
            continue
        where = dotted(loc)
        if kind == "missing":
            out.schema(loc[:-1], kind, f"{dotted(loc[:-1])}: missing required field {loc[-1]!r}")
        elif kind == "extra_forbidden":
            out.schema(loc, kind, f"{dotted(loc[:-1])}: unknown field {_short(str(loc[-1]))}", key=True)
        elif kind in ("value_error", "assertion_error"):
            msg = str(err["msg"]).removeprefix("Value error, ")
            out.schema(loc, kind, f"{where}: {msg}")
        else:
            got = err.get("input")
            shown = _short(got) if not isinstance(got, (dict, list)) else type(got).__name__
            out.schema(loc, kind, f"{where}: {err['msg'].lower()} (got {shown})")


def _short(value: Any, limit: int = 60) -> str:
    """``repr`` of a value from the file, cut short: a hostile draft must not make a line of a megabyte."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def parse_pact(data: bytes) -> tuple[Pact | None, list[Diagnostic]]:
    """Validate a pact file's bytes.

    Returns ``(pact, diagnostics)``: ``pact`` is None whenever any diagnostic is
    an error. Diagnostics are sorted by position; nothing here raises on bad input.
    """
    try:
        doc, positions = load_document(data)
    except YamlDocError as e:
        return None, e.diagnostics
    out = Findings(positions)
    pact: Pact | None = None
    try:
        pact = Pact.model_validate(doc)
    except ValidationError as e:
        _schema_errors(out, e)
    lint(doc, out)
    items = out.diagnostics()
    if any(d.severity == "error" for d in items):
        return None, items
    assert pact is not None
    return pact.model_copy(update={"digest": pact_digest(data)}), items


def severity_counts(items: list[Diagnostic]) -> Counter[str]:
    return Counter(d.severity for d in items)
