"""The rules of a valid pact (contract section 1, P1-P9): one function each, errors that name
their rule, and vectors in tests/data/pacts that another implementation can run as they are."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.lint import RULES
from pausepact.core.pactfile import parse_pact

VECTORS = Path(__file__).parent / "data" / "pacts"
MANIFEST: dict[str, dict[str, object]] = json.loads((VECTORS / "manifest.json").read_text())
RULE = re.compile(r"^(P[1-9]): ")


def found(data: bytes) -> list[tuple[str, int, int]]:
    """Every error as (rule, or "schema" for the closed schema, line, col); checks the invariants on the way."""
    pact, diags = parse_pact(data)
    errors = [d for d in diags if d.severity == "error"]
    assert (pact is None) == bool(errors)
    assert not [d for d in diags if d.severity == "warning" and RULE.match(d.message)], "a warning named a rule"
    return sorted(((m.group(1) if (m := RULE.match(d.message)) else "schema"), d.line, d.col) for d in errors)


def _cases() -> list[object]:
    out: list[object] = []
    for name, entry in MANIFEST.items():
        marks = [pytest.mark.xfail(strict=True, reason=str(entry["known_divergence"]))] if "known_divergence" in entry else []
        out.append(pytest.param(name, entry, id=name.removesuffix(".yaml"), marks=marks))
    return out


@pytest.mark.parametrize("name,entry", _cases())
def test_vector(name: str, entry: dict[str, object]) -> None:
    expected = sorted((rule or "schema", line, col) for rule, line, col in entry["errors"])  # type: ignore[attr-defined]
    assert found((VECTORS / name).read_bytes()) == expected
    assert entry["valid"] == (not expected)


def test_every_vector_file_is_in_the_manifest_and_every_rule_has_one() -> None:
    assert sorted(p.name for p in VECTORS.glob("*.yaml")) == sorted(MANIFEST)
    ruled = {e[0] for entry in MANIFEST.values() for e in entry["errors"]}  # type: ignore[attr-defined]
    assert {f"P{n}" for n in range(1, 10)} <= ruled


def test_one_function_per_rule_named_by_its_number() -> None:
    assert [r.__name__.split("_", 1)[0] for r in RULES] == [f"p{n}" for n in range(1, 10)]
    assert all(r.__doc__ for r in RULES), "each rule's docstring states it as the contract does"


def test_a_key_listed_twice_by_one_party_is_advice_not_an_error() -> None:
    """P2 says a key belongs to one party only; one party listing it twice breaks nothing (before: an error)."""
    pact, diags = parse_pact((VECTORS / "p2-key-twice-one-party.yaml").read_bytes())
    assert pact is not None
    assert any("listed twice for the same party" in d.message and d.severity == "warning" for d in diags)


def test_a_rule_error_replaces_the_schema_error_on_the_same_value() -> None:
    """One problem, one line: the schema's bound on a duration is P6's, said once."""
    text = (VECTORS / "valid-base.yaml").read_text().replace("every: 30d", "every: 0d", 1)
    _, diags = parse_pact(text.encode())
    assert [d.message for d in diags if d.severity == "error"] == ["P6: indicators.ai_code_share.every: duration '0d' must be longer than zero"]


BASE = (VECTORS / "valid-base.yaml").read_text()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_edited_pacts_give_positioned_lines_and_never_raise(data: st.DataObject) -> None:
    """Cut a span of the valid pact and put hostile text there: parse_pact never raises, every
    error is a rule's or the schema's, and no warning names a rule."""
    start = data.draw(st.integers(0, len(BASE)))
    end = data.draw(st.integers(start, min(len(BASE), start + 40)))
    insert = data.draw(st.sampled_from(["", "0", "0d", "-1", "pause", "all developers", "x" * 70, "\n  - ", ": ", "[]", "{}"]))
    lines = BASE.count("\n") + 3
    for _, line, col in found((BASE[:start] + insert + BASE[end:]).encode()):
        assert 1 <= line <= lines and col >= 1
