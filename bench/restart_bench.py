"""Restart benchmark: time from starting ``pausepact serve`` on a large log to its first ``/v1/state``.

Two restarts of the same log: without a snapshot (the follower replays and verifies
every entry, then keeps a snapshot), and with that snapshot after ``--rest`` more
entries were appended (it replays only those). Full replay verifies every entry's
signature, so it is printed against the machine's Ed25519 ceiling.

    python bench/restart_bench.py [--entries 100000] [--rest 1000] [--full]   # --full: 1,000,000 entries
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
from common import T0, Parties, make_pact, print_ceiling

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pausepact.core import merkle  # noqa: E402
from pausepact.core.canonical import canonical  # noqa: E402
from pausepact.log.store import open_store  # noqa: E402
from tests.live import Server, free_port, write_world  # noqa: E402

DEVS = ["lab-a", "lab-b", "lab-c", "lab-d"]


def _signed(span: tuple[int, int]) -> list[bytes]:
    """Leaves of reports ``span[0]..span[1]``: developer i % 4, its own seq, one second apart."""
    parties = Parties(make_pact()[0])
    out = []
    for i in range(*span):
        env = parties(DEVS[i % 4]).sign("report", {"indicator": "ai_code_share", "value": 0.3 + (i % 50) / 1000,
                                                   "measured_at": "2027-01-01T00:00:00Z"}, T0 + i, seq=i // 4 + 1)
        out.append(canonical(env))
    return out


def build(url: str, start: int, n: int) -> None:
    """Append ``n`` valid signed reports from index ``start`` straight into the store (set-up, not measured)."""
    store = open_store(url)
    cr = store.compact_range(start)
    chunk = 20000
    spans = [(i, min(start + n, i + chunk)) for i in range(start, start + n, chunk)]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        for (a, _), leaves in zip(spans, pool.map(_signed, spans), strict=True):
            nodes = []
            for leaf in leaves:
                nodes.extend(cr.append(merkle.leaf_hash(leaf)))
            with store.write():
                store.put_entries(a, leaves, nodes, {}, T0 + a + len(leaves) - 1)
    store.close()


def restart(folder: Path, url: str, size: int, every: int) -> float:
    """Seconds from launching the server to its first ``/v1/state`` answer covering ``size`` entries."""
    srv = Server(folder, url, free_port(), ["--workers", str(os.cpu_count() or 1), "--snapshot-every", str(every)])
    t = time.perf_counter()
    srv.start()
    try:
        while True:
            try:
                r = httpx.get(srv.url + "/v1/state", timeout=600)
                if r.status_code == 200 and r.json()["tree_size"] == size:
                    return time.perf_counter() - t
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    finally:
        deadline = time.monotonic() + 600
        while open_store(url).snapshot() is None and time.monotonic() < deadline:
            time.sleep(0.2)  # the first run leaves its snapshot before it stops
        srv.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=100_000, help="log size")
    ap.add_argument("--rest", type=int, default=1000, help="entries appended after the snapshot")
    ap.add_argument("--full", action="store_true", help="1,000,000 entries")
    a = ap.parse_args()
    n = 1_000_000 if a.full else a.entries
    every = min(n, 100_000)  # the server's default cadence, or the whole log when smaller
    ceiling = print_ceiling()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write_world(folder)
        url = f"sqlite:///{folder}/log.db"
        t = time.perf_counter()
        build(url, 0, n)
        print(f"built a {n:,}-entry log of signed reports in {time.perf_counter() - t:.1f}s (set-up, not measured)")
        full = restart(folder, url, n, every)
        print(f"restart without a snapshot ({n:,} entries replayed and verified): first /v1/state after {full:.1f}s; "
              f"{n / full:,.0f} entries/s, {ceiling.fraction(n / full)} (Ed25519, all cores)")
        snap = open_store(url).snapshot()
        assert snap is not None and snap.size == n, "the first run left no snapshot"
        print(f"snapshot at {snap.size:,} entries: {len(snap.data):,} bytes")
        build(url, n, a.rest)
        fast = restart(folder, url, n + a.rest, every)
        print(f"restart with the snapshot ({a.rest:,} entries after it): first /v1/state after {fast:.1f}s "
              f"({full / fast:.0f}x faster)")
    print_ceiling()


if __name__ == "__main__":
    main()
