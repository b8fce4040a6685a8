"""Guard benchmarks (issue: the guard).

Prints: the cost of reading ``run.must_stop`` per training step (against an empty
step), and the time from the trigger statement being accepted (the vote that
completes an emergency raise to pause) to ``must_stop`` turning true in a guard
following the server over server-sent events, with three monitor processes.

    python bench/guard_bench.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pausepact.pactio import load_pact  # noqa: E402
from pausepact.party.client import PactClient  # noqa: E402
from pausepact.party.guard import Guard, GuardedRun  # noqa: E402
from pausepact.party.signer import Signer  # noqa: E402
from tests.factory import key  # noqa: E402
from tests.live import Server, free_port, write_world  # noqa: E402


def overhead() -> None:
    run = GuardedRun("r", 1e25, "closed")
    n = 5_000_000
    empty = min(timeit.repeat("for _ in r: pass", setup=f"r = range({n})", number=1, repeat=5))
    check = min(timeit.repeat("for _ in r:\n    if run.must_stop: break", setup=f"r = range({n})", globals={"run": run},
                              number=1, repeat=5))
    print(f"must_stop per training step: {(check - empty) / n * 1e9:.1f} ns ({check / n * 1e9:.1f} ns with the loop itself)")


def latency(rounds: int) -> None:
    times = []
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as d:
            folder = Path(d)
            write_world(folder)
            srv = Server(folder, f"sqlite:///{folder}/log.db", free_port(), []).start()
            mons = [subprocess.Popen([sys.executable, "-m", "pausepact", "monitor", "--server", srv.url, "--pact",
                                      str(folder / "pact.yaml"), "--as", m, "--key", str(folder / f"{m}.pem"), "--state",
                                      str(folder / f"{m}.json"), "--interval", "0.1"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL) for m in ("aisi", "eval-org", "civic-audit")]
            try:
                pact = load_pact(folder / "pact.yaml")
                with PactClient(srv.url, pact) as c:
                    for dev in ("lab-a", "lab-b", "lab-c"):
                        c.submit(Signer(pact, dev, key(dev)), "sign", {})
                    g = Guard(srv.url, pact, "lab-a", key("lab-a", 1), poll_every=5.0)
                    with g.run(f"r{r}", flop=5e25) as run:
                        c.submit(Signer(pact, "aisi", key("aisi")), "propose", {"id": "e", "action": "raise", "level": "pause"})
                        c.submit(Signer(pact, "aisi", key("aisi")), "vote", {"proposal": "e", "choice": "yes"})
                        time.sleep(1)
                        t = time.perf_counter()
                        c.submit(Signer(pact, "eval-org", key("eval-org")), "vote", {"proposal": "e", "choice": "yes"})
                        while not run.must_stop:
                            time.sleep(0.005)
                        times.append(time.perf_counter() - t)
                    g.close()
            finally:
                for m in mons:
                    m.terminate()
                srv.stop()
    print(f"trigger accepted -> must_stop (SSE): p50 {statistics.median(times):.2f} s, max {max(times):.2f} s over {rounds} rounds")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    overhead()
    latency(a.rounds)


if __name__ == "__main__":
    main()
