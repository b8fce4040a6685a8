"""What the engine's work is bounded by (review M5) and what it cannot do (review L10)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pausepact.core.durations import format_time
from pausepact.core.engine import Engine, machine
from pausepact.core.statements import decode_envelope

from .factory import Parties, make_pact

T = 1798761600  # 2027-01-01


def _flooded(n: int) -> tuple[Engine, Parties, int]:
    """Three labs in force, then ``n`` raise proposals from lab-a, one a second."""
    pact, _ = make_pact(overdue=False)
    p = Parties(pact)
    engine = Engine(pact)
    for i, lab in enumerate(["lab-a", "lab-b", "lab-c"]):
        engine.apply(i, decode_envelope(p(lab).sign("sign", {}, T + i), pact))
    for k in range(n):
        body = {"id": f"p{k}", "action": "raise", "level": "pause"}
        engine.apply(3 + k, decode_envelope(p("lab-a").sign("propose", body, T + 10 + k), pact))
    return engine, p, T + 10 + n


def test_an_entry_looks_only_at_what_it_can_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """With n open proposals nobody votes on, each entry judges a bounded number of quorums, not all n."""
    calls = {"n": 0}
    real = Engine._quorum

    def counting(self: Engine, p: Any) -> Any:
        calls["n"] += 1
        return real(self, p)

    monkeypatch.setattr(Engine, "_quorum", counting)
    n = 400
    engine, _, _ = _flooded(n)
    assert len(engine.proposals) == n
    # at 109f6be every entry judged every open proposal's quorum: about n*n/2 = 80,000 calls
    assert calls["n"] <= 2 * n


def test_a_view_copies_no_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """A status view after 1,000 closed proposals copies nothing of them (no deepcopy, shared history)."""
    engine, p, t = _flooded(1000)
    later = t + 31 * 86400
    report = {"indicator": "ai_code_share", "value": 0.3, "measured_at": format_time(later)}
    engine.apply(engine.size, decode_envelope(p("lab-b").sign("report", report, later), engine.pact))
    assert len(engine.proposals) == 1000
    assert all(pr.state == "expired" for pr in engine.proposals.values())

    def no_deepcopy(*a: Any, **k: Any) -> Any:
        raise AssertionError("a view deep-copies the engine")

    copies = {"n": 0}
    real_copy = copy.copy

    def counting_copy(x: Any) -> Any:
        copies["n"] += 1
        return real_copy(x)

    monkeypatch.setattr(machine.copy, "deepcopy", no_deepcopy)
    monkeypatch.setattr(machine.copy, "copy", counting_copy)
    state = engine.state_at(later + 60, light=True)
    assert state["level"] == "normal"
    # the engine itself, its scopes (one per developer and the coordinated one), nothing per proposal
    assert copies["n"] <= 2 + len(engine.pact.developers)
    full = engine.state_at(later + 60)
    assert [x["id"] for x in full["proposals"]] == [f"p{k}" for k in range(1000)]


def test_a_state_before_the_last_entry_cannot_be_had() -> None:
    """L10: the engine cannot rewind; asking for an earlier moment is an error, not a wrong state."""
    engine, _, t = _flooded(3)
    last = engine.last_time
    assert last is not None
    with pytest.raises(ValueError, match="rewound"):
        engine.state_at(last - 1)
    with pytest.raises(ValueError, match="rewound"):
        engine.state_at(last - 1, light=True)
    assert engine.state_at(last)["tree_size"] == 6  # the moment of the last entry itself is fine
