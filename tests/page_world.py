"""Worlds for the public page: a log written with past times (so a pause can be 30 days old), served and signed.

``build(folder, scenario)`` writes pact, keys and a SQLite log whose statements lie in the past;
``signed_status(client, folder, size)`` steps two monitors until a status over ``size`` entries is signed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from pausepact.clock import Clock
from pausepact.log.checking import EnvelopeChecker
from pausepact.log.store import open_store
from pausepact.log.writer import Accepted, LogWriter
from pausepact.monitor import Monitor, MonitorState
from pausepact.pactio import load_pact
from pausepact.party.client import ClientError, PactClient
from pausepact.party.signer import Signer

from .factory import key
from .live import write_world

DAY = 86400
# the pause's resumption needs only approval, 30 days and one attestation, so a queued resumption can be built
SIMPLE_PAUSE = [["    clear: true\n    attestations: [safeguards-adequate, security-level-4]\n",
                 "    attestations: [safeguards-adequate]\n"]]


def build(folder: Path, scenario: str, now: int | None = None) -> int:
    """The log of ``scenario`` ("normal", "pause", "queued") in ``folder``; returns its size."""
    write_world(folder, replace=SIMPLE_PAUSE)
    pact_path = folder / "pact.yaml"
    pact = load_pact(pact_path)
    now = now or int(time.time())
    t0 = now - 40 * DAY
    signers: dict[str, Signer] = {}

    def s(party: str) -> Signer:
        return signers.setdefault(party, Signer(pact, party, key(party)))

    steps: list[tuple[int, str, str, dict[str, object]]] = [
        (t0, "lab-a", "sign", {}), (t0 + 60, "lab-b", "sign", {}), (t0 + 120, "lab-c", "sign", {})]
    for i, v in enumerate([0.42, 0.61, 0.8, 0.96, 0.97]):
        steps.append((t0 + DAY + i * 7 * DAY, "lab-a", "report",
                      {"indicator": "ai_code_share", "value": v, "measured_at": _t(t0 + DAY + i * 7 * DAY - 3600)}))
    for i, v in enumerate([60.0, 64.0, 68.0]):
        steps.append((t0 + 2 * DAY + i * 10 * DAY, "aisi", "report",
                      {"indicator": "time_horizon_minutes", "value": v, "subject": "lab-a",
                       "measured_at": _t(t0 + 2 * DAY + i * 10 * DAY - 3600)}))
    if scenario in ("pause", "queued"):
        steps += [(t0 + 3 * DAY, "aisi", "propose", {"id": "e1", "action": "raise", "level": "pause"}),
                  (t0 + 3 * DAY + 60, "aisi", "vote", {"proposal": "e1", "choice": "yes"}),
                  (t0 + 3 * DAY + 120, "eval-org", "vote", {"proposal": "e1", "choice": "yes"})]
    if scenario == "pause":
        steps.append((now - DAY, "eval-org", "propose", {"id": "r1", "action": "resume", "level": "pause"}))
    if scenario == "queued":
        steps.append((now - 2 * DAY, "eval-org", "propose", {"id": "r1", "action": "resume", "level": "pause"}))
        steps += [(now - 2 * DAY + 60 * (i + 1), d, "attest", {"claim": "safeguards-adequate", "level": "pause"})
                  for i, d in enumerate(["lab-a", "lab-b", "lab-c"])]
        steps += [(now - DAY, "aisi", "vote", {"proposal": "r1", "choice": "yes"}),
                  (now - DAY + 60, "eval-org", "vote", {"proposal": "r1", "choice": "yes"})]
    steps.sort(key=lambda x: x[0])
    envs = [json.dumps(s(p).sign(typ, body, t)).encode() for t, p, typ, body in steps]
    store = open_store(f"sqlite:///{folder}/log.db")
    with EnvelopeChecker(pact, pact_path.read_bytes()) as checker:
        results = LogWriter(store, pact, key("log"), checker).append(envs, None)
    store.close()
    bad = [r for r in results if not isinstance(r, Accepted)]
    assert not bad, bad
    return len(envs)


def _t(t: int) -> str:
    from pausepact.core.durations import format_time

    return format_time(t)


def signed_status(client: PactClient, folder: Path, size: int, deadline: float = 60.0) -> dict[str, object]:
    """Step monitors aisi and eval-org until the server serves a status over ``size`` entries; that envelope."""
    monitors = [Monitor(client, m, key(m), Clock(), MonitorState.load(folder / f"{m}.json")) for m in ("aisi", "eval-org")]
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for m in monitors:
            m.step()
        try:
            if client.status(Clock().now()).tree_size >= size:
                return client.status_envelope()
        except ClientError:
            pass
        time.sleep(0.2)
    raise AssertionError("no status was signed in time")
