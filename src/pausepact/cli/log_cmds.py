"""Commands about statements and the log: keygen, statement, append, export, verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .. import keyfiles
from ..core.keys import keyid
from ..core.pact import Pact
from ..core.statements import Rejection, check
from ..errors import InputError
from ..log.checking import EnvelopeChecker
from ..log.store import open_store
from ..log.verify import VerificationFailed, verify_log
from ..log.writer import Accepted, LogWriter
from ..pactio import load_pact, read_pact_bytes
from ..party.signer import Signer
from . import app
from .common import (
    DEFAULT_STORE,
    JsonOpt,
    KeyOpt,
    LogKeyOpt,
    MaxSkewOpt,
    PactOpt,
    StoreOpt,
    body_option,
    now,
    out,
    parse_time_option,
    print_json,
    progress,
    read_jsonl,
    shown,
)


@app.command()
def keygen(
    path: Annotated[Path, typer.Argument(help="where to write the private key (mode 0600)")],
    seal: Annotated[bool, typer.Option("--seal", help="an X25519 seal key for a monitor (sealed reports) instead of an Ed25519 signing key")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create an Ed25519 signing key, or with --seal a monitor's X25519 seal key: writes the private key
    (PEM PKCS#8) and prints the public key for the pact."""
    key = keyfiles.generate_seal_key() if seal else keyfiles.generate()
    try:
        keyfiles.write_private_key(path, key)
    except OSError as e:  # e.g. a parent folder that is a file
        raise InputError(f"{path}: cannot write the key: {e.strerror}") from None
    if isinstance(key, X25519PrivateKey):
        public = keyfiles.seal_public_text(key)
        if json_out:
            print_json({"private_key": str(path), "public_key": public})
        else:
            out.print(f"wrote {shown(path)}\nseal key (list it as the monitor's seal_key): {public}")
        return
    info = {"private_key": str(path), "public_key": keyfiles.public_text(key), "keyid": keyid(keyfiles.public_raw(key))}
    if json_out:
        print_json(info)
    else:
        out.print(f"wrote {shown(path)}\npublic key (list it under the party's keys): {info['public_key']}\nkeyid: {info['keyid']}")


@app.command()
def statement(
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="sign, report, countersign, attest, propose, vote, cancel, run or ack")],
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="the signing party's id", show_default=False)],
    key: KeyOpt,
    seq: Annotated[int, typer.Option("--seq", help="this key's sequence number (1 for its first statement)", show_default=False)],
    body: Annotated[str, typer.Option("--body", help="the body as JSON")] = "{}",
    time: Annotated[str | None, typer.Option("--time", help="YYYY-MM-DDTHH:MM:SSZ (default: now)")] = None,
) -> None:
    """Print a signed statement envelope (one JSON line), checked against the pact first."""
    p = load_pact(pact)
    body_obj = body_option(body)
    t = parse_time_option(time, "--time")
    env = Signer(p, party, keyfiles.read_private_key(key)).sign(type_, body_obj, t if t is not None else now(), seq=seq)
    try:
        check(env, p)
    except Rejection as r:
        raise InputError(f"this statement would be refused: {r.code}: {r.detail}") from None
    print(json.dumps(env, separators=(",", ":")))


@contextmanager
def _checker(pact_path: Path, workers: int | None = None) -> Iterator[tuple[Pact, EnvelopeChecker]]:
    p = load_pact(pact_path)
    with EnvelopeChecker(p, read_pact_bytes(pact_path), workers) as c:
        yield p, c


@app.command()
def append(
    entries: Annotated[Path, typer.Argument(help="JSON Lines of envelopes ('-' for stdin)")],
    pact: PactOpt,
    key: LogKeyOpt,
    store: StoreOpt = DEFAULT_STORE,
    clock: Annotated[str, typer.Option(help="'wall' (the log's clock is now) or 'statement' (import history: each statement's own time)")] = "wall",
    max_skew: MaxSkewOpt = 300,
    batch: Annotated[int, typer.Option(help="statements per checkpoint", min=1)] = 1000,
    json_out: JsonOpt = False,
) -> None:
    """Append envelopes to a local log store without a server (validated exactly as the server does)."""
    if clock not in ("wall", "statement"):
        raise InputError("--clock is 'wall' or 'statement'")
    lines = read_jsonl(entries)
    with _checker(pact) as (p, checker):
        writer = LogWriter(open_store(store), p, keyfiles.read_private_key(key), checker, max_skew=max_skew)
        accepted, refused = 0, []
        with progress(len(lines), "appending") as advance:
            for start in range(0, len(lines), batch):
                chunk = lines[start:start + batch]
                results = writer.append(chunk, None if clock == "statement" else now())
                for i, r in enumerate(results):
                    if isinstance(r, Accepted):
                        accepted += 1
                    else:
                        refused.append({"line": start + i + 1, **r.as_json()})
                advance(len(chunk))
    if json_out:
        print_json({"accepted": accepted, "refused": refused, "size": writer.store.size()})
    else:
        for item in refused:
            out.print(f"{shown(entries)}:{item['line']}: refused: {shown(item['error'])}: {shown(item['detail'])}")
        out.print(f"appended {accepted}, refused {len(refused)}; log size {writer.store.size()}")
    if refused:
        raise typer.Exit(1)


