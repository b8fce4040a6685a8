"""Checking many envelopes on every core.

``cryptography`` holds the GIL while it verifies, so threads do not help: a
process pool verifies, and the caller applies the order-dependent rules
(``core.sequence``) in one pass. What crosses between processes is kept to
bytes, because pickling decoded statements back costs the main process about
as much as a signature check (measured: docs/benchmarks.md):

- ``check``/``stream`` (the log's append path, replay): the main process decodes
  each envelope (it needs the decoded statement anyway) and sends only
  (public key, signature, payload) to the workers, chunk by chunk, so the
  workers verify earlier chunks while it decodes later ones;
- ``check_for_order`` (the verifier): the workers decode and verify and send
  back only (keyid, seq, time, leaf hash).

Tiny batches are checked in-process, where a pool round trip would cost more
than it saves. Every path gives each envelope its own fate: no input, and no
fault of the pool, makes one envelope fail another.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from ..core.keys import verify_ed25519
from ..core.merkle import leaf_hash
from ..core.pact import Pact
from ..core.pactfile import parse_pact
from ..core.statements import STATEMENT_TYPE, Rejection, SignedStatement, decode_envelope, pae

Checked = SignedStatement | Rejection
Ordered = tuple[str, int, int, bytes]  # (keyid, seq, time, leaf hash): what order checks and the tree need
SignatureJob = tuple[bytes, bytes, bytes]  # (public key, signature, payload)
SERIAL_BELOW = 16  # a batch this small is verified in-process (a pool round trip costs about as much)
UNDECODABLE = "the envelope cannot be decoded: a value in it is out of range or of an unexpected kind"
BAD_SIGNATURE = "signature does not verify"

_worker_pact: Pact | None = None


def decode_one(envelope: Any, pact: Pact) -> Checked:
    """``decode_envelope`` that returns its Rejection, and never raises (see ``check_one``)."""
    try:
        return decode_envelope(envelope, pact)
    except Rejection as r:
        return r
    except Exception:  # noqa: BLE001 - hostile input must not reach the batch; see check_one
        return Rejection("malformed", UNDECODABLE)


def _signature_holds(job: SignatureJob) -> bool:
    public_key, sig, payload = job
    return verify_ed25519(public_key, sig, pae(STATEMENT_TYPE, payload))


def check_one(envelope: Any, pact: Pact) -> Checked:
    """Decode and verify one envelope; never raises.

    A Rejection is returned, not raised. Any other fault while decoding one
    envelope (a decoder's bug met by hostile bytes) is that envelope's own
    ``malformed``, so it can never fail its neighbours in a batch.
    """
    c = decode_one(envelope, pact)
    if isinstance(c, SignedStatement):
        try:
            if not _signature_holds((c.public_key, c.sig, c.payload)):
                return Rejection("bad-signature", BAD_SIGNATURE)
        except Exception:  # noqa: BLE001 - as above
            return Rejection("malformed", UNDECODABLE)
    return c


def check_for_order(envelope: Any, pact: Pact) -> Ordered | Rejection:
    """``check_one`` reduced to what the verifier keeps: cheap to send between processes."""
    c = check_one(envelope, pact)
    if isinstance(c, Rejection):
        return c
    return (c.keyid, c.statement.seq, c.statement.t, leaf_hash(c.leaf))


def _init(pact_bytes: bytes) -> None:
    global _worker_pact
    _worker_pact = parse_pact(pact_bytes)[0]


def _verify_chunk(jobs: Sequence[SignatureJob]) -> list[bool]:
    out = []
    for job in jobs:
        try:
            out.append(_signature_holds(job))
        except Exception:  # noqa: BLE001 - a bad job is a failed signature, never a failed chunk
            out.append(False)
    return out


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
        return list(self.stream(envelopes))

    def stream(self, envelopes: Sequence[Any], chunk: int = 500) -> Iterator[Checked]:
        """``check`` as a stream: the pool verifies earlier chunks while this process decodes later
        ones and the caller consumes earlier results."""
        if len(envelopes) < SERIAL_BELOW or self.workers <= 1:
            yield from (check_one(e, self.pact) for e in envelopes)
            return
        # small batches (the server's) are split so that every worker gets a share; large ones in
        # 4 shares per worker, so the workers start while later chunks are still being decoded
        parts = 4 * self.workers if len(envelopes) >= 64 * self.workers else self.workers
        size = max(8, min(chunk, -(-len(envelopes) // parts)))
        in_flight: deque[tuple[list[Checked], Future[list[bool]] | None]] = deque()
        for start in range(0, len(envelopes), size):
            decoded = [decode_one(e, self.pact) for e in envelopes[start:start + size]]
            in_flight.append((decoded, self._submit(decoded)))
            while len(in_flight) > 2 * self.workers:
                yield from self._settle(*in_flight.popleft())
        while in_flight:
            yield from self._settle(*in_flight.popleft())

    def _submit(self, decoded: list[Checked]) -> Future[list[bool]] | None:
        jobs = [(c.public_key, c.sig, c.payload) for c in decoded if isinstance(c, SignedStatement)]
        if not jobs:
            return None
        try:
            return self._executor().submit(_verify_chunk, jobs)
        except Exception:  # noqa: BLE001 - a broken pool: verify in-process (see _settle)
            self._drop()
            return None

    def _settle(self, decoded: list[Checked], verdicts: Future[list[bool]] | None) -> Iterator[Checked]:
        holds: list[bool] | None = None
        if verdicts is not None:
            try:
                holds = verdicts.result()
            except Exception:  # noqa: BLE001 - a worker died (killed, out of memory): the pool is rebuilt later
                self._drop()
        jobs = iter(holds) if holds is not None else None
        for c in decoded:
            if isinstance(c, SignedStatement):
                ok = next(jobs) if jobs is not None else _verify_chunk([(c.public_key, c.sig, c.payload)])[0]
                yield c if ok else Rejection("bad-signature", BAD_SIGNATURE)
            else:
                yield c

    def check_for_order(self, envelopes: Sequence[Any]) -> list[Ordered | Rejection]:
        """Like ``check`` but returns only (keyid, seq, time, leaf hash) per valid envelope."""
        if len(envelopes) < SERIAL_BELOW or self.workers <= 1:
            return [check_for_order(e, self.pact) for e in envelopes]
        n = max(256, min(4000, len(envelopes) // (self.workers * 4) + 1))
        parts = [envelopes[i:i + n] for i in range(0, len(envelopes), n)]
        out: list[Ordered | Rejection] = []
        try:
            for part in self._executor().map(_chunk_for_order, parts):
                out.extend(part)
        except Exception:  # noqa: BLE001 - a broken pool: finish in-process rather than fail the whole check
            self._drop()
            out.extend(check_for_order(e, self.pact) for e in envelopes[len(out):])
        return out

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_init, initargs=(self.pact_bytes,))
        return self._pool

    def _drop(self) -> None:
        """Forget a broken pool without waiting on it; the next batch starts a new one."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> EnvelopeChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
