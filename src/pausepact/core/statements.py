"""Statements and their DSSE envelopes (contract section 2).

A statement is ``{"type", "pact", "pact_digest", "party", "seq", "time", "body"}``;
its signed form is a DSSE envelope over the statement's RFC 8785 bytes with
exactly one Ed25519 signature. This module checks everything about one envelope
that needs only the pact (``decode_envelope``) and, separately, its signature
(``verify_signature``, the one expensive step, so callers may run it in
parallel). The checks that depend on the log so far (seq, time order) are in
``pausepact.core.sequence``.

Each failure raises ``Rejection`` with one of the contract's error codes:
``malformed``, ``payload-type``, ``too-large``, ``bad-signature``,
``unknown-key``, ``wrong-pact``, ``bad-seq``, ``bad-time``, ``time-order``,
``skew``, ``role``, ``body``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .bodies import Body, epoch
from .canonical import JsonError, canonical, canonical_object, strict_loads
from .durations import TimeFormatError
from .keys import b64decode_strict, keyid, verify_ed25519
from .pact import Pact
from .rejection import ErrorCode, Rejection
from .statement_types import ROLE_MAY, UNIT_RANGES, read_body

STATEMENT_TYPE = "application/vnd.pausepact.statement+json"
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_ENVELOPE_BYTES = 64 * 1024 * 4 // 3 + 4096  # a full payload, base64'd, plus the signature

STATEMENT_MEMBERS = frozenset({"type", "pact", "pact_digest", "party", "seq", "time", "body"})
_MEMBER_TYPES = (("type", str), ("pact", str), ("pact_digest", str), ("party", str), ("time", str), ("body", dict))
_ENVELOPE_MEMBERS = frozenset({"payloadType", "payload", "signatures"})
_SIGNATURE_MEMBERS = frozenset({"keyid", "sig"})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
__all__ = ["MAX_ENVELOPE_BYTES", "MAX_PAYLOAD_BYTES", "ROLE_MAY", "STATEMENT_MEMBERS", "STATEMENT_TYPE", "UNIT_RANGES",
           "ErrorCode", "Rejection", "SignedStatement", "Statement", "b64", "check", "check_body", "decode_envelope",
           "pae", "parse_envelope_json", "sign_envelope", "sign_statement", "verify_signature"]


@dataclass(frozen=True)
class Statement:
    """A decoded statement; ``t`` is ``time`` in epoch seconds.

    ``body`` is the body's JSON exactly as signed; ``content`` is the same body as its
    typed model (``core.bodies``, per ``core.statement_types.TYPES``), what readers use.
    """

    type: str
    pact: str
    pact_digest: str
    party: str
    seq: int
    time: str
    body: Mapping[str, Any]
    t: int = field(compare=False)
    content: Body = field(compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "pact": self.pact, "pact_digest": self.pact_digest, "party": self.party,
                "seq": self.seq, "time": self.time, "body": dict(self.body)}


@dataclass(frozen=True)
class SignedStatement:
    """An envelope that passed every check ``decode_envelope`` makes.

    ``leaf`` is the RFC 8785 form of the envelope (the log's leaf bytes);
    ``digest`` is hex SHA-256 of the payload bytes (what ``countersign`` names).
    """

    statement: Statement
    envelope: Mapping[str, Any]
    payload: bytes
    keyid: str
    public_key: bytes
    sig: bytes
    leaf: bytes
    digest: str


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def sign_envelope(payload_type: str, payload_obj: Any, key: Ed25519PrivateKey, signers: int = 1) -> dict[str, Any]:
    """A DSSE envelope over the RFC 8785 bytes of ``payload_obj``, signed by ``key``."""
    from cryptography.hazmat.primitives import serialization

    payload = canonical(payload_obj)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sig = key.sign(pae(payload_type, payload))
    return {"payloadType": payload_type, "payload": b64(payload), "signatures": [{"keyid": keyid(raw), "sig": b64(sig)}]}


def sign_statement(statement: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The contract's signed form of ``statement`` (no validation: see ``decode_envelope``)."""
    return sign_envelope(STATEMENT_TYPE, dict(statement), key)


# ---- body rules (contract section 2): one table, core.statement_types ----

_epoch = epoch  # statement times share the remembered parse with the bodies' times


def check_body(type_: str, body: Mapping[str, Any], party: str, t: int, pact: Pact) -> Body:
    """The typed body of a statement by ``party`` at epoch ``t``, from the table of statement types.

    Raises Rejection: ``malformed`` (unknown type), ``role`` or ``body``.
    """
    return read_body(type_, body, pact.party_by_id[party].role, t, pact)


def parse_envelope_json(raw: bytes | str) -> dict[str, Any]:
    """Strictly parse envelope bytes (``malformed`` / ``too-large`` on failure)."""
    if len(raw) > MAX_ENVELOPE_BYTES:
        raise Rejection("too-large", f"envelope is {len(raw)} bytes")
    try:
        obj = strict_loads(raw)
    except JsonError as e:
        raise Rejection("malformed", str(e)) from None
    if not isinstance(obj, dict):
        raise Rejection("malformed", "an envelope is a JSON object")
    return obj


def decode_envelope(envelope: Any, pact: Pact) -> SignedStatement:
    """Check one envelope against the pact, except its signature and the log's order.

    Raises Rejection with the contract's code, and nothing else, whatever ``envelope``
    holds; returns the decoded statement.
    """
    try:
        return _decode(envelope, pact)
    except Rejection:
        raise
    except Exception as e:  # noqa: BLE001 - one hostile envelope must never fail its batch (review M1)
        raise Rejection("malformed", f"envelope could not be checked ({type(e).__name__})") from None


def _decode(envelope: Any, pact: Pact) -> SignedStatement:
    if isinstance(envelope, (bytes, str)):
        envelope = parse_envelope_json(envelope)
    if not isinstance(envelope, dict) or envelope.keys() != _ENVELOPE_MEMBERS:
        raise Rejection("malformed", "an envelope has exactly payloadType, payload and signatures")
    if envelope["payloadType"] != STATEMENT_TYPE:
        raise Rejection("payload-type", f"payloadType must be {STATEMENT_TYPE!r}")
    sigs = envelope["signatures"]
    if not isinstance(sigs, list) or len(sigs) != 1:
        raise Rejection("malformed", "a statement carries exactly one signature")
    s = sigs[0]
    if not isinstance(s, dict) or s.keys() != _SIGNATURE_MEMBERS or not isinstance(s["keyid"], str) or not isinstance(s["sig"], str):
        raise Rejection("malformed", "a signature is {keyid, sig}")
    if not isinstance(envelope["payload"], str):
        raise Rejection("malformed", "payload must be base64 text")
    if len(envelope["payload"]) > MAX_PAYLOAD_BYTES * 4 // 3 + 4:
        raise Rejection("too-large", f"payload over {MAX_PAYLOAD_BYTES} bytes")
    try:
        payload = b64decode_strict(envelope["payload"])
        sig = b64decode_strict(s["sig"])
    except ValueError as e:
        raise Rejection("malformed", f"base64: {e}") from None
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Rejection("too-large", f"payload is {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES}")
    obj: Any = canonical_object(payload)  # the common case: canonical bytes the C codec reads and writes
    if obj is None:
        try:
            obj = strict_loads(payload)
            if canonical(obj) != payload:
                raise Rejection("malformed", "payload is not the RFC 8785 canonical form of its JSON")
        except JsonError as e:
            raise Rejection("malformed", f"payload: {e}") from None
    if not isinstance(obj, dict) or obj.keys() != STATEMENT_MEMBERS:
        raise Rejection("malformed", "a statement has exactly type, pact, pact_digest, party, seq, time, body")
    for name, typ in _MEMBER_TYPES:
        if not isinstance(obj[name], typ):
            raise Rejection("malformed", f"statement member {name} has the wrong type")
    seq = obj["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise Rejection("malformed", "seq must be an integer >= 1")
    if obj["pact"] != pact.pact or obj["pact_digest"] != pact.digest:
        raise Rejection("wrong-pact", f"statement names pact {obj['pact']!r} {obj['pact_digest']}, not {pact.pact!r} {pact.digest}")
    owner = pact.key_owner.get(s["keyid"])
    if owner is None:
        raise Rejection("unknown-key", f"keyid {s['keyid'][:16]}... is no key of the pact")
    party = obj["party"]
    if party not in pact.party_by_id:
        raise Rejection("unknown-key", f"party {party!r} is not in the pact")
    if owner[0] != party:
        raise Rejection("bad-signature", f"signed with a key of {owner[0]!r}, not of {party!r}")
    try:
        t = _epoch(obj["time"])  # a str: checked above
    except TimeFormatError as e:
        raise Rejection("bad-time", str(e)) from None
    content = check_body(obj["type"], obj["body"], party, t, pact)
    st = Statement(obj["type"], obj["pact"], obj["pact_digest"], party, seq, obj["time"], obj["body"], t, content)
    leaf = _leaf(envelope["payload"], s["keyid"], s["sig"]) if _HEX64.fullmatch(s["keyid"]) else canonical(envelope)
    return SignedStatement(st, envelope, payload, s["keyid"], owner[1], sig, leaf, hashlib.sha256(payload).hexdigest())


_LEAF_PARTS = (b'{"payload":"', b'","payloadType":"' + STATEMENT_TYPE.encode("ascii") + b'","signatures":[{"keyid":"',
               b'","sig":"', b'"}]}')


def _leaf(payload_b64: str, keyid_hex: str, sig_b64: str) -> bytes:
    """``canonical(envelope)`` of a checked envelope, written directly.

    Valid only for members already checked: canonical base64 and lowercase hex need
    no escaping, the payload type is the constant, and RFC 8785 orders the members
    payload < payloadType < signatures and keyid < sig (tests/test_perf_leaf.py).
    """
    a, b, c, d = _LEAF_PARTS
    return b"".join((a, payload_b64.encode("ascii"), b, keyid_hex.encode("ascii"), c, sig_b64.encode("ascii"), d))


def verify_signature(ss: SignedStatement) -> bool:
    """True when the one signature verifies over PAE(payloadType, payload)."""
    return verify_ed25519(ss.public_key, ss.sig, pae(STATEMENT_TYPE, ss.payload))


def check(envelope: Any, pact: Pact) -> SignedStatement:
    """``decode_envelope`` then the signature; raises Rejection."""
    ss = decode_envelope(envelope, pact)
    if not verify_signature(ss):
        raise Rejection("bad-signature", "signature does not verify")
    return ss
