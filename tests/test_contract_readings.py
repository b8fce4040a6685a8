"""Places where an independent verifier reads the contract's words exactly (found by a conformance review)."""

from __future__ import annotations

import pytest

from pausepact.core.pactfile import parse_pact
from pausepact.core.statements import Rejection, check

from .conftest import EXAMPLE
from .test_core_hostile import PACT, report


@pytest.mark.parametrize("party,indicator,value,measured_at", [
    ("lab-a", "time_horizon_minutes", -1, "2027-01-01T00:00:00Z"),   # a monitor's indicator, value out of range
    ("lab-a", "time_horizon_minutes", 5, "2099-01-01T00:00:00Z"),    # ... and measured in the future
    ("aisi", "ai_code_share", 2, "2027-01-01T00:00:00Z"),            # a developer's indicator, by a monitor
])
def test_who_may_report_is_judged_before_the_value(party: str, indicator: str, value: float, measured_at: str) -> None:
    """Section 6 Validity: the party's role may make the statement, "with report restricted as in section 2": a
    report of another role's indicator is `role` whatever its value says (as v1 answered), not `body`."""
    with pytest.raises(Rejection) as e:
        check(report(indicator, value, measured_at=measured_at, party=party,
                     subject="lab-a" if party == "aisi" else None), PACT)
    assert e.value.code == "role"


@pytest.mark.parametrize("line", ["title: !!str A pact", "version: !!int 1", "title: !foo A pact"])
def test_yaml_tags_are_errors_the_standard_ones_too(line: str) -> None:
    """Section 1: "duplicate keys, anchors, aliases and tags are errors"."""
    text = EXAMPLE.read_text()
    key = line.split(":")[0]
    original = next(x for x in text.splitlines() if x.startswith(key + ":"))
    pact, diagnostics = parse_pact(text.replace(original, line, 1).encode())
    errors = [d for d in diagnostics if d.severity == "error"]
    assert pact is None and len(errors) == 1 and "tag" in errors[0].message
    assert errors[0].line == text.splitlines().index(original) + 1
