"""``pausepact revoke``: a party withdraws one of its own keys (contract v2, section 9).

Everything the log would void is refused here, before anything is signed: the key must be a
current key of the party in the version in force (followed from the server), a signing key may
revoke itself or a key the pact lists after it, never one listed before it, and never the party's
last current signing key; a monitor may also revoke its seal key. From the entry after the
``revoke`` on, the log refuses statements by the revoked key (``unknown-key``); it never returns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from .. import keyfiles
from ..core.keys import format_public_key, keyid, parse_public_key
from ..core.pact import Pact
from ..core.sealing import format_seal_key, parse_seal_key
from ..errors import InputError
from . import app
from .common import JsonOpt, KeyOpt, PactOpt, ServerOpt, out, print_json, shown
from .party_cmds import _client, warn_void

MAX_PUBLIC_PEM = 16 * 1024


def key_text(given: str) -> str:
    """The key to revoke as the pact writes it: ``ed25519:``/``x25519:`` text as given, or read from a PEM file
    (a public key, or the private key itself: only its public half is used)."""
    if given.startswith("ed25519:"):
        try:
            return format_public_key(parse_public_key(given))
        except ValueError as e:
            raise InputError(f"--revoke: {e}") from None
    if given.startswith("x25519:"):
        try:
            return format_seal_key(parse_seal_key(given))
        except ValueError as e:
            raise InputError(f"--revoke: {e}") from None
    path = Path(given)
    if not path.is_file():
        raise InputError(f"--revoke {given!r}: neither a key as the pact writes it (ed25519:... or x25519:...) nor a PEM file")
    head = path.read_bytes()[:MAX_PUBLIC_PEM]
    key: object
    if b"PUBLIC KEY" in head:
        try:
            key = serialization.load_pem_public_key(head)
        except ValueError:
            raise InputError(f"--revoke {given}: not a PEM public key pausepact can read") from None
    else:
        key = keyfiles._load_pem(path, "Ed25519 or X25519")
    if isinstance(key, Ed25519PrivateKey):
        return keyfiles.public_text(key)
    if isinstance(key, X25519PrivateKey):
        return keyfiles.seal_public_text(key)
    if isinstance(key, Ed25519PublicKey | X25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return format_public_key(raw) if isinstance(key, Ed25519PublicKey) else format_seal_key(raw)
    raise InputError(f"--revoke {given}: holds a key that is neither Ed25519 nor X25519")


def revoke_problem(pact: Pact, party: str, signing: str, key: str, revoked: set[str]) -> str | None:
    """Why the log would void ``party``'s revoke of ``key`` signed with its key ``signing`` (None: it would count)."""
    me = pact.party_by_id.get(party)
    if me is None:
        return f"{party!r} is no party of version {pact.version} of the pact"
    if key in revoked:
        return f"{key} was already revoked"
    if signing in revoked:
        return "the signing key itself was revoked: sign with a current key"
    if key.startswith("x25519:"):
        if me.role != "monitor" or me.seal_key != key:
            return f"{key} is not the current seal key of {party} (only a monitor revokes its own seal key)"
        return None
    current = [k for k in me.keys if k not in revoked]
    if key not in current:
        return f"{key} is not a current signing key of {party} in version {pact.version} of the pact"
    if me.keys.index(key) < me.keys.index(signing):
        return (f"{key} is listed before the signing key: keys are ordered by authority, so a key revokes itself or a "
                "key listed after it, never an earlier one (sign with that key or an earlier one)")
    if len(current) == 1:
        return f"it would leave {party} with no current signing key"
    return None


@app.command()
def revoke(
    server: ServerOpt,
    pact: PactOpt,
    party: Annotated[str, typer.Option("--as", help="the party whose key is revoked (it signs the revoke)", show_default=False)],
    key: KeyOpt,
    revoke_key: Annotated[str, typer.Option("--revoke", help="the key to revoke: ed25519:... or x25519:... as the pact "
                                                               "writes it, or a PEM file of it (public or private)",
                                            show_default=False)],
    reason: Annotated[str, typer.Option("--reason", help="why (logged with the revoke)", show_default=False)],
    json_out: JsonOpt = False,
) -> None:
    """Withdraw one of your own keys at once (a leaked guard key, a retired seal key). Give the first version of the
    pact as --pact: the version in force is followed from the server. Refused here, before anything is signed,
    when the log would void it: a key that is not yours, one listed before the signing key, or your last one."""
    target = key_text(revoke_key)
    private = keyfiles.read_private_key(key)
    with _client(server, pact) as c:
        c.follow_versions()
        state = c.state()
        revoked = {r["key"] for r in state.get("revoked", []) if isinstance(r, dict) and isinstance(r.get("key"), str)}
        signing = keyfiles.public_text(private)
        if c.pact.key_owner.get(keyid(keyfiles.public_raw(private)), ("",))[0] != party:
            raise InputError(f"--key: not a key of {party!r} in version {c.pact.version} of the pact")
        problem = revoke_problem(c.pact, party, signing, target, revoked)
        if problem is not None:
            raise InputError(f"revoke refused before signing: {problem}")
        signer = c.signer_for(party, private)
        receipt: dict[str, Any] = c.submit(signer, "revoke", {"key": target, "reason": reason})
    if json_out:
        print_json({**receipt, "revoked": target})
    else:
        out.print(f"revoked {shown(target)} of {shown(party)}: entry {shown(receipt.get('index'))}; from the next entry on "
                  "the log refuses statements signed with it")
    warn_void(receipt)
