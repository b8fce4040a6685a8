"""``pausepact init``: a working pact with fresh keys for a chosen set of parties."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
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


# the template's indicators that `init --sealed` can seal: who reports each, and the highest level a
# red line on it raises to (a developer's sealed indicator needs an overdue red line that high, P4)
SEALABLE: dict[str, tuple[str, str | None]] = {
    "ai_code_share": ("developer", "slowdown"),
    "time_horizon_minutes": ("monitor", None),
}


_BLOCK_END = re.compile(r"\n(?! {4})")  # the first line of a mapping's block not indented under its key


@dataclass(frozen=True)
class InitResult:
    pact_path: Path
    key_paths: dict[str, Path]
    seal_key_paths: dict[str, Path] = field(default_factory=dict)  # monitor id -> its X25519 seal key file


def _check_ids(ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if not re.fullmatch(r"[a-z0-9-]{1,64}", i):
            raise InputError(f"party id {i!r}: use lowercase letters, digits and '-'")
        if i in seen:
            raise InputError(f"party id {i!r} given twice")
        seen.add(i)


def party_lines(directory: Path, parties: list[tuple[str, str, str]], extra_keys: dict[str, list[str]] | None = None,
                reuse: bool = False, seal: Collection[str] = (), seal_paths: dict[str, Path] | None = None,
                ) -> tuple[list[str], dict[str, Path]]:
    """Keys for ``(id, role, name)`` parties in ``DIR/keys/<key name>.pem`` and the pact's ``parties:`` lines.

    ``extra_keys`` gives a party more keys (e.g. one per training cluster, so guards never race for a seq).
    The monitors in ``seal`` also get an X25519 seal key in ``DIR/keys/<id>.seal.pem`` (its path is put in
    ``seal_paths``) and a ``seal_key`` in their line. With ``reuse`` an existing key file is kept; otherwise
    an existing file is an error, never overwritten.
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
        sealed = ""
        if pid in seal:
            path = directory / "keys" / f"{pid}.seal.pem"  # ids have no '.': never a signing key's file
            if reuse and path.exists():
                seal_key = keyfiles.read_seal_key(path)
            else:
                seal_key = keyfiles.generate_seal_key()
                keyfiles.write_private_key(path, seal_key)
            if seal_paths is not None:
                seal_paths[pid] = path
            sealed = f', seal_key: "{keyfiles.seal_public_text(seal_key)}"'
        lines.append(f"  - {{id: {pid}, name: {name}, role: {role}{sealed}, keys: [{', '.join(keys)}]}}")
    return lines, paths


def seal_indicators(text: str, sealed: Collection[str], monitors: int) -> str:
    """The template with each of ``sealed`` made ``disclosure: sealed`` (contract v2, section 8).

    Each gets a ``verdict_quorum`` of the smallest majority of the monitors (so no minority can block
    a report by silence), loses ``countersigned_by`` (verdicts replace it), and a developer's indicator
    gets the overdue red line of scope party that rule P4 asks for: a lab whose sealed reports are not
    judged is held at the highest level a red line on that indicator raises to.
    """
    majority = monitors // 2 + 1
    lines = []
    for name in sealed:
        by, top = SEALABLE[name]
        if by == "monitor" and majority > monitors - 1:
            raise InputError(f"--sealed {name}: a monitor's report is judged by the other monitors, {monitors - 1} here, "
                             f"fewer than the majority of {majority} a verdict_quorum must be; give at least 3 monitors")
        start = text.index(f"  {name}:\n")
        found = _BLOCK_END.search(text, start + len(name) + 3)
        end = found.start() if found else len(text)
        block = text[start:end].replace("\n    countersigned_by: monitor", "")
        block += (f"\n    disclosure: sealed              # values sealed to the monitors, judged in signed verdicts"
                  f"\n    verdict_quorum: {majority} of monitors")
        text = text[:start] + block + text[end:]
        if top is not None:
            lines.append(f"  - id: {name.replace('_', '-')}-unjudged   # sealed reports not judged in time hold the lab here\n"
                         f"    indicator: {name}\n    overdue: 14d\n    raise: {top}\n    scope: party\n")
    if sealed:
        text = text.replace("red_lines:\n", "red_lines:\n" + "".join(lines), 1)
        text = text.replace("  status_ttl: 10m\n", "  status_ttl: 10m\n  verdict_within: 7d     # how long monitors have to judge a sealed report\n", 1)
    return text


def init_pact(directory: Path, pact_id: str, developers: list[str], monitors: list[str],
              sealed: Collection[str] = ()) -> InitResult:
    """Write ``DIR/pact.yaml`` and one private key per party in ``DIR/keys/`` (mode 0600).

    With ``sealed`` (indicator ids of ``SEALABLE``) those indicators are sealed and every monitor also
    gets an X25519 seal key in ``DIR/keys/<id>.seal.pem`` (mode 0600).
    """
    if not developers or not monitors:
        raise InputError("a pact needs at least one developer and one monitor")
    _check_ids([pact_id])
    _check_ids(developers + monitors + ["log"])
    sealed = list(dict.fromkeys(sealed))
    unknown = [s for s in sealed if s not in SEALABLE]
    if unknown:
        raise InputError(f"--sealed {unknown[0]}: not an indicator of the pact init writes; choose {' or '.join(SEALABLE)}")
    pact_path = directory / "pact.yaml"
    if pact_path.exists():
        raise InputError(f"{pact_path}: already exists; choose an empty directory")
    body = seal_indicators(TEMPLATE, sealed, len(monitors))  # refuses before any key is written
    specs = [(d, "developer", d.replace("-", " ").title()) for d in developers]
    specs += [(m, "monitor", m.replace("-", " ").title()) for m in monitors] + [("log", "log", "Pact Log")]
    seal_paths: dict[str, Path] = {}
    try:
        lines, key_paths = party_lines(directory, specs, seal=monitors if sealed else (), seal_paths=seal_paths)
    except OSError as e:  # the folder is a file, or cannot be created or written
        raise InputError(f"{directory}: cannot write the pact's keys: {e.strerror}") from None
    text = body.format(
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
    return InitResult(pact_path, key_paths, seal_paths)
