"""Status verification as strict as TUF's client: each attack is refused."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from pausepact.core import merkle
from pausepact.core.engine import Engine, status_core
from pausepact.core.status import StatusError, status_envelope, status_signature, verify_status
from pausepact.keyfiles import public_raw

from .factory import key, make_pact

PACT, _ = make_pact()
OTHER, _ = make_pact(min_developers=2)
T = 1798761600


def core(pact: Any = PACT, issued: int = T, size: int = 0) -> dict[str, Any]:
    e = Engine(pact)
    return status_core(e.state_at(issued), merkle.EMPTY_ROOT, issued, pact.oversight.status_ttl) | {"tree_size": size}


def signed(c: dict[str, Any], *parties: str) -> dict[str, Any]:
    return status_envelope(c, [status_signature(c, key(p), public_raw(key(p))) for p in parties])


def test_valid_status() -> None:
    ok = verify_status(signed(core(), "aisi", "eval-org"), PACT, T + 1)
    assert ok.issued_at == T and ok.core["level"] == "normal"


@pytest.mark.parametrize("what,envelope,now", [
    ("one monitor when two are required", lambda: signed(core(), "aisi"), T + 1),
    ("the same monitor twice (two keys)", lambda: status_envelope(core(), [
        status_signature(core(), key("aisi"), public_raw(key("aisi"))),
        status_signature(core(), key("aisi", 1), public_raw(key("aisi", 1)))]), T + 1),
    ("a developer's key", lambda: signed(core(), "aisi", "lab-a"), T + 1),
    ("an unknown key", lambda: signed(core(), "aisi", "stranger"), T + 1),
    ("expired", lambda: signed(core(), "aisi", "eval-org"), T + 600),
    ("another pact", lambda: signed(core(OTHER), "aisi", "eval-org"), T + 1),
    ("payload tampered after signing", lambda: dict(signed(core(), "aisi", "eval-org"),
                                                    payload=base64.b64encode(base64.b64decode(signed(core(), "aisi", "eval-org")["payload"])
                                                                             .replace(b'"normal"', b'"pause"')).decode()), T + 1),
    ("ttl not the pact's", lambda: signed(core() | {"expires_at": "2027-01-02T00:00:00Z"}, "aisi", "eval-org"), T + 1),
])
def test_attacks_are_refused(what: str, envelope: Any, now: int) -> None:
    with pytest.raises(StatusError):
        verify_status(envelope(), PACT, now)


def test_rollback_is_refused() -> None:
    newer = verify_status(signed(core(issued=T + 60, size=5), "aisi", "eval-org"), PACT, T + 61)
    with pytest.raises(StatusError, match="rollback"):
        verify_status(signed(core(issued=T, size=3), "aisi", "eval-org"), PACT, T + 61, newer)
    with pytest.raises(StatusError, match="rollback"):
        verify_status(signed(core(issued=T + 30, size=6), "aisi", "eval-org"), PACT, T + 61, newer)