@app.command()
def cosign(
    checkpoint: Annotated[Path, typer.Argument(help="a checkpoint note; the cosigned note replaces it")],
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="the cosigning monitor's party id", show_default=False)],
    key: KeyOpt,
) -> None:
    """Cosign a checkpoint as a monitor (C2SP tlog-cosignature v1), after checking the log's signature on it.

    Cosign only a checkpoint whose tree you have verified (``pausepact verify``) or seen grow consistently.
    """
    from ..core.notes import NoteError, parse_note, verify_note
    from ..core.notes import cosign as cosign_note

    p = load_pact(pact)
    if p.party_by_id.get(party) is None or p.party_by_id[party].role != "monitor":
        raise InputError(f"{party!r} is not a monitor of the pact")
    k = keyfiles.read_private_key(key)
    raw = keyfiles.public_raw(k)
    if p.key_owner.get(keyid(raw), ("",))[0] != party:
        raise InputError(f"the key given is not a key of {party!r}")
    try:
        note = parse_note(checkpoint.read_bytes())
    except (OSError, NoteError) as e:
        raise InputError(f"{checkpoint}: {e}") from None
    log_keys = [r for pid, r in p.key_owner.values() if pid == p.log_party.id]
    if not any(verify_note(note, p.origin, lk) for lk in log_keys):
        raise InputError(f"{checkpoint}: not signed by the pact's log key; refusing to cosign")
    checkpoint.write_text(note.with_signature(cosign_note(note.text, party, k, raw, now())).render())
    out.print(f"cosigned {shown(checkpoint)} as {shown(party)}")


@app.command()
def export(
    store: StoreOpt = DEFAULT_STORE,
    output: Annotated[Path | None, typer.Option("--out", help="write entries here (default: stdout)")] = None,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="also write the latest checkpoint note here")] = None,
) -> None:
    """Write the log as JSON Lines, one envelope per line in log order."""
    s = open_store(store)
    cp = s.checkpoint()
    size = cp[0] if cp else s.size()
    try:
        sink = output.open("wb") if output else None
    except OSError as e:
        raise InputError(f"{output}: cannot write: {e.strerror}") from None
    try:
        import sys

        w = sink or sys.stdout.buffer
        for start in range(0, size, 10000):
            for entry in s.entries(start, min(size, start + 10000)):
                w.write(entry.leaf + b"\n")
    finally:
        if sink:
            sink.close()
    if checkpoint and cp:
        try:
            checkpoint.write_text(cp[1])
        except OSError as e:
            raise InputError(f"{checkpoint}: cannot write: {e.strerror}") from None


@app.command()
def verify(
    pact: PactOpt,
    server: Annotated[str | None, typer.Option("--server", help="verify a live server's log (up to its witnessed checkpoint)")] = None,
    entries: Annotated[Path | None, typer.Option("--entries", help="exported JSON Lines")] = None,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="the checkpoint note (text)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Independently verify a log: every envelope and rule, the tree, the log signature and the witness quorum."""
    if server is not None:
        from .party_cmds import fetch_for_verify

        lines, note_text = fetch_for_verify(server, pact)
        note = note_text.encode()
    elif entries is None or checkpoint is None:
        raise InputError("give --server URL, or --entries FILE.jsonl and --checkpoint FILE")
    else:
        lines = read_jsonl(entries)
        try:
            note = checkpoint.read_bytes()
        except OSError as e:
            raise InputError(f"{checkpoint}: cannot read: {e.strerror}") from None
    with _checker(pact) as (p, checker):
        try:
            report = verify_log(p, lines, note, checker)
        except VerificationFailed as e:
            if json_out:
                print_json({"ok": False, "error": str(e), "index": e.index})  # json.dumps escapes control characters
                raise typer.Exit(1) from None
            raise
    if json_out:
        print_json({"ok": True, "entries": report.entries, "root": report.root.hex(), "cosigners": report.cosigners})
    else:
        out.print(f"OK: {report.entries} entries verified; root {report.root.hex()}; "
                  f"checkpoint signed by the log and cosigned by {shown(', '.join(report.cosigners))}")
