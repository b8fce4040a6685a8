"""Commands that replay the engine offline: replay, timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from rich.table import Table

from ..core.canonical import canonical
from ..core.engine import Engine
from ..core.pact import Pact
from ..core.sealing import Opened, format_seal_key
from ..core.statements import Rejection, SignedStatement
from ..core.verdicts import open_addressed
from ..errors import InputError
from ..keyfiles import read_seal_key
from ..log.checking import EnvelopeChecker
from ..pactio import load_pact, read_pact_bytes
from . import app
from .common import JsonOpt, PactOpt, out, parse_time_option, progress, read_jsonl, shown

AtOpt = Annotated[str | None, typer.Option("--at", help="evaluate as of this time (YYYY-MM-DDTHH:MM:SSZ); default: the last statement")]
EntriesArg = Annotated[Path, typer.Argument(help="exported log, JSON Lines ('-' for stdin)")]


def _replay(pact_path: Path, entries: Path, at: str | None, seal_keys: list[Path] | None = None,
            ) -> tuple[Engine, int, dict[int, float]]:
    """The engine settled as of ``at``; with ``seal_keys``, also the values they open (log index -> value)."""
    pact = load_pact(pact_path)
    lines = read_jsonl(entries)
    as_of = parse_time_option(at, "--at")
    engine = Engine(pact)
    opener = _Opener(pact, seal_keys) if seal_keys else None
    with EnvelopeChecker(pact, read_pact_bytes(pact_path)) as checker, progress(len(lines), "replaying") as advance:
        # the pool checks signatures of later entries while the engine applies earlier ones
        for i, c in enumerate(checker.stream(lines)):
            if as_of is not None and isinstance(c, SignedStatement) and c.statement.t > as_of:
                break
            # a refusal under the first version may be overturned by the version in force (section 9)
            engine.apply(i, c, lines[i] if isinstance(c, Rejection) else None)
            if opener is not None and isinstance(c, SignedStatement):
                opener.take(i, c, engine)
            if i % 10000 == 9999:
                advance(10000)
    if as_of is None:
        as_of = engine.last_time if engine.last_time is not None else 0
    return engine.view(as_of), as_of, opener.values if opener is not None else {}


class _Opener:
    """What a monitor's seal keys open while a log is replayed (``replay --seal-key``); kept in memory only."""

    def __init__(self, pact: Pact, paths: list[Path]) -> None:
        self.keys = [read_seal_key(p) for p in paths]
        publics = {format_seal_key(k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)) for k in self.keys}
        self.party = next((m for m, k in pact.seal_keys.items() if k in publics), None)
        if self.party is None:
            raise InputError("--seal-key: no monitor of the pact has this seal key (the pact lists each monitor's "
                             "seal_key; give the monitor's own X25519 key file)")
        self.values: dict[int, float] = {}
        self.digests: dict[str, str] = {}  # sealed report -> the pact digest its statement names

    def take(self, index: int, ss: SignedStatement, engine: Engine) -> None:
        body = ss.statement.content
        digest = ss.digest if ss.statement.type == "sealed_report" else getattr(body, "statement", None)
        rec = engine.sealed.get(digest) if digest is not None else None
        if rec is None or rec.index in self.values or self.party is None:
            return
        if ss.statement.type == "sealed_report":
            self.digests[rec.digest] = ss.statement.pact_digest
        got = open_addressed(ss, rec, self.party, self.keys, engine.pact.indicators[rec.indicator].unit,
                             self.digests.get(rec.digest, ss.statement.pact_digest))
        if isinstance(got, Opened):
            self.values[rec.index] = got.value


SealKeyOpt = Annotated[list[Path] | None, typer.Option(
    "--seal-key", help="a monitor's X25519 seal key (repeatable: retired keys too): also show the sealed values it "
                       "opens, beside the public state (JSON: an 'opened' member); never sent anywhere")]


