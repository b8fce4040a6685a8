"""``pausepact reveal``: a lab publishes the opening of one of its sealed reports (contract v2 section 8).

The opening (value and salt) comes from the lab's own openings file, kept when the
report was sealed (``party.openings``); the sealed report is found in the log, by its
index or its statement digest, and checked here before anything is signed: it must be
a ``sealed_report`` by this party about itself, not yet revealed, and the kept opening
must open its commitment. A reveal makes the value public for good and changes no level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .. import keyfiles
from ..core.rejection import Rejection
from ..core.statements import SignedStatement, decode_envelope
from ..errors import InputError
from ..party.client import PactClient
from ..party.openings import Opening
from ..party.reporting import openings_store
from . import app
from .common import JsonOpt, KeyOpt, PactOpt, ServerOpt, out, print_json, shown
from .party_cmds import _client, warn_void

_HEX = "0123456789abcdef"


def _entry(c: PactClient, index: int) -> SignedStatement:
    got = c.entries(index, index + 1)
    if not got:
        raise InputError(f"--index {index}: the log has no entry {index}")
    try:
        return decode_envelope(got[0]["envelope"], c.pact)
    except Rejection as e:
        raise InputError(f"entry {index}: not a statement of this pact ({e.code}): nothing to reveal") from None


def _find(c: PactClient, party: str, statement: str | None, index: int | None, kept: Opening | None) -> tuple[int, SignedStatement]:
    """The log entry of the sealed report to reveal, by ``index`` or by ``statement`` digest."""
    if index is not None:
        return index, _entry(c, index)
    assert statement is not None
    # where the openings file says it is, else among this party's sealed reports the state lists
    candidates = [kept.index] if kept is not None and kept.index is not None else []
    sealed = c.state().get("sealed")
    if isinstance(sealed, list):
        candidates += [s["index"] for s in sealed if isinstance(s, dict) and s.get("party") == party
                       and isinstance(s.get("index"), int) and s["index"] not in candidates]
    for i in candidates:
        ss = _entry(c, i)
        if ss.digest == statement:
            return i, ss
    raise InputError(f"--statement {statement}: no sealed report by {party} with this statement digest is in the log")


def _revealed(c: PactClient, index: int) -> bool:
    sealed = c.state().get("sealed")
    return isinstance(sealed, list) and any(isinstance(s, dict) and s.get("index") == index and s.get("value") is not None
                                            for s in sealed)


@app.command()
def reveal(
    server: ServerOpt,
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="the developer that made the sealed report", show_default=False)],
    key: KeyOpt,
    statement: Annotated[str | None, typer.Option("--statement", help="the sealed report's statement digest (hex SHA-256 of its payload)")] = None,
    index: Annotated[int | None, typer.Option("--index", help="the sealed report's log index", min=0)] = None,
    openings: Annotated[Path | None, typer.Option("--openings", help="the openings file it was sealed with "
                                                                     "(default: per pact and party in the user data folder)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Publish the value of one of your sealed reports, from the opening kept when it was sealed.

    Irreversible: the value becomes public in the log (state ``sealed[].value``); levels do not change."""
    if (statement is None) == (index is None):
        raise InputError("give exactly one of --statement HEX or --index N")
    if statement is not None and (len(statement) != 64 or any(ch not in _HEX for ch in statement)):
        raise InputError("--statement: 64 lowercase hex digits (the SHA-256 of the sealed report's payload)")
    with _client(server, pact) as c:
        signer = c.signer_for(party, keyfiles.read_private_key(key))
        store = openings_store(c, party, openings)
        kept = store.find(party, statement=statement) if statement is not None else None
        at, ss = _find(c, party, statement, index, kept)
        st = ss.statement
        if st.type != "sealed_report":
            raise InputError(f"entry {at}: a {st.type!r} statement, not a sealed report: nothing to reveal")
        if st.party != party:
            raise InputError(f"entry {at}: a sealed report by {st.party}, not {party}: only its author may reveal it")
        commitment = st.body.get("commitment")
        kept = store.find(party, commitment=commitment) if isinstance(commitment, str) else None
        if kept is None:
            raise InputError(f"entry {at}: {party} has no opening of this sealed report in {store.path} "
                             "(only the openings file it was sealed with can reveal it; see --openings)")
        if (kept.indicator, kept.measured_at) != (st.body.get("indicator"), st.body.get("measured_at")):
            raise InputError(f"entry {at}: the opening kept for its commitment is of another report; refusing to reveal")
        if _revealed(c, at):
            raise InputError(f"entry {at}: this sealed report was already revealed")
        receipt = c.submit(signer, "reveal", {"statement": ss.digest, "value": kept.value, "salt": kept.salt})
    result: dict[str, Any] = {**receipt, "revealed": {"index": at, "statement": ss.digest, "indicator": kept.indicator,
                                                      "value": kept.value}}
    if json_out:
        print_json(result)
    else:
        out.print(f"revealed sealed report {at} ({shown(kept.indicator)}): value {kept.value!r} is now public, "
                  f"as entry {shown(receipt.get('index'))}")
    warn_void(receipt)
