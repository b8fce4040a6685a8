"""The README's main job, unattended: a year played on a real server and monitors, then verified."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .live import free_port


def test_demo_fast_shows_every_transition_and_verifies(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pausepact", "demo", "--fast", "--port", str(free_port()), "--dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    assert "the pact is in force" in out
    assert "raised to slowdown: red line models-write-the-code held for lab-b" in out
    assert "raised to pause: red line runaway-self-improvement held for lab-a" in out
    assert "violation: run-over-limit by lab-c" in out
    assert "resumption resume-pause executed: pause → slowdown" in out
    assert "Lab A's guarded run frontier-a-part1 saves a checkpoint" in out
    assert "Lab A's guard restarts training as frontier-a-part2" in out
    assert "OK: " in out and "cosigned by" in out
    assert "✗" not in out
