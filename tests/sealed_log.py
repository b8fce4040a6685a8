"""A sealed test pact (contract v2, section 8) and a small log builder for engine-level tests.

The members of a sealed report are random bytes here: the engine never opens them (monitors do),
so engine tests need only their shape; the commitment is real, so reveals can be tested.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pausepact.core.durations import format_time
from pausepact.core.engine import Engine
from pausepact.core.pact import Pact
from pausepact.core.sealing import commitment, format_seal_key, seal, seal_info
from pausepact.core.statements import SignedStatement
from pausepact.log.checking import check_one

from .factory import MONITORS, Parties, make_pact

T0 = 1798761600
DAY = 86400

# a threshold without `for` beside the factory's models-write-the-code, and an overdue red line of scope
# party covering the sealed developer indicator at the highest level raised on it (lint P4)
SEALED_LINES = """  - id: all-code-by-models
    indicator: ai_code_share
    at_least: 0.99
    raise: heightened
  - id: sealed-silent
    indicator: ai_code_share
    overdue: 7d
    raise: slowdown
    scope: party
"""


def seal_private(monitor: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(hashlib.sha256(f"seal/{monitor}".encode()).digest())


def seal_public(monitor: str) -> str:
    raw = seal_private(monitor).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return format_seal_key(raw)


def sealed_pact_kw(sealed: tuple[str, ...] = ("ai_code_share", "time_horizon_minutes"),
                   quorum: str = "2/3 of monitors", verdict_within: str = "7d", overdue: bool = True,
                   lines: bool = True) -> dict[str, Any]:
    """``factory.pact_text`` arguments for the factory pact with ``sealed`` indicators sealed and seal keys on
    every monitor; ``lines`` adds ``SEALED_LINES`` (also to a pact with nothing sealed: its public twin)."""
    replace: list[list[str]] = []
    for name in sealed:
        replace.append([f"  {name}:\n", f"  {name}:\n    disclosure: sealed\n    verdict_quorum: {quorum}\n"])
    replace.append(["  status_ttl: 10m\n", f"  status_ttl: 10m\n  verdict_within: {verdict_within}\n"])
    if lines:
        replace.append(["red_lines:\n", "red_lines:\n" + SEALED_LINES])
    return {"replace": replace, "overdue": overdue, "seal_keys": {m: seal_public(m) for m in MONITORS}}


def sealed_pact(**kw: Any) -> tuple[Pact, bytes]:
    """The pact ``sealed_pact_kw(**kw)`` describes."""
    return make_pact(**sealed_pact_kw(**kw))


def member() -> str:
    return base64.b64encode(os.urandom(80)).decode()


class SealedLog:
    """Builds a checked log for one pact, in time order, with helpers for sealed reports."""

    def __init__(self, pact: Pact) -> None:
        self.pact = pact
        self.parties = Parties(pact)
        self.entries: list[Any] = []
        self.envelopes: list[dict[str, Any]] = []
        self.openings: dict[str, tuple[float, str]] = {}  # report digest -> (value, salt)

    def add(self, party: str, type_: str, body: dict[str, Any], t: int, n: int = 0) -> Any:
        """Sign and check a statement by ``party``'s key ``n``; checked against the pact the log began with."""
        envelope = self.parties(party, n).sign(type_, body, t)
        checked = check_one(envelope, self.pact)
        self.entries.append(checked)
        self.envelopes.append(envelope)
        return checked

    def sealed_report(self, party: str, indicator: str, value: float, t: int, subject: str | None = None,
                      members: dict[str, str] | None = None, real: bool = False) -> str:
        """A sealed report; its members random bytes of the right shape, or with ``real`` sealed to the monitors."""
        raw_salt = os.urandom(32)
        salt = base64.b64encode(raw_salt).decode()
        measured = format_time(t)
        c = commitment(indicator, measured, salt, subject or party, value)
        if members is None and real:
            info = seal_info(self.pact.digest, c)
            members = {m: base64.b64encode(seal(value, raw_salt, seal_private(m).public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw), info)).decode() for m in self.pact.seal_keys}
        body: dict[str, Any] = {"indicator": indicator, "measured_at": measured, "commitment": c,
                                "sealed": members if members is not None else {m: member() for m in self.pact.seal_keys}}
        if subject is not None:
            body["subject"] = subject
        checked = self.add(party, "sealed_report", body, t)
        assert isinstance(checked, SignedStatement), checked
        self.openings[checked.digest] = (value, salt)
        return checked.digest

    def verdict(self, monitor: str, digest: str, words: dict[str, str] | None, t: int) -> Any:
        return self.add(monitor, "verdict", {"statement": digest, "opened": words is not None, "red_lines": words or {}}, t)

    def engine(self) -> Engine:
        engine = Engine(self.pact)
        for i, e in enumerate(self.entries):
            engine.apply(i, e, self.envelopes[i])
        return engine

    def replay(self, as_of: int | None = None) -> dict[str, Any]:
        return self.engine().state_at(as_of)
