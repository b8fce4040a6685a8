"""Amendments, as far as the texts alone decide (contract section 9).

``void_reasons(in_force, text)`` lists every reason the proposed text is void as an amendment of
the version in force. The rules, each a ``VoidRule`` name a caller may rely on:

- ``amendable``: the version in force has an ``amendment`` section (a pact without one cannot be
  amended; this implementation's reading: such a proposal can never be approved, so it is void).
- ``valid-pact``: the text is a valid pact (section 1: the closed field table and rules P1-P9).
  Each error of ``pausepact check`` is one reason, at its line and column; warnings never count.
- ``same-pact``: its ``pact`` id is the version in force's.
- ``same-origin``: its ``origin`` is the version in force's.
- ``next-version``: its ``version`` is the version in force's + 1.
- ``levels-kept``: every level of the version in force is still listed, in the same order
  (new levels may be inserted anywhere after the first).
- ``first-level-kept``: the first (resting) level is the version in force's.
- ``key-not-revoked``: it lists no key in ``revoked`` (signing ``ed25519:`` or seal ``x25519:`` keys,
  written as the pact writes them): a revoked key is never current again.
- ``key-stays``: no key is listed for another party than the one that held it, in this version or any
  earlier one of the chain (``holders``); seal keys count as keys.
- ``effective-kept``: ``effective`` is unchanged (the coalition that agreed is fixed).

The other rules of the text (same pact, origin, version + 1, levels kept, first level kept) are
what a guard checks on each step of a chain of versions: ``chain_step_problems``. Whether the
amendment drops or re-roles a signed party (``remove_approval``), re-keys a monitor (its ``cancel``
is void) or changes the ``log`` key (the longer timelock) is ``amendment_effects``; these never make
an amendment void. ``propose_body`` builds the ``propose`` body of an ``amend`` proposal.

Everything here is pure: bytes and pacts in, values out; nothing raises on a hostile text.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .diagnostics import Diagnostic
from .lint.draft import as_dict, as_list, is_int
from .pact import Pact
from .pactfile import parse_pact
from .quorum import Quorum, parse_quorum
from .yamldoc import Path, Positions, YamlDocError, load_document

VoidRule = Literal["amendable", "valid-pact", "same-pact", "same-origin", "next-version", "levels-kept",
                   "first-level-kept", "key-not-revoked", "key-stays", "effective-kept"]
VOID_RULES: tuple[VoidRule, ...] = ("amendable", "valid-pact", "same-pact", "same-origin", "next-version", "levels-kept",
                                    "first-level-kept", "key-not-revoked", "key-stays", "effective-kept")
"""Every void rule, in the order reasons are listed."""

MAX_AMENDMENT_BYTES = 32 * 1024
"""An amend proposal's ``pact``, decoded, is at most 32 KiB (section 9; larger is refused ``body``)."""
MAX_RATIONALE = 2000  # code points (section 2)
DEFAULT_TIMELOCK = 2 * 86400  # section 1: amendment.timelock defaults to 2d
DEFAULT_REMOVE_APPROVAL = "all developers and all monitors"  # section 1: amendment.remove_approval's default


@dataclass(frozen=True)
class Void:
    """One reason an amendment is void: the rule it breaks, a one-line message naming the place, and
    where in the new text (1-based; ``1, 1`` when the text has no better place, or no text was read)."""

    rule: VoidRule
    message: str
    line: int = 1
    col: int = 1

    def render(self, filename: str) -> str:
        """``FILE:LINE:COL: void (RULE): MESSAGE``, in the shape of ``pausepact check``'s lines."""
        return f"{filename}:{self.line}:{self.col}: void ({self.rule}): {self.message}"


@dataclass(frozen=True)
class Effects:
    """What an amendment does to parties that count for approvals and timelocks (never void).

    ``dropped``: signed parties it no longer lists; ``role_changed``: signed parties it lists with
    another role — both need ``amendment.remove_approval`` as well as ``approval``, counted without
    them. ``rekeyed``: parties listed in both versions whose signing keys or seal key differ (a
    monitor it removes or re-keys cannot ``cancel`` it). ``log_key_changed``: the ``log`` party's keys
    differ, so the timelock is at least both versions' ``status_ttl``.
    """

    dropped: tuple[str, ...]
    role_changed: tuple[str, ...]
    rekeyed: tuple[str, ...]
    log_key_changed: bool

    @property
    def needs_remove_approval(self) -> bool:
        return bool(self.dropped or self.role_changed)


class AmendmentBodyError(ValueError):
    """An amend proposal's body cannot be built: the text is too large, or the id or rationale is unusable."""


def key_holders(versions: Iterable[Pact]) -> dict[str, str]:
    """Key text (``ed25519:...`` or ``x25519:...``) -> the party that first listed it, over a chain of versions
    given oldest first. Pass it as ``holders`` to ``void_reasons``."""
    out: dict[str, str] = {}
    for pact in versions:
        for party in pact.parties:
            for key in (*party.keys, *([party.seal_key] if party.seal_key else [])):
                out.setdefault(key, party.id)
    return out


