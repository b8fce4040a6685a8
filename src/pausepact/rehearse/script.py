"""A rehearsal script: a scripted stretch of a pact's life (who states what when, guarded runs, faults,
expectations), read strictly and checked against the pact before anything runs.

``load_script(path)`` returns a ``Script`` whose steps carry resolved virtual times, or raises
``ScriptError`` with one ``FILE:LINE:COL: error: ...`` line per problem. The YAML is read by the
pact's strict reader (``core.yamldoc``: no anchors, tags or duplicate keys) and validated by closed
models (an unknown field is an error). docs/rehearse.md is the reference of the format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from ..core.diagnostics import Diagnostic
from ..core.durations import DurationError, TimeFormatError, parse_duration, parse_time
from ..core.pact import Pact
from ..core.statement_types import TYPES
from ..core.yamldoc import Positions, YamlDocError, load_document
from ..errors import PausepactError
from .versions import ScriptVersions

_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
GUARD_STATES = ("running", "forbidden", "no-status", "refused", "ended", "stopped")
STATUS_STATES = ("valid", "stale", "expired", "invalid", "none")


class ScriptError(PausepactError):
    """A rehearsal script that cannot be played; one positioned line per problem."""

    exit_code = 2

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _duration(value: str) -> str:
    parse_duration(value)
    return value


class GuardSpec(Closed):
    """A guarded training run: ``pausepact guard`` on the rehearsal's clock around ``command``."""

    name: str | None = Field(None, pattern=_ID, description="how steps and expectations name it (default: run)")
    party: str
    key: str | None = Field(None, pattern=_ID, description="the key file in the keys folder, without .pem (default: party)")
    run: str = Field(pattern=_ID)
    flop: float | int
    fail: Literal["closed", "open"] | None = None
    heartbeat: str = "1d"
    command: list[str] | None = Field(None, min_length=1, description="the training command (default: an idle loop)")

    _heartbeat = field_validator("heartbeat")(_duration)

    @property
    def label(self) -> str:
        return self.name or self.run


class Expect(Closed):
    """What must hold once everything has caught up with the step's time (each member optional)."""

    in_force: bool | None = None
    level: str | None = None
    parties: dict[str, str] | None = None
    reasons: list[dict[str, str]] | None = None
    proposals: dict[str, str] | None = None
    violations: list[dict[str, str]] | None = None
    no_violations: list[dict[str, str]] | None = None
    rejected: int | None = None
    status: Literal["valid", "stale", "expired", "invalid", "none"] | None = None
    status_level: str | None = None
    guards: dict[str, Literal["running", "forbidden", "no-status", "refused", "ended", "stopped"]] | None = None
    pact_version: int | None = Field(None, ge=1, description="the version of the pact in force")
    revoked: list[dict[str, str]] | None = Field(None, description="each must match a revoked key of the state (party, key)")
    sealed: dict[str, Literal["pending", "assessed", "unopenable", "disputed"]] | None = Field(
        None, description="step id of a sealed report -> its state")
    disputes: int | None = Field(None, ge=0)


class AmendSpec(Closed):
    """An amend proposal (contract v2 section 9): the new version's exact bytes, from a file or inline."""

    id: str = Field(pattern=_ID)
    pact: str = Field(min_length=1, description="the new version: a file relative to the script, or the text itself "
                                                "(a value with a line break is the text)")
    rationale: str | None = Field(None, max_length=2000)


class MonitorView(Closed):
    """Narrate what one monitor sees of sealed reports: the values it opened (its own state file), labelled as its
    private view."""

    monitor: str
    of: list[str] | None = Field(None, description="step ids of sealed reports (default: those logged since its last view)")


class _StepBase(Closed):
    at: str | None = Field(None, description="absolute time, +DURATION after the previous step, or DURATION after start")
    say: str | None = Field(None, max_length=500)
    id: str | None = Field(None, pattern=_ID, description="names a statement (a countersign refers to it with of: ID)")
    by: str | None = None
    key: str | None = Field(None, pattern=_ID, description="the signing key file, without .pem (default: by)")
    refused: str | None = Field(None, description="the step passes only if the log refuses the statement with this code")
    guard: GuardSpec | None = None
    stop_guard: str | None = None
    stop_monitor: str | None = None
    start_monitor: str | None = None
    monitor_view: MonitorView | None = None
    amend: AmendSpec | None = None
    expect: Expect | None = None


