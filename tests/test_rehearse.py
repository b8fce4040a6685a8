"""Rehearsals on real processes (issue 14): a scripted monitor outage stops a guarded run in virtual time,
a failed expectation is named, and ``status``, guards, monitors and servers refuse to mix a rehearsal with a
real log. No test here waits on wall-clock speed: the rehearsal's clock moves only once everything caught up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pausepact.clock import Dial
from pausepact.core.durations import format_time
from pausepact.demo.children import Children
from pausepact.keyfiles import write_private_key
from pausepact.log.store import open_store
from pausepact.pactio import load_pact
from pausepact.rehearse.world import World, free_port

from .factory import key
from .live import write_world

DATA = Path(__file__).parent / "data" / "rehearse"
T = 1893456000  # 2030-01-01T00:00:00Z


def world_folder(tmp_path: Path, script: str) -> Path:
    """The test pact, every party's key (lab-a's second key as lab-a-cluster) and the script, in one folder."""
    write_world(tmp_path)
    write_private_key(tmp_path / "lab-a-cluster.pem", key("lab-a", 1))
    shutil.copy(DATA / script, tmp_path / "script.yaml")
    return tmp_path / "script.yaml"


def pausepact(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=timeout)


def test_a_monitor_outage_stops_the_guarded_run_in_virtual_time(tmp_path: Path) -> None:
    script = world_folder(tmp_path, "outage.yaml")
    r = pausepact("rehearse", str(script), "--json", "--dir", str(tmp_path / "run"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    result = json.loads(r.stdout)
    assert result["ok"] and result["failures"] == [] and result["verify"]["ok"]
    assert [e["ok"] for e in result["expectations"]] == [True] * 4
    assert result["guards"] == {"training": "no-status"}
    # the same story, line for line and second for second, on every run whatever the machine's load: the guard
    # failed closed exactly when the last status expired, in virtual time
    narration = r.stderr.split("\n\n", 1)[1].split("\nIndependent verification")[0]
    assert [line for line in narration.splitlines() if line] == (DATA / "outage.narration").read_text().splitlines()
    assert result["end"] == "2030-01-01T00:43:00Z" and result["final"]["violations"] == 0
    assert result["pact"]["digest"] == load_pact(tmp_path / "pact.yaml").digest  # the exact pact, bytes and digest


def test_a_failed_expectation_is_named_by_its_step_and_line(tmp_path: Path) -> None:
    write_world(tmp_path)
    (tmp_path / "script.yaml").write_text("pact: pact.yaml\nkeys: .\nstart: 2030-01-01T00:00:00Z\nmonitors: []\nsteps:\n"
                                          "  - {by: lab-a, sign: {}}\n"
                                          "  - {at: +1h, expect: {level: pause, in_force: false}}\n"
                                          "  - {by: lab-b, vote: {proposal: p, choice: 'yes'}, refused: role}\n")
    r = pausepact("rehearse", str(tmp_path / "script.yaml"), "--dir", str(tmp_path / "run"))
    assert r.returncode == 1
    assert "refused as expected (role)" in r.stdout
    lines = r.stderr.splitlines()
    assert lines[0] == "the rehearsal did not go as scripted:"
    assert "  step 2 (line 7, 2030-01-01T01:00:00Z): expected level pause, got normal" in lines
    assert any(line.startswith("  the log did not verify") for line in lines)  # no monitor ran: nothing witnessed


def _status(w: World, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pausepact", "status", "--server", w.url, "--pact", str(w.pact_path), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_status_judges_on_the_rehearsal_clock_and_nothing_mixes_a_rehearsal_with_a_real_log(tmp_path: Path) -> None:
    write_world(tmp_path)
    pact = load_pact(tmp_path / "pact.yaml")
    real_store = f"sqlite:///{tmp_path}/real.db"
    open_store(real_store).bind_clock(False)
    other = Dial.create(tmp_path / "other" / "clock.json", "another-rehearsal", T)
    with Children() as children:
        w = World(tmp_path / "run", tmp_path / "pact.yaml", pact, tmp_path, free_port(), children, patience=300)
        w.start(T, ["aisi", "eval-org"])
        w.settle()
        procs = {
            "valid": _status(w, "--clock", w.clock_spec, "--json"),
            "status on the wall clock": _status(w),
            "guard on the wall clock": subprocess.Popen(
                [sys.executable, "-m", "pausepact", "guard", "--server", w.url, "--pact", str(w.pact_path), "--as", "lab-a",
                 "--key", str(tmp_path / "lab-a.pem"), "--run", "r1", "--flop", "1e20", "--state-dir", str(tmp_path / "gs"),
                 "--", sys.executable, "-c", "pass"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            "monitor of another rehearsal": subprocess.Popen(
                [sys.executable, "-m", "pausepact", "monitor", "--server", w.url, "--pact", str(w.pact_path), "--as", "civic-audit",
                 "--key", str(tmp_path / "civic-audit.pem"), "--state", str(tmp_path / "m.json"), "--clock", f"rehearsal:{other.path}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            "real server on the rehearsal's store": subprocess.Popen(
                [sys.executable, "-m", "pausepact", "serve", "--pact", str(w.pact_path), "--key", str(tmp_path / "log.pem"),
                 "--store", f"sqlite:///{w.folder / 'log.db'}", "--port", str(free_port())],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            "rehearsal server on a real store": subprocess.Popen(
                [sys.executable, "-m", "pausepact", "serve", "--pact", str(w.pact_path), "--key", str(tmp_path / "log.pem"),
                 "--store", real_store, "--port", str(free_port()), "--clock", w.clock_spec],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        }
        got = {name: (p.wait(300), *p.communicate()) for name, p in procs.items()}
        rc, out, _ = got["valid"]
        assert rc == 0 and json.loads(out)["state"] == "valid" and json.loads(out)["now"] == format_time(T)
        expected = {
            "status on the wall clock": (1, "plays a rehearsal (virtual clock, rehearsal"),
            "guard on the wall clock": (77, "plays a rehearsal (virtual clock, rehearsal"),
            "monitor of another rehearsal": (1, f"plays rehearsal {w.rehearsal}, not rehearsal another-rehearsal"),
            "real server on the rehearsal's store": (1, "this store holds a rehearsal's log (virtual clock): a server on a real clock refuses it"),
            "rehearsal server on a real store": (1, "this store holds a real log: a rehearsal (virtual clock) plays on a store of its own"),
        }
        for name, (code, message) in expected.items():
            rc, out, err = got[name]
            assert rc == code and message in err, (name, rc, out, err)
        # monitors down: no status can be signed; the last one expires on the virtual clock, not on the wall clock
        w.stop_monitor("eval-org")
        w.set_time(T + pact.oversight.status_ttl)
        deadline = time.monotonic() + 120
        while w.clock_info()["now"] != format_time(T + pact.oversight.status_ttl) and time.monotonic() < deadline:
            time.sleep(0.05)
        p = _status(w, "--clock", w.clock_spec)
        out, err = p.communicate(timeout=300)
        assert p.returncode == 1, (out, err)
        assert "— EXPIRED" in out and "expires 2030-01-01T00:10:00Z (now 2030-01-01T00:10:00Z)" in out
        w.close()
