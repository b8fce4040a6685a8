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
import functools
import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .canonical import JsonError, canonical, canonical_object, strict_loads
from .durations import TimeFormatError, is_time, parse_time
from .keys import b64decode_strict, keyid, verify_ed25519
from .pact import Pact

STATEMENT_TYPE = "application/vnd.pausepact.statement+json"
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_ENVELOPE_BYTES = 64 * 1024 * 4 // 3 + 4096  # a full payload, base64'd, plus the signature

ErrorCode = Literal["malformed", "payload-type", "too-large", "bad-signature", "unknown-key", "wrong-pact",
                    "bad-seq", "bad-time", "time-order", "skew", "role", "body"]
STATEMENT_MEMBERS = frozenset({"type", "pact", "pact_digest", "party", "seq", "time", "body"})
_MEMBER_TYPES = (("type", str), ("pact", str), ("pact_digest", str), ("party", str), ("time", str), ("body", dict))
_ENVELOPE_MEMBERS = frozenset({"payloadType", "payload", "signatures"})
_SIGNATURE_MEMBERS = frozenset({"keyid", "sig"})
ROLE_MAY = {
    "developer": frozenset({"sign", "report", "attest", "propose", "run", "ack"}),
    "monitor": frozenset({"sign", "report", "countersign", "propose", "vote", "cancel", "ack"}),
    "log": frozenset(),
}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class Rejection(Exception):
    """An entry that fails Validity: ``code`` is the contract's error code."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(code, detail)  # both in args, so it pickles across processes
        self.code: ErrorCode = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class Statement:
    """A decoded statement; ``t`` is ``time`` in epoch seconds."""

    type: str
    pact: str
    pact_digest: str
    party: str
    seq: int
    time: str
    body: Mapping[str, Any]
    t: int = field(compare=False)

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


# ---- body rules (contract section 2) ----

def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# contract v2 section 8 "Opening", applied to public reports too (a deliberate change of v1 validity)
UNIT_RANGES: dict[str, tuple[float, float]] = {"ratio": (0, 1), "percent": (0, 100)}


def _in_unit_range(value: float, unit: str) -> str | None:
    """None when ``value`` lies in ``unit``'s range, else the problem: ratio [0, 1], percent [0, 100], other units >= 0."""
    low, high = UNIT_RANGES.get(unit, (0, math.inf))
    if low <= value <= high:
        return None
    shown = f"[{low:g}, {high:g}]" if math.isfinite(high) else f">= {low:g}"
    return f"value {value!r} is outside the range of unit {unit!r}: {shown}"


@functools.lru_cache(maxsize=4096)
def _epoch(text: str) -> int:
    """``parse_time`` remembered: many statements of a log carry the same times (a pure function, so safe)."""
    return parse_time(text)


def _time_or_none(v: Any) -> int | None:
    """Epoch seconds of a well-formed contract time (as ``is_time`` decides), else None."""
    if not isinstance(v, str):
        return None
    try:
        return _epoch(v)
    except TimeFormatError:
        return None


def _text(v: Any) -> bool:
    return isinstance(v, str) and len(v) > 0


def _evidence(v: Any) -> str | None:
    if not isinstance(v, dict):
        return "evidence must be an object"
    extra = set(v) - {"digest", "source", "uri"}
    if extra or not {"digest", "source"} <= set(v):
        return "evidence has exactly digest, source and optional uri"
    if not isinstance(v["digest"], str) or not _DIGEST.fullmatch(v["digest"]):
        return "evidence.digest must be sha256:<64 lowercase hex>"
    if not isinstance(v["source"], str) or ("uri" in v and not isinstance(v["uri"], str)):
        return "evidence.source and evidence.uri must be text"
    return None


def _members(body: Mapping[str, Any], required: set[str], optional: frozenset[str] = frozenset()) -> str | None:
    missing = required - set(body)
    extra = set(body) - required - optional
    if missing:
        return f"body lacks {', '.join(sorted(missing))}"
    if extra:
        return f"body has unexpected {', '.join(sorted(extra))}"
    return None


