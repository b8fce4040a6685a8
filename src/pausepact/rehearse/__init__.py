"""Rehearsals: a scripted stretch of a pact's life played against real processes (server, monitors,
guards) on one virtual, discrete-event clock (``clock.Dial``), with expectations checked on the way.

``script`` reads and checks a script (``versions``: the amendments and revocations it refers to),
``world`` runs the processes and knows when they have all caught up, ``replica`` is the driver's
own replay of the log, ``play`` drives the clock and the steps, ``statements`` turns a step into
what its party sends (sealing, amending, revoking), ``narrate`` tells what changed, ``expect``
checks what the script expects. ``run_rehearsal`` is what ``pausepact rehearse`` and the demo call.
docs/rehearse.md describes the format and the design.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from ..demo.children import Children, terminate_as_interrupt
from .play import Rehearsal
from .script import Script, ScriptError, load_script
from .world import RehearsalError, World, free_port


def run_rehearsal(path: Path, folder: Path | None = None, port: int = 0, *, console: Console | None = None,
                  speed: float | None = None, keep_running: bool = False, patience: float = 120.0) -> dict[str, Any]:
    """Play the script at ``path``; its result (``Rehearsal.result``: ``ok`` and what failed). Raises ScriptError,
    RehearsalError (or KeyboardInterrupt); on every way out the processes it started are stopped."""
    script, pact = load_script(path)
    return play_script(script, pact, folder, port, console=console, speed=speed, keep_running=keep_running, patience=patience)


def play_script(script: Script, pact: Any, folder: Path | None = None, port: int = 0, *, console: Console | None = None,
                speed: float | None = None, keep_running: bool = False, patience: float = 120.0) -> dict[str, Any]:
    console = console or Console(highlight=False, soft_wrap=True, emoji=False)
    port = free_port(port)
    where = folder or Path(tempfile.mkdtemp(prefix="pausepact-rehearsal-"))
    with terminate_as_interrupt(), Children() as children:
        world = World(where, script.pact_path, pact, script.keys, port, children, patience)
        try:
            rehearsal = Rehearsal(script, pact, world, console, speed)
            rehearsal.play()
            result = rehearsal.result()
            if keep_running:
                console.print(f"\nThe clock stays at {result['end']}: the server keeps running at {world.url}/ "
                              "with its monitors (Ctrl-C to stop).")
                try:
                    while world.server.poll() is None:
                        time.sleep(1)
                except KeyboardInterrupt:
                    pass
            return result
        finally:
            world.close()


__all__ = ["RehearsalError", "ScriptError", "load_script", "play_script", "run_rehearsal"]
