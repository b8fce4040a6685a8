"""What a guard keeps on disk, per pact and party: its rollback memory and its outbox.

- **Memory** (``<party>.json``): the highest ``tree_size`` and ``issued_at`` of any status a
  guard of this party on this host accepted. A status lower in either is a rollback, also
  after a restart (contract section 5): a restarted guard never accepts an older prefix of
  the log, even one freshly signed.
- **Outbox** (``<party>.outbox.json``): ``run`` declarations (``stop``) not yet logged. A
  run's ``stop`` is written here before its ``start`` is sent, and removed once the log
  has the stop (or the start was definitely refused), so the stop of a run whose guard
  died, or whose start's answer was lost, is sent by the next guard that starts.
- **Pin** (``<party>.pin-<hash of origin>.json``): the newest version of the pact this party's guards
  followed by a verified chain of amendments (contract section 9), with its exact text; a guard
  started later with an older pact file pins this one instead (docs/guard.md).
- **Run holds** (``<party>.run-<hash of run id>.lock``): a guard holds its run's lock file
  (``flock``) while the run lives; the kernel drops it when the guard dies, even by
  SIGKILL. A queued ``stop`` is sent by another guard only when it can take that hold,
  so a live run is never stopped by another guard; and a run id already held on this
  host cannot be started by a second guard.

Both live in ``STATE_DIR/guards/<pact id>/`` (``STATE_DIR`` defaults to the user's data
directory, ``platformdirs.user_data_dir("pausepact")``), are replaced atomically with
fsync, and are changed under a lock file, so several guards of one party on a host
share them safely.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs

from ...core.durations import format_time, is_time, parse_time
from ...core.keys import b64decode_strict
from ...core.pact import Pact, pact_digest
from ...core.pactfile import parse_pact
from ...errors import PausepactError


class GuardStateError(PausepactError):
    """The guard's memory or outbox cannot be read or written; the run must not start blind."""

    exit_code = 77


def default_state_dir() -> Path:
    return Path(platformdirs.user_data_dir("pausepact"))


