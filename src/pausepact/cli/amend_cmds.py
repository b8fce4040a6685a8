"""``pausepact amend``: amendments to the pact (contract section 9).

``amend check NEW --pact CURRENT`` is offline: the void rules a text alone decides, the size an amend
proposal may carry, and what the amendment changes. Exit 0 when NEW can be proposed; 1 when it is void
(or too large); 2 when a file cannot be read or CURRENT is not a valid pact.

``amend propose NEW --server URL --pact FIRST ...`` checks NEW the same way against the version in force on
the server (with the earlier versions and the revoked keys the log holds), and only then signs and submits the
``propose`` (exit 1 when void, nothing signed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .. import keyfiles
from ..core.amendments import (
    MAX_AMENDMENT_BYTES,
    AmendmentBodyError,
    amendment_effects,
    key_holders,
    propose_body,
    removal_quorum,
    timelock,
)
from ..core.durations import format_duration
from ..errors import InputError
from ..party.signer import Signer
from . import app
from .common import JsonOpt, KeyOpt, PactOpt, ServerOpt, out, plain, print_json, shown
from .diff_cmds import Comparison, change_json, changes_table, compare, load_old, print_void, read_new, void_json
from .party_cmds import _client, warn_void

amend_app = typer.Typer(help="Amend the pact: check a new version against the version in force.", no_args_is_help=True)
app.add_typer(amend_app, name="amend")

EarlierOpt = Annotated[list[Path] | None, typer.Option(
    "--earlier", help="an earlier version of the pact (repeat): a key may not move to another party than the one that held it")]
RevokedOpt = Annotated[list[str] | None, typer.Option(
    "--revoked", help="a revoked key, as the pact writes it, ed25519:... or x25519:... (repeat): the new version may not list it")]


def _effects_json(c: Comparison) -> dict[str, Any] | None:
    if c.new is None:
        return None
    everyone = [p.id for p in c.old.parties]  # offline, who has signed is unknown: every party may have
    e = amendment_effects(c.old, c.new, everyone)
    return {"dropped": list(e.dropped), "role_changed": list(e.role_changed), "rekeyed": list(e.rekeyed),
            "log_key_changed": e.log_key_changed, "remove_approval": str(removal_quorum(c.old)),
            "timelock": format_duration(timelock(c.old, c.new))}


def _print_effects(c: Comparison) -> None:
    effects = _effects_json(c)
    if effects is None:
        return
    moved = [*effects["dropped"], *effects["role_changed"]]
    if moved:
        out.print(f"drops or changes the role of {', '.join(shown(p) for p in moved)}: for those that have signed, it also "
                  f"needs {shown(effects['remove_approval'])}, counted without them")
    if effects["log_key_changed"]:
        out.print("changes the log's checkpoint key: it executes no sooner than the larger of the timelock and both "
                  "versions' status_ttl")
    out.print(f"once approved, it waits {effects['timelock']} (timelock) before it executes; monitors may cancel it meanwhile")


@amend_app.command("check")
def check_cmd(
    new: Annotated[Path, typer.Argument(help="the proposed new version (YAML)", show_default=False)],
    pact: Annotated[Path, typer.Option("--pact", help="the version in force (YAML)", show_default=False)],
    earlier: EarlierOpt = None,
    revoked: RevokedOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Offline: is NEW a valid amendment of the version in force (the void rules a text decides, at most 32 KiB),
    and what does it change? Exit 0: it can be proposed; 1: void or too large; 2: unreadable files or --pact invalid."""
    current = load_old(pact)
    holders = key_holders([*(load_old(p) for p in earlier or []), current])
    c = compare(current, read_new(new), holders=holders, revoked=tuple(revoked or ()))
    too_large = len(c.new_bytes) > MAX_AMENDMENT_BYTES
    proposable = not c.void and not too_large
    if json_out:
        print_json({
            "proposable": proposable, "bytes": len(c.new_bytes), "max_bytes": MAX_AMENDMENT_BYTES,
            "digest": c.new.digest if c.new is not None else None,
            "void": [void_json(v) for v in c.void],
            "changes": [change_json(x, c) for x in c.changes] if c.new is not None else [],
            "weakening": sum(x.weakens for x in c.changes),
            "effects": _effects_json(c),
        })
    else:
        print_void(c.void, str(new))
        if too_large:
            print(plain(f"{new}: {len(c.new_bytes)} bytes: an amend proposal carries at most {MAX_AMENDMENT_BYTES} bytes (32 KiB)"))
        if c.new is not None:
            weak = [x for x in c.changes if x.weakens]
            out.print(f"{len(c.changes)} change(s) from {shown(current.pact)} v{current.version}; {len(weak)} weaken the agreement"
                      + (":" if weak else "") + "   (pausepact diff shows them all)")
            if weak:
                out.print(changes_table(c, only_weakening=True))
            _print_effects(c)
        if proposable:
            assert c.new is not None
            out.print(f"[green]{shown(new)}: can be proposed as version {c.new.version} of {shown(c.new.pact)}[/] ({c.new.digest})")
        else:
            why = ([f"void ({len(c.void)} reason(s) above)"] if c.void else []) + (["larger than 32 KiB"] if too_large else [])
            out.print(f"[red]{shown(new)}: cannot be proposed[/]: {', '.join(why)}")
    if not proposable:
        raise typer.Exit(1)


@amend_app.command("propose")
def propose_cmd(
    new: Annotated[Path, typer.Argument(help="the proposed new version (YAML), exactly as it is to be signed", show_default=False)],
    server: ServerOpt,
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="the proposing party's id", show_default=False)],
    key: KeyOpt,
    id_: Annotated[str, typer.Option("--id", help="the new proposal's id", show_default=False)],
    rationale: Annotated[str | None, typer.Option("--rationale", help="why (at most 2,000 characters; shown wherever "
                                                                       "the proposal is shown)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Propose NEW as the next version of the pact. Give the first version as --pact: the version in force, the
    earlier versions and the revoked keys are read from the server, and NEW is checked against them (the void
    rules, at most 32 KiB) before anything is signed. Votes are `pausepact submit vote --proposal ID --yes`."""
    data = read_new(new)
    private = keyfiles.read_private_key(key)
    with _client(server, pact) as c:
        c.follow_versions()
        state = c.state()
        revoked = tuple(r["key"] for r in state.get("revoked", []) if isinstance(r, dict) and isinstance(r.get("key"), str))
        current = c.pact
        comparison = compare(current, data, holders=key_holders(c.chain), revoked=revoked)
        if comparison.void:
            print_void(comparison.void, str(new))
            out.print(f"[red]{shown(new)}: void as an amendment of version {current.version}[/] "
                      f"({len(comparison.void)} reason(s) above): nothing was signed")
            raise typer.Exit(1)
        try:
            body = propose_body(id_, data, rationale)
        except AmendmentBodyError as e:
            raise InputError(f"{new}: {e}: nothing was signed") from None
        receipt = c.submit(Signer(current, party, private), "propose", body)
    assert comparison.new is not None
    if json_out:
        print_json({**receipt, "proposal": id_, "version": comparison.new.version, "digest": comparison.new.digest})
    else:
        out.print(f"proposed {shown(new)} as version {comparison.new.version} of {shown(current.pact)} "
                  f"({comparison.new.digest}): proposal {shown(id_)}, entry {shown(receipt.get('index'))}")
        _print_effects(comparison)
    warn_void(receipt)
