"""The pact in plain language, for readers who do not read YAML."""

from __future__ import annotations

from .core.durations import format_duration
from .core.engine.model import EXPIRY
from .core.pact import Pact, RedLine
from .core.quorum import Quorum
from .core.redlines import KINDS, kind_of

# what ``clear`` needs, per red-line kind (core.redlines): the words for each kind's ``shown_clear``.
# Checked complete at import, like the engine's handlers: a new kind without its words stops the import.
CLEAR_NEEDS = {
    "threshold": "a report made after the raise whose value no longer meets the threshold (the latest one counts)",
    "doubling": ("at least 3 reports made after the raise, within the window, whose fitted doubling time is at least "
                 "the limit (or that do not grow)"),
    "overdue": "every report it watches is no longer overdue (reports after the raise are not needed)",
}
if CLEAR_NEEDS.keys() != KINDS.keys():
    raise TypeError(f"explain.CLEAR_NEEDS must name exactly the red-line kinds {sorted(KINDS)}")


def _days(seconds: int) -> str:
    text = format_duration(seconds)
    unit = {"s": "second", "m": "minute", "h": "hour", "d": "day"}[text[-1]]
    n = int(text[:-1])
    return f"{n} {unit}{'s' if n != 1 else ''}"


def _quorum(q: Quorum, pact: Pact) -> str:
    parts = []
    for c in q.clauses:
        pop = len(pact.ids(c.role))
        need = c.required(pop)
        parts.append(f"{c} ({need} of the {pop} {c.role}s)")
    return " and ".join(parts)


def _flop(level: str, pact: Pact) -> str:
    r = pact.restriction(level)
    bits = []
    bits.append(f"no training run above {r.max_training_flop:.3g} FLOP" if r.max_training_flop is not None else "no compute limit")
    if r.new_deployments is False:
        bits.append("no new deployments")
    if r.max_training_flop is not None:
        bits.append(f"running jobs get {_days(r.grace)} to checkpoint and stop")
    return "; ".join(bits)


def _condition(rl: RedLine, pact: Pact) -> str:
    ind = pact.indicators.get(rl.indicator or "")
    name = rl.indicator or "any indicator it must report"
    unit = f" {ind.unit}" if ind else ""
    if rl.at_least is not None or rl.at_most is not None:
        word, x = ("at least", rl.at_least) if rl.at_least is not None else ("at most", rl.at_most)
        text = f"the latest {name} reported is {word} {x:g}{unit}"
        if rl.for_:
            text += f", uninterrupted for {_days(rl.for_)}"
        return text
    if rl.doubling_within is not None:
        assert rl.window is not None
        return (f"{name} doubles faster than every {_days(rl.doubling_within)} "
                f"(least-squares fit over the last {_days(rl.window)}, at least 3 reports)")
    assert rl.overdue is not None
    return f"a report of {name} is more than {_days(rl.overdue)} overdue"


def explain(pact: Pact) -> list[tuple[str, list[str]]]:
    """Sections (heading, paragraphs) describing the agreement in plain words."""
    devs, mons = pact.developers, pact.monitors
    out: list[tuple[str, list[str]]] = []
    out.append((pact.title, [
        f"Pact {pact.pact!r}, version {pact.version}, digest {pact.digest or '(not computed)'}.",
        f"Its log is {pact.origin}, operated by {pact.log_party.name} ({pact.log_party.id}).",
    ]))
    out.append(("Who is bound", [
        f"Developers: {', '.join(f'{pact.party_by_id[d].name} ({d})' for d in devs)}.",
        f"Nobody is bound alone: the pact comes into force once {pact.effective.min_developers} of the "
        f"{len(devs)} developers have signed it, and then binds only those who signed.",
    ]))
    lv = pact.levels
    out.append(("Levels", [
        f"From least to most restrictive: {', '.join(lv)}. Everyone starts at {lv[0]!r}.",
        *[f"At {level!r}: {_flop(level, pact)}." for level in lv[1:]],
    ]))
    indicators = []
    for name, ind in pact.indicators.items():
        who = "each developer about itself" if ind.reported_by == "developer" else "a monitor about each developer"
        text = f"{name} ({ind.unit}): {ind.description}. Reported by {who}, at least every {_days(ind.every)}"
        if ind.countersigned_by:
            text += "; it counts only once a monitor other than its author countersigns it"
        if ind.sealed and ind.verdict_quorum is not None:
            text += (f". Its values are sealed: only the monitors see them; the log shows a commitment, and a report "
                     f"counts once {_quorum(ind.verdict_quorum, pact)} of the monitors judging it agree on their verdicts, "
                     f"which they have {_days(pact.oversight.verdict_within)} to give (a developer whose reports are not "
                     f"judged in time falls overdue)")
        indicators.append(text + ".")
    out.append(("What is measured", indicators))
    lines = []
    for rl in pact.red_lines:
        who = "every bound developer moves together (coordinated)" if rl.scope == "all" else "only that developer moves"
        lines.append(f"{rl.id}: when, for any bound developer, {_condition(rl, pact)}, the level rises to {rl.raise_!r}; {who}.")
    if pact.emergency:
        lines.append(f"Emergency: monitors may raise the level to {pact.emergency.raise_!r} without indicator evidence, "
                     f"with the approval of {_quorum(pact.emergency.approval, pact)}.")
    lines.append("A level never drops on its own when a red line stops holding: only an approved resumption lowers it.")
    out.append(("What raises the level", lines))
    res = []
    for level, rule in pact.resumption.items():
        steps = [f"approval of {_quorum(rule.approval, pact)}"]
        if rule.min_duration:
            steps.append(f"at least {_days(rule.min_duration)} spent at {level!r}")
        if rule.clear:
            steps.append("fresh evidence, reported after the raise, showing every red line that leads here no longer holds")
        if rule.attestations:
            steps.append(f"every bound developer attests {', '.join(rule.attestations)}")
        text = f"Leaving {level!r} for {rule.to!r} takes " + "; ".join(steps) + "."
        if rule.timelock:
            text += f" The drop then waits {_days(rule.timelock)} (a timelock) during which any monitor may cancel it."
        res.append(text)
    out.append(("What it takes to resume", res or ["No resumption rules: a raised level is permanent."]))
    out.append(("Rules a party can trip on", _rules(pact)))
    o = pact.oversight
    out.append(("Who oversees, and how", [
        f"Monitors: {', '.join(f'{pact.party_by_id[m].name} ({m})' for m in mons)}.",
        f"Every statement is signed and appended to a public, tamper-evident log; a log checkpoint is trusted "
        f"once {o.witness_quorum} monitors have cosigned it.",
        f"Training infrastructure obeys a status signed by {o.status_quorum} monitors, each having replayed the "
        f"log itself; a status is valid for {_days(o.status_ttl)}.",
    ]))
    out.append(("How it can change", _amendment(pact)))
    return out


