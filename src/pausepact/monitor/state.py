"""What a monitor keeps across restarts, per log origin (contract section 5).

The state file holds the monitor's high-water mark: the largest checkpoint it
cosigned (size and root) and the largest status it signed (tree size, root and
``issued_at``), plus any alarm and the last problems the server showed it. A
monitor with seal keys also keeps there the sealed values it opened
(``openings``) and the verdicts and shares it sent that its replay has not yet
reached (``sealed_sent``): the file is created with mode 0600 and nothing else
the monitor writes ever carries a sealed value (contract v2 section 8). A
monitor never signs below that mark, so losing the file would let a log show it
an older prefix: the file is written atomically (temporary file, fsync, rename,
fsync of the folder), refused when it belongs to another log, and a missing file
is announced as a first start rather than passed over.

By default it lives in the user's data directory, one folder per log origin:
``user_data_dir("pausepact")/monitors/<origin>/<party>.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ..core.durations import is_time
from ..errors import InputError

FORMAT = 1
MAX_INCIDENTS = 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


def state_folder(origin: str) -> Path:
    """The default folder of the monitors of the log ``origin`` (a name safe on any file system, unique per origin)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", origin).strip("._")[:60] or "log"
    digest = hashlib.sha256(origin.encode()).hexdigest()[:12]
    return Path(platformdirs.user_data_dir("pausepact")) / "monitors" / f"{readable}-{digest}"


def default_state_path(origin: str, party: str) -> Path:
    return state_folder(origin) / f"{party}.json"


class StateFileError(InputError):
    """A state file that cannot be read or written, or that belongs to another log."""


def _size(data: dict[str, Any], name: str) -> int:
    v = data.get(name, 0)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError(f"{name} is not a non-negative integer")
    return v


def _root(data: dict[str, Any], name: str) -> str:
    v = data.get(name, "")
    if not isinstance(v, str) or (v and not _HEX64.fullmatch(v)):
        raise ValueError(f"{name} is not 64 lowercase hex digits")
    return v


def _text(data: dict[str, Any], name: str) -> str | None:
    v = data.get(name)
    if v is not None and not isinstance(v, str):
        raise ValueError(f"{name} is not text")
    return v


def _openings(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    v = data.get("openings", {})
    if not isinstance(v, dict) or not all(
            isinstance(d, str) and _HEX64.fullmatch(d) and isinstance(o, dict) and set(o) == {"index", "value", "salt"}
            and _is_int(o["index"]) and isinstance(o["value"], (int, float)) and not isinstance(o["value"], bool)
            and math.isfinite(o["value"]) and isinstance(o["salt"], str) for d, o in v.items()):
        raise ValueError("openings is not a map of report digests to {index, value, salt}")
    return v


def _sent(data: dict[str, Any]) -> list[dict[str, Any]]:
    v = data.get("sealed_sent", [])
    if not isinstance(v, list) or not all(
            isinstance(s, dict) and set(s) == {"statement", "type", "to", "index"} and isinstance(s["statement"], str)
            and s["type"] in ("verdict", "share") and (s["to"] is None or isinstance(s["to"], str)) and _is_int(s["index"])
            for s in v):
        raise ValueError("sealed_sent is not a list of {statement, type, to, index}")
    return v


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


@dataclass
class MonitorState:
    """A monitor's durable memory. ``path`` None keeps it in memory only (tests, one-off checks)."""

    path: Path | None
    cosigned_size: int = 0
    cosigned_root: str = ""
    alarm: str | None = None
    status_size: int = 0
    status_root: str = ""
    status_issued_at: str | None = None
    alarm_at: str | None = None
    alarm_evidence: str | None = None
    origin: str | None = None
    pact: str | None = None
    party: str | None = None
    incidents: list[dict[str, str]] = field(default_factory=list)
    first_start: bool = False
    # v2 (section 8): report digest -> {"index", "value", "salt"}; and what was sent and not yet replayed
    openings: dict[str, dict[str, Any]] = field(default_factory=dict)
    sealed_sent: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None) -> MonitorState:
        """The state in ``path``; a missing file is a first start (``first_start``); anything unreadable is StateFileError."""
        if path is None:
            return cls(None, first_start=True)
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            return cls(path, first_start=True)
        except OSError as e:
            raise StateFileError(f"{path}: cannot read the monitor state: {e.strerror}") from None
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            issued = _text(data, "status_issued_at")
            if issued is not None and not is_time(issued):
                raise ValueError("status_issued_at is not a time")
            incidents = data.get("incidents", [])
            if not isinstance(incidents, list) or not all(
                    isinstance(i, dict) and all(isinstance(v, str) for v in i.values()) for i in incidents):
                raise ValueError("incidents is not a list of records")
            return cls(path, _size(data, "cosigned_size"), _root(data, "cosigned_root"), _text(data, "alarm"),
                       _size(data, "status_size"), _root(data, "status_root"), issued, _text(data, "alarm_at"),
                       _text(data, "alarm_evidence"), _text(data, "origin"), _text(data, "pact"), _text(data, "party"),
                       incidents[-MAX_INCIDENTS:], openings=_openings(data), sealed_sent=_sent(data))
        except (ValueError, RecursionError) as e:
            raise StateFileError(f"{path}: not a monitor state file ({e}); restore it from a backup or move it away "
                                 "(a monitor without its state would trust the first checkpoint it is shown)") from None

    def bind(self, origin: str, pact: str, party: str) -> None:
        """Tie the state to one log; StateFileError when it already belongs to another log or party."""
        where = self.path or "the monitor state"
        if self.origin is not None and self.origin != origin:
            raise StateFileError(f"{where}: this state belongs to the log {self.origin!r}, not {origin!r}; each log "
                                 "needs its own state file (leave --state out to use the default one per log)")
        if self.pact is not None and self.pact != pact:
            raise StateFileError(f"{where}: this state belongs to pact {self.pact!r}, not {pact!r}")
        if self.party is not None and self.party != party:
            raise StateFileError(f"{where}: this state belongs to monitor {self.party!r}, not {party!r}")
        self.origin, self.pact, self.party = origin, pact, party

    def record_incident(self, at: str, what: str) -> None:
        """Remember a problem the server showed (not an alarm); repeated identical problems are kept once."""
        if self.incidents and self.incidents[-1].get("what") == what:
            return
        self.incidents = [*self.incidents, {"at": at, "what": what[:500]}][-MAX_INCIDENTS:]
        self.save()

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "origin": self.origin, "pact": self.pact, "party": self.party,
                "cosigned_size": self.cosigned_size, "cosigned_root": self.cosigned_root,
                "status_size": self.status_size, "status_root": self.status_root, "status_issued_at": self.status_issued_at,
                "alarm": self.alarm, "alarm_at": self.alarm_at, "alarm_evidence": self.alarm_evidence,
                "incidents": self.incidents, "openings": self.openings, "sealed_sent": self.sealed_sent}

    def save(self) -> None:
        """Write atomically and durably: a crash at any moment leaves either the old file or the new one."""
        if self.path is None:
            return
        data = json.dumps(self.as_json(), indent=1, sort_keys=True).encode() + b"\n"
        folder = self.path.parent
        tmp: str | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            tmp = None
            dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)  # the rename itself must survive a power cut
            finally:
                os.close(dfd)
        except OSError as e:
            raise StateFileError(f"{self.path}: cannot write the monitor state: {e.strerror}") from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


__all__ = ["MonitorState", "StateFileError", "default_state_path", "state_folder"]
