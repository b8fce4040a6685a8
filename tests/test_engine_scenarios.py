"""Engine rules, one readable scenario each (tests/data/scenarios/*.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .scenario import compare, load, run

SCENARIOS = sorted((Path(__file__).parent / "data" / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    for exp, state in run(load(path)):
        diffs = compare(exp, state)
        assert not diffs, f"at {exp['at']}:\n  " + "\n  ".join(diffs)