# one optional member per statement type of the contract (core.statement_types): a new type needs no change here
Step = create_model("Step", __base__=_StepBase, **{name: (dict[str, Any] | None, None) for name in TYPES})  # type: ignore[call-overload]
ACTIONS = ("guard", "stop_guard", "stop_monitor", "start_monitor", "monitor_view", "expect")
STATEMENTS = (*TYPES, "amend")
REFERS = ("countersign", "verdict", "share", "reveal")  # bodies whose ``of: ID`` names an earlier step's statement  # amend: a propose statement with action amend, its text read from a file


class ScriptModel(Closed):
    title: str | None = Field(None, max_length=200)
    pact: str = Field(description="the pact file, relative to the script")
    keys: str = Field("keys", description="the folder of private keys (PARTY.pem), relative to the script")
    start: str
    monitors: list[str] | None = None
    steps: list[Step] = Field(min_length=1)


@dataclass(frozen=True)
class Action:
    """One step, resolved: its index (0-based), line, virtual time, and what it does."""

    index: int
    line: int
    t: int
    kind: str  # one of STATEMENTS or ACTIONS, or "advance"
    step: Any  # the Step model
    amendment: bytes | None = None  # amend: the new version's exact bytes
    revoked: str | None = None  # revoke: the public text of the key it names

    def statement(self) -> dict[str, Any]:
        body = getattr(self.step, self.kind)
        if isinstance(body, AmendSpec):
            return body.model_dump(exclude_none=True)
        assert isinstance(body, dict)
        return body

    @property
    def where(self) -> str:
        return f"step {self.index + 1} (line {self.line})"


@dataclass(frozen=True)
class Script:
    path: Path
    title: str
    pact_path: Path
    keys: Path
    start: int
    monitors: list[str]
    actions: list[Action]


