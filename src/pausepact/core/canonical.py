"""RFC 8785 JSON, and strict JSON reading.

``canonical(obj)`` is the one byte form every party computes. ``strict_loads``
refuses what RFC 8785 cannot represent or what would make a document
ambiguous: duplicate member names, NaN/Infinity, number literals beyond the
largest double (``1e400``, an integer of 400 digits), integer literals over
Python's digit limit and nesting deeper than the interpreter can follow.
Integer literals beyond 2^53 are read as the doubles they denote. Whatever the
input, the only exception either function raises is ``JsonError``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import rfc8785

from .canonical_fast import c_encode, plain_canonical

MAX_SAFE_INTEGER = 2**53 - 1


class JsonError(ValueError):
    """Bytes that are not strict, representable JSON."""


def canonical(obj: Any) -> bytes:
    """The RFC 8785 serialisation of ``obj``; raises JsonError if it has no such form."""
    try:
        # the C encoder where it provably writes the same bytes (canonical_fast), else rfc8785
        fast = plain_canonical(obj)
        return fast if fast is not None else rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError, ArithmeticError, RecursionError) as e:
        raise JsonError(f"cannot canonicalise: {e}") from None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()  # a duplicate: name the first one repeated
    for k, _ in pairs:
        if k in seen:
            raise JsonError(f"duplicate member {k!r}")
        seen.add(k)
    raise JsonError("duplicate member")  # unreachable: dict() dropped a repeated name


def _constant(name: str) -> Any:
    raise JsonError(f"{name} is not a JSON number")


def _int(text: str) -> int | float:
    # JSON numbers are IEEE-754 doubles: a literal beyond 2^53 is the double it denotes
    # (RFC 8785 writes 1e20 as 100000000000000000000)
    if len(text) > 310:
        # past 309 digits no double is that large; also stays clear of Python's int digit limit
        raise JsonError(f"number {text[:20]}... ({len(text)} digits) is beyond the largest double")
    value = int(text)
    if abs(value) <= MAX_SAFE_INTEGER:
        return value
    try:
        return float(value)
    except OverflowError:
        raise JsonError(f"number {text[:20]}... ({len(text)} digits) is beyond the largest double") from None


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # float() reads 1e400 as inf, which no JSON number denotes
        raise JsonError(f"number {text[:40]} is beyond the largest double")
    return value


# built once: json.loads with keyword arguments builds a decoder per call
_strict = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_int, parse_float=_float)


class _NotPlain(Exception):
    """A number canonical_fast does not write the way RFC 8785 does."""


def _plain_int(text: str) -> int:
    value = int(text) if len(text) <= 17 else MAX_SAFE_INTEGER + 1
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise _NotPlain
    return value


def _plain_float(text: str) -> float:
    value = float(text)
    if not (1e-4 <= abs(value) < 1e16) or value.is_integer():
        raise _NotPlain
    return value


def _not_plain(text: str) -> Any:
    raise _NotPlain


# numbers are checked as they are read, so the value needs no second walk (canonical_fast._plain)
_plain_loads = json.JSONDecoder(parse_int=_plain_int, parse_float=_plain_float, parse_constant=_not_plain).decode


def canonical_object(data: bytes) -> dict[str, Any] | None:
    """The JSON object ``data`` holds when ``data`` is exactly its RFC 8785 form as ``canonical_fast``
    writes it, else None (then ``strict_loads`` and ``canonical`` decide).

    When it returns an object, ``strict_loads(data)`` returns an equal one and
    ``canonical`` of it is ``data``: a duplicate member, an escape, a number
    written otherwise or out of range all change the re-encoded bytes.
    """
    if data.count(b"{") + data.count(b"[") > 64:
        return None  # possibly nested deeper than canonical_fast goes (rfc8785 decides: it may refuse)
    try:
        obj = _plain_loads(data.decode("ascii"))
        if type(obj) is not dict:
            return None
        # every member name is text and every number is in canonical_fast's range: the C encoder's
        # bytes are RFC 8785's, so equal bytes mean canonical input
        text = c_encode(obj)
    except (ValueError, TypeError, RecursionError, _NotPlain):
        return None
    return obj if text.isascii() and text.encode("ascii") == data else None


def strict_loads(data: bytes | str) -> Any:
    """Parse JSON strictly (bytes must be UTF-8); raises JsonError naming the problem, never anything else."""
    try:
        if isinstance(data, (bytes, bytearray)):
            # json.loads would guess UTF-16/32 from the first bytes; the contract's JSON is UTF-8
            data = bytes(data).decode("utf-8")
        if not isinstance(data, str):
            raise TypeError(f"the JSON object must be str, bytes or bytearray, not {type(data).__name__}")
        if data.startswith("\ufeff"):  # as json.loads says
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
        return _strict.decode(data)
    except JsonError:
        raise
    except RecursionError:
        raise JsonError("not JSON: nested too deeply") from None
    except UnicodeDecodeError as e:
        raise JsonError(f"not JSON: not UTF-8 at byte {e.start}") from None
    except json.JSONDecodeError as e:
        raise JsonError(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except (ValueError, TypeError, ArithmeticError) as e:
        # ValueError: the int digit limit; TypeError: an argument that is not text
        raise JsonError(f"not JSON: {e}") from None