def void_reasons(in_force: Pact, text: bytes, *, holders: Mapping[str, str] | None = None,
                 revoked: Collection[str] = ()) -> list[Void]:
    """Every reason ``text`` is void as an amendment of ``in_force``, in ``VOID_RULES`` order; empty when it
    is not. ``holders`` maps each key of earlier versions to its party (``key_holders``; ``in_force``'s own
    keys always count); ``revoked`` holds the keys revoked by the moment judged. An invalid text is still
    checked against the other rules as far as its fields can be read."""
    out: list[Void] = []
    if in_force.amendment is None:
        out.append(Void("amendable", f"the version in force ({in_force.pact!r} v{in_force.version}) has no amendment "
                                     "section: it cannot be amended"))
    _, diagnostics = parsed_text(text)
    # one line each: a YAML parser's message may carry a line break
    out += [Void("valid-pact", " ".join(d.message.split()), d.line, d.col) for d in diagnostics if d.severity == "error"]
    try:
        doc, positions = load_document(text)
    except YamlDocError:
        return out  # nothing more can be read; the valid-pact reasons say why
    known = dict(key_holders([in_force]))
    known.update(holders or {})
    out += _step_rules(in_force, doc, positions)
    out += _key_rules(doc, positions, known, frozenset(revoked))
    effective = doc.get("effective")
    if isinstance(effective, dict) and effective != in_force.model_dump(mode="json")["effective"]:
        path: Path = ("effective", "min_developers") if "min_developers" in effective else ("effective",)
        out.append(_at(positions, path, Void(
            "effective-kept", f"{_where(path)}: {_short(effective.get('min_developers', effective))}, but the version in force "
                              f"says {in_force.effective.min_developers}: effective never changes (the coalition that agreed is fixed; "
                              "a new coalition makes a new pact)")))
    return sorted(out, key=lambda v: VOID_RULES.index(v.rule))


@functools.lru_cache(maxsize=16)
def parsed_text(text: bytes) -> tuple[Pact | None, tuple[Diagnostic, ...]]:
    """``parse_pact`` of an amendment's text, remembered: a 32 KiB text costs a YAML parse (tenths of a second in
    pure Python), and an engine judges one text when it is proposed and again at ``executes_at``, a monitor and a
    verifier on every replay. Pure, so remembering changes no answer."""
    pact, diagnostics = parse_pact(text)
    return pact, tuple(diagnostics)


def chain_step_problems(old: Pact, new: Pact) -> list[Void]:
    """The rules a guard checks, from the texts alone, on one step of a chain of versions: same ``pact``, same
    ``origin``, ``version`` + 1, levels kept, first level kept (section 9, Statuses across versions). Empty when
    ``new`` may follow ``old``. Positions are ``1, 1``: both are parsed pacts."""
    return _step_rules(old, new.model_dump(mode="json", by_alias=True), {})


def _step_rules(old: Pact, doc: dict[str, Any], positions: Positions) -> list[Void]:
    out: list[Void] = []
    pact_id, origin, version = doc.get("pact"), doc.get("origin"), doc.get("version")
    if isinstance(pact_id, str) and pact_id != old.pact:
        out.append(_at(positions, ("pact",), Void(
            "same-pact", f"pact: {_short(pact_id)} is not the pact in force, {old.pact!r} (an amendment cannot move to another pact)")))
    if isinstance(origin, str) and origin != old.origin:
        out.append(_at(positions, ("origin",), Void(
            "same-origin", f"origin: {_short(origin)} differs from the version in force's {old.origin!r} "
                           "(one origin belongs to one pact and its chain of versions)")))
    if is_int(version) and version != old.version + 1:
        out.append(_at(positions, ("version",), Void(
            "next-version", f"version: {version}, but the version in force is {old.version}: the amendment must be version {old.version + 1}")))
    levels = [lv for lv in as_list(doc.get("levels")) if isinstance(lv, str)]
    if levels:
        out += _level_rules(old.levels, levels, positions)
    return out


def _level_rules(old: list[str], new: list[str], positions: Positions) -> list[Void]:
    out: list[Void] = []
    missing = [lv for lv in old if lv not in new]
    if missing:
        out.append(_at(positions, ("levels",), Void(
            "levels-kept", f"levels: {', '.join(repr(lv) for lv in missing)} of the version in force "
                           f"{'is' if len(missing) == 1 else 'are'} missing (every level stays; new ones may be inserted after the first)")))
    kept = [lv for lv in dict.fromkeys(new) if lv in old]
    if kept != [lv for lv in old if lv in kept]:
        out.append(_at(positions, ("levels",), Void(
            "levels-kept", f"levels: the version in force's levels now come in the order {', '.join(kept)}; "
                           f"they keep their order {', '.join(old)}")))
    if new[0] != old[0]:
        out.append(_at(positions, ("levels", 0), Void(
            "first-level-kept", f"levels: the first (resting) level is {_short(new[0])}; it stays {old[0]!r}")))
    return out


