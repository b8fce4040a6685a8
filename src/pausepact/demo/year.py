"""``pausepact demo``: a year of a coordinated pause, played on a real server with real monitors.

It writes a pact for four developers and three monitors with fresh keys into a folder
(``script.PACT``), and the year as a rehearsal script (``script.YEAR``, ``year.yaml``): signatures
and entry into force, monthly reports, one developer's AI-written code share creeping past its
red line (a coordinated slowdown), a time-horizon doubling at another (a pause for all), a guarded
training run that stops when the pause begins and restarts after it, a training run declared
above the new limit (a violation), fresh evidence, attestations, monitor votes, timelocks and
two resumptions. It then plays the script with ``pausepact rehearse``: ``pausepact serve`` on
SQLite, three ``pausepact monitor`` processes and ``pausepact guard``, all on one virtual clock
that moves only once every process has caught up, so the year's outcome does not depend on the
machine's speed or load. Each step and transition is narrated; the expectations at the end are
checked and the independent verifier checks the whole log. Every statement goes through the
HTTP API and every transition is computed by the server's engine and signed by the monitors:
nothing is scripted but the parties' own statements.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from ..init_pact import party_lines
from ..rehearse import RehearsalError, load_script, play_script
from ..rehearse.world import free_port
from .script import PACT, YEAR, amended

DAY = 86400
DEVELOPERS = ["lab-a", "lab-b", "lab-c", "lab-d"]
MONITORS = ["aisi", "eval-org", "civic-audit"]
NAMES = {"lab-a": "Lab A", "lab-b": "Lab B", "lab-c": "Lab C", "lab-d": "Lab D", "aisi": "AI Safety Institute",
         "eval-org": "Independent Evaluator", "civic-audit": "Civil Society Auditor", "log": "Pact Log"}

DemoError = RehearsalError  # what the demo raises when it cannot set up or run (port taken, server did not start)


def check_port_free(port: int) -> None:
    """DemoError unless the server could listen on 127.0.0.1:``port``."""
    free_port(port)


def write_files(folder: Path) -> Path:
    """The demo's pact (fresh keys in ``folder/keys``, kept if present), the version 2 its year proposes
    (``pact-v2.yaml``) and its year (``year.yaml``); the script's path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        specs = [(pid, "developer" if pid in DEVELOPERS else "monitor" if pid in MONITORS else "log", NAMES[pid])
                 for pid in [*DEVELOPERS, *MONITORS, "log"]]
        # training clusters have keys of their own, listed after their lab's main key (which may revoke them): a
        # guard never races the lab's other statements for a seq. Version 2 replaces Lab C's, which the year leaks.
        lines, _ = party_lines(folder, specs, {"lab-a": ["lab-a-cluster"], "lab-c": ["lab-c-cluster"]}, reuse=True,
                               seal=MONITORS)
        v2_lines, _ = party_lines(folder, specs, {"lab-a": ["lab-a-cluster"], "lab-c": ["lab-c-cluster-2"]}, reuse=True,
                                  seal=MONITORS)
        v1 = PACT.format(parties="\n".join(lines))
        lab_c = DEVELOPERS.index("lab-c")
        (folder / "pact.yaml").write_text(v1)
        (folder / "pact-v2.yaml").write_text(amended(v1, lines[lab_c], v2_lines[lab_c]))
        (folder / "year.yaml").write_text(YEAR)
    except OSError as e:
        raise DemoError(f"{folder}: cannot write the demo's files: {e.strerror or e}") from None
    return folder / "year.yaml"


def run_demo(folder: Path, fast: bool, keep_running: bool, port: int, speed: float | None = None) -> bool:
    """Play the demo; True if every expectation held and the log verified. Raises DemoError (or KeyboardInterrupt)
    otherwise; on every way out, the processes it started are stopped.

    ``speed`` (virtual seconds per real second) only paces the narration for people watching: by default 3 days a
    second, and with ``fast`` as fast as the processes catch up. The outcome is the same at any speed."""
    check_port_free(port)
    script, pact = load_script(write_files(folder))
    console = Console(highlight=False, soft_wrap=True, emoji=False)
    pace = speed if speed is not None else None if fast else 3 * DAY
    result = play_script(script, pact, folder, port, console=console, speed=pace, keep_running=keep_running)
    return bool(result["ok"])
