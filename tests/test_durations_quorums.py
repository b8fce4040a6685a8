"""Property tests: durations, times and quorums parse exactly and round-trip."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pausepact.core.durations import DurationError, TimeFormatError, format_duration, format_time, parse_duration, parse_time
from pausepact.core.quorum import QuorumError, parse_quorum

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@given(st.integers(0, 10**9), st.sampled_from(sorted(UNITS)))
def test_duration_value(n: int, unit: str) -> None:
    assert parse_duration(f"{n}{unit}") == n * UNITS[unit]


@given(st.integers(0, 10**12 - 1))
def test_duration_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.text(max_size=12))
def test_duration_rejects_everything_else(text: str) -> None:
    import re

    if re.fullmatch(r"[0-9]{1,12}[smhd]", text):
        return
    with pytest.raises(DurationError):
        parse_duration(text)


@given(st.integers(0, 253402300799))
def test_time_round_trip(seconds: int) -> None:
    assert parse_time(format_time(seconds)) == seconds


@pytest.mark.parametrize("bad", ["2027-01-01T00:00:00", "2027-01-01T00:00:00.5Z", "2027-02-30T00:00:00Z",
                                 "2027-01-01T24:00:00Z", "2027-01-01 00:00:00Z", "2027-01-01T00:00:00+00:00"])
def test_time_rejects_non_contract_forms(bad: str) -> None:
    with pytest.raises(TimeFormatError):
        parse_time(bad)


@given(st.integers(1, 50), st.integers(1, 50), st.integers(0, 200), st.sampled_from(["monitors", "developers"]))
def test_fraction_rounds_up_exactly(n: int, d: int, pop: int, role: str) -> None:
    if n > d:
        with pytest.raises(QuorumError):
            parse_quorum(f"{n}/{d} of {role}")
        return
    q = parse_quorum(f"{n}/{d} of {role}")
    need = q.required({role[:-1]: pop})[role[:-1]]  # type: ignore[index]
    assert need == math.ceil(Fraction(n, d) * pop)
    assert Fraction(need, 1) >= Fraction(n, d) * pop > Fraction(need - 1, 1) or pop == 0


@given(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12))
def test_met_and_reachable_are_consistent(pop: int, yes: int, no: int) -> None:
    q = parse_quorum("2/3 of monitors and all developers")
    yes, no = min(yes, pop), min(no, pop - min(yes, pop))
    pops = {"monitor": pop, "developer": 1}
    if q.met({"monitor": yes, "developer": 1}, pops):
        assert q.reachable({"monitor": no}, pops) or yes + no > pop
    if not q.reachable({"monitor": no}, pops):
        assert not q.met({"monitor": pop - no, "developer": 1}, pops)


@pytest.mark.parametrize("bad", ["", "2 of", "two of monitors", "0 of monitors", "all parties", "2/0 of monitors",
                                 "1 of monitors and 1 of monitors and 1 of developers", "1 of monitors or 1 of developers"])
def test_malformed_quorums(bad: str) -> None:
    with pytest.raises(QuorumError):
        parse_quorum(bad)


def test_quorum_over_nobody_is_never_met() -> None:
    q = parse_quorum("all developers")
    assert not q.met({}, {"developer": 0})
