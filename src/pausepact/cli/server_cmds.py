"""Commands that run or talk to a server: serve, monitor, submit, status, state, log."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from .. import keyfiles
from ..client import ClientError, PactClient
from ..clock import Clock
from ..errors import InputError
from ..pactio import load_pact, read_pact_bytes
from ..signer import Signer
from . import app
from .common import DEFAULT_STORE, JsonOpt, KeyOpt, LogKeyOpt, MaxSkewOpt, PactOpt, StoreOpt, body_option, out, print_json

ServerOpt = Annotated[str, typer.Option("--server", help="the pact server's URL, e.g. http://127.0.0.1:8000")]
ClockStart = Annotated[str | None, typer.Option("--clock-start", help="simulated clock: start time (YYYY-MM-DDTHH:MM:SSZ)")]
ClockSpeed = Annotated[float, typer.Option("--clock-speed", help="simulated clock: seconds per real second (86400: a day a second)")]
ClockAnchor = Annotated[float | None, typer.Option("--clock-anchor", help="simulated clock: the real Unix time at which it reads --clock-start (default: now)")]
log_cmd = typer.Typer(help="Read the log: entries, proofs, checkpoints.", no_args_is_help=True)
app.add_typer(log_cmd, name="log")


@app.command()
def serve(
    pact: PactOpt,
    key: LogKeyOpt,
    store: StoreOpt = DEFAULT_STORE,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    max_skew: MaxSkewOpt = 300,
    clock_start: ClockStart = None,
    clock_speed: ClockSpeed = 1.0,
    clock_anchor: ClockAnchor = None,
    workers: Annotated[int | None, typer.Option(help="processes verifying signatures (default: all cores)")] = None,
) -> None:
    """Run the pact server: accepts statements, serves entries, proofs, checkpoints, state and status."""
    import uvicorn

    from ..server import ServerConfig, create_app

    cfg = ServerConfig(load_pact(pact), read_pact_bytes(pact), keyfiles.read_private_key(key), store,
                       Clock.from_options(clock_start, clock_speed, clock_anchor), max_skew, workers)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    out.print(f"serving pact {cfg.pact.pact} ({cfg.pact.digest}) on http://{host}:{port}  store {store}")
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning", timeout_keep_alive=30)


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


def _client(server: str, pact: Path) -> PactClient:
    return PactClient(server, load_pact(pact))


@app.command()
def submit(
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="sign, report, countersign, attest, propose, vote, cancel, run or ack")],
    server: ServerOpt,
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="the signing party's id", show_default=False)],
    key: KeyOpt,
    body: Annotated[str, typer.Option("--body", help="the body as JSON")] = "{}",
    json_out: JsonOpt = False,
) -> None:
    """Sign a statement and submit it; the next seq and the time are picked from the log itself."""
    body_obj = body_option(body)
    with _client(server, pact) as c:
        receipt = c.submit(Signer(c.pact, party, keyfiles.read_private_key(key)), type_, body_obj)
    if json_out:
        print_json(receipt)
    else:
        out.print(f"accepted as entry {receipt['index']} (leaf {receipt['leaf_hash'][:16]}…), in checkpoint:\n{receipt['checkpoint']}")


@app.command()
def status(server: ServerOpt, pact: PactOpt, json_out: JsonOpt = False) -> None:
    """The server's signed status, verified against the pinned pact (exit 1 if it fails any check)."""
    with _client(server, pact) as c:
        accepted = c.status(int(time.time()))
    if json_out:
        print_json(accepted.core)
        return
    core = accepted.core
    out.print(f"status of {core['pact']} at tree size {core['tree_size']}, issued {core['issued_at']}, "
              f"expires {core['expires_at']}: level [bold]{core['level']}[/]")
    for d, p in core["parties"].items():
        flop = "no limit" if p["max_training_flop"] is None else f"{p['max_training_flop']:.3g} FLOP"
        out.print(f"  {d}: {p['level']}, training {flop}, deployments {'allowed' if p['new_deployments'] else 'forbidden'}")


@app.command()
def state(server: ServerOpt, pact: PactOpt, json_out: JsonOpt = False) -> None:
    """The server's full state as of now (unsigned: replay it yourself to check it)."""
    from .engine_cmds import _print_state

    with _client(server, pact) as c:
        s = c.state()
    if json_out:
        print_json(s)
    else:
        _print_state(s)


@log_cmd.command("entries")
def log_entries(server: ServerOpt, pact: PactOpt, start: int = 0, end: int | None = None) -> None:
    """Print entries [start, end) as JSON Lines (the export format)."""
    with _client(server, pact) as c:
        stop = end if end is not None else int(c.checkpoint(latest=True).split("\n")[1])
        for e in c.entries(start, stop):
            print(json.dumps(e["envelope"], separators=(",", ":")))


@log_cmd.command("checkpoint")
def log_checkpoint(server: ServerOpt, pact: PactOpt,
                   latest: Annotated[bool, typer.Option("--latest", help="the newest, cosigned or not")] = False) -> None:
    """Print the latest checkpoint (cosigned by the witness quorum unless --latest), after checking its log signature."""
    with _client(server, pact) as c:
        print(c.checkpoint(latest=latest), end="")


@log_cmd.command("proof")
def log_proof(server: ServerOpt, pact: PactOpt,
              index: Annotated[int | None, typer.Option(help="inclusion proof of this entry")] = None,
              size: Annotated[int | None, typer.Option(help="tree size for the inclusion proof")] = None,
              first: Annotated[int | None, typer.Option(help="consistency proof from this size")] = None,
              second: Annotated[int | None, typer.Option(help="consistency proof to this size")] = None) -> None:
    """Print an inclusion (--index --size) or consistency (--first --second) proof as JSON."""
    with _client(server, pact) as c:
        if index is not None and size is not None:
            print_json({"index": index, "size": size, "hashes": [h.hex() for h in c.inclusion_proof(index, size)]})
        elif first is not None and second is not None:
            print_json({"first": first, "second": second, "hashes": [h.hex() for h in c.consistency_proof(first, second)]})
        else:
            raise InputError("give --index and --size, or --first and --second")


def fetch_for_verify(server: str, pact: Path) -> tuple[list[bytes], str]:
    """The log's entries up to its latest witnessed checkpoint, and that checkpoint."""
    with _client(server, pact) as c:
        note = c.checkpoint()
        size = int(note.split("\n")[1])
        entries = c.entries(0, size)
    from ..core.canonical import canonical

    return [canonical(e["envelope"]) for e in entries], note



@app.command()
def demo(
    directory: Annotated[Path | None, typer.Option("--dir", help="folder for the pact, keys, log and logs (default: a new temp folder)")] = None,
    fast: Annotated[bool, typer.Option("--fast", help="compress time (about 40 s for the year) and exit 0 only if every expected transition happened")] = False,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="leave the server running afterwards, for the dashboard")] = False,
    port: Annotated[int, typer.Option(help="port for the server")] = 8000,
    speed: Annotated[float | None, typer.Option(help="simulated seconds per real second (default 3 days/s; --fast: 10 days/s)")] = None,
) -> None:
    """Play a year of a coordinated pause on a real server with three monitors, narrated, then verify the log."""
    import tempfile

    from ..demo import run_demo

    folder = directory or Path(tempfile.mkdtemp(prefix="pausepact-demo-"))
    if not run_demo(folder, fast, keep_running, port, speed):
        out.print(f"[red]the demo did not show every expected transition; logs in {folder / 'logs'}[/]")
        raise typer.Exit(1)
