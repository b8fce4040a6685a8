"""A lab's openings of its sealed reports (contract v2 section 8): kept locally so that it can reveal later.

An opening is what a ``reveal`` publishes (the value and the salt) with what finds
and checks it: the report's indicator, subject, ``measured_at``, commitment and,
once the log accepted it, the statement digest and index. Nobody else holds the
salt: lose the file and the report can never be revealed (it is still judged).

The file is JSON Lines, one opening a line, appended and synced before the sealed
report is sent (so a crash after sending never loses a salt), and again with the
statement digest once the log accepted it. It is readable by its owner only (mode
0600, in a folder of mode 0700), and refused, as a private key is, when others may
read it: the values in it are what the seal hides.

Default place: ``platformdirs.user_data_dir("pausepact")/openings/<origin>-<hash>/<party>.jsonl``,
one file per log origin (a pact and its amendments) and party.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from ..core.sealing import commitment as commitment_of
from ..errors import InputError

FORMAT = 1
_HEX64 = re.compile(r"[0-9a-f]{64}")


def default_openings_path(origin: str, party: str) -> Path:
    """Where ``party``'s openings for the log ``origin`` are kept unless ``--openings`` says otherwise."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", origin).strip("._")[:60] or "log"
    digest = hashlib.sha256(origin.encode()).hexdigest()[:12]
    safe_party = re.sub(r"[^A-Za-z0-9._-]+", "_", party)[:64] or "party"
    return Path(platformdirs.user_data_dir("pausepact")) / "openings" / f"{readable}-{digest}" / f"{safe_party}.jsonl"


@dataclass(frozen=True)
class Opening:
    """One sealed report's opening: ``value`` and ``salt`` (base64) open ``commitment``; ``statement`` (hex payload
    digest) and ``index`` are None until the log accepted the report."""

    pact: str
    pact_digest: str
    party: str
    indicator: str
    subject: str
    measured_at: str
    value: float
    salt: str
    commitment: str
    statement: str | None = None
    index: int | None = None

    def opens(self) -> bool:
        """Whether ``value`` and ``salt`` recompute ``commitment`` (what the engine checks of a reveal)."""
        try:
            return commitment_of(self.indicator, self.measured_at, self.salt, self.subject, self.value) == self.commitment
        except ValueError:
            return False

    def accepted(self, statement: str, index: int) -> Opening:
        return replace(self, statement=statement, index=index)


def _opening(doc: Any) -> Opening | None:
    """An opening from one line's JSON, or None when the line is not one (checked member by member)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None
    text = ("pact", "pact_digest", "party", "indicator", "subject", "measured_at", "salt", "commitment")
    if not all(isinstance(doc.get(k), str) for k in text):
        return None
    value = doc.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    statement, index = doc.get("statement"), doc.get("index")
    if statement is not None and not (isinstance(statement, str) and _HEX64.fullmatch(statement)):
        return None
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
        return None
    return Opening(pact=doc["pact"], pact_digest=doc["pact_digest"], party=doc["party"], indicator=doc["indicator"],
                   subject=doc["subject"], measured_at=doc["measured_at"], value=float(value), salt=doc["salt"],
                   commitment=doc["commitment"], statement=statement, index=index)


class OpeningStore:
    """The openings file of one party (see the module): ``add`` appends, ``find`` reads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _refuse_if_shared(self, st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{self.path}: is not a regular file; it cannot hold openings")
        mode = stat.S_IMODE(st.st_mode)
        if os.name == "posix" and mode & 0o077:
            raise InputError(f"{self.path}: openings file has mode {mode:04o}, so others may read the sealed values; "
                             f"refusing to use it: run 'chmod 600 {self.path}'")

    def add(self, opening: Opening) -> None:
        """Append ``opening`` and sync it to disk; InputError (one line, never the value) if it cannot be kept."""
        line = json.dumps({"format": FORMAT, **asdict(opening)}, sort_keys=True, separators=(",", ":")) + "\n"
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as e:
            raise InputError(f"{self.path}: cannot keep the opening of a sealed report: {e.strerror}") from None
        try:
            st = os.fstat(fd)
            self._refuse_if_shared(st)
            if st.st_size and os.pread(fd, 1, st.st_size - 1) != b"\n":
                line = "\n" + line  # after a line a crash cut short: never glue an opening onto it
            os.write(fd, line.encode("utf-8"))  # one write: a line is appended whole or not at all
            os.fsync(fd)
        except OSError as e:
            raise InputError(f"{self.path}: cannot keep the opening of a sealed report: {e.strerror}") from None
        finally:
            os.close(fd)

    def _lines(self) -> Iterator[Opening]:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            return
        except OSError as e:
            raise InputError(f"{self.path}: cannot read the openings file: {e.strerror}") from None
        with os.fdopen(fd, "rb") as f:
            self._refuse_if_shared(os.fstat(f.fileno()))
            data = f.read()
        for raw in data.split(b"\n"):
            try:
                found = _opening(json.loads(raw)) if raw.strip() else None
            except (ValueError, RecursionError):
                found = None  # a line cut short by a crash: the lines before and after still count
            if found is not None:
                yield found

    def all(self) -> list[Opening]:
        """Every opening kept, one per commitment, with its statement digest and index once recorded."""
        merged: dict[str, Opening] = {}
        for o in self._lines():
            before = merged.get(o.commitment)
            merged[o.commitment] = o if before is None or o.statement is not None else before
        return list(merged.values())

    def find(self, party: str, *, commitment: str | None = None, statement: str | None = None) -> Opening | None:
        """``party``'s opening with this commitment or statement digest that opens its commitment, or None."""
        for o in self.all():
            if o.party == party and o.opens() and (commitment is None or o.commitment == commitment) \
                    and (statement is None or o.statement == statement):
                return o
        return None


__all__ = ["Opening", "OpeningStore", "default_openings_path"]
