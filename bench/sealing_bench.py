"""Sealed-report benchmarks (contract v2 section 8).

Prints: sealing one report for three monitors (a fresh salt, the commitment,
three HPKE members, as ``party.sealing.seal_value`` does for a lab), and
opening one member as a monitor does (HPKE decryption, the canonical-plaintext,
salt, range and commitment checks of ``core.sealing.open_sealed``), as a
median over repeats with the spread, and per second on one core.

    python bench/sealing_bench.py [--reports 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pausepact.core.sealing import NotOpened, Opened, open_sealed, seal_info  # noqa: E402
from pausepact.keyfiles import seal_public_raw  # noqa: E402
from pausepact.party.sealing import SealedValue, seal_value  # noqa: E402

PACT = "sha256:" + "ab" * 32
MONITORS = ("aisi", "eval-org", "civic-audit")


def per_op(fn: Callable[[], object], n: int, repeat: int = 5) -> tuple[float, float, float]:
    """(median, min, max) seconds per call of ``fn`` over ``repeat`` runs of ``n`` calls."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t) / n)
    return statistics.median(runs), min(runs), max(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=2000, help="calls per timed run")
    a = ap.parse_args()
    keys = {m: X25519PrivateKey.generate() for m in MONITORS}
    public = {m: seal_public_raw(k) for m, k in keys.items()}

    def seal_one() -> SealedValue:
        return seal_value(0.37, unit="ratio", indicator="ai_code_share", measured_at="2027-03-01T00:00:00Z", subject="lab-a",
                          pact_digest=PACT, seal_keys=public)

    sealed = seal_one()
    info = seal_info(PACT, sealed.commitment)

    def open_one() -> Opened | NotOpened:
        return open_sealed(sealed.sealed["eval-org"], keys["eval-org"], info, "ratio", "ai_code_share", "2027-03-01T00:00:00Z",
                           "lab-a", sealed.commitment)

    # the work timed is the work wanted: every monitor opens what was sealed
    for m, k in keys.items():
        assert open_sealed(sealed.sealed[m], k, info, "ratio", "ai_code_share", "2027-03-01T00:00:00Z", "lab-a",
                           sealed.commitment) == Opened(0.37, sealed.salt)
    med, lo, hi = per_op(seal_one, a.reports)
    print(f"seal one report for {len(MONITORS)} monitors: {med * 1e6:.0f} us median ({lo * 1e6:.0f}-{hi * 1e6:.0f}), "
          f"{1 / med:,.0f} reports/s on one core")
    med, lo, hi = per_op(open_one, a.reports)
    print(f"open one member (one monitor, one report): {med * 1e6:.0f} us median ({lo * 1e6:.0f}-{hi * 1e6:.0f}), "
          f"{1 / med:,.0f} openings/s on one core")


if __name__ == "__main__":
    main()
