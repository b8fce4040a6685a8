"""Advice: legal but suspicious choices. Warnings are not rules: they name none and never
make a pact invalid (contract section 1)."""

from __future__ import annotations

import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ..pact import MAX_DURATION
from ..quorum import QuorumError, parse_quorum
from ..sealing import SealKeyFormatError, parse_seal_key
from ..yamldoc import Path
from .draft import Draft, as_dict, as_list, label, seconds
from .findings import Findings, dotted
from .quorums import verdict_quorum_fits_judges


def advise(draft: Draft, out: Findings) -> None:
    _shared_keys(draft, out)
    _red_lines(draft, out)
    _levels(draft, out)
    _status_ttl(draft, out)
    _verdict_quorums(draft, out)
    _seal_keys(draft, out)
    _amendment_timelock(draft, out)
    _control_characters(draft.doc, (), out)


def _shared_keys(draft: Draft, out: Findings) -> None:
    """A key listed twice by one party (P2 forbids only a key shared between parties)."""
    for i, p in draft.parties():
        seen: set[str] = set()
        for j, k in enumerate(as_list(p.get("keys"))):
            if isinstance(k, str) and k in seen:
                out.warn(("parties", i, "keys", j), "this key is listed twice for the same party; the second listing adds nothing")
            elif isinstance(k, str):
                seen.add(k)


def _red_lines(draft: Draft, out: Findings) -> None:
    indicators = draft.indicators()
    for i, rl in draft.red_lines():
        base: Path = ("red_lines", i)
        name = rl.get("indicator")
        ind = as_dict(indicators.get(name)) if isinstance(name, str) else {}
        # a sealed indicator cannot be countersigned (P4): its monitors judge it in verdicts instead
        if (ind.get("reported_by") == "developer" and "countersigned_by" not in ind and "overdue" not in rl
                and ind.get("disclosure") != "sealed"):
            out.warn(base + ("indicator",), f"{label(rl, i)} rests on {rl['indicator']!r}, which developers report about "
                                            "themselves and nobody countersigns; consider countersigned_by: monitor")
        if draft.rank(rl.get("raise")) == 0:
            out.warn(base + ("raise",), f"{label(rl, i)} raises to {rl['raise']!r}, the resting level: it can never have an effect")
    raised = draft.raised_by_red_lines()
    for lv, rule in draft.resumption().items():
        src, dst = draft.rank(lv), draft.rank(as_dict(rule).get("to"))
        if src and dst is not None and dst < src and lv in raised and as_dict(rule).get("clear") is not True:
            out.warn(("resumption", lv), f"resumption.{lv} does not require clear: a level raised by red lines could resume while the evidence still holds")


def _levels(draft: Draft, out: Findings) -> None:
    levels = draft.levels
    if not levels:
        return
    restrictions = as_dict(draft.doc.get("restrictions"))
    top = levels[-1]
    if len(levels) > 1 and "max_training_flop" not in as_dict(restrictions.get(top)):
        where = ("restrictions", top) if top in restrictions else ("levels", len(as_list(draft.doc.get("levels"))) - 1)
        out.warn(where, f"the top level {top!r} sets no max_training_flop: it does not limit training")
    prev: tuple[str, float] | None = None
    for lv in levels:
        flop = as_dict(restrictions.get(lv)).get("max_training_flop")
        if isinstance(flop, (int, float)) and not isinstance(flop, bool):
            if prev is not None and flop > prev[1]:
                out.warn(("restrictions", lv, "max_training_flop"), f"level {lv!r} allows more training compute ({flop:g}) than the lower level {prev[0]!r} ({prev[1]:g})")
            prev = (lv, float(flop))


def _status_ttl(draft: Draft, out: Findings) -> None:
    value = as_dict(draft.doc.get("oversight")).get("status_ttl")
    ttl = seconds(value)
    if ttl is not None and 86400 < ttl <= MAX_DURATION:
        out.warn(("oversight", "status_ttl"), f"status_ttl is {value}, more than 1 day: statuses that rarely expire defeat fail-closed "
                                              "(a guard keeps a run going on its last status until it expires)")


def _verdict_quorums(draft: Draft, out: Findings) -> None:
    """A verdict_quorum above the smallest majority lets fewer monitors than it block every report by silence."""
    monitors = draft.population("monitor")
    majority = monitors // 2 + 1
    for name, raw in draft.indicators().items():
        ind = as_dict(raw)
        text = ind.get("verdict_quorum")
        if ind.get("disclosure") != "sealed" or not isinstance(text, str):
            continue
        try:
            q = parse_quorum(text)
        except QuorumError:
            continue  # the schema or P7 reports it
        clause = q.clauses[0]
        need = clause.required(monitors)
        judges = monitors - 1 if ind.get("reported_by") == "monitor" else monitors
        if (len(q.clauses) == 1 and clause.role == "monitor" and majority < need <= monitors
                and verdict_quorum_fits_judges(clause, judges)):  # else P7 says it cannot be met at all
            silent = monitors - need + 1
            out.warn(("indicators", name, "verdict_quorum"),
                     f"verdict_quorum {text!r} needs {need} of the {monitors} monitors, more than the smallest majority ({majority}): "
                     f"{silent} silent monitor(s), a minority, can keep every report of {name!r} from being assessed")


# any scalar works: a low-order point gives an all-zero shared secret, which X25519 refuses whoever computes it
_PROBE = X25519PrivateKey.from_private_bytes(bytes(range(32)))


def _seal_keys(draft: Draft, out: Findings) -> None:
    """A seal key nothing can be sealed to (a low-order point): the contract only asks for 32 bytes."""
    for i, p in draft.parties():
        seal = p.get("seal_key")
        if p.get("role") != "monitor" or not isinstance(seal, str):
            continue
        try:
            raw = parse_seal_key(seal)
            _PROBE.exchange(X25519PublicKey.from_public_bytes(raw))
        except SealKeyFormatError:
            continue  # P2 reports it
        except ValueError:
            out.warn(("parties", i, "seal_key"), f"the seal_key of {p.get('id')!r} is a low-order X25519 point: no report "
                                                 "can be sealed to it, so this monitor could never open one")


def _amendment_timelock(draft: Draft, out: Findings) -> None:
    amendment = as_dict(draft.doc.get("amendment"))
    if "timelock" in amendment and seconds(amendment["timelock"]) == 0:
        out.warn(("amendment", "timelock"), "amendment.timelock is zero: an approved amendment executes at once, "
                                            "leaving monitors no moment to cancel it")


# C0 controls other than tab and newline, DEL, C1 controls (ESC [ and CSI move terminals' cursors,
# recolour or hide text) and the bidirectional overrides that reorder what a reader sees
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _control_characters(value: Any, path: Path, out: Findings) -> None:
    """Warn at every text holding a control character: a pact is read by people, on terminals."""
    if isinstance(value, str):
        m = _CONTROL.search(value)
        if m is not None:
            out.warn(path, f"{dotted(path)}: text contains the control character U+{ord(m.group()):04X}; "
                           "it can hide or disguise what the pact says when printed")
    elif isinstance(value, dict):
        for k, v in value.items():
            _control_characters(k, path + (k,), out)
            _control_characters(v, path + (k,), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _control_characters(v, path + (i,), out)
