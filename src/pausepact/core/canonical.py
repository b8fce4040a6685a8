"""RFC 8785 JSON, and strict JSON reading.

``canonical(obj)`` is the one byte form every party computes. ``strict_loads``
refuses what RFC 8785 cannot represent or what would make a document
ambiguous: duplicate member names, NaN/Infinity. Integer literals beyond 2^53
are read as the doubles they denote.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1


class JsonError(ValueError):
    """Bytes that are not strict, representable JSON."""


def canonical(obj: Any) -> bytes:
    """The RFC 8785 serialisation of ``obj``; raises JsonError if it has no such form."""
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as e:
        raise JsonError(f"cannot canonicalise: {e}") from None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise JsonError(f"duplicate member {k!r}")
        out[k] = v
    return out


def _constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number")


def _int(text: str) -> int | float:
    # JSON numbers are IEEE-754 doubles: a literal beyond 2^53 is the double it denotes
    # (RFC 8785 writes 1e20 as 100000000000000000000)
    value = int(text)
    return float(value) if abs(value) > MAX_SAFE_INTEGER else value


def strict_loads(data: bytes | str) -> Any:
    """Parse JSON strictly; raises JsonError naming the problem."""
    try:
        return json.loads(data, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_int)
    except JsonError:
        raise
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise JsonError(f"not JSON: {e}") from None
