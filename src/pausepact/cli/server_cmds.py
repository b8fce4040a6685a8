"""The serve command: the log server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import keyfiles
from ..clock import Clock
from ..pactio import load_pact, read_pact_bytes
from ..printable import log_to_stderr
from . import app
from .common import DEFAULT_STORE, ClockAnchor, ClockOpt, ClockSpeed, ClockStart, MaxSkewOpt, PactOpt, StoreOpt, out, shown

MaxLeadOpt = Annotated[int, typer.Option(min=0, help="seconds a statement's time may lead the log's clock (contract section 3)")]
HeaderSecondsOpt = Annotated[float, typer.Option(min=0.1, help="seconds a connection has to send a request's headers")]
SnapshotEveryOpt = Annotated[int, typer.Option(min=1, help="keep an engine snapshot every this many entries (restarts replay only what follows)")]
ConnectionsOpt = Annotated[int, typer.Option(min=16, help="connections and requests served at once (more get 503)")]
NotifyOpt = Annotated[list[str] | None, typer.Option(
    "--notify", help="webhook URL told of events as JSON (repeatable); slack+https://... sends a chat {\"text\"}; "
                     "URL#secret=S signs with its own secret (docs/notifications.md)")]
NotifySecretOpt = Annotated[str | None, typer.Option(envvar="PAUSEPACT_NOTIFY_SECRET", help="HMAC-SHA256 key of the X-Pausepact-Signature header")]
NotifyLedgerOpt = Annotated[str | None, typer.Option(help="file of delivered notification ids (default: beside a SQLite store)")]
LogKeysOpt = Annotated[list[Path], typer.Option(
    "--key", help="the log party's private key (signs checkpoints); repeat it with the log keys of later versions of the "
                  "pact: each checkpoint is signed with the log key of the version in force at its last entry",
    show_default=False)]
PerClientOpt = Annotated[int, typer.Option(min=1, help="open connections one client address may hold (at most a quarter of --connections)")]


@app.command()
def serve(
    pact: PactOpt,
    key: LogKeysOpt,
    store: StoreOpt = DEFAULT_STORE,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    max_skew: MaxSkewOpt = 300,
    max_lead: MaxLeadOpt = 10,
    clock_start: ClockStart = None,
    clock_speed: ClockSpeed = 1.0,
    clock_anchor: ClockAnchor = None,
    clock: ClockOpt = "wall",
    workers: Annotated[int | None, typer.Option(help="processes verifying signatures (default: all cores)")] = None,
    header_seconds: HeaderSecondsOpt = 10.0,
    connections: ConnectionsOpt = 2000,
    per_client: PerClientOpt = 64,
    snapshot_every: SnapshotEveryOpt = 100_000,
    notify: NotifyOpt = None,
    notify_secret: NotifySecretOpt = None,
    notify_ledger: NotifyLedgerOpt = None,
) -> None:
    """Run the pact server: accepts statements, serves entries, proofs, checkpoints, state and status."""
    import uvicorn

    from ..server import ServerConfig, create_app
    from ..server.connections import uvicorn_options
    from ..server.notify import Webhook

    hooks = [Webhook.parse(url, notify_secret) for url in notify or []]

    keys = [keyfiles.read_private_key(k) for k in key]
    cfg = ServerConfig(load_pact(pact), read_pact_bytes(pact), keys[0], store,
                       Clock.from_options(clock_start, clock_speed, clock_anchor, clock), max_skew, workers, max_lead=max_lead,
                       snapshot_every=snapshot_every, notify=hooks, notify_ledger=notify_ledger, later_keys=keys[1:])
    log_to_stderr("%(asctime)s %(name)s %(levelname)s %(message)s")
    on = f"  on {cfg.clock.describe()}" if cfg.clock.kind != "wall" else ""
    out.print(shown(f"serving pact {cfg.pact.pact} ({cfg.pact.digest}) on http://{host}:{port}  store {store}{on}"))
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning", **uvicorn_options(header_seconds, connections, per_client))
