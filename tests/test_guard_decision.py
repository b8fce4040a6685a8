"""The guard's decision as a table of cases, without sleeps: status x policy x FLOP (issue 11, H1/H3/L3/L4)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from pausepact.clock import Clock
from pausepact.core import merkle
from pausepact.core.engine import Engine, status_core
from pausepact.core.status import status_envelope, status_signature
from pausepact.keyfiles import public_raw
from pausepact.party.guard import Guard
from pausepact.party.guard.decision import Held, judge
from pausepact.party.guard.state import GuardState

from .factory import key, make_pact

PACT, _ = make_pact()
T = 1798761600
TTL = PACT.oversight.status_ttl
ABOVE, BELOW = 5e25, 1e23
PAUSED = {"level": "pause", "max_training_flop": 1e24, "new_deployments": False}


class FixedClock(Clock):
    def __init__(self, now: int) -> None:
        super().__init__()
        self.at = now

    def now(self) -> int:
        return self.at


def core(issued: int = T, size: int = 5, lab_a: dict[str, Any] | None = None) -> dict[str, Any]:
    c = status_core(Engine(PACT).state_at(issued), merkle.EMPTY_ROOT, issued, TTL) | {"tree_size": size, "in_force": True}
    if lab_a is not None:
        c = copy.deepcopy(c)
        c["parties"]["lab-a"] = lab_a
    return c


def signed(c: dict[str, Any], *monitors: str) -> dict[str, Any]:
    return status_envelope(c, [status_signature(c, key(m), public_raw(key(m))) for m in monitors or ("aisi", "eval-org")])


# what the guard is shown; "rolled back" is older than what a guard of this party on this host accepted before
SHOWN = {
    "none": None,
    "valid": signed(core()),
    "forbidden": signed(core(lab_a=PAUSED)),
    "expired": signed(core(issued=T - TTL - 1)),
    "malformed": {"payloadType": "application/vnd.pausepact.status+json", "payload": 5, "signatures": []},
    "type-confused": signed(core(lab_a=PAUSED | {"max_training_flop": "1e24"})),
    "bool-as-number": signed(core(lab_a=PAUSED | {"max_training_flop": True})),
    "future": signed(core(issued=T + 86400, size=9)),
    "forged": signed(core(), "aisi"),
    "rolled back": signed(core(issued=T - 60, size=3)),
    "html": "<html>maintenance</html>",
}
STOP_ANYWAY = {"forbidden": {ABOVE}}  # a valid status that forbids the run stops it under either policy
ALLOWED = {"valid", "forbidden"}      # statuses a guard accepts; every other one is "no valid status"
CASES = [(shown, policy, flop) for shown in SHOWN for policy in ("closed", "open") for flop in (ABOVE, BELOW)]


@pytest.mark.parametrize("shown,policy,flop", CASES, ids=[f"{s}-{p}-{'above' if f == ABOVE else 'below'}" for s, p, f in CASES])
def test_decision_table(tmp_path: Path, shown: str, policy: str, flop: float) -> None:
    GuardState(tmp_path, PACT.pact, "lab-a").remember(4, T - 30)  # an earlier guard on this host accepted tree 4
    g = Guard("http://unused.invalid", PACT, "lab-a", key("lab-a", 1), fail=policy, clock=FixedClock(T + 1),  # type: ignore[arg-type]
              state_dir=tmp_path)
    accepted = g.offer(SHOWN[shown]) if SHOWN[shown] is not None else False
    assert accepted == (shown in ALLOWED)
    v = g.verdict(flop, T + 1, mono=g.held.received + 1 if g.held else 0.0)
    if shown in ALLOWED:
        assert v.stop == (flop in STOP_ANYWAY.get(shown, set())), v
        assert v.kind == ("forbidden" if v.stop else None)
    else:  # no valid status: the run's policy decides
        assert v.stop == (policy == "closed"), v
        assert v.kind == ("no-status" if v.stop else None) and ("failing closed" if v.stop else "failing open") in v.reason


def held(issued: int = T, lab_a: dict[str, Any] | None = None, received: float = 1000.0) -> Held:
    from pausepact.core.status import verify_status

    return Held(verify_status(signed(core(issued=issued, lab_a=lab_a)), PACT, issued), received)


PURE = [
    # (held, now, mono, policy, flop, stop, kind)
    (None, T, 0.0, "closed", BELOW, True, "no-status"),
    (None, T, 0.0, "open", ABOVE, False, None),
    ("normal", T + 10, 1010.0, "closed", ABOVE, False, None),
    ("normal", T + TTL, 1010.0, "closed", BELOW, True, "no-status"),            # wall clock reaches expires_at
    ("normal", T + TTL - 1, 1000.0 + TTL - 1, "closed", ABOVE, False, None),  # the last second of its life
    ("normal", T + 5, 1000.0 + TTL, "closed", ABOVE, True, "no-status"),      # L4: clock set back, ttl passed since receipt
    ("normal", T + 5, 1000.0 + TTL, "open", ABOVE, False, None),
    ("pause", T + 10, 1010.0, "open", ABOVE, True, "forbidden"),
    ("pause", T + 10, 1010.0, "closed", 1e24, False, None),                     # exactly at the limit is allowed
    ("pause", T + TTL, 1010.0, "open", ABOVE, False, None),                     # expired: failing open continues
]


@pytest.mark.parametrize("which,now,mono,policy,flop,stop,kind", PURE)
def test_pure_judge(which: str | None, now: int, mono: float, policy: str, flop: float, stop: bool, kind: str | None) -> None:
    h = None if which is None else held(lab_a=PAUSED if which == "pause" else None)
    v = judge(h, "lab-a", flop, policy, now, mono)  # type: ignore[arg-type]
    assert (v.stop, v.kind) == (stop, kind), v.reason


def test_a_future_status_does_not_pin_the_guard(tmp_path: Path) -> None:
    g = Guard("http://unused.invalid", PACT, "lab-a", key("lab-a", 1), clock=FixedClock(T), state_dir=tmp_path)
    assert not g.offer(SHOWN["future"])
    assert g.offer(signed(core(issued=T + 60, size=6)))  # an honest newer status is still accepted (L3)
