"""Clocks for the shell. The core never reads one; the server, monitors, guards and ``status`` do.

Three kinds behind one interface: ``now()`` (epoch seconds) and ``ticks()`` (a reading that
never goes back, in this clock's seconds: what a component measures elapsed time with).

- **wall**: the host's clock; ``ticks`` is ``time.monotonic``.
- **scaled**: reads ``start`` at the real instant ``anchor`` and runs at ``speed`` simulated
  seconds per real second. Kept for tests and benchmarks: on a busy machine its processes
  fall behind it, so a rehearsal does not use it.
- **rehearsal**: a discrete-event clock owned by a rehearsal driver (``pausepact rehearse``).
  The clock is a small file, the ``Dial``, holding the rehearsal's id and the virtual time;
  the driver replaces it atomically, and only once every process has caught up with the
  time it shows. Time moves only when the driver writes it, whatever the machine's load;
  ``ticks`` is the virtual time itself, so elapsed-time rules (a status's ttl after it was
  received) are judged in virtual time too. A component on this clock acknowledges what
  it judged with ``acknowledge`` (a JSON file in the dial's ``acks`` folder), which the
  driver reads before it moves the clock on.

A rehearsal never mixes with a real log: ``server_clock_problem`` says why a server and a
component are not on the same clock (a real component and a rehearsal server, a rehearsal
component and a real server, or two rehearsals), and the server marks its store
(``LogStore.bind_clock``). docs/rehearse.md has the whole design.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core.durations import format_time, is_time, parse_time
from .errors import InputError, PausepactError

if TYPE_CHECKING:
    from .party.client import PactClient

DIAL_FORMAT = "pausepact-rehearsal-clock/1"


class ClockError(InputError):
    """A clock option or a rehearsal's clock file that cannot be used."""


