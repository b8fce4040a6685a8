"""Narration of a rehearsal: what changed in the server's state, told once, dated in virtual time.

Every value that comes from the server or the script is printed through ``shown`` (plain text,
markup escaped): a party's id or reason can never style or link the terminal.

A sealed report is told as the public sees it (its commitment, each judge's verdict by name);
the only lines that carry a value it hides are a monitor's private view (``monitor_view``),
each marked ``🔒``, and a reveal, after which the value is public.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console

from ..core.durations import format_time, parse_time
from ..core.engine.sealed import SealedReport
from ..core.pact import Pact

if TYPE_CHECKING:
    from .replica import Replica
    from .statements import Submitted

PRIVATE = "[bold magenta]🔒 {monitor}'s private view[/] [magenta](its own state file, mode 0600; never published)[/]"


def shown(value: object) -> str:
    from ..cli.common import shown as cli_shown  # the CLI's one way to print party-controlled text

    return cli_shown(value)


class Narrator:
    """Prints the changes between successive states (``watch``) and the steps themselves (``say``)."""

    def __init__(self, console: Console, pact: Pact, days: bool = True, key_names: dict[str, str] | None = None) -> None:
        """``days``: date lines by the day (a script whose steps all fall on whole days), else to the second;
        ``key_names``: a key's public text -> the name the script gives it (revocations are told by name)."""
        self.console, self.pact, self.days = console, pact, days
        self.key_names = key_names or {}
        self.sealed: dict[int, str] = {}  # sealed report index -> the state last told
        self.revealed: set[int] = set()
        self.disputes = 0
        self.revoked = 0
        self.versions = 1
        self.explained_sealing = False
        self.level: str | None = None
        self.in_force = False
        self.reasons = 0
        self.violations = 0
        self.proposals: dict[str, str] = {}
        self.missing: list[str] | None = None
        self.status_level: str | None = None
        self.status_digest: str | None = None

    def stamp(self, time: str) -> str:
        """A contract time as the narration dates its lines."""
        return shown(time[:10] if self.days else time[:19].replace("T", " "))

    def say(self, t: int, text: str) -> None:
        """``text`` is Rich markup written by pausepact (values in it already passed through ``shown``)."""
        self.console.print(f"{self.stamp(format_time(t))}  {text}")

    def watch(self, st: dict[str, Any], status: dict[str, Any] | None, replica: Replica | None = None) -> None:
        """Narrate what changed since the last call: sealed reports judged, raises, entry into force, proposals and
        amendments, revoked keys, violations, disputes, the signed status."""
        date = self.stamp(st["as_of"])
        pact = replica.versions(parse_time(st["as_of"]))[-1].pact if replica is not None else self.pact
        by_index = replica.by_index() if replica is not None else {}
        for item in st.get("sealed", []):
            if item["value"] is not None and item["index"] not in self.revealed:
                self.revealed.add(item["index"])
                self.console.print(f"{date}  [dim]#{shown(item['index']):<4}[/] revealed by its author: {shown(item['subject'])}'s "
                                   f"{shown(item['indicator'])} was {shown(item['value'])} (public from now on; the "
                                   "commitment checks it)")
            if self.sealed.get(item["index"]) != item["state"]:
                self.sealed[item["index"]] = item["state"]
                self.console.print(f"{date}  [dim]#{shown(item['index']):<4}[/] sealed {shown(item['indicator'])} of "
                                   f"{shown(item['subject'])}: {self._judged(by_index.get(item['index']), item)}")
        for r in st["reasons"][self.reasons:]:
            cause = (f"red line {shown(r['red_line'])} held for {shown(r['party'])}" if r["red_line"]
                     else f"emergency proposal {shown(r['proposal'])}")
            who = "every bound developer" if r["scope"] == "all" else shown(r["party"])
            limit = pact.restriction(r["level"]).max_training_flop if r["level"] in pact.levels else None
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
            if p["action"] == "amend" and p["state"] in ("queued", "executed"):
                self._amendment_state(p, st, date)
            elif p["state"] == "executed" and p["action"] == "resume" and p["level"] in self.pact.resumption:
                rule = self.pact.resumption[p["level"]]
                when = self.stamp(p.get("executes_at") or st["as_of"])
                self.console.print(f"[bold green]{when}  ▼ resumption {shown(p['id'])} executed: {shown(p['level'])} → {shown(rule.to)}[/]")
            elif p["state"] != "active":
                self.console.print(f"{date}  proposal {shown(p['id'])} {shown(p['state'])}{extra}")
        for v in st["violations"][self.violations:]:
            self.console.print(f"[bold red]{self.stamp(v['at'])}  ✖ violation: {shown(v['kind'])} by {shown(v['party'])} "
                               f"(run {shown(v['run'])}, entry #{shown(v['index'])})[/]")
        self.violations = len(st["violations"])
        for k in st.get("revoked", [])[self.revoked:]:
            name = self.key_names.get(k["key"])
            key = f"{shown(name)} ({shown(k['key'][:20])}…)" if name else f"{shown(k['key'][:20])}…"
            self.console.print(f"[bold yellow]{self.stamp(k['at'])}  ⊘ {shown(k['party'])}'s key {key} revoked (entry "
                               f"#{shown(k['index'])}): from the next entry on, statements signed with it are refused[/]")
        self.revoked = len(st.get("revoked", []))
        for d in st.get("disputes", [])[self.disputes:]:
            self.console.print(f"[bold red]{self.stamp(d['at'])}  ⚠ dispute on sealed report #{shown(d['index'])}: "
                               f"{shown(d['kind'])} ({shown(', '.join(d['monitors']))})[/]")
        self.disputes = len(st.get("disputes", []))
        res = st.get("resumption")
        if res and res.get("proposal") and res.get("missing") != self.missing:
            self.missing = res["missing"]
            self.console.print(f"[dim]{date}  to leave {shown(res['level'])}: {shown('; '.join(res['missing']) or 'ready')}[/]")
        if status is not None and (status["level"], status["pact_digest"]) != (self.status_level, self.status_digest):
            moved = self.status_digest is not None and status["pact_digest"] != self.status_digest
            self.status_level, self.status_digest = status["level"], status["pact_digest"]
            named = next((v.version for v in replica.versions(parse_time(st["as_of"])) if v.digest == status["pact_digest"]),
                         None) if replica is not None else None
            version = f", version {shown(named)}" if moved and named is not None else ""
            follow = "; guards follow the chain of versions to it" if moved else "; guards obey this"
            self.console.print(f"[cyan]{date}  status signed by the monitors: level {shown(status['level'])}{version} "
                               f"(tree size {shown(status['tree_size'])}){follow}[/]")

    # ------------------------------------------------------------------ v2: sealed reports, amendments

    def _judged(self, rec: SealedReport | None, item: dict[str, Any]) -> str:
        """The public side of a sealed report's judgement: each judge by name with its words, and the state."""
        if rec is None or not rec.judged:
            return f"no verdict yet ({shown(item['state'])})"
        groups: dict[str, list[str]] = {}
        order = {m: i for i, m in enumerate(self.pact.monitors)}  # the pact's order, not the order verdicts arrived in
        for m in sorted(rec.judged, key=lambda m: (order.get(m, len(order)), m)):
            v = rec.verdicts[m]
            words = ", ".join(f"{k} {w}" for k, w in sorted(v.words.items())) if v.opened else "could not open its member"
            groups.setdefault(words or "opened (no red line to judge)", []).append(m)
        said = "; ".join(f"{shown(', '.join(ms))}: {shown(w)}" for w, ms in groups.items())
        state = item["state"]
        colour = {"assessed": "green", "pending": "yellow"}.get(state, "red")
        return f"verdicts by {said} → [{colour}]{shown(state)}[/]"

    def sealed_report(self, t: int, sub: Submitted, rec: SealedReport | None, st: dict[str, Any]) -> None:
        """One sealed report as the public sees it once settled: the step's line (``sub.says``, markup made by the
        driver), the commitment and the verdicts."""
        assert sub.opening is not None
        item = next((x for x in st.get("sealed", []) if x["index"] == sub.index), None)
        if item is None:  # void (a replayed commitment): nothing to judge
            self.say(t, f"[dim]#{shown(sub.index):<4}[/] {sub.says} [yellow](void: {shown(sub.void)})[/]")
            return
        self.sealed[sub.index] = item["state"]
        self.say(t, f"[dim]#{shown(sub.index):<4}[/] {sub.says} (commitment {shown(sub.opening.commitment[:19])}…); "
                    f"{self._judged(rec, item)}")
        if not self.explained_sealing and rec is not None:
            self.explained_sealing = True
            self.console.print(f"[dim]{'':12}the public sees no value: the log holds the commitment and one member "
                               f"sealed to each of {shown(', '.join(m for m in self.pact.monitors if m in rec.judges))}; each monitor opens its own, "
                               "signs a verdict naming each red line, and the engine runs on the agreed verdicts[/]")

    def monitor_view(self, t: int, monitor: str, rows: list[tuple[int, str, str, float]], say: str | None = None) -> None:
        """What only ``monitor`` sees: the values it opened. Labelled as its private view on every line."""
        label = PRIVATE.format(monitor=shown(monitor)) + (f": {shown(say)}" if say else "")
        if not rows:
            self.say(t, f"{label}: no sealed report opened since its last view")
            return
        self.say(t, label)
        for index, subject, indicator, value in rows:
            self.console.print(f"{'':12}[magenta]🔒 {shown(monitor)} opened #{shown(index)}: {shown(subject)}'s "
                               f"{shown(indicator)} = {value:g}[/]")

    def amendment(self, in_force: Pact, text: bytes, rationale: str | None) -> None:
        """An amend proposal's rationale and what the new version changes, in the words of ``pausepact diff``."""
        from ..core.pactdiff import diff_pacts
        from ..core.pactfile import parse_pact
        from ..explain_changes import describe

        new = parse_pact(text)[0]
        if rationale:
            self.rationale(rationale)
        if new is None:
            return
        for c in diff_pacts(in_force, new):
            if c.path[0] == "version":
                continue
            weakens = f" [bold red](weakens: {shown(c.why)})[/]" if c.weakens else ""
            self.console.print(f"{'':12}[dim]changes:[/] {shown(describe(c, in_force, new))}{weakens}")

    def rationale(self, text: str) -> None:
        """A proposal's or a vote's rationale (contract v2: shown wherever proposals are shown)."""
        self.console.print(f"{'':12}rationale: {shown(text)}")

    def _amendment_state(self, p: dict[str, Any], st: dict[str, Any], date: str) -> None:
        if p["state"] == "queued":
            self.console.print(f"{date}  amendment {shown(p['id'])} approved (yes: {shown(', '.join(p['yes']))}"
                               + (f"; no: {shown(', '.join(p['no']))}" if p["no"] else "")
                               + f"): queued, executes {self.stamp(p['executes_at'])} unless the monitors cancel it")
            return
        v = next((v for v in st.get("versions", []) if v["index"] == p.get("index")), None)
        when = self.stamp(p.get("executes_at") or st["as_of"])
        which = f"version {shown(v['version'])} ({shown(v['digest'][:19])}…)" if v else f"version {shown(p.get('version'))}"
        self.console.print(f"[bold green]{when}  ● amendment {shown(p['id'])} executed: {which} is in force; "
                           "from now on every statement names it[/]")
