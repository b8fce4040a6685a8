"""Shared set-up for benchmarks: a pact with deterministic keys, pre-signed statements, and the ceilings.

Machines differ by 2-3x, so a figure means little alone: every benchmark of
signature- or hash-bound work measures, in the same run, what this machine can
do at most (``measure_ceiling``) and prints its figures as a fraction of that
(``Ceiling.fraction``).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pausepact.core.keys import verify_ed25519  # noqa: E402
from pausepact.core.merkle import node_hash  # noqa: E402
from pausepact.core.statements import STATEMENT_TYPE, pae  # noqa: E402
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


# ---- ceilings ----

def _verify_loop(seconds: float) -> int:
    """Ed25519 verifications done in ``seconds`` with the call the log uses (raw key load + verify)."""
    k = seed_key("ceiling")
    from cryptography.hazmat.primitives import serialization

    raw = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    msg = pae(STATEMENT_TYPE, b"x" * 330)  # a report statement's payload is about 330 bytes
    sig = k.sign(msg)
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(50):
            verify_ed25519(raw, sig, msg)
        n += 50
    return n


def _verify_core(seconds: float, start: object, results: object) -> None:
    _verify_loop(0.05)  # imports and first calls are not measured
    start.wait()  # type: ignore[attr-defined]  # every core starts at once
    results.put(_verify_loop(seconds))  # type: ignore[attr-defined]


def _hash_loop(seconds: float) -> int:
    """RFC 6962 interior node hashes, sha256(0x01 || l || r), done in ``seconds``."""
    left, right = hashlib.sha256(b"l").digest(), hashlib.sha256(b"r").digest()
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(500):
            left = node_hash(left, right)
        n += 500
    return n


@dataclass(frozen=True)
class Ceiling:
    """What this machine can do at most, measured now: verifies/s on all cores and per core, node hashes/s per core."""

    cores: int
    verify_all: float
    verify_core: float
    hash_core: float

    def fraction(self, per_second: float, kind: str = "verify") -> str:
        """``per_second`` as a percentage of the all-core verify ceiling (``kind='verify'``),
        the one-core verify ceiling (``'verify1'``) or the one-core node-hash ceiling (``'hash'``)."""
        base = {"verify": self.verify_all, "verify1": self.verify_core, "hash": self.hash_core}[kind]
        return f"{100 * per_second / base:.0f}% of the ceiling"

    def line(self) -> str:
        return (f"CEILING (measured now, {self.cores} cores): Ed25519 verify {self.verify_all:,.0f}/s on all cores "
                f"({self.verify_core:,.0f}/s on one); SHA-256 node hashes {self.hash_core:,.0f}/s on one core")


def measure_ceiling(seconds: float = 1.5) -> Ceiling:
    """Measure the ceilings: one process per core, all verifying at once, then one core alone, then hashing.

    Other load on the machine lowers the ceiling too, so a fraction measured in
    the same run stays comparable between machines and between runs.
    """
    cores = os.cpu_count() or 1
    # fork: the children need no importable __main__ (a benchmark may be any script)
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(cores), ctx.Queue()
    procs = [ctx.Process(target=_verify_core, args=(seconds, start, results), daemon=True) for _ in range(cores)]
    for p in procs:
        p.start()
    try:
        verify_all = sum(results.get(timeout=120 + seconds) for _ in procs) / seconds
    finally:
        for p in procs:
            p.join(timeout=10)
    verify_core = _verify_loop(seconds) / seconds
    hash_core = _hash_loop(seconds) / seconds
    return Ceiling(cores, verify_all, verify_core, hash_core)


def cpu_seconds(pids: list[int]) -> list[float] | None:
    """User + system CPU seconds used so far by each process (Linux /proc), or None where unavailable.

    CPU time per entry barely depends on other load, unlike wall time: comparing
    it with one verification's CPU time says how much of the work is verifying.
    """
    try:
        tick = os.sysconf("SC_CLK_TCK")
        out = []
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out.append((int(fields[11]) + int(fields[12])) / tick)
        return out
    except (OSError, ValueError, IndexError):
        return None


def verify_cpu_us(count: int = 3000) -> float:
    """CPU µs (not wall time: other load does not stretch it) of one verification as the ceiling does it."""
    k = seed_key("ceiling")
    from cryptography.hazmat.primitives import serialization

    raw = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    msg = pae(STATEMENT_TYPE, b"x" * 330)
    sig = k.sign(msg)
    verify_ed25519(raw, sig, msg)
    t = time.process_time()
    for _ in range(count):
        verify_ed25519(raw, sig, msg)
    return (time.process_time() - t) / count * 1e6


def cpu_line(before: list[float] | None, after: list[float] | None, n: int) -> str:
    """CPU µs per entry by process (main first), and verification's share of it: the fraction of the
    ceiling the run would reach with every core busy, whatever else loads the machine."""
    if before is None or after is None:
        return "CPU per entry: not measurable here"
    used = [(b - a) / n * 1e6 for a, b in zip(before, after, strict=True)]
    one = verify_cpu_us()
    share = 100 * one / sum(used) if sum(used) else 0
    return (f"CPU per entry: {sum(used):.0f} µs (main {used[0]:.0f}, workers {' + '.join(f'{u:.0f}' for u in used[1:])}); "
            f"one verification alone {one:.0f} µs CPU, so {share:.0f}% of the CPU spent is verifying")


def print_ceiling(seconds: float = 1.5) -> Ceiling:
    c = measure_ceiling(seconds)
    print(c.line(), flush=True)
    return c


if __name__ == "__main__":
    print_ceiling()
