"""Three real `pausepact monitor --seal-key` processes judge a lab's sealed reports against a real server: the
report is assessed, a garbled member is answered by a share, a restarted monitor repeats nothing, and the value
appears in no byte the monitors print or the server logs (only in the monitors' own state files, mode 0600)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pausepact.party.client import PactClient

from .factory import MONITORS
from .live import serving
from .sealed_monitors import sealed_body, sealed_state, submit, until, write_sealed_world
from .test_monitor_sealed import by, digest_of, statements

VALUE = 0.31415926  # misses both red lines; distinctive in any text
TRACES = ("0.314159", "31415926")


class Proc:
    def __init__(self, folder: Path, url: str, monitor: str, run: int) -> None:
        self.out = folder / f"{monitor}-{run}.out"
        self.err = folder / f"{monitor}-{run}.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pausepact", "monitor", "--server", url, "--pact", str(folder / "pact.yaml"),
                 "--as", monitor, "--key", str(folder / f"{monitor}.pem"), "--state", str(folder / f"{monitor}.json"),
                 "--seal-key", str(folder / f"{monitor}-seal.pem"), "--seal-key", str(folder / f"{monitor}-retired.pem"),
                 "--interval", "0.2"],
                stdout=out, stderr=err, start_new_session=True, cwd=folder)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@contextmanager
def running(folder: Path, url: str, names: list[str], run: int = 0) -> Iterator[dict[str, Proc]]:
    procs = {m: Proc(folder, url, m, run) for m in names}
    try:
        yield procs
    finally:
        for p in procs.values():
            p.stop()


def idle() -> None:
    import time

    time.sleep(0.2)


def once(folder: Path, url: str, *seal: str) -> subprocess.CompletedProcess[str]:
    extra = [a for s in seal for a in ("--seal-key", str(folder / s))]
    return subprocess.run([sys.executable, "-m", "pausepact", "monitor", "--server", url, "--pact", str(folder / "pact.yaml"),
                           "--as", "aisi", "--key", str(folder / "aisi.pem"), "--state", str(folder / "once.json"),
                           "--once", *extra], capture_output=True, text=True, timeout=120, cwd=folder)


def test_three_monitor_processes_assess_share_restart_and_never_show_the_value(tmp_path: Path) -> None:
    pact = write_sealed_world(tmp_path)
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c:
        # the seal keys given must include the one the pact lists; none at all is a warning (no verdicts)
        wrong = once(tmp_path, srv.url, "aisi-retired.pem")
        assert wrong.returncode == 2 and "none of the keys given is the seal key" in wrong.stderr
        assert "Traceback" not in wrong.stderr and len(wrong.stderr.strip().splitlines()) == 1
        other = once(tmp_path, srv.url, "eval-org-seal.pem")
        assert other.returncode == 2 and "none of the keys given" in other.stderr
        bare = once(tmp_path, srv.url)
        assert bare.returncode == 0 and "gives no verdicts" in bare.stderr
        with running(tmp_path, srv.url, MONITORS) as procs:
            first = submit(c, "lab-a", "sealed_report", sealed_body(pact, VALUE, garble=("eval-org",)))
            d1 = digest_of(c, first["index"])

            def shared_and_judged() -> bool:
                return [b["opened"] for p, b in by(statements(c), "verdict", d1) if p == "eval-org"] == [False, True]

            until(shared_and_judged, idle, deadline=120)
            assert sealed_state(c, first["index"])["state"] == "assessed"
            # eval-org is restarted; it replays the log from its state file and sends nothing again
            procs["eval-org"].stop()
            before = statements(c)
            with running(tmp_path, srv.url, ["eval-org"], run=1):
                second = submit(c, "lab-a", "sealed_report", sealed_body(pact, VALUE))
                d2 = digest_of(c, second["index"])
                until(lambda: len(by(statements(c), "verdict", d2)) == 3, idle, deadline=120)
                after = statements(c)
        served = (tmp_path / f"serve-{srv.port}.log").read_bytes()
        for p in procs.values():
            assert p.proc.returncode in (0, -signal.SIGTERM), p.err.read_text()
    # nothing sent twice: the log's first part is unchanged, and each judge judged each report once
    assert after[:len(before)] == before
    assert sorted(p for p, b in by(after, "verdict", d1)) == ["aisi", "civic-audit", "eval-org", "eval-org"]
    assert sorted(p for p, _ in by(after, "verdict", d2)) == ["aisi", "civic-audit", "eval-org"]
    assert len(by(after, "share", d1)) == 2 and by(after, "share", d2) == []
    outputs = [served] + [f.read_bytes() for f in tmp_path.glob("*.out")] + [f.read_bytes() for f in tmp_path.glob("*.err")]
    assert any(b"share of sealed report" in o for o in outputs)  # the monitors do say what they did
    for o in outputs:
        assert not any(t.encode() in o for t in TRACES)
        assert b"Traceback" not in o
    for m in MONITORS:
        state = tmp_path / f"{m}.json"
        assert stat.S_IMODE(state.stat().st_mode) == 0o600
        assert TRACES[1] in state.read_text()  # the one place the value is kept
