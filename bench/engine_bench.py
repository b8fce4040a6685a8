"""Engine benchmarks (issue: the engine).

Replays a large signed log (signature checks included, both cores) and measures
the time to apply one new entry to a state at that size, and the state's size
at the start and the end (it must not grow with the log's length).

    python bench/engine_bench.py [--statements 1000000]
    python bench/engine_bench.py --flood      # one party floods proposals (review M5)

``--flood``: one developer makes 2,000 and then 20,000 raise proposals (each stays
active for 30 days); replay should grow linearly. Then 1,000 and 10,000 proposals
closed in history: a light status view (what the server signs) and a full state
should cost the same whatever the history holds.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from common import T0, Parties, make_pact, print_ceiling

from pausepact.core.canonical import canonical
from pausepact.core.durations import format_time
from pausepact.core.engine import Engine
from pausepact.core.statements import decode_envelope
from pausepact.log.checking import EnvelopeChecker

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


def _flood_world(n: int) -> tuple[Engine, list[object], Parties]:
    """Three developers in force, and ``n`` raise proposals from lab-a, one a second (decoded, not yet applied)."""
    pact, _ = make_pact(overdue=False)
    p = Parties(pact)
    head = [decode_envelope(p(lab).sign("sign", {}, T0 + i), pact) for i, lab in enumerate(["lab-a", "lab-b", "lab-c"])]
    flood = [decode_envelope(p("lab-a").sign("propose", {"id": f"p{k}", "action": "raise", "level": "pause"}, T0 + 10 + k), pact)
             for k in range(n)]
    engine = Engine(pact)
    for i, c in enumerate(head):
        engine.apply(i, c)
    return engine, flood, p


def _best_ms(f: object, repeat: int = 20) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def flood() -> None:
    ceiling = print_ceiling()
    per_entry = {}
    for n in (2000, 20000):
        engine, entries, _ = _flood_world(n)
        t = time.perf_counter()
        for k, c in enumerate(entries):
            engine.apply(3 + k, c)
        engine.state_at(light=True)
        dt = time.perf_counter() - t
        per_entry[n] = dt / n
        print(f"(a) {n:,} open raise proposals from one developer: replay {dt:.2f} s, {n / dt:,.0f} entries/s "
              f"({ceiling.fraction(n / dt, 'verify1')} of one core's Ed25519 verify), {dt / n * 1e6:.0f} us/entry "
              f"(review at 109f6be: 2.9 s for 1,000 and 13.3 s for 2,000)")
    print(f"    linearity: cost per entry at 20,000 / at 2,000 = {per_entry[20000] / per_entry[2000]:.2f} (1.0 is linear)")
    for n in (0, 1000, 10000):
        engine, entries, p = _flood_world(n)
        for k, c in enumerate(entries):
            engine.apply(3 + k, c)
        # one more entry 31 days later: every proposal has expired, closed in history
        later = (engine.last_time or T0) + 31 * 86400
        body = {"indicator": "ai_code_share", "value": 0.3, "measured_at": format_time(later)}
        engine.apply(3 + n, decode_envelope(p("lab-b").sign("report", body, later), engine.pact))
        assert not engine.open and len(engine.closed) == n and not engine.rejected
        light = _best_ms(lambda e=engine, t=later: e.state_at(t + 60, light=True))
        full = _best_ms(lambda e=engine, t=later: e.state_at(t + 60), repeat=3)
        print(f"(b) {n:,} closed proposals in history: light status view {light:.3f} ms, full state {full:.1f} ms "
              f"(review at 109f6be: light view 32 ms at 1,000 and 322 ms at 10,000)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statements", type=int, default=1_000_000)
    ap.add_argument("--flood", action="store_true", help="only the proposal-flood benchmark (review M5)")
    a = ap.parse_args()
    if a.flood:
        flood()
        return
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
                sizes.append(len(pickle.dumps({k: v for k, v in vars(engine).items() if k not in ("pact", "timeline", "closed")})))
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
    final = len(pickle.dumps({k: v for k, v in vars(engine).items() if k not in ("pact", "timeline", "closed")}))
    print(f"engine state (without history lists) after {sizes and 'early/half/end'}: {sizes + [final]} bytes")
    t0 = time.perf_counter()
    state = engine.state_at()
    print(f"state_at (full state JSON) at {n:,}: {(time.perf_counter() - t0) * 1e3:.1f} ms; level {state['level']}; "
          f"JSON {len(json.dumps(state)):,} bytes")


if __name__ == "__main__":
    main()
