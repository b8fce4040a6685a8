"""P2 parties and P3 effective: who signs what, and when the pact comes into force."""

from __future__ import annotations

from ..keys import KeyFormatError, parse_public_key
from .draft import Draft, as_dict, as_list, is_int
from .findings import Findings


def p2_parties(draft: Draft, out: Findings) -> None:
    """Exactly one party has role ``log``; every key is canonical ``ed25519:`` base64 of 32 bytes
    (a point on the curve) and belongs to one party only.

    v2: ``seal_key`` only on monitors, canonical ``x25519:`` base64 of 32 bytes, distinct. The
    closed schema refuses ``seal_key`` until the field exists; its check belongs here.
    """
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