def check_body(st: Statement, pact: Pact) -> None:
    """Raise Rejection(``body`` or ``role``) unless the body fits the type, the pact and the role."""
    role = pact.party_by_id[st.party].role
    if st.type not in ROLE_MAY["developer"] | ROLE_MAY["monitor"]:
        raise Rejection("malformed", f"unknown statement type {st.type!r}")
    if st.type not in ROLE_MAY[role]:
        raise Rejection("role", f"a {role} may not make a {st.type!r} statement")
    b = st.body
    problem: str | None = None
    t = st.type
    if t == "sign":
        problem = _members(b, set())
    elif t == "report":
        problem = _members(b, {"indicator", "value", "measured_at"}, frozenset({"subject", "evidence"}))
        if problem is None:
            ind = pact.indicators.get(b["indicator"]) if isinstance(b["indicator"], str) else None
            if ind is None:
                problem = f"unknown indicator {b['indicator']!r}"
            elif not _number(b["value"]):
                problem = "value must be a finite number"
            elif (err := _in_unit_range(b["value"], ind.unit)) is not None:
                problem = err
            elif (measured := _time_or_none(b["measured_at"])) is None:
                problem = "measured_at must be a time YYYY-MM-DDTHH:MM:SSZ"
            elif measured > st.t:
                problem = f"measured_at {b['measured_at']} is after the statement's time {st.time}: nobody reports a future measurement"
            elif "evidence" in b and (err := _evidence(b["evidence"])):
                problem = err
            elif ind.reported_by != role:
                raise Rejection("role", f"{b['indicator']!r} is reported by a {ind.reported_by}, not a {role}")
            elif role == "developer" and "subject" in b:
                problem = "a developer reports about itself: no subject"
            elif role == "monitor" and (not isinstance(b.get("subject"), str) or
                                        pact.party_by_id.get(b["subject"]) is None or
                                        pact.party_by_id[b["subject"]].role != "developer"):
                problem = "a monitor's report names a developer as subject"
    elif t == "countersign":
        problem = _members(b, {"statement"})
        if problem is None and not (isinstance(b["statement"], str) and _HEX64.fullmatch(b["statement"])):
            problem = "statement must be the lowercase hex SHA-256 of the report's payload"
    elif t == "attest":
        problem = _members(b, {"claim", "level"}, frozenset({"evidence"}))
        if problem is None:
            if not _text(b["claim"]):
                problem = "claim must be text"
            elif b["level"] not in pact.levels:
                problem = f"unknown level {b['level']!r}"
            elif "evidence" in b and (err := _evidence(b["evidence"])):
                problem = err
    elif t == "propose":
        problem = _members(b, {"id", "action", "level"}, frozenset({"party"}))
        if problem is None:
            if not _text(b["id"]):
                problem = "id must be text"
            elif b["action"] not in ("raise", "resume"):
                problem = "action must be 'raise' or 'resume'"
            elif b["level"] not in pact.levels:
                problem = f"unknown level {b['level']!r}"
            elif "party" in b and (not isinstance(b["party"], str) or b["party"] not in pact.developers):
                problem = "party must be a developer of the pact"
    elif t == "vote":
        problem = _members(b, {"proposal", "choice"})
        if problem is None and not (_text(b["proposal"]) and b["choice"] in ("yes", "no")):
            problem = "vote needs a proposal id and choice 'yes' or 'no'"
    elif t == "cancel":
        problem = _members(b, {"proposal", "reason"})
        if problem is None and not (_text(b["proposal"]) and isinstance(b["reason"], str)):
            problem = "cancel needs a proposal id and a reason"
    elif t == "run":
        problem = _members(b, {"run", "event", "flop"})
        if problem is None:
            if not _text(b["run"]):
                problem = "run must be text"
            elif b["event"] not in ("start", "heartbeat", "stop"):
                problem = "event must be start, heartbeat or stop"
            elif not _number(b["flop"]) or b["flop"] < 0:
                problem = "flop must be a finite number >= 0"
    elif t == "ack":
        problem = _members(b, {"level", "since"})
        if problem is None:
            if b["level"] not in pact.levels:
                problem = f"unknown level {b['level']!r}"
            elif not is_time(b["since"]):
                problem = "since must be a time YYYY-MM-DDTHH:MM:SSZ"
    if problem:
        raise Rejection("body", f"{t}: {problem}")


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
    st = Statement(obj["type"], obj["pact"], obj["pact_digest"], party, seq, obj["time"], obj["body"], t)
    check_body(st, pact)
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
