"""P2 parties and P3 effective: who signs what, and when the pact comes into force."""

from __future__ import annotations

from ..keys import KeyFormatError, parse_public_key
from ..sealing import SealKeyFormatError, parse_seal_key
from .draft import Draft, as_dict, as_list, is_int
from .findings import Findings


def p2_parties(draft: Draft, out: Findings) -> None:
    """Exactly one party has role ``log``; every key is canonical ``ed25519:`` base64 of 32 bytes
    (a point on the curve) and belongs to one party only; ``seal_key`` only on monitors,
    canonical ``x25519:`` base64 of 32 bytes, distinct (v2)."""
    owner: dict[str, tuple[int, object]] = {}
    for i, p in draft.parties():
        for j, k in enumerate(as_list(p.get("keys"))):
            if not isinstance(k, str):
                continue
            try:
                parse_public_key(k)
            except KeyFormatError as e:
                out.error("P2", ("parties", i, "keys", j), str(e))
                continue
            first, pid = owner.setdefault(k, (i, p.get("id")))
            if first != i:  # listed twice by one party is advice, not this rule
                out.error("P2", ("parties", i, "keys", j),
                          f"duplicate key: already listed for party {pid!r}; a key must belong to one party only")
    logs = draft.ids("log")
    if draft.has_parties() and len(logs) != 1:
        out.error("P2", ("parties",), f"exactly one party must have role 'log' (its key signs checkpoints); found {len(logs)}")
    _seal_keys(draft, out)


def _seal_keys(draft: Draft, out: Findings) -> None:
    holder: dict[str, tuple[int, object]] = {}
    for i, p in draft.parties():
        seal = p.get("seal_key")
        if seal is None:
            continue
        path = ("parties", i, "seal_key")
        role = p.get("role")
        if role in ("developer", "log"):  # another role is the schema's to report
            # only monitors open sealed reports: a seal key elsewhere would receive values nobody may read
            out.error("P2", path, f"party {p.get('id')!r} has role {role!r}; only monitors have a seal_key", key=True)
            continue
        if role != "monitor" or not isinstance(seal, str):
            continue  # the schema's to report
        try:
            parse_seal_key(seal)
        except SealKeyFormatError as e:
            out.error("P2", path, str(e))
            continue
        first, pid = holder.setdefault(seal, (i, p.get("id")))
        if first != i:
            out.error("P2", path, f"duplicate seal_key: already the seal key of {pid!r}; each monitor seals to a key of its own")


def p3_effective(draft: Draft, out: Findings) -> None:
    """``effective.min_developers`` is at least 1 and at most the number of developers."""
    n = as_dict(draft.doc.get("effective")).get("min_developers")
    if not is_int(n):
        return
    path = ("effective", "min_developers")
    developers = draft.population("developer")
    if n < 1:
        out.error("P3", path, f"min_developers is {n}; it must be at least 1 (nobody is bound alone)")
    elif draft.has_parties() and n > developers:
        out.error("P3", path, f"min_developers is {n} but the pact lists only {developers} developer(s): it could never come into force")
