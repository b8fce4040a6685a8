"""The log-order part of Validity: per-key ``seq`` and non-decreasing ``time``.

``Sequencer`` is a small pure state machine over signed statements already
checked by ``statements.decode_envelope`` and ``verify_signature``:

- ``seq`` must be the signing key's previous counted seq + 1 (each key is its own
  sequence, starting at 1);
- ``time`` must not be earlier than the previous counted entry's ``time``
  (log order is time order), nor than ``floor`` (the ``as_of`` of a status
  already issued, which the server sets);
- a rejected entry consumes no seq and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .durations import format_time
from .statements import Rejection, SignedStatement


@dataclass
class Sequencer:
    last_seq: dict[str, int] = field(default_factory=dict)
    last_time: int = -(2**62)
    floor: int = -(2**62)

    def check(self, ss: SignedStatement) -> None:
        """Raise Rejection (``bad-seq`` or ``time-order``) if ``ss`` cannot come next."""
        self.check_order(ss.keyid, ss.statement.seq, ss.statement.t)

    def check_order(self, keyid: str, seq: int, t: int) -> None:
        expected = self.last_seq.get(keyid, 0) + 1
        if seq != expected:
            raise Rejection("bad-seq", f"seq {seq} for this key; expected {expected}")
        bound = max(self.last_time, self.floor)
        if t < bound:
            raise Rejection("time-order", f"time {format_time(t)} is earlier than {format_time(bound)}, already in the log")

    def accept(self, ss: SignedStatement) -> None:
        self.accept_order(ss.keyid, ss.statement.seq, ss.statement.t)

    def accept_order(self, keyid: str, seq: int, t: int) -> None:
        self.last_seq[keyid] = seq
        self.last_time = max(self.last_time, t)

    def admit(self, ss: SignedStatement) -> None:
        """check, then accept."""
        self.check(ss)
        self.accept(ss)