class GuardState:
    """The durable memory and outbox of one party's guards for one pact (``root`` None: in this process only)."""

    def __init__(self, root: Path | None, pact_id: str, party: str) -> None:
        self.folder = root / "guards" / pact_id if root is not None else None
        self.party = party
        self._floor = (0, 0)
        self._outbox: list[dict[str, Any]] = []
        self._held: dict[str, int | None] = {}  # run id -> fd of its lock file (None: in this process only)
        self._pin: dict[str, Any] | None = None  # the pin, when kept in this process only

    # ------------------------------------------------------------ files

    def _path(self, suffix: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{self.party}{suffix}"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if self.folder is None:
            yield
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self._path(".lock"), os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as e:
            raise GuardStateError(f"{self.folder}: cannot keep the guard's state there: {e.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self, suffix: str) -> Any:
        path = self._path(suffix)
        try:
            return json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise GuardStateError(f"{path}: the guard's state is unreadable ({e}); it guards against rollback, so the "
                                  "guard refuses to run without it: repair it, or remove it only if you trust the server") from None

    def _write(self, suffix: str, value: Any) -> None:
        path = self._path(suffix)
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
            try:
                with os.fdopen(fd, "w") as f:
                    json.dump(value, f)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)  # the rename itself is durable
            finally:
                os.close(dfd)
        except OSError as e:
            raise GuardStateError(f"{path}: cannot write the guard's state: {e.strerror}") from None

    # ------------------------------------------------------------ memory

    def _memory_on_disk(self) -> tuple[int, int]:
        m = self._read(".json")
        if m is None:
            return 0, 0
        if not isinstance(m, dict) or not isinstance(m.get("tree_size"), int) or not is_time(m.get("issued_at")):
            raise GuardStateError(f"{self._path('.json')}: not a guard memory (tree_size, issued_at)")
        return int(m["tree_size"]), parse_time(m["issued_at"])

    def floor(self) -> tuple[int, int]:
        """(tree_size, issued_at) no accepted status may be below (0, 0 when nothing was accepted yet)."""
        if self.folder is not None:
            with self._locked():
                disk = self._memory_on_disk()
            self._floor = (max(self._floor[0], disk[0]), max(self._floor[1], disk[1]))
        return self._floor

    def remember(self, tree_size: int, issued_at: int) -> None:
        """Raise the floor to an accepted status (never lowers it), durably before returning."""
        self._floor = (max(self._floor[0], tree_size), max(self._floor[1], issued_at))
        if self.folder is None:
            return
        with self._locked():
            disk = self._memory_on_disk()
            new = (max(disk[0], self._floor[0]), max(disk[1], self._floor[1]))
            if new != disk:
                self._write(".json", {"tree_size": new[0], "issued_at": format_time(new[1])})
            self._floor = new

    # ------------------------------------------------------------ pin

    def _pin_suffix(self, origin: str) -> str:
        return f".pin-{hashlib.sha256(origin.encode()).hexdigest()[:16]}.json"

    def pinned(self, given: Pact) -> tuple[Pact, bytes] | None:
        """The version a guard of this party followed to, for ``given``'s pact and origin, when it is newer than
        ``given`` (a pact file named by hand that is as new or newer wins: that is re-pinning by hand)."""
        if self.folder is None:
            pin = self._pin
        else:
            with self._locked():
                pin = self._read(self._pin_suffix(given.origin))
        if pin is None:
            return None
        path = self._path(self._pin_suffix(given.origin)) if self.folder is not None else "the guard's pin"
        try:
            text = b64decode_strict(pin["text"]) if isinstance(pin, dict) else b""
            pact, _ = parse_pact(text) if isinstance(pin, dict) else (None, [])
        except (TypeError, KeyError, ValueError):
            pact, text = None, b""
        if pact is None or pact_digest(text) != pin.get("digest") or pact.pact != given.pact or pact.origin != given.origin:
            raise GuardStateError(f"{path}: not a pin of pact {given.pact!r} (a valid text of its origin and its digest); "
                                  "repair it, or remove it and give the version to follow with --pact")
        return (pact, text) if pact.version > given.version else None

    def pin(self, pact: Pact, text: bytes) -> None:
        """Keep ``pact`` (whose exact bytes are ``text``) as the version this party's guards follow, durably."""
        pin = {"pact": pact.pact, "origin": pact.origin, "version": pact.version, "digest": pact.digest,
               "text": base64.b64encode(text).decode("ascii")}
        if self.folder is None:
            self._pin = pin
            return
        with self._locked():
            self._write(self._pin_suffix(pact.origin), pin)

    # ------------------------------------------------------------ outbox

    def _outbox_on_disk(self) -> list[dict[str, Any]]:
        o = self._read(".outbox.json")
        if o is None:
            return []
        if not isinstance(o, list) or not all(isinstance(d, dict) for d in o):
            raise GuardStateError(f"{self._path('.outbox.json')}: not a guard outbox (a list of declarations)")
        return o

    def pending(self) -> list[dict[str, Any]]:
        """Declarations (``run`` bodies) written but not yet logged, oldest first."""
        if self.folder is None:
            return list(self._outbox)
        with self._locked():
            return self._outbox_on_disk()

    def post(self, body: dict[str, Any]) -> bool:
        """Write a declaration to the outbox (durably) before it is sent; False if an equal one was there already."""
        if self.folder is None:
            if body in self._outbox:
                return False
            self._outbox.append(body)
            return True
        with self._locked():
            box = self._outbox_on_disk()
            if body in box:
                return False
            self._write(".outbox.json", [*box, body])
            return True

    def delivered(self, body: dict[str, Any]) -> None:
        """Remove a declaration the log now has."""
        if self.folder is None:
            self._outbox = [d for d in self._outbox if d != body]
            return
        with self._locked():
            box = self._outbox_on_disk()
            if body in box:
                self._write(".outbox.json", [d for d in box if d != body])

    # ------------------------------------------------------------ run holds

    def _run_lock(self, run_id: str) -> Path:
        return self._path(f".run-{hashlib.sha256(run_id.encode()).hexdigest()[:32]}.lock")

    def take(self, run_id: str) -> bool:
        """Hold ``run_id`` (False if a live guard on this host, this one included, holds it). Held until ``release``
        or until this process dies."""
        if run_id in self._held:
            return False
        if self.folder is None:
            self._held[run_id] = None
            return True
        # every open and unlink of a run's lock file happens under the state lock: no one locks an unlinked file
        with self._locked():
            path = self._run_lock(run_id)
            try:
                fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            except OSError as e:
                raise GuardStateError(f"{path}: cannot hold the run: {e.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            self._held[run_id] = fd
            return True

    def hold(self, run_id: str) -> None:
        """``take``, or GuardStateError naming the rule: a run id is used by one guard at a time."""
        if not self.take(run_id):
            raise GuardStateError(f"run {run_id!r} is held by another guard on this host (or its queued stop is being "
                                  "sent); a run id is used by one guard at a time")

    def release(self, run_id: str) -> None:
        """Let go of ``run_id``; its queued stop, if any, may now be sent by any guard of this party."""
        if run_id not in self._held:
            return
        if self.folder is None:
            del self._held[run_id]
            return
        with self._locked():
            fd = self._held.pop(run_id)
            try:
                self._run_lock(run_id).unlink(missing_ok=True)
            finally:
                if fd is not None:
                    os.close(fd)
