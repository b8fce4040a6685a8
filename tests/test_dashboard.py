"""The dashboard in a real headless browser: it shows the pause, why, and what resumption still needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pausepact.pactio import load_pact
from pausepact.party.client import PactClient
from pausepact.party.signer import Signer

from .factory import key
from .live import serving, write_world

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (.ci/run installs Debian's chromium)")
def test_dashboard_renders_the_state(tmp_path: Path) -> None:
    write_world(tmp_path)
    with serving(tmp_path) as srv, PactClient(srv.url, load_pact(tmp_path / "pact.yaml")) as c:
        for party, type_, body in [("lab-a", "sign", {}), ("lab-b", "sign", {}), ("lab-c", "sign", {}),
                                   ("aisi", "propose", {"id": "e", "action": "raise", "level": "pause"}),
                                   ("aisi", "vote", {"proposal": "e", "choice": "yes"}),
                                   ("eval-org", "vote", {"proposal": "e", "choice": "yes"})]:
            c.submit(Signer(c.pact, party, key(party)), type_, body)
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'chrome'}"]
        # ?live=0: the page polls instead of holding an event stream open, so virtual time can run out and the DOM be dumped
        page = srv.url + "/?live=0"
        dom = subprocess.run([str(CHROMIUM), *flags, "--virtual-time-budget=3000", "--dump-dom", page], capture_output=True,
                             text=True, timeout=120).stdout
        shot = tmp_path / "dashboard.png"
        subprocess.run([str(CHROMIUM), *flags, "--virtual-time-budget=3000", "--window-size=1200,900", f"--screenshot={shot}", page],
                       capture_output=True, timeout=90)
    assert 'id="level" class="level l3">pause<' in dom, dom[:2000]
    assert "raised to pause (all) by emergency proposal e, entry 5" in dom
    assert "lab-c has not attested security-level-4" in dom
    assert "<td>lab-d</td><td>no</td><td>normal</td><td>no limit</td>" in dom
    assert shot.stat().st_size > 10_000  # a real rendering, not a blank page