def _amendment(pact: Pact) -> list[str]:
    a = pact.amendment
    if a is None:
        return ["It cannot be amended: a change makes a new pact, signed anew. A party may still revoke one of its own "
                "keys at any time (a key may revoke itself or a key listed after it)."]
    from .core.amendments import removal_quorum

    lines = [f"An amendment carries the new text and needs the approval of {_quorum(a.approval, pact)}; it then "
             f"waits {_days(a.timelock) if a.timelock else 'no time'} (a timelock) during which enough monitors may "
             "cancel it, and takes effect only while the pact is in force.",
             f"Dropping a party that signed, or changing its role, also needs {_quorum(removal_quorum(pact), pact)}, "
             "counted without that party.",
             "Levels, the first level, who the pact binds (effective) and who holds each key never change by "
             "amendment; a party may revoke one of its own keys at any time (a key may revoke itself or a key listed "
             "after it), and a revoked key never returns."]
    return lines


def _rules(pact: Pact) -> list[str]:
    """Every rule that can void a statement, cancel a proposal, make a report late or a run a violation."""
    rules = [
        f"Proposals expire {_days(EXPIRY)} after they are made if still neither queued nor executed; they are "
        "defeated as soon as no votes make the approval quorum unreachable. A proposal id can be used only once.",
        "A resumption must name the current level of its scope (the coordinated level, or the party's own level "
        "with party); otherwise it is void. It is cancelled when that level changes, when another resumption of "
        "its scope executes, when a monitor cancels it during its timelock, or when clear stops holding.",
        "A vote counts once per monitor and only on an active proposal; a vote on an unknown, queued or closed "
        "proposal is void. Only a queued resumption can be cancelled.",
        "Statements of one second are applied before that second's consequences: a proposal made in the same "
        "second as the raise it answers is judged against the level before the raise (use submit --dry-run).",
    ]
    rank = {lv: i for i, lv in enumerate(pact.levels)}
    for rl in pact.red_lines:
        # clear for leaving L judges every red line raising to L or higher (contract section 6, Clear)
        leaving = [lv for lv, rule in pact.resumption.items() if rule.clear and rank[rl.raise_] >= rank[lv]]
        if leaving:
            rules.append(f"Leaving {' or '.join(repr(lv) for lv in leaving)} needs {rl.id} ({kind_of(rl)}) clear, for every "
                         f"developer of the scope: {CLEAR_NEEDS[kind_of(rl)]}.")
    for rl in pact.red_lines:
        if kind_of(rl) == "overdue":
            assert rl.overdue is not None
            watched = [rl.indicator] if rl.indicator else [n for n, i in pact.indicators.items() if i.reported_by == "developer"]
            for name in watched:
                every = pact.indicators[name].every
                rules.append(f"Deadline: a bound developer's {name} report is due every {_days(every)}; "
                             f"{_days(every + rl.overdue)} after its last one (or after it is bound) {rl.id} raises "
                             f"{'its own level' if rl.scope == 'party' else 'everyone'} to {rl.raise_!r}.")
    for name, ind in pact.indicators.items():
        if ind.countersigned_by:
            rules.append(f"Each {name} report counts only from its countersignature by a monitor other than its author; "
                         "a countersign must name the report's payload hash (submit countersign --entry N computes it).")
    rules.append("A report's measured_at may not be after the statement's time, and its value must lie in its unit's range "
                 "(ratio 0..1, percent 0..100, others at least 0); a monitor names the developer it reports about.")
    for level in pact.levels[1:]:
        r = pact.restriction(level)
        if r.max_training_flop is not None:
            rules.append(f"Grace at {level!r}: a run above {r.max_training_flop:.3g} FLOP must stop within {_days(r.grace)}; "
                         "a heartbeat after that is run-over-limit, no stop by then is run-not-stopped. A run's declared "
                         "size never decreases, and a start above the limit is a violation at once.")
    for level, rule in pact.resumption.items():
        if rule.attestations:
            rules.append(f"Attestations for leaving {level!r} count only if made after the scope entered {level!r}.")
    rules.append("Each key numbers its statements 1, 2, 3... (seq), and a statement may not be timed before the last "
                 "one in the log; the client picks both from the log.")
    return rules
