"""Clocks for the shell. The core never reads one; servers, monitors and guards do.

A simulated clock runs from a start time at a speed (e.g. 86400: one day per
second) so demos and tests can play a year in minutes while every time rule of
the contract still applies to that clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .core.durations import parse_time


@dataclass
class Clock:
    """``now()`` in epoch seconds: wall time, or ``start`` + elapsed × ``speed``."""

    start: int | None = None
    speed: float = 1.0
    _t0: float = field(default_factory=time.monotonic)

    def now(self) -> int:
        if self.start is None:
            return int(time.time())
        return self.start + int((time.monotonic() - self._t0) * self.speed)

    def sleep_for(self, simulated_seconds: float) -> float:
        """Real seconds that correspond to ``simulated_seconds`` on this clock."""
        return simulated_seconds / self.speed if self.start is not None else simulated_seconds

    @classmethod
    def from_options(cls, start: str | None, speed: float) -> Clock:
        return cls(parse_time(start) if start else None, speed if start else 1.0)
