"""Checking many envelopes on every core.

``cryptography`` holds the GIL while it verifies, so threads do not help: a
process pool decodes and verifies chunks of envelopes (everything in Validity
that needs only the pact), and the caller applies the order-dependent rules
(``core.sequence``) in one pass. Small batches are checked in-process, where a
pool round trip would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .core.merkle import leaf_hash
from .core.pact import Pact
from .core.pactfile import parse_pact
from .core.statements import Rejection, SignedStatement, decode_envelope, verify_signature

Checked = SignedStatement | Rejection
Ordered = tuple[str, int, int, bytes]  # (keyid, seq, time, leaf hash): what order checks and the tree need
SERIAL_BELOW = 512

_worker_pact: Pact | None = None


UNDECODABLE = "the envelope cannot be decoded: a value in it is out of range or of an unexpected kind"


def check_one(envelope: Any, pact: Pact) -> Checked:
    """Decode and verify one envelope; never raises.

    A Rejection is returned, not raised. Any other fault while decoding one
    envelope (a decoder's bug met by hostile bytes) is that envelope's own
    ``malformed``, so it can never fail its neighbours in a batch.
    """
    try:
        ss = decode_envelope(envelope, pact)
        if not verify_signature(ss):
            return Rejection("bad-signature", "signature does not verify")
    except Rejection as r:
        return r
    except Exception:  # noqa: BLE001 - hostile input must not reach the batch; see docstring
        return Rejection("malformed", UNDECODABLE)
    return ss


def check_for_order(envelope: Any, pact: Pact) -> Ordered | Rejection:
    """``check_one`` reduced to what the verifier keeps: cheap to send between processes."""
    c = check_one(envelope, pact)
    if isinstance(c, Rejection):
        return c
    return (c.keyid, c.statement.seq, c.statement.t, leaf_hash(c.leaf))


def _init(pact_bytes: bytes) -> None:
    global _worker_pact
    _worker_pact = parse_pact(pact_bytes)[0]


def _chunk(envelopes: Sequence[Any]) -> list[Checked]:
    assert _worker_pact is not None
    return [check_one(e, _worker_pact) for e in envelopes]


def _chunk_for_order(envelopes: Sequence[Any]) -> list[Ordered | Rejection]:
    assert _worker_pact is not None
    return [check_for_order(e, _worker_pact) for e in envelopes]


class EnvelopeChecker:
    """``check(envelopes)``: one SignedStatement or Rejection per envelope, in order."""

    def __init__(self, pact: Pact, pact_bytes: bytes, workers: int | None = None) -> None:
        self.pact, self.pact_bytes = pact, pact_bytes
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def check(self, envelopes: Sequence[Any]) -> list[Checked]:
        return self._map(envelopes, check_one, _chunk)

    def stream(self, envelopes: Sequence[Any], chunk: int = 2000) -> Iterator[Checked]:
        """``check`` as a stream: the pool checks later chunks while the caller consumes earlier ones."""
        if len(envelopes) < SERIAL_BELOW or self.workers <= 1:
            yield from (check_one(e, self.pact) for e in envelopes)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_init, initargs=(self.pact_bytes,))
        for part in self._pool.map(_chunk, [envelopes[i:i + chunk] for i in range(0, len(envelopes), chunk)]):
            yield from part

    def check_for_order(self, envelopes: Sequence[Any]) -> list[Ordered | Rejection]:
        """Like ``check`` but returns only (keyid, seq, time, leaf hash) per valid envelope."""
        return self._map(envelopes, check_for_order, _chunk_for_order)

    def _map(self, envelopes: Sequence[Any], one: Any, chunk: Any) -> list[Any]:
        if len(envelopes) < SERIAL_BELOW or self.workers <= 1:
            return [one(e, self.pact) for e in envelopes]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_init, initargs=(self.pact_bytes,))
        n = max(128, len(envelopes) // (self.workers * 4) + 1)
        out: list[Any] = []
        for part in self._pool.map(chunk, [envelopes[i:i + n] for i in range(0, len(envelopes), n)]):
            out.extend(part)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> EnvelopeChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
