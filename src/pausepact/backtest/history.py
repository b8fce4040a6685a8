"""The history series imply: a throw-away copy of the pact and the signed statements of its log.

The copy can never be mistaken for the real pact: its id is ``backtest-<id>``, its origin
``backtest.invalid/<id>`` (``.invalid`` is reserved, RFC 2606), its title starts with ``BACKTEST``, and every
party's keys are fresh keys made for this run and forgotten after it, so its digest differs from the real
pact's and no statement of the history verifies against the real pact. The history lives in memory.

What it holds, in time order: each mapped value as a ``report`` at its date (by the developer it maps to; for a
monitor-reported indicator by the pact's first monitor about that developer; a ``countersigned_by`` report is
countersigned by the first monitor at once), and every party's ``sign`` at ``start``.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ruamel.yaml import YAML

from ..core.durations import format_time
from ..core.pact import Pact
from ..core.pactfile import parse_pact
from ..core.statements import Rejection, SignedStatement
from ..keyfiles import public_text
from ..log.checking import check_one
from ..party.signer import Signer
from .series import BacktestError, Series


@dataclass
class Throwaway:
    """The backtest's copy of a pact: its bytes, its model and the private keys made for it."""

    text: bytes
    pact: Pact
    keys: dict[str, Ed25519PrivateKey]
    real_digest: str


def pact_document(raw: bytes) -> dict[str, Any]:
    """The pact file as plain data (the caller has already checked it is a valid pact)."""
    doc = YAML(typ="safe").load(raw)
    assert isinstance(doc, dict)
    return doc


def throwaway(doc: dict[str, Any], real_digest: str) -> Throwaway:
    """A copy of the pact document ``doc`` with fresh keys and a backtest id, origin and title."""
    doc = dict(doc)
    real = str(doc["pact"])
    doc["pact"] = ("backtest-" + real)[:64]
    doc["origin"] = f"backtest.invalid/{real}"
    doc["title"] = f"BACKTEST (not a real pact) of {doc.get('title', real)}"
    keys: dict[str, Ed25519PrivateKey] = {}
    parties = []
    for p in doc["parties"]:
        k = Ed25519PrivateKey.generate()
        keys[str(p["id"])] = k
        parties.append({**p, "keys": [public_text(k)]})
    doc["parties"] = parties
    buf = io.StringIO()
    y = YAML(typ="safe")
    y.default_flow_style = False
    y.dump(doc, buf)
    text = buf.getvalue().encode()
    pact, diags = parse_pact(text)
    if pact is None:
        raise BacktestError("the backtest copy of the pact is not valid: "
                            + "; ".join(d.render("pact") for d in diags if d.severity == "error")[:400])
    return Throwaway(text, pact, keys, real_digest)


def resolve_map(pact: Pact, pairs: list[str]) -> list[tuple[str, str]]:
    """``ORG=PARTY`` options as (organisation lowercased, developer); an unknown party is an error."""
    out = []
    for pair in pairs:
        org, sep, party = pair.rpartition("=")
        if not sep or not org.strip() or not party.strip():
            raise BacktestError(f"--map {pair!r}: expected ORG=PARTY (ORG may be '*')")
        party = party.strip()
        if party not in pact.party_by_id:
            raise BacktestError(f"--map {pair!r}: the pact has no party {party!r}; its developers are {', '.join(pact.developers)}")
        if party not in pact.developers:
            raise BacktestError(f"--map {pair!r}: {party!r} is not a developer of the pact")
        out.append((org.strip().lower(), party))
    return out


def party_of(org: str, mapping: list[tuple[str, str]]) -> str | None:
    """The developer an organisation maps to: an exact name (any of a comma-separated list), else ``*``."""
    names = {o.strip().lower() for o in org.split(",")}
    for o, party in mapping:
        if o in names:
            return party
    return next((party for o, party in mapping if o == "*"), None)


def indicator_for(pact: Pact, s: Series) -> str | None:
    """The indicator ``s`` feeds: its explicit prefix, else the one indicator of its unit (None: no such indicator)."""
    if s.indicator is not None:
        if s.indicator not in pact.indicators:
            raise BacktestError(f"--series {s.indicator}={s.source}: the pact has no indicator {s.indicator!r}; "
                                f"it has {', '.join(pact.indicators)}")
        return s.indicator
    fits = [name for name, ind in pact.indicators.items() if ind.unit == s.unit]
    if len(fits) > 1:
        raise BacktestError(f"--series {s.source}: several indicators have unit {s.unit!r} ({', '.join(fits)}): "
                            "name one as INDICATOR=FILE")
    return fits[0] if fits else None


@dataclass
class Fed:
    """A value as the engine will count it: about ``party``'s ``indicator`` at ``t``."""

    t: int
    party: str
    indicator: str
    value: float
    org: str
    label: str
    source: str


@dataclass
class History:
    """The statements of the backtest's log, checked, in log order; ``fed`` is every value reported."""

    entries: list[SignedStatement | Rejection] = field(default_factory=list)
    fed: list[Fed] = field(default_factory=list)


def build(tw: Throwaway, fed: list[Fed], start: int) -> History:
    """Sign ``fed`` as reports and every party's ``sign`` at ``start``; check each envelope against the copy."""
    pact = tw.pact
    signers = {pid: Signer(pact, pid, k) for pid, k in tw.keys.items() if pact.party_by_id[pid].role != "log"}
    monitor = pact.monitors[0] if pact.monitors else None
    todo: list[tuple[int, int, str, dict[str, Any]]] = []  # (time, order, party, body or sign)
    for n, f in enumerate(fed):
        ind = pact.indicators[f.indicator]
        body: dict[str, Any] = {"indicator": f.indicator, "value": f.value, "measured_at": format_time(f.t),
                                "evidence": {"digest": "sha256:" + hashlib.sha256(f.source.encode()).hexdigest(),
                                             "source": f"BACKTEST {f.label}"[:200]}}
        author = f.party
        if ind.reported_by == "monitor":
            if monitor is None:
                raise BacktestError(f"indicator {f.indicator!r} is reported by a monitor and the pact has none")
            author, body["subject"] = monitor, f.party
        todo.append((f.t, 1 + n, author, body))
    for pid in signers:
        todo.append((start, 0, pid, {}))
    todo.sort(key=lambda x: (x[0], x[1]))
    h = History(fed=fed)
    for t, _, party, body in todo:
        signer = signers[party]
        env = signer.sign("report" if body else "sign", body, t)
        h.entries.append(check_one(env, pact))
        ind_name = body.get("indicator")
        if ind_name and pact.indicators[ind_name].countersigned_by and monitor is not None and monitor != party:
            digest = hashlib.sha256(base64.b64decode(env["payload"])).hexdigest()
            h.entries.append(check_one(signers[monitor].sign("countersign", {"statement": digest}, t), pact))
    return h
