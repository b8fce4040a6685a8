"""Commands that replay the engine offline: replay, timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..checking import EnvelopeChecker
from ..core.canonical import canonical
from ..core.engine import Engine
from ..core.statements import SignedStatement
from ..pactio import load_pact, read_pact_bytes
from . import app
from .common import JsonOpt, PactOpt, out, parse_time_option, progress, read_jsonl

AtOpt = Annotated[str | None, typer.Option("--at", help="evaluate as of this time (YYYY-MM-DDTHH:MM:SSZ); default: the last statement")]
EntriesArg = Annotated[Path, typer.Argument(help="exported log, JSON Lines ('-' for stdin)")]


def _replay(pact_path: Path, entries: Path, at: str | None) -> tuple[Engine, int]:
    pact = load_pact(pact_path)
    lines = read_jsonl(entries)
    as_of = parse_time_option(at, "--at")
    engine = Engine(pact)
    with EnvelopeChecker(pact, read_pact_bytes(pact_path)) as checker, progress(len(lines), "replaying") as advance:
        # the pool checks signatures of later entries while the engine applies earlier ones
        for i, c in enumerate(checker.stream(lines)):
            if as_of is not None and isinstance(c, SignedStatement) and c.statement.t > as_of:
                break
            engine.apply(i, c)
            if i % 10000 == 9999:
                advance(10000)
    if as_of is None:
        as_of = engine.last_time if engine.last_time is not None else 0
    return engine.view(as_of), as_of


@app.command()
def replay(pact: PactOpt, entries: EntriesArg, at: AtOpt = None, json_out: JsonOpt = False) -> None:
    """The pact's full state from an exported log, offline: level, reasons, proposals, violations."""
    engine, as_of = _replay(pact, entries, at)
    state = engine.state_at(as_of)
    if json_out:
        # RFC 8785: two replays of one log give byte-identical output on any machine
        print(canonical(state).decode())
        return
    _print_state(state)


def _print_state(s: dict[str, Any]) -> None:
    head = f"[bold]{s['pact']}[/] as of {s['as_of']} ({s['tree_size']} entries): "
    if not s["in_force"]:
        out.print(head + f"[yellow]not in force[/] (signed: {', '.join(s['signatories']['developers']) or 'nobody'})")
    else:
        since = f" since {s['since']}" if s["since"] else ""
        out.print(head + f"coordinated level [bold]{s['level']}[/]{since}")
    for r in s["reasons"]:
        cause = f"red line {r['red_line']}" if r["red_line"] else f"emergency proposal {r['proposal']}"
        out.print(f"  raised to {r['level']} ({r['scope']}) at {r['at']}: {cause}, subject {r['party'] or '-'}, entry {r['index']}")
    t = Table("party", "bound", "level", "since", "max training FLOP", "new deployments", "overdue", title="Developers")
    for pid, p in s["parties"].items():
        flop = p["restrictions"]["max_training_flop"]
        t.add_row(pid, "yes" if p["bound"] else "no", p["level"], p["since"] or "-", "no limit" if flop is None else f"{flop:.3g}",
                  "allowed" if p["restrictions"]["new_deployments"] else "forbidden", ", ".join(p["overdue"]) or "-")
    out.print(t)
    for label, res in [("coordinated", s["resumption"])] + [(d, p["resumption"]) for d, p in s["parties"].items()]:
        if res:
            out.print(f"To leave {res['level']} ({label}) for {res['to']}: " + ("; ".join(res["missing"]) or "ready"))
    if s["proposals"]:
        t = Table("proposal", "action", "level", "party", "state", "yes", "no", "executes at", title="Proposals")
        for p in s["proposals"]:
            t.add_row(p["id"], p["action"], p["level"], p["party"] or "-", p["state"], ", ".join(p["yes"]), ", ".join(p["no"]),
                      p["executes_at"] or "-")
        out.print(t)
    for v in s["violations"]:
        out.print(f"[red]violation[/] {v['kind']} by {v['party']} (run {v['run']}) at {v['at']}, entry {v['index']}")
    if s["void"]:
        out.print(f"{len(s['void'])} void entries (valid, no effect): " + "; ".join(f"#{v['index']} {v['reason']}" for v in s["void"][:5]))
    if s["rejected"]:
        out.print(f"[red]{len(s['rejected'])} rejected entries[/] (fail Validity): "
                  + "; ".join(f"#{r['index']} {r['reason']}" for r in s["rejected"][:5]))


def _describe(e: dict[str, Any]) -> str:
    kind = e["event"]
    if kind in ("raise", "drop"):
        scope = "everyone" if e["scope"] == "all" else e["scope"]
        why = f"red line {e['red_line']} (subject {e.get('party')})" if e.get("red_line") else f"proposal {e.get('proposal')}"
        return f"{kind} {scope}: {e['from']} -> {e['to']}, by {why}"
    if kind == "proposal":
        extra = f" ({e['reason']})" if e.get("reason") else ""
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
    return f"{e.get('party')} signed"


@app.command()
def timeline(pact: PactOpt, entries: EntriesArg, at: AtOpt = None, json_out: JsonOpt = False) -> None:
    """Every level change and proposal transition in order, each with its reason."""
    engine, _ = _replay(pact, entries, at)
    if json_out:
        print(canonical(engine.timeline).decode())
        return
    t = Table("at", "entry", "what happened", title=f"Timeline of {engine.pact.pact}")
    for e in engine.timeline:
        t.add_row(e["at"], str(e.get("index") if e.get("index") is not None else "-"), _describe(e))
    out.print(t)
