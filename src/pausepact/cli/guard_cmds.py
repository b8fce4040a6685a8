"""``pausepact guard ... -- COMMAND``: run any training command as a declared, obedient run.

The main loop judges the run itself, from the status held and the clock, every 50 ms: no
request, thread or answer can keep it from stopping the command. COMMAND runs under a keeper
(``guard.command``) so that it dies with the guard, even by SIGKILL. On SIGINT, SIGTERM or
SIGHUP the guard stops COMMAND's whole process group first, and declares ``stop`` only once
nothing of it runs.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from ..printable import log_to_stderr
from . import app
from .common import ClockOpt, err

if TYPE_CHECKING:
    import subprocess

    from ..party.guard import GuardedRun, RunContext

EXIT_FORBIDDEN = 75  # stopped: the pact's restrictions forbid the run's FLOP
EXIT_NO_STATUS = 76  # stopped: failing closed, no valid status (the last one expired, or the guard could not judge)
EXIT_REFUSED = 77  # never started: forbidden, no valid status to start under, or the guard's state is unusable


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
    state_dir: Annotated[Path | None, typer.Option("--state-dir", help="where the guard keeps its rollback memory and "
                                                   "outbox (default: the user's data directory)")] = None,
    max_skew: Annotated[int, typer.Option(help="seconds a status may be dated ahead of this host's clock")] = 300,
    stop_retry: Annotated[float, typer.Option(help="seconds to retry the stop declaration before leaving it in the outbox")] = 30.0,
    clock: ClockOpt = "wall",
) -> None:
    """Run COMMAND (after --) as a declared training run; stop it (SIGTERM, then SIGKILL) when it must stop.

    Exit code: COMMAND's own when it ends by itself; 75 when the pact's restrictions forbid the run;
    76 when, failing closed, there is no valid status; 77 when the run was refused at start;
    128+N when the guard got signal N (the command is stopped first). On a rehearsal's clock (--clock rehearsal:PATH)
    it judges in virtual time, --heartbeat is virtual seconds, and it refuses any server but its rehearsal's.
    """
    from ..clock import Clock, ClockMismatch, check_server
    from ..party.client import ClientError
    from ..party.guard import FailPolicy, Guard, RunRefused, command
    from ..party.guard.state import GuardStateError

    argv = list(ctx.args)
    if not argv:
        raise typer.BadParameter("give the command to run after --")
    if fail not in (None, "closed", "open"):
        raise typer.BadParameter("--fail is 'closed' or 'open'")
    log_to_stderr(f"%(asctime)s guard {run} %(levelname)s %(message)s")
    policy: FailPolicy | None = "closed" if fail == "closed" else "open" if fail == "open" else None

    got: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        got.append(signum)  # acted on by the main loop: stop the command first, then declare

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    clk = Clock.from_spec(clock)
    try:
        g = Guard(server, pact, party, key, fail=policy, clock=clk, heartbeat_every=heartbeat, state_dir=state_dir, max_skew=max_skew)
    except GuardStateError as e:
        err.print(e.diagnostics(), markup=False)
        raise typer.Exit(EXIT_REFUSED) from None
    if not clk.discrete:  # a real guard never judges a rehearsal's statuses (a rehearsal's own guard checks at start)
        try:
            check_server(clk, g.client, server)
        except ClockMismatch as e:
            err.print(e.diagnostics(), markup=False)
            g.close()
            raise typer.Exit(EXIT_REFUSED) from None
        except ClientError:
            pass  # the server cannot be asked now: the run is judged as ever (no valid status: fail closed)
    code = EXIT_REFUSED
    try:
        rc = g.run(run, flop, judge_in_thread=False, stop_retry=stop_retry)
        with rc as r:
            if got:
                code = 128 + got[0]
            else:
                proc = command.start(argv)
                try:
                    code = _supervise(rc, r, proc, argv[0], got, f"guard {party} {run}")
                finally:  # whatever happened above, the command's group is gone before stop is declared
                    if command.running(proc) and not command.stop(proc, kill_after):
                        err.print(f"{argv[0]}: processes of its group survived SIGKILL; no stop is declared", markup=False)
                        rc.declare_stop = False
    except (RunRefused, GuardStateError) as e:
        err.print(e.diagnostics(), markup=False)
        raise typer.Exit(EXIT_REFUSED) from None
    except ClientError as e:
        err.print(f"the run could not be declared: {e.diagnostics()}", markup=False)
        raise typer.Exit(EXIT_REFUSED) from None
    finally:
        g.close()
    raise typer.Exit(code)


def _supervise(rc: RunContext, r: GuardedRun, proc: subprocess.Popen[bytes], name: str, got: list[int], me: str) -> int:
    """Judge every 50 ms until the command ends, the run must stop, or a signal came; the exit code to give.
    On a rehearsal's clock each judgement is acknowledged as ``me`` (the virtual time judged, the status held)."""
    from ..party.guard import command

    clock, told = rc.guard.clock, None
    while True:
        if proc.poll() is not None:
            if command.running(proc):
                err.print(f"{name} ended; stopping what it left running", markup=False)
            return proc.returncode
        if got:
            err.print(f"stopping {name}: the guard got signal {signal.Signals(got[0]).name}", markup=False)
            return 128 + got[0]
        judged_at = clock.now() if clock.discrete else 0
        rc.judge_now()  # the main loop judges: no helper thread can keep it from stopping the command
        if clock.discrete:
            held = rc.guard.status
            ack = {"now": judged_at, "must_stop": r.must_stop, "reason": r.reason, "beat": rc.beat_at,
                   "status": None if held is None else {"tree_size": held.tree_size, "issued_at": held.issued_at}}
            if ack != told:
                clock.acknowledge(me, ack)
                told = ack
        if r.must_stop:
            err.print(f"stopping {name}: {r.reason}", markup=False)
            return EXIT_FORBIDDEN if r.stopped_for == "forbidden" else EXIT_NO_STATUS
        time.sleep(0.05)