class ClockMismatch(PausepactError):
    """A component and a server on different clocks (a rehearsal and a real log must never mix)."""


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass
class Dial:
    """A rehearsal's clock file: ``{"format", "rehearsal": id, "now": time}``, replaced atomically by its driver.

    Readers see the time never go back; once the file cannot be read (the driver is gone) the
    clock stays at the last time read: a rehearsal's clock stops, it never runs on."""

    path: Path
    _last: tuple[str, int] | None = field(default=None, repr=False)

    @classmethod
    def create(cls, path: Path, rehearsal: str, t: int) -> Dial:
        """A new dial at ``path`` reading ``t`` (the driver's)."""
        dial = cls(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        dial.acks.mkdir(exist_ok=True)
        dial.set(rehearsal, t)
        return dial

    @property
    def acks(self) -> Path:
        return self.path.with_name(self.path.name + ".acks")

    def set(self, rehearsal: str, t: int) -> None:
        """Move the clock to ``t`` (the driver's; the time must not go back)."""
        if self._last is not None and t < self._last[1]:
            raise ClockError(f"{self.path}: a rehearsal's clock never goes back ({format_time(t)} < {format_time(self._last[1])})")
        _write_atomically(self.path, json.dumps({"format": DIAL_FORMAT, "rehearsal": rehearsal, "now": format_time(t)}).encode())
        self._last = (rehearsal, t)

    def read(self) -> tuple[str, int]:
        """(rehearsal id, virtual time); ClockError only if the file was never readable."""
        try:
            data = json.loads(self.path.read_bytes())
            if not (isinstance(data, dict) and data.get("format") == DIAL_FORMAT and isinstance(data.get("rehearsal"), str)
                    and is_time(data.get("now"))):
                raise ValueError("not a rehearsal clock")
            got = (str(data["rehearsal"]), parse_time(data["now"]))
        except (OSError, ValueError) as e:
            if self._last is not None:
                return self._last  # the driver is gone or mid-write: the clock stops where it was
            why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise ClockError(f"{self.path}: cannot read the rehearsal's clock ({why})") from None
        if self._last is not None and got[0] == self._last[0] and got[1] < self._last[1]:
            return self._last
        self._last = got
        return got

    def ack_path(self, name: str) -> Path:
        """Where the component called ``name`` acknowledges (a file name safe for any ``name``)."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60]
        return self.acks / f"{safe}-{hashlib.sha256(name.encode()).hexdigest()[:10]}.json"

    def read_ack(self, name: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self.ack_path(name).read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


@dataclass
class Clock:
    """``now()`` in epoch seconds: wall time, ``start`` + (real time since ``anchor``) × ``speed``, or a rehearsal's dial."""

    start: int | None = None
    speed: float = 1.0
    anchor: float = field(default_factory=time.time)
    dial: Dial | None = None

    @property
    def kind(self) -> str:
        return "rehearsal" if self.dial is not None else "scaled" if self.start is not None else "wall"

    @property
    def discrete(self) -> bool:
        """True on a rehearsal's clock: time moves only when its driver says so."""
        return self.dial is not None

    @property
    def rehearsal(self) -> str | None:
        """The id of the rehearsal whose clock this is, or None."""
        return self.dial.read()[0] if self.dial is not None else None

    def now(self) -> int:
        if self.dial is not None:
            return self.dial.read()[1]
        if self.start is None:
            return int(time.time())
        return self.start + int((time.time() - self.anchor) * self.speed)

    def ticks(self) -> float:
        """Seconds on this clock from an arbitrary origin, never going back: elapsed time is measured with it."""
        if self.dial is not None:
            return float(self.dial.read()[1])
        return time.monotonic() * (self.speed if self.start is not None else 1.0)

    def real_seconds(self, simulated_seconds: float) -> float:
        """Real seconds that correspond to ``simulated_seconds`` on this clock (a rehearsal's have none: 0)."""
        if self.dial is not None:
            return 0.0
        return simulated_seconds / self.speed if self.start is not None else simulated_seconds

    def acknowledge(self, name: str, data: dict[str, Any]) -> None:
        """On a rehearsal's clock, tell its driver what the component ``name`` judged (else nothing)."""
        if self.dial is not None:
            _write_atomically(self.dial.ack_path(name), json.dumps(data, sort_keys=True).encode())

    def describe(self) -> str:
        if self.dial is not None:
            return f"the rehearsal clock {self.dial.path} (rehearsal {self.rehearsal})"
        return "a simulated clock" if self.start is not None else "the wall clock"

    @classmethod
    def from_options(cls, start: str | None, speed: float, anchor: float | None = None, spec: str | None = None) -> Clock:
        """The clock of a command's options: ``--clock`` (``wall`` or ``rehearsal:PATH``) or the scaled clock's three."""
        if spec is not None and spec != "wall":
            if start:
                raise ClockError("--clock and --clock-start: choose one clock")
            return cls.from_spec(spec)
        if not start:
            return cls()
        return cls(parse_time(start), speed, anchor if anchor is not None else time.time())

    @classmethod
    def from_spec(cls, spec: str) -> Clock:
        """``wall`` or ``rehearsal:PATH`` (the dial of a running rehearsal; read now, so a bad path fails at once)."""
        if spec == "wall":
            return cls()
        if spec.startswith("rehearsal:") and len(spec) > len("rehearsal:"):
            dial = Dial(Path(spec[len("rehearsal:"):]))
            dial.read()
            return cls(dial=dial)
        raise ClockError(f"--clock {spec!r}: use 'wall' or 'rehearsal:PATH' (the clock file of a running rehearsal)")


def server_clock(client: PactClient) -> dict[str, Any] | None:
    """The server's ``GET /v1/clock`` answer, or None when it has none (a server older than rehearsals: a real log).

    ClientError when the server cannot be asked."""
    from .party.client import ClientError

    try:
        return client._object("GET", "/v1/clock")
    except ClientError as e:
        if e.status == 404:
            return None
        raise


def server_clock_problem(clock: Clock, info: dict[str, Any] | None, server: str) -> str | None:
    """Why a component on ``clock`` must not judge the server at ``server`` (``info``: its ``/v1/clock``), or None."""
    theirs = info.get("rehearsal") if isinstance(info, dict) and info.get("clock") == "rehearsal" else None
    mine = clock.rehearsal
    if mine is None and theirs is not None:
        return (f"{server} plays a rehearsal (virtual clock, rehearsal {theirs}); a component on {clock.describe()} "
                "does not judge it: give --clock rehearsal:PATH with that rehearsal's clock file")
    if mine is not None and theirs is None:
        return f"{server} is not on a rehearsal's clock: a component on {clock.describe()} refuses a real log"
    if mine is not None and theirs != mine:
        return f"{server} plays rehearsal {theirs}, not rehearsal {mine} of {clock.describe()}"
    return None


def check_server(clock: Clock, client: PactClient, server: str) -> None:
    """ClockMismatch unless the server and ``clock`` are on the same clock (see ``server_clock_problem``);
    ClientError when the server cannot be asked."""
    problem = server_clock_problem(clock, server_clock(client), server)
    if problem is not None:
        raise ClockMismatch(problem)
