"""``pausepact init``: a working pact with fresh keys for a chosen set of parties."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import keyfiles
from .errors import InputError

TEMPLATE = """\
# A pact written by `pausepact init`. Edit it with a negotiator's care, then run
# `pausepact check {file}`. Any change of bytes makes a new pact digest.
pact: {pact_id}
version: 1
title: Coordinated Pause Agreement
origin: pausepact.example/{pact_id}

effective:
  min_developers: {min_developers}     # nobody is bound until this many developers have signed

parties:
{parties}

indicators:
  ai_code_share:
    description: Share of lines added to the developer's production code that its own models wrote
    unit: ratio
    reported_by: developer
    every: 30d
    countersigned_by: monitor
  time_horizon_minutes:
    description: 50% task-completion time horizon of the developer's most capable model
    unit: minutes
    reported_by: monitor
    every: 90d

levels: [normal, heightened, slowdown, pause]

restrictions:
  heightened: {{max_training_flop: 1.0e+27}}
  slowdown: {{max_training_flop: 1.0e+26}}
  pause: {{max_training_flop: 1.0e+24, new_deployments: false}}

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
    attestations: [safeguards-adequate]
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
    clear: true
    approval: 1 of monitors

oversight:
  witness_quorum: {majority}
  status_quorum: {majority}
  status_ttl: 10m

amendment:
  approval: all developers and 2/3 of monitors
"""


@dataclass(frozen=True)
class InitResult:
    pact_path: Path
    key_paths: dict[str, Path]


def _check_ids(ids: list[str]) -> None:
    import re

    seen: set[str] = set()
    for i in ids:
        if not re.fullmatch(r"[a-z0-9-]{1,64}", i):
            raise InputError(f"party id {i!r}: use lowercase letters, digits and '-'")
        if i in seen:
            raise InputError(f"party id {i!r} given twice")
        seen.add(i)


def party_lines(directory: Path, parties: list[tuple[str, str, str]], extra_keys: dict[str, list[str]] | None = None,
                reuse: bool = False) -> tuple[list[str], dict[str, Path]]:
    """Keys for ``(id, role, name)`` parties in ``DIR/keys/<key name>.pem`` and the pact's ``parties:`` lines.

    ``extra_keys`` gives a party more keys (e.g. one per training cluster, so guards never race for a seq).
    With ``reuse`` an existing key file is kept; otherwise an existing file is an error, never overwritten.
    """
    lines, paths = [], {}
    for pid, role, name in parties:
        keys = []
        for key_name in [pid, *(extra_keys or {}).get(pid, [])]:
            path = directory / "keys" / f"{key_name}.pem"
            if reuse and path.exists():
                key = keyfiles.read_private_key(path)
            else:
                key = keyfiles.generate()
                keyfiles.write_private_key(path, key)
            paths[key_name] = path
            keys.append(f'"{keyfiles.public_text(key)}"')
        lines.append(f"  - {{id: {pid}, name: {name}, role: {role}, keys: [{', '.join(keys)}]}}")
    return lines, paths


def init_pact(directory: Path, pact_id: str, developers: list[str], monitors: list[str]) -> InitResult:
    """Write ``DIR/pact.yaml`` and one private key per party in ``DIR/keys/`` (mode 0600)."""
    if not developers or not monitors:
        raise InputError("a pact needs at least one developer and one monitor")
    _check_ids([pact_id])
    _check_ids(developers + monitors + ["log"])
    pact_path = directory / "pact.yaml"
    if pact_path.exists():
        raise InputError(f"{pact_path}: already exists; choose an empty directory")
    specs = [(d, "developer", d.replace("-", " ").title()) for d in developers]
    specs += [(m, "monitor", m.replace("-", " ").title()) for m in monitors] + [("log", "log", "Pact Log")]
    try:
        lines, key_paths = party_lines(directory, specs)
    except OSError as e:  # the folder is a file, or cannot be created or written
        raise InputError(f"{directory}: cannot write the pact's keys: {e.strerror}") from None
    text = TEMPLATE.format(
        file=pact_path,
        pact_id=pact_id,
        min_developers=max(1, -(-2 * len(developers) // 3)),
        parties="\n".join(lines),
        majority=len(monitors) // 2 + 1,
    )
    try:
        pact_path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{pact_path}: cannot write: {e.strerror}") from None
    return InitResult(pact_path, key_paths)
