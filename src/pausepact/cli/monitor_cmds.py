"""The monitor command: an independent monitor following a log."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from .. import keyfiles
from ..client import ClientError, PactClient
from ..clock import Clock
from ..errors import InputError
from ..pactio import load_pact
from . import app
from .common import (
    ClockAnchor,
    ClockSpeed,
    ClockStart,
    KeyOpt,
    PactOpt,
    ServerOpt,
    out,
)


@app.command()
def monitor(
    server: ServerOpt,
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="this monitor's party id", show_default=False)],
    key: KeyOpt,
    state: Annotated[Path | None, typer.Option(help="state file (last cosigned checkpoint, alarms)")] = None,
    interval: Annotated[float, typer.Option(help="seconds between rounds (real time)")] = 0.5,
    clear_alarm: Annotated[bool, typer.Option("--clear-alarm", help="clear a recorded alarm after investigating it")] = False,
    clock_start: ClockStart = None,
    clock_speed: ClockSpeed = 1.0,
    clock_anchor: ClockAnchor = None,
    max_skew: Annotated[int, typer.Option(help="how far a core's issued_at may be from this monitor's clock")] = 300,
    once: Annotated[bool, typer.Option("--once", help="one round, then exit")] = False,
) -> None:
    """Follow a log as an independent monitor: verify, cosign checkpoints, sign status cores equal to its own replay."""
    from ..monitor import Monitor, MonitorState

    p = load_pact(pact)
    if p.party_by_id.get(party) is None or p.party_by_id[party].role != "monitor":
        raise InputError(f"{party!r} is not a monitor of pact {p.pact!r}")
    st = MonitorState.load(state or Path(f"monitor-{party}.json"))
    if clear_alarm and st.alarm:
        out.print(f"clearing alarm: {st.alarm}")
        st.alarm = None
        st.save()
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s monitor {party} %(levelname)s %(message)s")
    with PactClient(server, p) as client:
        m = Monitor(client, party, keyfiles.read_private_key(key), Clock.from_options(clock_start, clock_speed, clock_anchor), st, max_skew)
        while True:
            try:
                did = m.step()
                if any(not v.startswith(("already", "not judged")) for v in did.values()):
                    logging.getLogger("pausepact.monitor").info("%s", did)
            except ClientError as e:
                logging.getLogger("pausepact.monitor").warning("%s", e.diagnostics())
            if once:
                return
            time.sleep(interval)