def _at(positions: Positions, path: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
    if key and path + ("@key",) in positions:
        return positions[path + ("@key",)]
    p = path
    while p not in positions and p:
        p = p[:-1]
    return positions.get(p, (1, 1))


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _schema_lines(e: ValidationError, positions: Positions, name: str) -> list[Diagnostic]:
    found = []
    for err in e.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        if err["type"] == "missing":
            msg = f"{_dotted(loc[:-1])}: missing required field {loc[-1]!r}"
            line, col = _at(positions, loc[:-1])
        elif err["type"] == "extra_forbidden":
            msg = f"{_dotted(loc[:-1])}: unknown field {str(loc[-1])!r}"
            line, col = _at(positions, loc, key=True)
        else:
            msg = f"{_dotted(loc)}: {str(err['msg']).removeprefix('Value error, ')}"
            line, col = _at(positions, loc)
        found.append(Diagnostic(line, col, "error", msg))
    return sorted(set(found))


def parse_at(text: str, start: int, previous: int) -> int:
    """A step's time: ``YYYY-MM-DDTHH:MM:SSZ``, ``+DURATION`` (after the previous step) or ``DURATION`` (after start)."""
    if text.startswith("+"):
        return previous + parse_duration(text[1:])
    if re.fullmatch(r"[0-9]+[smhd]", text):
        return start + parse_duration(text)
    return parse_time(text)


def _kind(step: Any) -> list[str]:
    kinds = [name for name in STATEMENTS if getattr(step, name) is not None]
    return kinds + [a for a in ACTIONS if getattr(step, a) is not None]


def _refers(body: dict[str, Any], name: str, n: int, ids: set[str], problem: Any) -> None:
    of = body.get("of")
    if of is not None and of not in ids:
        problem((n, name, "of"), f"no earlier step has id {of!r}")


def _check_step(step: Any, n: int, pact: Pact, chain: ScriptVersions, ids: set[str], guards: set[str],
                problem: Any) -> tuple[str, bytes | None, str | None]:
    """The step's kind, an amendment's text and a revoked key's text; reports each problem with
    ``problem(path, message)``."""
    kinds = _kind(step)
    if len(kinds) > 1:
        problem((n,), f"one action per step, not {', '.join(kinds)}")
        return "advance", None, None
    kind = kinds[0] if kinds else "advance"
    statement = kind in STATEMENTS
    if statement and step.by is None:
        problem((n,), f"a {kind} statement needs by: PARTY")
    for f in ("by", "key", "refused", "id"):
        if not statement and getattr(step, f) is not None:
            problem((n, f), f"{f} belongs to a statement step")
    if step.by is not None and step.by not in chain.parties:
        problem((n, "by"), f"{step.by!r} is not a party of pact {pact.pact!r}")
    if kind in REFERS:
        _refers(getattr(step, kind), kind, n, ids, problem)
    amendment = revoked = None
    if kind == "amend":
        amendment = chain.amendment(step.amend.pact, (n, "amend", "pact"), problem)
    if kind == "revoke" and "key" in step.revoke:
        revoked = chain.revocation(step.revoke["key"], (n, "revoke", "key"), problem)
    if step.id is not None:
        if step.id in ids:
            problem((n, "id"), f"id {step.id!r} is used twice")
        ids.add(step.id)
    if step.guard is not None:
        g = step.guard
        if g.party not in pact.developers:
            problem((n, "guard", "party"), f"{g.party!r} is not a developer of pact {pact.pact!r}")
        if g.label in guards:
            problem((n, "guard", "name"), f"a guard named {g.label!r} was started before: name each run once")
        guards.add(g.label)
    if step.stop_guard is not None and step.stop_guard not in guards:
        problem((n, "stop_guard"), f"no guard named {step.stop_guard!r} was started before")
    for f in ("stop_monitor", "start_monitor"):
        m = getattr(step, f)
        if m is not None and m not in chain.monitors:
            problem((n, f), f"{m!r} is not a monitor of pact {pact.pact!r}")
    if step.monitor_view is not None:
        if step.monitor_view.monitor not in chain.monitors:
            problem((n, "monitor_view", "monitor"), f"{step.monitor_view.monitor!r} is not a monitor of pact {pact.pact!r}")
        for i, of in enumerate(step.monitor_view.of or []):
            if of not in ids:
                problem((n, "monitor_view", "of", i), f"no earlier step has id {of!r}")
    if step.expect is not None:
        for g_name in (step.expect.guards or {}):
            if g_name not in guards:
                problem((n, "expect", "guards"), f"no guard named {g_name!r} was started before")
        for p in (step.expect.parties or {}):
            if p not in pact.developers:
                problem((n, "expect", "parties"), f"{p!r} is not a developer of pact {pact.pact!r}")
        for sid in (step.expect.sealed or {}):
            if sid not in ids:
                problem((n, "expect", "sealed"), f"no earlier step has id {sid!r}")
    return kind, amendment, revoked


def load_script(path: Path) -> tuple[Script, Pact]:
    """The script at ``path`` and the pact it plays (read from its file: the exact bytes and digest)."""
    from ..pactio import load_pact

    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ScriptError([f"{name}: cannot read: {e.strerror}"]) from None
    try:
        doc, positions = load_document(data)
    except YamlDocError as e:
        raise ScriptError([d.render(name) for d in e.diagnostics]) from None
    try:
        model = ScriptModel.model_validate(doc)
    except ValidationError as e:
        raise ScriptError([d.render(name) for d in _schema_lines(e, positions, name)]) from None
    found: list[Diagnostic] = []

    def problem(path: tuple[Any, ...], message: str) -> None:
        full = ("steps", *path) if path and isinstance(path[0], int) else path
        found.append(Diagnostic(*_at(positions, full), "error", f"{_dotted(full)}: {message}"))

    pact = load_pact(path.parent / model.pact)
    try:
        start = parse_time(model.start)
    except TimeFormatError as e:
        problem(("start",), str(e))
        start = 0
    chain = ScriptVersions(pact, path.parent, path.parent / model.keys)
    monitors = model.monitors if model.monitors is not None else list(pact.monitors)
    for i, m in enumerate(monitors):
        if m not in pact.monitors:
            problem(("monitors", i), f"{m!r} is not a monitor of pact {pact.pact!r}")
    actions: list[Action] = []
    t, ids, guards = start, set[str](), set[str]()
    for n, step in enumerate(model.steps):
        if step.at is not None:
            try:
                at = parse_at(step.at, start, t)
            except (DurationError, TimeFormatError) as e:
                problem((n, "at"), f"{e}; or +DURATION after the previous step, or DURATION after start")
                at = t
            if at < t:
                problem((n, "at"), "steps run in time order: this one is earlier than the step before it")
            t = max(t, at)
        kind, amendment, revoked = _check_step(step, n, pact, chain, ids, guards, problem)
        actions.append(Action(n, _at(positions, ("steps", n))[0], t, kind, step, amendment, revoked))
    if found:
        raise ScriptError([d.render(name) for d in sorted(set(found))])
    return Script(path, model.title or path.stem, (path.parent / model.pact), path.parent / model.keys, start, monitors,
                  actions), pact
