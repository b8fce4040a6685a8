"""Engine benchmarks (issue: the engine).

Replays a large signed log (signature checks included, both cores) and measures
the time to apply one new entry to a state at that size, and the state's size
at the start and the end (it must not grow with the log's length).

    python bench/engine_bench.py [--statements 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from common import T0, Parties, make_pact

from pausepact.checking import EnvelopeChecker
from pausepact.core.canonical import canonical
from pausepact.core.durations import format_time
from pausepact.core.engine import Engine

DEVS = ["lab-a", "lab-b", "lab-c", "lab-d"]


def _make(args: tuple[int, int, int]) -> list[bytes]:
    """Statements [start, end) of a synthetic log shaped like a real one: training-run heartbeats
    from guards (one key per worker, so seqs never race), a monthly report per developer, a
    quarterly time-horizon report per developer from a monitor."""
    start, end, worker = args
    pact, _ = make_pact(keys_per_party=4)
    p = Parties(pact)
    out = []
    started: set[str] = set()
    for i in range(start, end):
        t = T0 + 3600 + i * 60  # one statement a minute: 1M statements span two years
        dev = DEVS[i % 4]
        if i % 43200 == 4:  # every 30 days per developer
            env = p(dev, worker).sign("report", {"indicator": "ai_code_share", "value": 0.2 + (i % 7) / 100,
                                                 "measured_at": format_time(t)}, t)
        elif i % 129600 in (5, 6, 7, 8):  # every 90 days, one per developer
            env = p("aisi", worker).sign("report", {"indicator": "time_horizon_minutes", "value": 30 + (i % 3),
                                                    "subject": dev, "measured_at": format_time(t)}, t)
        else:
            run = f"w{worker}-{dev}"
            event = "heartbeat" if run in started else "start"
            started.add(run)
            env = p(dev, worker).sign("run", {"run": run, "event": event, "flop": 1e23}, t)
        out.append(canonical(env))
    return out


def generate(n: int) -> list[bytes]:
    pact, _ = make_pact(keys_per_party=4)
    p = Parties(pact)
    head = [canonical(p(d).sign("sign", {}, T0)) for d in DEVS[:3]]
    workers = 2
    # worker w signs with each party's key w: its own seq per key, like separate guards of one developer
    chunk = (n - len(head)) // workers
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_make, [(w * chunk, (w + 1) * chunk, w + 1) for w in range(workers)]))
    # interleave by time: worker 0 covers the first half of the two years, worker 1 the second
    return head + parts[0] + parts[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statements", type=int, default=1_000_000)
    a = ap.parse_args()
    t = time.perf_counter()
    lines = generate(a.statements)
    print(f"generated and signed {len(lines):,} statements in {time.perf_counter() - t:.0f}s (set-up)")
    pact, data = make_pact(keys_per_party=4)
    engine = Engine(pact)
    sizes = []
    t = time.perf_counter()
    with EnvelopeChecker(pact, data) as checker:
        # as `pausepact replay` does: the pool checks later entries while the engine applies earlier ones
        for i, c in enumerate(checker.stream(lines)):
            engine.apply(i, c)
            if i in (20000, len(lines) // 2):
                sizes.append(len(pickle.dumps({k: v for k, v in vars(engine).items() if k not in ("pact", "timeline")})))
    total = time.perf_counter() - t
    n = len(lines)
    print(f"replay of {n:,} statements with signature checks ({os.cpu_count()} cores): {total:.1f}s, {n / total:,.0f} statements/s")
    assert not engine.rejected, engine.rejected[:3]
    # per-entry apply at this size: new statements appended one by one
    p = Parties(pact)
    extra = []
    last = engine.last_time or T0
    for j in range(2000):
        tt = last + 60 + j * 60
        extra.append(p(DEVS[j % 4], 3).sign("report", {"indicator": "ai_code_share", "value": 0.3, "measured_at": format_time(tt)}, tt))
    checked = [c for c in EnvelopeChecker(pact, data, workers=1).check(extra)]
    times = []
    for j, c in enumerate(checked):
        t0 = time.perf_counter()
        engine.apply(n + j, c)
        times.append(time.perf_counter() - t0)
    q = sorted(times)
    print(f"apply one entry at {n:,} entries: p50 {q[len(q) // 2] * 1e3:.3f} ms, p99 {q[int(len(q) * .99)] * 1e3:.3f} ms, "
          f"mean {statistics.mean(times) * 1e3:.3f} ms (engine only; Ed25519 check of it ≈0.1 ms more)")
    final = len(pickle.dumps({k: v for k, v in vars(engine).items() if k not in ("pact", "timeline")}))
    print(f"engine state (without history lists) after {sizes and 'early/half/end'}: {sizes + [final]} bytes")
    t0 = time.perf_counter()
    state = engine.state_at()
    print(f"state_at (full state JSON) at {n:,}: {(time.perf_counter() - t0) * 1e3:.1f} ms; level {state['level']}; "
          f"JSON {len(json.dumps(state)):,} bytes")


if __name__ == "__main__":
    main()
