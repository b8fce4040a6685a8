"""Monitors that judge sealed reports (contract v2 section 8) against a real server: the world, the labs'
sealed reports (real members, some garbled on purpose), and in-process monitors with their seal keys."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pausepact.clock import Clock
from pausepact.core.durations import format_time
from pausepact.core.pact import Pact
from pausepact.core.sealing import parse_seal_key
from pausepact.keyfiles import write_private_key
from pausepact.monitor import Monitor, MonitorState
from pausepact.monitor.feed import ServerFault
from pausepact.pactio import load_pact
from pausepact.party.client import PactClient
from pausepact.party.sealing import seal_value
from pausepact.party.signer import Signer

from .factory import MONITORS, key
from .live import write_world
from .sealed_log import seal_private, sealed_pact


def retired_seal_key(monitor: str) -> X25519PrivateKey:
    """A seal key a monitor held before the one the pact lists."""
    return X25519PrivateKey.from_private_bytes(hashlib.sha256(f"retired-seal/{monitor}".encode()).digest())


def write_sealed_world(folder: Path, **kw: Any) -> Pact:
    """``live.write_world`` with the sealed test pact (``sealed_log.sealed_pact(**kw)``) and each monitor's seal
    key as ``<id>-seal.pem`` (and a retired one as ``<id>-retired.pem``)."""
    write_world(folder)
    _, data = sealed_pact(**kw)
    (folder / "pact.yaml").write_bytes(data)
    for m in MONITORS:
        for name, k in ((f"{m}-seal.pem", seal_private(m)), (f"{m}-retired.pem", retired_seal_key(m))):
            if not (folder / name).exists():
                write_private_key(folder / name, k)
    return load_pact(folder / "pact.yaml")


def garbage_for(member: str, tag: str) -> str:
    """Bytes of a member's length that open for nobody (valid in shape)."""
    n = len(base64.b64decode(member))
    return base64.b64encode((hashlib.sha256(tag.encode()).digest() * (n // 32 + 1))[:n]).decode()


def sealed_body(pact: Pact, value: float, *, indicator: str = "ai_code_share", subject: str | None = None,
                measured_at: str | None = None, garble: tuple[str, ...] = (),
                author: str = "lab-a") -> dict[str, Any]:
    """A lab's ``sealed_report`` body of ``value``, sealed for real; the members of ``garble`` replaced by garbage."""
    keys = {m: parse_seal_key(k) for m, k in pact.seal_keys.items()}
    measured_at = measured_at or format_time(Clock().now() - 3600)
    sv = seal_value(value, unit=pact.indicators[indicator].unit, indicator=indicator, measured_at=measured_at,
                    subject=subject or author, pact_digest=pact.digest, seal_keys=keys)
    sealed = {m: garbage_for(s, f"{m}/{sv.commitment}") if m in garble else s for m, s in sv.sealed.items()}
    body: dict[str, Any] = {"indicator": indicator, "measured_at": measured_at, "commitment": sv.commitment,
                            "sealed": sealed}
    if subject is not None:
        body["subject"] = subject
    return body


def submit(client: PactClient, party: str, type_: str, body: dict[str, Any]) -> dict[str, Any]:
    return client.submit(Signer(client.pact, party, key(party)), type_, body)


def sealed_state(client: PactClient, index: int) -> dict[str, Any]:
    return next(r for r in client.state()["sealed"] if r["index"] == index)


def until(what: Callable[[], bool], step: Callable[[], None], deadline: float = 90.0) -> None:
    """Run ``step`` until ``what()`` holds; fail after ``deadline`` seconds (generous: the machine is shared)."""
    end = time.monotonic() + deadline
    while not what():
        if time.monotonic() > end:
            raise AssertionError("not reached in time")
        step()


@contextmanager
def monitors(folder: Path, url: str, pact: Pact, seal: dict[str, list[X25519PrivateKey]] | None = None
             ) -> Iterator[dict[str, Monitor]]:
    """In-process monitors with their state files in ``folder`` and their seal keys (default: the current one)."""
    with ExitStack() as stack:
        out = {}
        for m in MONITORS:
            client = stack.enter_context(PactClient(url, pact))
            keys = (seal or {}).get(m, [seal_private(m)])
            out[m] = Monitor(client, m, key(m), Clock(), MonitorState.load(folder / f"{m}-state.json"), seal_keys=keys)
        yield out


def round_of(ms: dict[str, Monitor]) -> Callable[[], None]:
    def step() -> None:
        for m in ms.values():
            try:
                m.step()
            except ServerFault:
                pass

    return step
