"""The demo command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from . import app
from .common import out, shown


@app.command()
def demo(
    directory: Annotated[Path | None, typer.Option("--dir", help="folder for the pact and its version 2, keys, script, log, openings and logs (default: a new temp folder)")] = None,
    fast: Annotated[bool, typer.Option("--fast", help="play the year as fast as the processes keep up and exit 0 only if every expectation held")] = False,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="afterwards, keep the server running on the stopped clock, for the public page")] = False,
    port: Annotated[int, typer.Option(help="port for the server", min=1, max=65535)] = 8000,
    speed: Annotated[float | None, typer.Option(help="at most this many virtual seconds per real second (default 3 days/s; --fast: "
                                                     "no limit); the outcome is the same at any speed")] = None,
) -> None:
    """Play a year of a coordinated pause on a real server, three monitors and a guard, all on one virtual clock;
    narrated, checked, then the log verified. One indicator is sealed (its values judged by the monitors, never
    public); a leaked key is revoked and the pact amended mid-year. The year is a rehearsal script (year.yaml in
    the folder, with pact.yaml and the version 2 it proposes, pact-v2.yaml)."""
    import math
    import tempfile

    from ..demo.year import run_demo

    if speed is not None and not (math.isfinite(speed) and speed > 0):
        raise InputError("--speed: virtual seconds per real second, a number above 0")

    folder = directory or Path(tempfile.mkdtemp(prefix="pausepact-demo-"))
    if not run_demo(folder, fast, keep_running, port, speed):
        out.print(f"[red]the demo did not go as expected; logs in {shown(folder / 'logs')}[/]")
        raise typer.Exit(1)
