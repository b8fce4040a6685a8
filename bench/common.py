"""Shared set-up for benchmarks: a pact with deterministic keys and pre-signed statements."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.factory import Parties, key, make_pact, pact_text  # noqa: E402,F401

T0 = 1798761600  # 2027-01-01T00:00:00Z


def seed_key(name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest())


def reports(parties: Parties, n: int, start: int = T0, spacing: float = 1.0) -> list[dict]:
    """``n`` signed reports by the four developers, their own seqs, times non-decreasing."""
    devs = ["lab-a", "lab-b", "lab-c", "lab-d"]
    out = []
    for i in range(n):
        t = start + int(i * spacing)
        out.append(parties(devs[i % 4]).sign("report", {"indicator": "ai_code_share", "value": 0.3 + (i % 50) / 1000,
                                                         "measured_at": "2027-01-01T00:00:00Z"}, t))
    return out
