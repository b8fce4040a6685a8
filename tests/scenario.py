"""Readable engine fixtures: a pact, a timeline of statements, expected states at given times.

A scenario file (YAML) has::

    pact: {min_developers: 3}            # options for tests.factory.pact_text (optional)
    statements:                           # [time, party[/key], type, body]
      - [+0s, lab-a, sign, {}]
      - [+1d, lab-a, report, {indicator: ai_code_share, value: 0.97}]
    expect:
      - at: +61d                          # the state as of this time
        level: slowdown
        parties: {lab-a: {level: slowdown}}
        reasons: [{red_line: models-write-the-code, party: lab-a}]
        proposals: {p1: queued}

Times are RFC 3339 or offsets from 2027-01-01T00:00:00Z such as ``+60d-1s``.
``measured_at`` defaults to the statement's time (and may be an offset too). A statement may carry a fifth
element ``{forge: true}`` (bad signature), ``{seq: N}`` or ``{time: ...}`` overrides.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from pausepact.core.durations import format_time, parse_duration, parse_time
from pausepact.core.engine import Engine
from pausepact.core.statements import sign_statement
from pausepact.log.checking import check_one

from .factory import Parties, key, make_pact

T0 = parse_time("2027-01-01T00:00:00Z")
_OFFSET = re.compile(r"^\+(\d+[smhd])((?:[+-]\d+[smhd])*)$")


def at(text: Any) -> int:
    text = str(text)
    m = _OFFSET.match(text)
    if not m:
        return parse_time(text)
    t = T0 + parse_duration(m.group(1))
    for sign, dur in re.findall(r"([+-])(\d+[smhd])", m.group(2)):
        t += parse_duration(dur) * (1 if sign == "+" else -1)
    return t


def load(path: Path) -> dict[str, Any]:
    return YAML(typ="safe").load(path.read_text())


def build(scn: dict[str, Any]) -> tuple[Any, list[Any]]:
    pact, _ = make_pact(**(scn.get("pact") or {}))
    parties = Parties(pact)
    entries = []
    for row in scn["statements"]:
        when, who, type_, body = row[:4]
        opts = row[4] if len(row) > 4 else {}
        party, _, n = str(who).partition("/")
        signer = parties(party, int(n or 0))
        t = at(opts.get("time", when))
        body = dict(body or {})
        if type_ == "report":
            body["measured_at"] = format_time(at(body["measured_at"])) if "measured_at" in body else format_time(t)
        if "digest_of" in body:  # countersign: name an earlier entry by its position
            body = {"statement": entries[body.pop("digest_of")]["digest"]}
        # an entry meant to be rejected must not advance the signer's seq
        seq = opts.get("seq", signer.seq + 1) if opts else None
        st = signer.statement(type_, body, t, seq=seq)
        env = sign_statement(st, key("stranger") if opts.get("forge") else signer.key)
        if opts.get("forge"):
            env["signatures"][0]["keyid"] = signer.keyid
        entries.append({"env": env, "digest": hashlib.sha256(base64.b64decode(env["payload"])).hexdigest()})
    return pact, [check_one(e["env"], pact) for e in entries]


def run(scn: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(expected, actual state) for each expectation, replaying incrementally."""
    pact, checked = build(scn)
    out = []
    for exp in scn["expect"]:
        t = at(exp["at"])
        engine = Engine(pact)
        for i, c in enumerate(checked):
            if not isinstance(c, Exception) and c.statement.t > t:
                break
            engine.apply(i, c)
        out.append((exp, engine.state_at(t)))
    return out


def subset(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Differences where ``expected`` is not contained in ``actual``."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a mapping, got {actual!r}"]
        out = []
        for k, v in expected.items():
            if k not in actual:
                out.append(f"{path}.{k}: missing")
            else:
                out.extend(subset(v, actual[k], f"{path}.{k}"))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True)) for d in subset(e, a, f"{path}[{i}]")]
    if isinstance(expected, str) and _OFFSET.match(expected):
        expected = format_time(at(expected))
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def compare(exp: dict[str, Any], state: dict[str, Any]) -> list[str]:
    exp = dict(exp)
    exp.pop("at")
    proposals = exp.pop("proposals", None)
    diffs = subset(exp, state)
    if proposals is not None:
        actual = {p["id"]: p["state"] for p in state["proposals"]}
        for pid, st in proposals.items():
            if actual.get(pid) != st:
                diffs.append(f"proposal {pid}: expected {st}, got {actual.get(pid)}")
    return diffs
