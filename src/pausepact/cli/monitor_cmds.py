"""The monitor command: an independent monitor following a log."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .. import keyfiles
from ..clock import Clock, ClockMismatch, check_server
from ..core.keys import keyid
from ..core.pact import Pact
from ..core.sealing import format_seal_key
from ..errors import InputError, PausepactError
from ..pactio import load_pact
from ..party.client import PactClient
from ..printable import log_to_stderr
from . import app
from .common import (
    ClockAnchor,
    ClockOpt,
    ClockSpeed,
    ClockStart,
    KeyOpt,
    PactOpt,
    ServerOpt,
    err,
    out,
    shown,
)


@app.command()
def monitor(
    server: ServerOpt,
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="this monitor's party id", show_default=False)],
    key: KeyOpt,
    state: Annotated[Path | None, typer.Option(
        help="state file (high-water mark, alarms); default: one per log origin in the user's data directory",
        show_default=False)] = None,
    interval: Annotated[float, typer.Option(help="seconds between rounds (real time)")] = 0.5,
    clear_alarm: Annotated[bool, typer.Option("--clear-alarm", help="clear a recorded alarm after investigating it")] = False,
    clock_start: ClockStart = None,
    clock_speed: ClockSpeed = 1.0,
    clock_anchor: ClockAnchor = None,
    clock: ClockOpt = "wall",
    max_skew: Annotated[int, typer.Option(help="how far a core's issued_at may be from this monitor's clock")] = 300,
    once: Annotated[bool, typer.Option("--once", help="one round, then exit")] = False,
    seal_key: Annotated[list[Path] | None, typer.Option(
        "--seal-key", help="this monitor's X25519 seal key (PEM); repeat it to keep retired keys that open older "
        "sealed reports. With it the monitor opens sealed reports, gives verdicts and shares openings",
        show_default=False)] = None,
) -> None:
    """Follow a log as an independent monitor: verify, cosign checkpoints, sign status cores equal to its own replay.

    Exits 3 on an alarm (evidence against the log); it is kept in the state file until --clear-alarm.
    Opened sealed values are kept only in the state file (mode 0600), never printed or logged.
    """
    from ..monitor import Alarm, Monitor, MonitorState, default_state_path

    if interval < 0 or max_skew < 0:
        raise InputError("--interval and --max-skew must not be negative")
    p = load_pact(pact)
    if p.party_by_id.get(party) is None or p.party_by_id[party].role != "monitor":
        raise InputError(f"{party!r} is not a monitor of pact {p.pact!r}")
    private = keyfiles.read_private_key(key)
    listed = p.key_owner.get(keyid(keyfiles.public_raw(private)), ("",))[0] == party
    seal_keys = _seal_keys(p, party, seal_key or [])
    clk = Clock.from_options(clock_start, clock_speed, clock_anchor, clock)
    path = state or default_state_path(p.origin, party)
    if clk.dial is not None and (state is None or path == default_state_path(p.origin, party)):
        # the real monitor's high-water mark must never hold a rehearsal's virtual times
        raise InputError("a monitor on a rehearsal's clock keeps its state in a file of the rehearsal's: give --state")
    st = MonitorState.load(path)
    st.bind(p.origin, p.pact, party)
    if st.first_start:
        err.print(f"warning: no monitor state at {path}: first start for log {p.origin!r}; "
                  "this monitor trusts the first checkpoint it is shown")
    if clear_alarm and st.alarm:
        out.print(f"clearing alarm: {shown(st.alarm)}")
        st.alarm = st.alarm_at = st.alarm_evidence = None
        st.save()
    log_to_stderr(f"%(asctime)s monitor {party} %(levelname)s %(message)s")
    say = logging.getLogger("pausepact.monitor")
    with PactClient(server, p) as client:
        if not listed and not _listed_later(client, party, private):
            raise InputError(f"the key in {key} is not a key of {party!r} in pact {p.pact!r} nor in a later version "
                             "of it on the server")
        m = Monitor(client, party, private, clk, st, max_skew, seal_keys=seal_keys)
        same_clock = False
        while True:
            ok = False
            try:
                if not same_clock:  # a rehearsal and a real log never mix: asked until the server answers
                    check_server(clk, client, server)
                    same_clock = True
                did = m.step()
                ok = True
                if any(not str(v).startswith(("already", "not judged", "nothing")) for v in did.values()):
                    say.info("%s", did)
            except (Alarm, ClockMismatch):
                raise  # an alarm is recorded in the state file; exit with its one line
            except PausepactError as e:  # ServerFault, ClientError, a state file that cannot be written
                say.warning("%s", e.diagnostics())
                m.record(e.diagnostics())
            except Exception as e:  # noqa: BLE001 - a round's fault must not end the monitor; nothing was signed
                say.error("round failed, nothing signed: %s: %s", type(e).__name__, e)
                m.record(f"{type(e).__name__}: {e}")
            if once:
                return
            time.sleep(interval if ok else max(interval, 1.0))  # a failing server is not asked in a busy loop


def _listed_later(client: PactClient, party: str, private: Any) -> bool:
    """Whether a later version of the pact on the server lists ``private`` for ``party`` (a rotated key: the monitor
    replays from the first version and signs with it once that version is in force)."""
    kid = keyid(keyfiles.public_raw(private))
    try:
        return any(v.key_owner.get(kid, ("",))[0] == party for v in client.later_versions())
    except PausepactError:
        return False


def _seal_keys(p: Pact, party: str, files: list[Path]) -> list[X25519PrivateKey]:
    """The seal keys in ``files``, the one the pact lists for ``party`` first; InputError when none is it."""
    keys = [keyfiles.read_seal_key(f) for f in files]
    listed = p.seal_keys.get(party)
    if not keys:
        if listed is not None and any(ind.sealed for ind in p.indicators.values()):
            err.print(f"warning: {party} judges sealed reports but was given no --seal-key: it gives no verdicts")
        return keys
    if listed is None:
        raise InputError(f"--seal-key: pact {p.pact!r} lists no seal_key for {party!r}")
    current = [k for k in keys if format_seal_key(keyfiles.seal_public_raw(k)) == listed]
    if not current:
        raise InputError(f"--seal-key: none of the keys given is the seal key pact {p.pact!r} lists for {party!r} "
                         f"({listed}); give it, and any retired ones after it")
    return current[:1] + [k for k in keys if k is not current[0]]
