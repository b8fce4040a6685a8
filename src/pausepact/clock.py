"""Clocks for the shell. The core never reads one; servers, monitors and guards do.

A simulated clock reads ``start`` at the real instant ``anchor`` and runs at
``speed`` simulated seconds per real second (86400: one day per second), so demos
and tests can play a year in minutes while every time rule of the contract still
applies to that clock. Processes given the same start, speed and anchor agree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .core.durations import parse_time


@dataclass
class Clock:
    """``now()`` in epoch seconds: wall time, or ``start`` + (real time since ``anchor``) × ``speed``."""

    start: int | None = None
    speed: float = 1.0
    anchor: float = field(default_factory=time.time)

    def now(self) -> int:
        if self.start is None:
            return int(time.time())
        return self.start + int((time.time() - self.anchor) * self.speed)

    def real_seconds(self, simulated_seconds: float) -> float:
        """Real seconds that correspond to ``simulated_seconds`` on this clock."""
        return simulated_seconds / self.speed if self.start is not None else simulated_seconds

    @classmethod
    def from_options(cls, start: str | None, speed: float, anchor: float | None = None) -> Clock:
        if not start:
            return cls()
        return cls(parse_time(start), speed, anchor if anchor is not None else time.time())