def _key_rules(doc: dict[str, Any], positions: Positions, holders: Mapping[str, str], revoked: frozenset[str]) -> list[Void]:
    out: list[Void] = []
    for i, party in enumerate(as_list(doc.get("parties"))):
        party = as_dict(party)
        pid = party.get("id")
        listed: list[tuple[Path, Any]] = [(("parties", i, "keys", j), k) for j, k in enumerate(as_list(party.get("keys")))]
        listed.append((("parties", i, "seal_key"), party.get("seal_key")))
        for path, key in listed:
            if not isinstance(key, str):
                continue
            if key in revoked:
                out.append(_at(positions, path, Void(
                    "key-not-revoked", f"{_where(path)}: key {_short(key)} was revoked; a revoked key is never current again")))
            holder = holders.get(key)
            if holder is not None and isinstance(pid, str) and holder != pid:
                out.append(_at(positions, path, Void(
                    "key-stays", f"{_where(path)}: key {_short(key)} belongs to party {holder!r}, not {pid!r}: "
                                 "a key never moves to another party")))
    return out


def amendment_effects(in_force: Pact, new: Pact, signed: Collection[str]) -> Effects:
    """Which ``signed`` parties ``new`` drops or re-roles, which parties it re-keys, whether it changes the log key."""
    before, after = in_force.party_by_id, new.party_by_id
    dropped = tuple(p for p in before if p in signed and p not in after)
    role_changed = tuple(p for p in before if p in signed and p in after and after[p].role != before[p].role)
    rekeyed = tuple(p for p in before if p in after
                    and (after[p].keys != before[p].keys or after[p].seal_key != before[p].seal_key))
    log_key_changed = set(in_force.log_party.keys) != set(new.log_party.keys)
    return Effects(dropped, role_changed, rekeyed, log_key_changed)


def timelock(in_force: Pact, new: Pact) -> int:
    """Seconds from an amendment's approval to its ``executes_at``: the version in force's ``amendment.timelock``
    (default 2d), or, when the ``log`` key changes, the larger of that and both versions' ``status_ttl``."""
    lock = in_force.amendment.timelock if in_force.amendment is not None else DEFAULT_TIMELOCK
    if amendment_effects(in_force, new, ()).log_key_changed:
        lock = max(lock, in_force.oversight.status_ttl, new.oversight.status_ttl)
    return lock


def removal_quorum(pact: Pact) -> Quorum:
    """``amendment.remove_approval`` of ``pact``, or its default, ``all developers and all monitors``."""
    if pact.amendment is not None and pact.amendment.remove_approval is not None:
        return pact.amendment.remove_approval
    return parse_quorum(DEFAULT_REMOVE_APPROVAL)


def propose_body(proposal_id: str, text: bytes, rationale: str | None = None) -> dict[str, Any]:
    """The body of ``propose`` for an amendment: ``{"id", "action": "amend", "pact": base64(text), "rationale"?}``.

    Raises ``AmendmentBodyError`` when ``text`` is over 32 KiB, ``proposal_id`` is empty or the rationale is
    over 2,000 code points: what the log would refuse with ``body``. It does not judge the text (``void_reasons``).
    """
    if not proposal_id:
        raise AmendmentBodyError("an amend proposal needs a non-empty id")
    if len(text) > MAX_AMENDMENT_BYTES:
        raise AmendmentBodyError(f"the new version is {len(text)} bytes; an amend proposal carries at most "
                                 f"{MAX_AMENDMENT_BYTES} bytes (32 KiB)")
    body: dict[str, Any] = {"id": proposal_id, "action": "amend", "pact": base64.b64encode(text).decode("ascii")}
    if rationale is not None:
        if len(rationale) > MAX_RATIONALE:
            raise AmendmentBodyError(f"the rationale is {len(rationale)} characters; at most {MAX_RATIONALE}")
        body["rationale"] = rationale
    return body


def _at(positions: Positions, path: Path, void: Void) -> Void:
    line, col = positions.get(path, (1, 1))
    return Void(void.rule, void.message, line, col)


def _where(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


def _short(value: Any, limit: int = 60) -> str:
    """``repr`` cut short: a hostile text must not make a line of a megabyte."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


__all__ = ["DEFAULT_REMOVE_APPROVAL", "DEFAULT_TIMELOCK", "MAX_AMENDMENT_BYTES", "VOID_RULES", "AmendmentBodyError", "Effects",
           "Void", "VoidRule", "amendment_effects", "chain_step_problems", "key_holders", "propose_body",
           "removal_quorum", "timelock", "void_reasons"]
