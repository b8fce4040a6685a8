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
    directory: Annotated[Path | None, typer.Option("--dir", help="folder for the pact, keys, log and logs (default: a new temp folder)")] = None,
    fast: Annotated[bool, typer.Option("--fast", help="compress time (about 40 s for the year) and exit 0 only if every expected transition happened")] = False,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="leave the server running afterwards, for the dashboard")] = False,
    port: Annotated[int, typer.Option(help="port for the server", min=1, max=65535)] = 8000,
    speed: Annotated[float | None, typer.Option(help="simulated seconds per real second (default 3 days/s; --fast: 10 days/s)")] = None,
) -> None:
    """Play a year of a coordinated pause on a real server with three monitors, narrated, then verify the log."""
    import math
    import tempfile

    from ..demo.year import run_demo

    if speed is not None and not (math.isfinite(speed) and speed > 0):
        raise InputError("--speed: simulated seconds per real second, a number above 0")

    folder = directory or Path(tempfile.mkdtemp(prefix="pausepact-demo-"))
    if not run_demo(folder, fast, keep_running, port, speed):
        out.print(f"[red]the demo did not show every expected transition; logs in {shown(folder / 'logs')}[/]")
        raise typer.Exit(1)
