"""Reading a server's log as an operator: ``log show``, ``log search``, ``log verify-inclusion``.

What an entry did is the engine's replay of the log, computed here; the server's word
(its ``void`` answers, its ``/v1/state``) is never used. An inclusion proof is checked
here too: the log's signature, the witness quorum of the checkpoint, the Merkle path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..core import merkle
from ..core.canonical import JsonError, canonical
from ..core.effects import Checked, outcome, replayed
from ..core.notes import NoteError, parse_checkpoint, parse_note
from ..core.statements import SignedStatement
from ..errors import InputError
from ..log.checking import EnvelopeChecker
from ..log.verify import VerificationFailed, check_checkpoint
from ..pactio import read_pact_bytes
from ..party.client import PactClient
from . import party_cmds
from .common import JsonOpt, PactOpt, ServerOpt, out, parse_time_option, print_json, shown

log_cmd = party_cmds.log_cmd
IndexArg = Annotated[int, typer.Argument(help="the entry's index in the log (0 is the first)", min=0)]


def log_size(c: PactClient) -> int:
    """The size of the newest checkpoint (its log signature checked by the client)."""
    try:
        return parse_checkpoint(parse_note(c.checkpoint(latest=True)).text).size
    except NoteError as e:
        raise VerificationFailed(f"checkpoint: malformed: {e}") from None


def fetch_checked(c: PactClient, pact: Path, end: int) -> tuple[list[dict[str, Any]], list[Checked]]:
    """Entries [0, end) as the server sent them, and each checked here (decoded, signature verified)."""
    entries = c.entries(0, end)
    with EnvelopeChecker(c.pact, read_pact_bytes(pact)) as checker:
        checked = list(checker.stream([e["envelope"] for e in entries]))
    return entries, checked


def describe(index: int, checked: Checked, envelope: dict[str, Any], effect: dict[str, Any]) -> dict[str, Any]:
    """One entry for people and scripts: the decoded statement, who signed it, its payload hash, what it did."""
    if isinstance(checked, SignedStatement):
        st = checked.statement
        return {"index": index, "type": st.type, "party": st.party, "keyid": checked.keyid, "seq": st.seq, "time": st.time,
                "body": dict(st.body), "payload_sha256": checked.digest, "effect": effect}
    return {"index": index, "type": None, "party": None, "keyid": None, "seq": None, "time": None, "body": None,
            "payload_sha256": None, "effect": effect}


def _effect_text(effect: dict[str, Any]) -> str:
    if effect["effect"] == "rejected":
        return f"rejected: {effect['code']}: {effect['reason']}"
    if effect["effect"] in ("void", "pending"):
        return f"{effect['effect']}: {effect['reason']}"
    return "counted"


@log_cmd.command("show")
def log_show(index: IndexArg, server: ServerOpt, pact: PactOpt, json_out: JsonOpt = False) -> None:
    """One entry decoded: signer, key, time, body, its payload hash (what a countersign names) and what it did,
    from a replay of the log up to it computed here."""
    with party_cmds._client(server, pact) as c:
        entries, checked = fetch_checked(c, pact, index + 1)
    if len(entries) <= index:
        raise InputError(f"entry {index}: the log has only {len(entries)} entries")
    engine = replayed(c.pact, checked)
    info = describe(index, checked[index], entries[index]["envelope"], outcome(engine, index))
    if json_out:
        print_json(info)
        return
    if info["type"] is None:
        out.print(f"entry {index}: [red]{shown(_effect_text(info['effect']))}[/]")
        return
    out.print(f"entry {index}: [bold]{shown(info['type'])}[/] by {shown(info['party'])} "
              f"(key {shown(info['keyid'])}, seq {info['seq']}) at {shown(info['time'])}")
    out.print(f"  body: {shown(json.dumps(info['body'], sort_keys=True, ensure_ascii=False))}")
    out.print(f"  payload sha256: {info['payload_sha256']}")
    colour = {"counted": "green", "void": "yellow", "pending": "yellow"}.get(info["effect"]["effect"], "red")
    out.print(f"  effect: [{colour}]{shown(_effect_text(info['effect']))}[/]")


@log_cmd.command("search")
def log_search(
    server: ServerOpt, pact: PactOpt,
    party: Annotated[list[str] | None, typer.Option("--party", help="only statements by this party (repeatable)")] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help="only statements of this type (repeatable)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="only statements timed at or after (YYYY-MM-DDTHH:MM:SSZ)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="only statements timed at or before")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON Lines, one entry a line")] = False,
) -> None:
    """Entries by party, type and time, each with what it did (the whole log is replayed here)."""
    lo, hi = parse_time_option(since, "--since"), parse_time_option(until, "--until")
    with party_cmds._client(server, pact) as c:
        entries, checked = fetch_checked(c, pact, log_size(c))
    engine = replayed(c.pact, checked)
    found = []
    for i, ch in enumerate(checked):
        if not isinstance(ch, SignedStatement):
            if party or type_ or lo is not None or hi is not None:
                continue
        else:
            st = ch.statement
            if (party and st.party not in party) or (type_ and st.type not in type_) \
                    or (lo is not None and st.t < lo) or (hi is not None and st.t > hi):
                continue
        found.append(describe(i, ch, entries[i]["envelope"], outcome(engine, i)))
    if json_out:
        for item in found:
            print(json.dumps(item, sort_keys=True, separators=(",", ":")))  # json.dumps escapes control characters
        return
    t = Table("entry", "time", "party", "type", "body", "effect", title=f"{len(found)} of {len(entries)} entries")
    for item in found:
        body = json.dumps(item["body"], sort_keys=True, ensure_ascii=False) if item["body"] is not None else "-"
        t.add_row(str(item["index"]), shown(item["time"] or "-"), shown(item["party"] or "-"), shown(item["type"] or "-"),
                  shown(body), shown(_effect_text(item["effect"])))
    out.print(t)


@log_cmd.command("verify-inclusion")
def log_verify_inclusion(index: IndexArg, server: ServerOpt, pact: PactOpt, json_out: JsonOpt = False) -> None:
    """Check here that entry N is in the latest witness-cosigned checkpoint: the log's signature, the
    witness quorum, and the Merkle inclusion proof (exit 1 if any fails)."""
    with party_cmds._client(server, pact) as c:
        note = c.checkpoint()
        try:
            cp = parse_checkpoint(parse_note(note).text)
        except NoteError as e:
            raise VerificationFailed(f"checkpoint: malformed: {e}") from None
        cosigners = check_checkpoint(c.pact, note, cp.size, cp.root)
        if index >= cp.size:
            raise InputError(f"entry {index} is not in the latest witnessed checkpoint (it covers {cp.size} entries); "
                             "wait for the monitors to cosign a newer one")
        got = c.entries(index, index + 1)
        proof = c.inclusion_proof(index, cp.size)
    if not got:
        raise VerificationFailed(f"entry {index}: the server did not send it", index)
    try:
        leaf = merkle.leaf_hash(canonical(got[0]["envelope"]))
    except (JsonError, TypeError):
        raise VerificationFailed(f"entry {index}: malformed: the server's envelope has no RFC 8785 form", index) from None
    try:
        merkle.verify_inclusion(index, cp.size, leaf, proof, cp.root)
    except merkle.ProofError as e:
        raise VerificationFailed(f"entry {index}: the inclusion proof does not lead to the checkpoint's root: {e}", index) from None
    result = {"ok": True, "index": index, "size": cp.size, "root": cp.root.hex(), "leaf_hash": leaf.hex(), "cosigners": cosigners}
    if json_out:
        print_json(result)
    else:
        out.print(f"OK: entry {index} (leaf {leaf.hex()}) is in the tree of size {cp.size}, root {cp.root.hex()}, "
                  f"signed by the log and cosigned by {shown(', '.join(cosigners))}")
