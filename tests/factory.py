"""Test pacts with deterministic keys, and signers for their parties."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pausepact.core.pact import Pact
from pausepact.core.pactfile import parse_pact
from pausepact.keyfiles import public_text
from pausepact.party.signer import Signer

DEVELOPERS = ["lab-a", "lab-b", "lab-c", "lab-d"]
MONITORS = ["aisi", "eval-org", "civic-audit"]


def key(name: str, n: int = 0) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"{name}/{n}".encode()).digest())


BODY = """\
indicators:
  ai_code_share:
    description: AI-written share of code
    unit: ratio
    reported_by: developer
    every: 30d
  time_horizon_minutes:
    description: 50% time horizon
    unit: minutes
    reported_by: monitor
    every: 90d
  ai_rnd_score:
    description: automated AI R&D score
    unit: score
    reported_by: developer
    every: 90d
    countersigned_by: monitor

levels: [normal, heightened, slowdown, pause]

restrictions:
  slowdown: {max_training_flop: 1.0e+26}
  pause: {max_training_flop: 1.0e+24, new_deployments: false}

red_lines:
  - id: models-write-the-code
    indicator: ai_code_share
    at_least: 0.95
    for: 60d
    raise: slowdown
  - id: runaway-self-improvement
    indicator: time_horizon_minutes
    doubling_within: 60d
    window: 365d
    raise: pause
  - id: automated-researcher
    indicator: ai_rnd_score
    at_least: 0.5
    raise: pause
  - id: gone-silent
    overdue: 14d
    raise: heightened
    scope: party

emergency:
  raise: pause
  approval: 2/3 of monitors

resumption:
  pause:
    to: slowdown
    min_duration: 30d
    clear: true
    attestations: [safeguards-adequate, security-level-4]
    approval: 2/3 of monitors
    timelock: 7d
  slowdown:
    to: normal
    min_duration: 14d
    clear: true
    approval: 2/3 of monitors
    timelock: 3d
  heightened:
    to: normal
    approval: 1 of monitors

oversight:
  witness_quorum: 2
  status_quorum: 2
  status_ttl: 10m
"""


GONE_SILENT = """  - id: gone-silent
    overdue: 14d
    raise: heightened
    scope: party
"""


def pact_text(body: str = BODY, min_developers: int = 3, developers: list[str] = DEVELOPERS,
              monitors: list[str] = MONITORS, keys_per_party: int = 2, overdue: bool = True,
              replace: list[list[str]] | None = None, seal_keys: dict[str, str] | None = None) -> str:
    """A valid pact with deterministic keys; ``overdue=False`` drops the gone-silent red line,
    ``replace`` applies [old, new] text edits to the body; ``seal_keys`` gives monitors a v2 seal key."""
    if not overdue:
        body = body.replace(GONE_SILENT, "")
    for old, new in replace or []:
        assert old in body, old
        body = body.replace(old, new)
    lines = []
    for role, ids in (("developer", developers), ("monitor", monitors), ("log", ["log"])):
        for pid in ids:
            keys = ", ".join(f'"{public_text(key(pid, n))}"' for n in range(keys_per_party))
            seal = f', seal_key: "{seal_keys[pid]}"' if seal_keys and pid in seal_keys else ""
            lines.append(f"  - {{id: {pid}, name: {pid.upper()}, role: {role}, keys: [{keys}]{seal}}}")
    return (f"pact: test-pact\nversion: 1\ntitle: Test pact\norigin: pausepact.test/test-pact\n"
            f"effective:\n  min_developers: {min_developers}\nparties:\n" + "\n".join(lines) + "\n" + body)


def make_pact(**kw: object) -> tuple[Pact, bytes]:
    data = pact_text(**kw).encode()  # type: ignore[arg-type]
    pact, diags = parse_pact(data)
    assert pact is not None, [d.render("pact") for d in diags]
    return pact, data


@dataclass
class Parties:
    pact: Pact

    def __post_init__(self) -> None:
        self._signers: dict[tuple[str, int], Signer] = {}

    def __call__(self, party: str, n: int = 0) -> Signer:
        if (party, n) not in self._signers:
            self._signers[(party, n)] = Signer(self.pact, party, key(party, n))
        return self._signers[(party, n)]