@app.command()
def replay(pact: PactOpt, entries: EntriesArg, at: AtOpt = None, json_out: JsonOpt = False,
           seal_key: SealKeyOpt = None) -> None:
    """The pact's full state from an exported log, offline: level, reasons, proposals, violations; it follows the
    pact's amendments from the first version (give that one as --pact)."""
    engine, as_of, opened = _replay(pact, entries, at, seal_key)
    state = engine.state_at(as_of)
    if json_out:
        if seal_key:
            state = {**state, "opened": [{"index": i, "value": v} for i, v in sorted(opened.items())]}
        # RFC 8785: two replays of one log give byte-identical output on any machine
        print(canonical(state).decode())
        return
    _print_state(state)
    if seal_key:
        t = Table("entry", "subject", "indicator", "time", "state", "value (opened with your seal key)",
                  title="Sealed values your seal key opens (shown to you only)")
        for r in state["sealed"]:
            value = opened.get(r["index"])
            t.add_row(shown(r["index"]), shown(r["subject"]), shown(r["indicator"]), shown(r["time"]), shown(r["state"]),
                      "not opened" if value is None else shown(value))
        out.print(t)


def _print_state(s: dict[str, Any]) -> None:
    """The state for people; every value in it may be party-controlled, so each goes through ``shown``."""
    head = f"[bold]{shown(s['pact'])}[/] as of {shown(s['as_of'])} ({shown(s['tree_size'])} entries): "
    if not s["in_force"]:
        signed = ", ".join(shown(d) for d in s["signatories"]["developers"]) or "nobody"
        out.print(head + f"[yellow]not in force[/] (signed: {signed})")
    else:
        since = f" since {shown(s['since'])}" if s["since"] else ""
        out.print(head + f"coordinated level [bold]{shown(s['level'])}[/]{since}")
    for r in s["reasons"]:
        cause = f"red line {shown(r['red_line'])}" if r["red_line"] else f"emergency proposal {shown(r['proposal'])}"
        out.print(f"  raised to {shown(r['level'])} ({shown(r['scope'])}) at {shown(r['at'])}: {cause}, "
                  f"subject {shown(r['party'] or '-')}, entry {shown(r['index'])}")
    t = Table("party", "bound", "level", "since", "max training FLOP", "new deployments", "overdue", title="Developers")
    for pid, p in s["parties"].items():
        flop = p["restrictions"]["max_training_flop"]
        t.add_row(shown(pid), "yes" if p["bound"] else "no", shown(p["level"]), shown(p["since"] or "-"),
                  "no limit" if flop is None else f"{flop:.3g}",
                  "allowed" if p["restrictions"]["new_deployments"] else "forbidden", shown(", ".join(p["overdue"]) or "-"))
    out.print(t)
    for label, res in [("coordinated", s["resumption"])] + [(d, p["resumption"]) for d, p in s["parties"].items()]:
        if res:
            out.print(f"To leave {shown(res['level'])} ({shown(label)}) for {shown(res['to'])}: " + shown("; ".join(res["missing"]) or "ready"))
    if s["proposals"]:
        t = Table("proposal", "action", "level", "party", "state", "yes", "no", "executes at", title="Proposals")
        for p in s["proposals"]:
            t.add_row(shown(p["id"]), shown(p["action"]),
                      shown(f"version {p.get('version')}" if p["action"] == "amend" else p["level"]),
                      shown(p["party"] or "-"), shown(p["state"]),
                      shown(", ".join(p["yes"])), shown(", ".join(p["no"])), shown(p["executes_at"] or "-"))
        out.print(t)
    for v in s["violations"]:
        out.print(f"[red]violation[/] {shown(v['kind'])} by {shown(v['party'])} (run {shown(v['run'])}) at {shown(v['at'])}, "
                  f"entry {shown(v['index'])}")
    if s.get("sealed"):
        t = Table("entry", "by", "subject", "indicator", "time", "state", "verdicts by", "value", title="Sealed reports")
        for r in s["sealed"]:
            t.add_row(shown(r["index"]), shown(r["party"]), shown(r["subject"]), shown(r["indicator"]), shown(r["time"]),
                      shown(r["state"]), shown(", ".join(r["verdicts"]) or "-"),
                      "sealed" if r["value"] is None else shown(r["value"]))
        out.print(t)
    for d in s.get("disputes", []):
        out.print(f"[yellow]dispute[/] {shown(d['kind'])} on sealed report #{shown(d['index'])} at {shown(d['at'])}: "
                  f"{shown(', '.join(d['monitors']) or '-')}")
    if s["void"]:
        out.print(f"{len(s['void'])} void entries (valid, no effect): " + "; ".join(f"#{shown(v['index'])} {shown(v['reason'])}" for v in s["void"][:5]))
    if s["rejected"]:
        out.print(f"[red]{len(s['rejected'])} rejected entries[/] (fail Validity): "
                  + "; ".join(f"#{shown(r['index'])} {shown(r['reason'])}" for r in s["rejected"][:5]))


