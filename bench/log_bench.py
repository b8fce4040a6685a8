"""Log benchmarks (issue: statements and the transparency log).

Prints: appends/s into SQLite with full validation; inclusion and consistency
proof times at a large tree from SQLite; bytes per stored entry; verify
throughput on an export.

    python bench/log_bench.py [--appends 20000] [--proof-size 1000000] [--verify 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from common import Ceiling, Parties, cpu_line, cpu_seconds, key, make_pact, measure_ceiling, print_ceiling, reports

from pausepact.core import merkle
from pausepact.core.canonical import canonical
from pausepact.log.checking import EnvelopeChecker
from pausepact.log.store import open_store
from pausepact.log.verify import verify_log
from pausepact.log.writer import Accepted, LogWriter


def _pool_pids(checker: EnvelopeChecker) -> list[int]:
    pool = checker._pool  # the benchmark looks inside to count the workers' CPU time
    return list(pool._processes) if pool is not None else []  # type: ignore[attr-defined]


def _range(per_second: float, before: Ceiling, after: Ceiling, run: Ceiling) -> str:
    """The figure against the all-core ceiling measured just before and just after it (the load moves it)."""
    lo, hi = sorted((before.verify_all, after.verify_all))
    return (f"{100 * per_second / hi:.0f}-{100 * per_second / lo:.0f}% of the ceiling measured just before/after "
            f"({before.verify_all:,.0f} / {after.verify_all:,.0f} verifies/s, Ed25519, all cores); "
            f"{run.fraction(per_second)} of the run's first")


def bench_appends(n: int, tmp: Path, ceiling: Ceiling) -> None:
    pact, data = make_pact()
    t = time.perf_counter()
    envs = [json.dumps(e).encode() for e in reports(Parties(pact), n)]
    print(f"signed {n} statements in {time.perf_counter() - t:.1f}s (set-up, not measured)")
    store = open_store(f"sqlite:///{tmp}/append.db")
    with EnvelopeChecker(pact, data) as checker:
        w = LogWriter(store, pact, key("log"), checker)
        w.append(envs[:10], None)
        w.append(envs[10:1010], None)  # starts the pool; not measured
        pids = [os.getpid(), *_pool_pids(checker)]
        before, cpu0, t = measure_ceiling(1.0), cpu_seconds(pids), time.perf_counter()
        ok = 0
        for i in range(1010, n, 1000):
            ok += sum(isinstance(r, Accepted) for r in w.append(envs[i:i + 1000], None))
        dt, cpu1 = time.perf_counter() - t, cpu_seconds(pids)
        after = measure_ceiling(1.0)
    assert ok == n - 1010, ok
    size = sum(os.path.getsize(p) for p in tmp.glob("append.db*"))
    print(f"appends into SQLite, full validation, batches of 1000, {os.cpu_count()} cores: {ok / dt:,.0f}/s "
          f"({ok} in {dt:.2f}s); {_range(ok / dt, before, after, ceiling)}")
    print("  " + cpu_line(cpu0, cpu1, ok))
    print(f"bytes per stored entry (SQLite file incl. node hashes and checkpoints): {size / n:,.0f}")
    store.close()


def bench_proofs(n: int, tmp: Path, ceiling: Ceiling) -> None:
    store = open_store(f"sqlite:///{tmp}/proofs.db")
    cr = merkle.CompactRange()
    t = time.perf_counter()
    leaf = canonical({"payloadType": "x", "payload": "A" * 400, "signatures": [{"keyid": "0" * 64, "sig": "B" * 88}]})
    batch = 50000
    for start in range(0, n, batch):
        leaves, nodes = [], []
        for i in range(start, min(n, start + batch)):
            lb = leaf + i.to_bytes(8, "big")
            leaves.append(lb)
            nodes.extend(cr.append(merkle.leaf_hash(lb)))
        with store.write():
            store.put_entries(start, leaves, nodes, {}, 0)
    dt = time.perf_counter() - t
    print(f"built a {n:,}-entry tree in SQLite in {dt:.1f}s (synthetic leaves; set-up): {n / dt:,.0f} leaves/s, each a leaf "
          f"hash and on average one node hash; {ceiling.fraction(2 * n / dt, 'hash')} (SHA-256 hashes, one core)")
    size = sum(os.path.getsize(p) for p in tmp.glob("proofs.db*"))
    print(f"bytes per stored entry at {n:,} (≈470-byte leaves + node hashes): {size / n:,.0f}")
    rnd = random.Random(1)
    root = store.root(n)
    inc, con = [], []
    for _ in range(2000):
        i = rnd.randrange(n)
        t = time.perf_counter()
        proof = store.inclusion_proof(i, n)
        inc.append(time.perf_counter() - t)
        merkle.verify_inclusion(i, n, merkle.leaf_hash(leaf + i.to_bytes(8, "big")), proof, root)
        m = rnd.randrange(1, n)
        t = time.perf_counter()
        store.consistency_proof(m, n)
        con.append(time.perf_counter() - t)
    q = lambda xs, p: sorted(xs)[int(len(xs) * p)] * 1e3  # noqa: E731
    print(f"inclusion proof at {n:,}: p50 {q(inc, .5):.3f} ms, p99 {q(inc, .99):.3f} ms, mean {statistics.mean(inc) * 1e3:.3f} ms")
    print(f"consistency proof at {n:,}: p50 {q(con, .5):.3f} ms, p99 {q(con, .99):.3f} ms, mean {statistics.mean(con) * 1e3:.3f} ms")
    store.close()


def bench_verify(n: int, tmp: Path, ceiling: Ceiling) -> None:
    pact, data = make_pact()
    envs = reports(Parties(pact), n)
    lines = [canonical(e) for e in envs]
    cr = merkle.CompactRange()
    for line in lines:
        cr.append(merkle.leaf_hash(line))
    from pausepact.core.notes import Checkpoint, Note, cosign, sign_note
    from pausepact.keyfiles import public_raw

    cp = Checkpoint(pact.origin, n, cr.root())
    note = Note(cp.text(), (sign_note(cp.text(), pact.origin, key("log"), public_raw(key("log"))),))
    for m in ("aisi", "eval-org"):
        note = note.with_signature(cosign(cp.text(), m, key(m), public_raw(key(m)), T := 1798761600))
    with EnvelopeChecker(pact, data) as checker:
        checker.check(lines[:600])  # start the pool
        pids = [os.getpid(), *_pool_pids(checker)]
        before, cpu0, t = measure_ceiling(1.0), cpu_seconds(pids), time.perf_counter()
        report = verify_log(pact, lines, note.render(), checker)
        dt, cpu1 = time.perf_counter() - t, cpu_seconds(pids)
        after = measure_ceiling(1.0)
    assert report.entries == n
    print(f"verify of a {n:,}-entry export ({os.cpu_count()} cores): {n / dt:,.0f} entries/s ({dt:.1f}s); "
          f"{_range(n / dt, before, after, ceiling)}")
    print("  " + cpu_line(cpu0, cpu1, n))
    del T


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--appends", type=int, default=20000)
    ap.add_argument("--proof-size", type=int, default=1_000_000)
    ap.add_argument("--verify", type=int, default=100_000)
    a = ap.parse_args()
    ceiling = print_ceiling()
    with tempfile.TemporaryDirectory() as d:
        if a.appends:
            bench_appends(a.appends, Path(d), ceiling)
        if a.verify:
            bench_verify(a.verify, Path(d), ceiling)
        if a.proof_size:
            bench_proofs(a.proof_size, Path(d), ceiling)
    print_ceiling()  # again: the machine's load may have changed while the benchmark ran


if __name__ == "__main__":
    main()
