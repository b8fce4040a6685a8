"""Checking many envelopes on every core.

``cryptography`` holds the GIL while it verifies, so threads do not help: a
process pool decodes and verifies chunks of envelopes (everything in Validity
that needs only the pact), and the caller applies the order-dependent rules
(``core.sequence``) in one pass. Small batches are checked in-process, where a
pool round trip would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .core.pact import Pact
from .core.pactfile import parse_pact
from .core.statements import Rejection, SignedStatement, decode_envelope, verify_signature

Checked = SignedStatement | Rejection
SERIAL_BELOW = 512

_worker_pact: Pact | None = None


def check_one(envelope: Any, pact: Pact) -> Checked:
    """Decode and verify one envelope; a Rejection is returned, not raised."""
    try:
        ss = decode_envelope(envelope, pact)
    except Rejection as r:
        return r
    if not verify_signature(ss):
        return Rejection("bad-signature", "signature does not verify")
    return ss


def _init(pact_bytes: bytes) -> None:
    global _worker_pact
    _worker_pact = parse_pact(pact_bytes)[0]


def _chunk(envelopes: Sequence[Any]) -> list[Checked]:
    assert _worker_pact is not None
    return [check_one(e, _worker_pact) for e in envelopes]


class EnvelopeChecker:
    """``check(envelopes)``: one SignedStatement or Rejection per envelope, in order."""

    def __init__(self, pact: Pact, pact_bytes: bytes, workers: int | None = None) -> None:
        self.pact, self.pact_bytes = pact, pact_bytes
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def check(self, envelopes: Sequence[Any]) -> list[Checked]:
        if len(envelopes) < SERIAL_BELOW or self.workers <= 1:
            return [check_one(e, self.pact) for e in envelopes]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_init, initargs=(self.pact_bytes,))
        n = max(128, len(envelopes) // (self.workers * 4) + 1)
        out: list[Checked] = []
        for part in self._pool.map(_chunk, [envelopes[i:i + n] for i in range(0, len(envelopes), n)]):
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
