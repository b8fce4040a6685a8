"""Commands a party runs against a server: status, state, log entries|checkpoint|proof (``submit`` and
``log show|search|verify-inclusion``, ``reveal``: modules ``submit_cmds``, ``log_read_cmds`` and ``reveal_cmds``,
registered below)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..core.durations import parse_time
from ..core.pact import Pact
from ..errors import InputError
from ..pactio import load_pact
from ..party.client import PactClient
from . import app
from .common import ClockOpt, JsonOpt, PactOpt, ServerOpt, err, out, plain, print_json, shown

log_cmd: typer.Typer = typer.Typer(help="Read the log: entries, proofs, checkpoints.", no_args_is_help=True)
app.add_typer(log_cmd, name="log")


def _client(server: str, pact: Path) -> PactClient:
    return PactClient(server, load_pact(pact))


def warn_void(receipt: dict[str, Any]) -> None:
    """A valid entry that had no effect (a vote on a misspelled proposal...) must not look like a success: the
    server's ``void`` reason goes to stderr as a warning (contract: the 201 answer's optional ``void``)."""
    reason = receipt.get("void") if isinstance(receipt, dict) else None
    if reason:
        err.print(f"[yellow]warning: entry {shown(receipt.get('index'))} is void (valid, but has no effect): {shown(reason)}[/]")


def judge_status(envelope: Any, pact: Pact, now: int, log_size: int | None) -> dict[str, Any]:
    """A status as people must read it: ``state`` valid, stale (valid, but the log has grown past it),
    expired or invalid; who signed it (monitor parties whose signature verifies) and when it expires."""
    from ..core.durations import format_time
    from ..core.status import StatusError, decode_core, signing_monitors, verify_status

    try:
        core, payload = decode_core(envelope, pact)
    except StatusError as e:
        return {"state": "invalid", "problem": str(e), "signed_by": [], "now": format_time(now)}
    signed_by = signing_monitors(envelope, payload, pact)
    judged: dict[str, Any] = {**core, "signed_by": signed_by, "status_quorum": pact.oversight.status_quorum,
                              "now": format_time(now), "log_size": log_size, "problem": None}
    try:
        verify_status(envelope, pact, now)
    except StatusError as e:
        expired = parse_time(core["expires_at"]) <= now
        return {**judged, "state": "expired" if expired else "invalid", "problem": str(e)}
    if log_size is not None and log_size > core["tree_size"]:
        return {**judged, "state": "stale",
                "problem": f"covers {core['tree_size']} of the log's {log_size} entries: newer statements are not in it yet"}
    return {**judged, "state": "valid"}


@app.command()
def status(server: ServerOpt, pact: PactOpt, json_out: JsonOpt = False, clock: ClockOpt = "wall") -> None:
    """The server's signed status, checked here against the pinned pact: who signed it, when it expires, and
    whether it is valid, stale (behind the log) or expired/invalid (exit 1). A rehearsal's status is judged on
    its virtual clock (--clock rehearsal:PATH), and only there."""
    from ..clock import Clock, check_server
    from ..party.client import ClientError

    clk = Clock.from_spec(clock)
    with _client(server, pact) as c:
        check_server(clk, c, server)
        envelope = c.status_envelope()
        try:
            size: int | None = int(c.checkpoint(latest=True).split("\n")[1])
        except (ClientError, ValueError, IndexError):
            size = None  # staleness unknown; the status is still judged on its own
        judged = judge_status(envelope, c.pact, clk.now(), size)
    if json_out:
        print_json(judged)
    else:
        _print_status(judged)
    if judged["state"] in ("expired", "invalid"):
        raise typer.Exit(1)


def _print_status(j: dict[str, Any]) -> None:
    if "level" not in j:
        err.print(f"[red]INVALID status: {shown(j['problem'])}[/]")
        return
    colour = {"valid": "green", "stale": "yellow"}.get(j["state"], "red")
    out.print(f"status of {shown(j['pact'])} at tree size {shown(j['tree_size'])}: level [bold]{shown(j['level'])}[/] "
              f"— [{colour}]{j['state'].upper()}[/]")
    out.print(f"  signed by {shown(', '.join(j['signed_by']) or 'no monitor')} "
              f"({len(j['signed_by'])} of {j['status_quorum']} needed); issued {shown(j['issued_at'])}, "
              f"expires {shown(j['expires_at'])} (now {j['now']})")
    if j["problem"]:
        (err if j["state"] != "stale" else out).print(f"  [{colour}]{shown(j['problem'])}[/]")
    for d, p in j["parties"].items():
        limit = p["max_training_flop"]
        flop = "no limit" if limit is None else f"{limit:.3g} FLOP" if isinstance(limit, (int, float)) else shown(limit)
        out.print(f"  {shown(d)}: {shown(p['level'])}, training {flop}, deployments {'allowed' if p['new_deployments'] else 'forbidden'}")


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
            # json.dumps escapes every control character: the line is safe for a terminal as it is
            print(json.dumps(e["envelope"], separators=(",", ":")))


@log_cmd.command("checkpoint")
def log_checkpoint(server: ServerOpt, pact: PactOpt,
                   latest: Annotated[bool, typer.Option("--latest", help="the newest, cosigned or not")] = False) -> None:
    """Print the latest checkpoint (cosigned by the witness quorum unless --latest), after checking its log signature."""
    with _client(server, pact) as c:
        print(plain(c.checkpoint(latest=latest), newlines=True), end="")


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
    """The log's entries up to its latest witnessed checkpoint, and that checkpoint.

    A server's answer that cannot be what the verifier checks (a checkpoint without a
    tree size, an envelope with no JSON form) raises VerificationFailed, one line.
    """
    from ..core.canonical import JsonError, canonical
    from ..core.notes import NoteError, parse_checkpoint, parse_note
    from ..log.verify import VerificationFailed

    with _client(server, pact) as c:
        note = c.checkpoint()
        try:
            size = parse_checkpoint(parse_note(note).text).size
        except NoteError as e:
            raise VerificationFailed(f"checkpoint: malformed: {e}") from None
        entries = c.entries(0, size)
    lines = []
    for i, entry in enumerate(entries):
        try:
            lines.append(canonical(entry["envelope"]))
        except (JsonError, KeyError, TypeError):
            raise VerificationFailed(f"entry {i}: malformed: the server's envelope has no RFC 8785 form", i) from None
    return lines, note


from . import log_read_cmds, reveal_cmds, submit_cmds  # noqa: E402,F401  (register their commands; they use _client from here)
