"""Narration of a rehearsal: what changed in the server's state, told once, dated in virtual time.

Every value that comes from the server or the script is printed through ``shown`` (plain text,
markup escaped): a party's id or reason can never style or link the terminal.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

from ..core.durations import format_time
from ..core.pact import Pact


def shown(value: object) -> str:
    from ..cli.common import shown as cli_shown  # the CLI's one way to print party-controlled text

    return cli_shown(value)


class Narrator:
    """Prints the changes between successive states (``watch``) and the steps themselves (``say``)."""

    def __init__(self, console: Console, pact: Pact, days: bool = True) -> None:
        """``days``: date lines by the day (a script whose steps all fall on whole days), else to the second."""
        self.console, self.pact, self.days = console, pact, days
        self.level: str | None = None
        self.in_force = False
        self.reasons = 0
        self.violations = 0
        self.proposals: dict[str, str] = {}
        self.missing: list[str] | None = None
        self.status_level: str | None = None

    def stamp(self, time: str) -> str:
        """A contract time as the narration dates its lines."""
        return shown(time[:10] if self.days else time[:19].replace("T", " "))

    def say(self, t: int, text: str) -> None:
        """``text`` is Rich markup written by pausepact (values in it already passed through ``shown``)."""
        self.console.print(f"{self.stamp(format_time(t))}  {text}")

    def watch(self, st: dict[str, Any], status: dict[str, Any] | None) -> None:
        """Narrate what changed since the last call: raises, entry into force, proposals, violations, the signed status."""
        date = self.stamp(st["as_of"])
        for r in st["reasons"][self.reasons:]:
            cause = (f"red line {shown(r['red_line'])} held for {shown(r['party'])}" if r["red_line"]
                     else f"emergency proposal {shown(r['proposal'])}")
            who = "every bound developer" if r["scope"] == "all" else shown(r["party"])
            limit = self.pact.restriction(r["level"]).max_training_flop if r["level"] in self.pact.levels else None
            lim = f"; training limited to {limit:.0e} FLOP" if limit is not None else ""
            self.console.print(f"[bold yellow]{self.stamp(r['at'])}  ▲ {who} raised to {shown(r['level'])}[/]: {cause} "
                               f"(evidence entry #{shown(r['index'])}){lim}")
        self.reasons = len(st["reasons"])
        if st["in_force"] and not self.in_force:
            self.console.print(f"[bold green]{date}  ● the pact is in force: {shown(', '.join(st['signatories']['developers']))} are bound[/]")
            self.in_force = True
        for p in st["proposals"]:
            if self.proposals.get(p["id"]) == p["state"]:
                continue
            self.proposals[p["id"]] = p["state"]
            extra = f", executes {self.stamp(p['executes_at'])} unless cancelled" if p["state"] == "queued" else ""
            if p["state"] == "executed" and p["action"] == "resume" and p["level"] in self.pact.resumption:
                rule = self.pact.resumption[p["level"]]
                when = self.stamp(p.get("executes_at") or st["as_of"])
                self.console.print(f"[bold green]{when}  ▼ resumption {shown(p['id'])} executed: {shown(p['level'])} → {shown(rule.to)}[/]")
            elif p["state"] != "active":
                self.console.print(f"{date}  proposal {shown(p['id'])} {shown(p['state'])}{extra}")
        for v in st["violations"][self.violations:]:
            self.console.print(f"[bold red]{self.stamp(v['at'])}  ✖ violation: {shown(v['kind'])} by {shown(v['party'])} "
                               f"(run {shown(v['run'])}, entry #{shown(v['index'])})[/]")
        self.violations = len(st["violations"])
        res = st.get("resumption")
        if res and res.get("proposal") and res.get("missing") != self.missing:
            self.missing = res["missing"]
            self.console.print(f"[dim]{date}  to leave {shown(res['level'])}: {shown('; '.join(res['missing']) or 'ready')}[/]")
        if status is not None and status["level"] != self.status_level:
            self.status_level = status["level"]
            self.console.print(f"[cyan]{date}  status signed by the monitors: level {shown(status['level'])} "
                               f"(tree size {shown(status['tree_size'])}); guards obey this[/]")
