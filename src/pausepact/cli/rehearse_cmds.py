"""The rehearse command: a scripted stretch of a pact's life on real processes and a virtual clock."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from . import app
from .common import JsonOpt, err, out, print_json, shown

FolderOpt = Annotated[Path | None, typer.Option("--dir", help="folder for the store, the clock, state and logs (default: a new temp folder)")]
PortOpt = Annotated[int, typer.Option(help="port for the server (0: any free port)", min=0, max=65535)]
KeepOpt = Annotated[bool, typer.Option("--keep-running", help="afterwards, keep the server and monitors running on the stopped clock")]
SpeedOpt = Annotated[float | None, typer.Option(help="at most this many virtual seconds per real second, for people watching "
                                                     "(default: as fast as every process catches up)")]
PatienceOpt = Annotated[float, typer.Option(help="real seconds to wait for the processes to catch up with one move of the clock")]


@app.command()
def rehearse(
    script: Annotated[Path, typer.Argument(help="the rehearsal script (YAML; docs/rehearse.md)")],
    directory: FolderOpt = None,
    port: PortOpt = 0,
    keep_running: KeepOpt = False,
    speed: SpeedOpt = None,
    patience: PatienceOpt = 120.0,
    json_out: JsonOpt = False,
) -> None:
    """Play SCRIPT against a real server, monitors and guards on one virtual clock that moves only once every
    process has caught up; narrate it, check its expectations and verify the log. Exit 1 if any step or
    expectation failed (each is named with its step and line), 2 if the script cannot be played."""
    from rich.console import Console

    from ..rehearse import run_rehearsal

    if speed is not None and not (math.isfinite(speed) and speed > 0):
        raise InputError("--speed: virtual seconds per real second, a number above 0")
    if not (math.isfinite(patience) and patience > 0):
        raise InputError("--patience: seconds, a number above 0")
    console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False) if json_out else out
    result = run_rehearsal(script, directory, port, console=console, speed=speed, keep_running=keep_running, patience=patience)
    if json_out:
        print_json(result)
    elif not result["ok"]:
        failed = [f"step {f['step']} (line {f['line']}, {f['at']}): {f['what']}" for f in result["failures"]]
        if not result["verify"]["ok"]:
            failed.append(f"the log did not verify: {result['verify']['output']}")
        err.print("[red]the rehearsal did not go as scripted:[/]\n" + "\n".join(f"  {shown(line)}" for line in failed))
    if not result["ok"]:
        raise typer.Exit(1)
