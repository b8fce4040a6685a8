"""``pausepact guard ... -- COMMAND``: run any training command as a declared, obedient run."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Annotated

import typer

from . import app
from .common import err

EXIT_FORBIDDEN = 75  # stopped: the pact's restrictions forbid the run's FLOP
EXIT_NO_STATUS = 76  # stopped: failing closed, the last valid status expired
EXIT_REFUSED = 77  # never started: forbidden, or no valid status to start under


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def guard(
    ctx: typer.Context,
    server: Annotated[str, typer.Option("--server", help="the pact server's URL")],
    pact: Annotated[Path, typer.Option("--pact", help="the pinned pact file")],
    party: Annotated[str, typer.Option("--as", help="the developer's party id")],
    key: Annotated[Path, typer.Option("--key", help="this guard's own key of the developer (PEM)")],
    run: Annotated[str, typer.Option("--run", help="the run id to declare")],
    flop: Annotated[float, typer.Option("--flop", help="the run's total training compute (FLOP)")],
    fail: Annotated[str | None, typer.Option("--fail", help="'closed' or 'open' (default: closed above the pact's lowest limit)")] = None,
    kill_after: Annotated[float, typer.Option(help="seconds between SIGTERM and SIGKILL")] = 30.0,
    heartbeat: Annotated[float, typer.Option(help="seconds between heartbeats")] = 60.0,
) -> None:
    """Run COMMAND (after --) as a declared training run; stop it (SIGTERM, then SIGKILL) when it must stop.

    Exit code: COMMAND's own when it ends by itself; 75 when the pact's restrictions forbid the run;
    76 when, failing closed, the last valid status expired; 77 when the run was refused at start.
    """
    from ..guard import FailPolicy, Guard, RunRefused

    command = list(ctx.args)
    if not command:
        raise typer.BadParameter("give the command to run after --")
    if fail not in (None, "closed", "open"):
        raise typer.BadParameter("--fail is 'closed' or 'open'")
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s guard {run} %(levelname)s %(message)s")
    policy: FailPolicy | None = "closed" if fail == "closed" else "open" if fail == "open" else None
    g = Guard(server, pact, party, key, fail=policy, heartbeat_every=heartbeat)
    try:
        with g.run(run, flop) as r:
            child = subprocess.Popen(command, start_new_session=True)
            while child.poll() is None and not r.must_stop:
                time.sleep(0.05)
            if child.poll() is None:
                err.print(f"[red]stopping {command[0]}[/]: {r.reason}")
                os.killpg(child.pid, signal.SIGTERM)
                try:
                    child.wait(kill_after)
                except subprocess.TimeoutExpired:
                    err.print(f"[red]{command[0]} did not stop in {kill_after:g}s: SIGKILL[/]")
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
                code = EXIT_FORBIDDEN if r.stopped_for == "forbidden" else EXIT_NO_STATUS
            else:
                code = child.returncode
    except RunRefused as e:
        err.print(f"[red]{e.diagnostics()}[/]")
        raise typer.Exit(EXIT_REFUSED) from None
    finally:
        g.close()
    raise typer.Exit(code)