def _describe(e: dict[str, Any]) -> str:
    """One timeline event in words, as plain text (the caller escapes it for Rich)."""
    kind = e["event"]
    if kind in ("raise", "drop"):
        scope = "everyone" if e["scope"] == "all" else e["scope"]
        why = f"red line {e['red_line']} (subject {e.get('party')})" if e.get("red_line") else f"proposal {e.get('proposal')}"
        return f"{kind} {scope}: {e['from']} -> {e['to']}, by {why}"
    if kind == "proposal":
        extra = f" ({e['reason']})" if e.get("reason") else ""
        if e["state"] == "active" and e.get("action") == "amend":
            return f"proposal {e['proposal']} by {e['by']}: amend to version {e.get('version')} ({e.get('pact_digest')})"
        if e["state"] == "active" and "by" not in e:  # back to active (an amendment whose approval no longer held)
            return f"proposal {e['proposal']} active again{extra}"
        if e["state"] == "active":
            party = f" for {e['party']}" if e.get("party") else ""
            return f"proposal {e['proposal']} by {e['by']}: {e['action']} {e['level']}{party}"
        if e["state"] == "queued":
            return f"proposal {e['proposal']} queued, executes {e['executes_at']}"
        return f"proposal {e['proposal']} {e['state']}{extra}"
    if kind == "violation":
        return f"violation {e['kind']} by {e['party']} (run {e['run']})"
    if kind == "in-force":
        return f"pact in force (signatories: {', '.join(e['signatories'])})"
    if kind == "sealed-report":
        return f"sealed report by {e['party']} of {e['indicator']} about {e['subject']} (value sealed to the monitors)"
    if kind == "assessed":
        words = ", ".join(f"{k}: {v}" for k, v in sorted(e["verdict"].items())) or "no red line to judge"
        return f"sealed report #{e['index']} assessed ({words})"
    if kind == "dispute":
        return f"dispute {e['kind']} on sealed report #{e['index']}: {', '.join(e['monitors']) or '-'}"
    if kind == "reveal":
        return f"{e['party']} revealed sealed report #{e['statement']}"
    if kind == "amended":
        return f"pact amended: version {e['version']} ({e['pact_digest']}) in force, proposed at entry {e['index']}"
    if kind == "revoke":
        return f"{e['party']} revoked key {e['key']}: {e.get('reason', '')}"
    return f"{e.get('party')} signed"


UntilOpt = Annotated[str | None, typer.Option("--until", help="run the clock to this time, past the last statement if "
                                                "need be (what time alone brings: a `for` run, a timelock, an overdue report)")]


@app.command()
def timeline(pact: PactOpt, entries: EntriesArg, at: AtOpt = None, until: UntilOpt = None, json_out: JsonOpt = False) -> None:
    """Every level change and proposal transition in order, each with its reason; ``--at``/``--until`` runs the
    clock to a time past the last statement."""
    if at is not None and until is not None and at != until:
        from ..errors import InputError

        raise InputError("give --at or --until (the same thing for a timeline), not two different times")
    engine, _, _ = _replay(pact, entries, until if until is not None else at)
    if json_out:
        print(canonical(engine.timeline).decode())
        return
    t = Table("at", "entry", "what happened", title=f"Timeline of {shown(engine.pact.pact)}")
    for e in engine.timeline:
        t.add_row(shown(e["at"]), shown(e.get("index") if e.get("index") is not None else "-"), shown(_describe(e)))
    out.print(t)
