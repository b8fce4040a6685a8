"""RFC 8785 bytes by the C JSON encoder, for the documents where the two provably agree.

``rfc8785.dumps`` is pure Python and costs more than the Ed25519 verification
of the statement it serialises, and the log computes it twice per entry (the
payload's canonical check and the leaf). ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` writes the same bytes when:

- the output is ASCII: member names then sort the same by code point (Python)
  and by UTF-16 unit (RFC 8785), and no character is written raw that RFC 8785
  would write differently (both escape only ``"``, ``\\`` and controls, with the
  same short forms and lowercase ``\\u00xx``);
- every integer is within +-2^53 (RFC 8785 writes it as the same digits);
- every float is finite, not integral and 1e-4 <= |f| < 1e16: there Python's
  ``repr`` and ECMAScript's Number-to-String both write the shortest
  round-tripping digits in plain decimal notation.

``plain_canonical`` returns None for anything else, so the caller falls back
to ``rfc8785``: the bytes are identical either way (tests/test_verify_canonical_fast.py
checks it against ``rfc8785`` on generated documents).
"""

from __future__ import annotations

import json
import math
from typing import Any

_SAFE = 2**53 - 1
# sorted members, no spaces, non-ASCII written raw: RFC 8785's bytes only where _plain holds
c_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def _plain(v: Any, depth: int = 0) -> bool:
    t = type(v)
    if t is str or t is bool or v is None:
        return True
    if t is int:
        return bool(-_SAFE <= v <= _SAFE)
    if t is float:
        a = abs(v)
        return 1e-4 <= a < 1e16 and math.isfinite(v) and not v.is_integer()
    if depth > 64:
        return False
    if t is dict:
        return all(type(k) is str for k in v) and all(_plain(x, depth + 1) for x in v.values())
    if t is list:
        return all(_plain(x, depth + 1) for x in v)
    return False


def plain_canonical(obj: Any) -> bytes | None:
    """The RFC 8785 bytes of ``obj`` when the C encoder provably writes them, else None."""
    if not _plain(obj):
        return None
    text = c_encode(obj)
    return text.encode("ascii") if text.isascii() else None
