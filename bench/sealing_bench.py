"""Sealed-report benchmarks (contract v2 section 8).

Prints: sealing one report for three monitors (a fresh salt, the commitment,
three HPKE members, as ``party.sealing.seal_value`` does for a lab), and
opening one member as a monitor does (HPKE decryption, the canonical-plaintext,
salt, range and commitment checks of ``core.sealing.open_sealed``), as a
median over repeats with the spread, and per second on one core; opening and
judging one report as a monitor does (``open_sealed`` then
``core.verdicts.judge_report``, on a doubling red line whose window holds
``--window`` reports); and, against a real server with three real
``pausepact monitor --seal-key`` processes (default interval), the time from a
sealed report being accepted to its assessment in the server's state (goal:
p50 under 2 s).

    python bench/sealing_bench.py [--reports 2000] [--window 12] [--rounds 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pausepact.core.sealing import NotOpened, Opened, open_sealed, seal_info  # noqa: E402
from pausepact.core.verdicts import judge_report  # noqa: E402
from pausepact.keyfiles import seal_public_raw  # noqa: E402
from pausepact.party.sealing import SealedValue, seal_value  # noqa: E402
from tests.sealed_log import DAY, T0, SealedLog, seal_private, sealed_pact  # noqa: E402

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
    ap.add_argument("--window", type=int, default=12, help="reports in the doubling window a judge reads")
    ap.add_argument("--rounds", type=int, default=10, help="sealed reports timed end to end")
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
    bench_open_and_judge(a.reports, a.window)
    bench_accepted_to_assessed(a.rounds)


def bench_open_and_judge(n: int, in_window: int) -> None:
    """One monitor's work on one report: open its member, then the words of its verdict (a doubling window of
    ``in_window`` reports, the others' values already opened)."""
    pact, _ = sealed_pact()
    log = SealedLog(pact)
    for d in ("lab-a", "lab-b", "lab-c"):
        log.add(d, "sign", {}, T0)
    pact_members: dict[str, str] = {}
    keys = {m: seal_public_raw(seal_private(m)) for m in pact.seal_keys}
    digest = ""
    for i in range(in_window):
        t = T0 + (i + 1) * 5 * DAY  # every 5 days: all inside the 365-day window
        measured = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        sv = seal_value(10.0 * 1.1 ** i, unit="minutes", indicator="time_horizon_minutes", measured_at=measured,
                        subject="lab-a", pact_digest=pact.digest, seal_keys=keys)
        body = {"indicator": "time_horizon_minutes", "measured_at": measured, "subject": "lab-a",
                "commitment": sv.commitment, "sealed": sv.sealed}
        checked = log.add("aisi", "sealed_report", body, t)
        digest = checked.digest
        pact_members[digest] = sv.sealed["eval-org"]
    engine = log.engine()
    rec = engine.sealed[digest]
    key = seal_private("eval-org")
    values: dict[str, float] = {}
    for d, member in pact_members.items():
        r = engine.sealed[d]
        got = open_sealed(member, key, seal_info(pact.digest, r.commitment), "minutes", r.indicator, r.measured_at,
                          r.subject, r.commitment)
        assert isinstance(got, Opened)
        values[d] = got.value
    assert judge_report(pact, rec, engine.sealed, values) == {"runaway-self-improvement": "holds"}  # doubles in 36 days

    def one() -> object:
        got = open_sealed(pact_members[digest], key, seal_info(pact.digest, rec.commitment), "minutes", rec.indicator,
                          rec.measured_at, rec.subject, rec.commitment)
        assert isinstance(got, Opened)
        return judge_report(pact, rec, engine.sealed, values)

    med, lo, hi = per_op(one, max(1, n // 2))
    print(f"open and judge one report (one monitor; doubling window of {in_window} reports): {med * 1e6:.0f} us median "
          f"({lo * 1e6:.0f}-{hi * 1e6:.0f}), {1 / med:,.0f} reports/s on one core")


def bench_accepted_to_assessed(rounds: int) -> None:
    """A lab's sealed report accepted -> assessed in the server's state, with three monitor processes judging it."""
    from pausepact.party.client import PactClient
    from pausepact.party.signer import Signer
    from tests.factory import MONITORS, key
    from tests.live import Server, free_port
    from tests.sealed_monitors import sealed_body, write_sealed_world

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pact = write_sealed_world(folder)
        srv = Server(folder, f"sqlite:///{folder}/log.db", free_port(), []).start()
        mons = [subprocess.Popen([sys.executable, "-m", "pausepact", "monitor", "--server", srv.url, "--pact",
                                  str(folder / "pact.yaml"), "--as", m, "--key", str(folder / f"{m}.pem"), "--state",
                                  str(folder / f"{m}.json"), "--seal-key", str(folder / f"{m}-seal.pem")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for m in MONITORS]
        times: list[float] = []
        try:
            with PactClient(srv.url, pact) as c:
                lab = Signer(pact, "lab-a", key("lab-a"))
                for r in range(rounds + 1):
                    body = sealed_body(pact, 0.5 + r / 100)
                    t = time.perf_counter()
                    index = c.submit(lab, "sealed_report", body)["index"]
                    accepted = time.perf_counter()
                    while True:
                        states = {s["index"]: s["state"] for s in c.state()["sealed"]}
                        if states.get(index) == "assessed":
                            break
                        if time.perf_counter() - t > 60:
                            raise SystemExit(f"sealed report {index} was not assessed within 60 s")
                        time.sleep(0.02)
                    if r:  # the first warms up the monitors (imports, first replay)
                        times.append(time.perf_counter() - accepted)
        finally:
            for m in mons:
                m.terminate()
                m.wait(20)
            srv.stop()
    times.sort()
    p50 = statistics.median(times)
    print(f"sealed report accepted -> assessed, three monitor processes (interval 0.5 s): p50 {p50:.2f} s, "
          f"max {times[-1]:.2f} s over {len(times)} reports (goal: p50 < 2 s: {'met' if p50 < 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
