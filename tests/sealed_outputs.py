"""Where a rehearsal's sealed values must never appear: every output it made public or logged."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path


def sealed_values_in(texts: Iterable[tuple[str, str]], values: Iterable[float]) -> list[str]:
    """``NAME: VALUE`` for every sealed value found as a number in a text (a value is never part of a longer number)."""
    found = []
    for name, text in texts:
        for v in values:
            if re.search(r"(?<![0-9])" + re.escape(repr(v)) + r"(?![0-9])", text):
                found.append(f"{name}: {v}")
    return found


def public_outputs(folder: Path, narration: str) -> list[tuple[str, str]]:
    """Everything a rehearsal made public or logged, as (name, text): the narration but a monitor's private view,
    every process's log, every log entry's statement (payloads decoded) and the replayed state. Not the monitors'
    state files nor the labs' openings: those are their private stores (mode 0600)."""
    out = [("narration", "\n".join(line for line in narration.splitlines() if "🔒" not in line))]
    out += [(f.name, f.read_text(errors="replace")) for f in sorted((folder / "logs").iterdir())]
    export = subprocess.run([sys.executable, "-m", "pausepact", "export", "--store", f"sqlite:///{folder / 'log.db'}"],
                            capture_output=True, text=True, timeout=300, check=True).stdout
    out.append(("log", "\n".join(base64.b64decode(json.loads(line)["payload"]).decode() for line in export.splitlines())))
    (folder / "export.jsonl").write_text(export)
    replay = subprocess.run([sys.executable, "-m", "pausepact", "replay", "--pact", str(folder / "pact.yaml"),
                             str(folder / "export.jsonl"), "--json"], capture_output=True, text=True, timeout=300)
    assert replay.returncode == 0, replay.stderr
    out.append(("state", replay.stdout))
    return out
