"""Producing statements: a party's key, its next seq, its signed envelopes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..core.durations import format_time
from ..core.keys import keyid
from ..core.pact import Pact
from ..core.statements import sign_statement
from ..errors import InputError
from ..keyfiles import public_raw


@dataclass
class Signer:
    """Signs statements of ``party`` with one of its keys, counting that key's seq."""

    pact: Pact
    party: str
    key: Ed25519PrivateKey
    seq: int = field(default=0)

    def __post_init__(self) -> None:
        owner = self.pact.key_owner.get(self.keyid)
        if owner is None or owner[0] != self.party:
            raise InputError(f"the key given is not a key of party {self.party!r} in pact {self.pact.pact!r}")

    @property
    def keyid(self) -> str:
        return keyid(public_raw(self.key))

    def statement(self, type_: str, body: Mapping[str, Any], time: int | str, seq: int | None = None) -> dict[str, Any]:
        """The statement object (unsigned); uses and advances the key's seq unless ``seq`` is given."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        return {"type": type_, "pact": self.pact.pact, "pact_digest": self.pact.digest, "party": self.party,
                "seq": seq, "time": time if isinstance(time, str) else format_time(time), "body": dict(body)}

    def sign(self, type_: str, body: Mapping[str, Any], time: int | str, seq: int | None = None) -> dict[str, Any]:
        """A signed DSSE envelope of a new statement."""
        return sign_statement(self.statement(type_, body, time, seq), self.key)
