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
        expected = self.last_seq.get(ss.keyid, 0) + 1
        if ss.statement.seq != expected:
            raise Rejection("bad-seq", f"seq {ss.statement.seq} for this key; expected {expected}")
        bound = max(self.last_time, self.floor)
        if ss.statement.t < bound:
            raise Rejection("time-order", f"time {ss.statement.time} is earlier than {format_time(bound)}, already in the log")

    def accept(self, ss: SignedStatement) -> None:
        self.last_seq[ss.keyid] = ss.statement.seq
        self.last_time = max(self.last_time, ss.statement.t)

    def admit(self, ss: SignedStatement) -> None:
        """check, then accept."""
        self.check(ss)
        self.accept(ss)
