"""An amendment's changes in plain language, in the words ``pausepact explain`` uses for the pact itself.

``describe(change, old, new)`` gives one sentence for a ``core.pactdiff.Change``: what the new version
says, and what the old one said. The phrases are explain's own (``explain._days``, ``_quorum``,
``_flop``, ``_condition``), so a negotiator reads an amendment as they read the pact.
"""

from __future__ import annotations

from typing import Any

from .core.pact import Pact, RedLine
from .core.pactdiff import Change
from .core.quorum import parse_quorum
from .explain import _condition, _days, _flop, _quorum
from .printable import plain


def describe(change: Change, old: Pact, new: Pact) -> str:
    """One sentence about ``change``, a change ``core.pactdiff.diff_pacts(old, new)`` found, naming the pact's own ids."""
    section = change.path[0]
    speaker = _SECTIONS.get(section)
    text = speaker(change, old, new) if speaker is not None else None
    return text or f"{change.where}: {_value(change.old)} becomes {_value(change.new)}."


def _value(v: Any) -> str:
    if v is None:
        return "(absent)"
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:g}"
    return plain(v) if isinstance(v, str) else repr(v)


def _was(old_text: str, new_text: str) -> str:
    return f"{new_text} (was {old_text})"


def _q(text: Any, pact: Pact) -> str:
    return _quorum(parse_quorum(text), pact) if isinstance(text, str) else "nobody (absent)"


def _dur(text: Any) -> str:
    from .core.durations import parse_duration

    return _days(parse_duration(text)) if isinstance(text, str) else "none"


# -- sections, one function each: (change, old pact, new pact) -> sentence, or None for the plain fallback --

def _top(c: Change, old: Pact, new: Pact) -> str | None:
    name = c.path[0]
    if name == "version":
        return f"Version {c.old} becomes version {c.new}."
    if name == "title":
        return f"The title becomes {_value(c.new)!r} (was {_value(c.old)!r})."
    if name == "effective":
        return (f"The pact comes into force once {c.new} developers have signed it (was {c.old}); "
                "an amendment may not change this.")
    if name in ("pact", "origin"):
        return f"The {'pact id' if name == 'pact' else 'log origin'} becomes {_value(c.new)} (was {_value(c.old)}); an amendment may not change it."
    if name == "levels":
        added = [lv for lv in new.levels if lv not in old.levels]
        text = f"From least to most restrictive: {', '.join(new.levels)} (was {', '.join(old.levels)})."
        return text + (f" New: {', '.join(repr(lv) for lv in added)}." if added else "")
    return None


def _party(c: Change, old: Pact, new: Pact) -> str | None:
    pid = c.path[1]
    if len(c.path) == 2:
        if c.old is None:
            p = new.party_by_id[pid]
            return f"{p.name} ({pid}) joins as a {p.role}, with {len(p.keys)} signing key{'s' if len(p.keys) != 1 else ''}."
        p = old.party_by_id[pid]
        return f"{p.name} ({pid}), a {p.role}, leaves the pact."
    name = c.path[2]
    if name == "name":
        return f"{pid} is now called {_value(c.new)!r} (was {_value(c.old)!r})."
    if name == "role":
        return f"{pid} becomes a {c.new} (was a {c.old})."
    if name == "keys":
        before, after = list(c.old or []), list(c.new or [])
        bits = [f"adds {k}" for k in after if k not in before] + [f"drops {k}" for k in before if k not in after]
        if not bits:
            bits = ["lists them in another order (keys are ordered by authority: a key may revoke those after it)"]
        log = " These are the log's checkpoint keys: the amendment waits at least both versions' status_ttl." \
            if new.party_by_id[pid].role == "log" else ""
        return f"{pid}'s signing keys: {'; '.join(bits)}.{log}"
    if name == "seal_key":
        return f"{pid}'s seal key becomes {_value(c.new)} (was {_value(c.old)})."
    return None


def _indicator(c: Change, old: Pact, new: Pact) -> str | None:
    name = c.path[1]
    if len(c.path) == 2:
        if c.new is None:
            return f"{name} is no longer measured: no report of it falls due."
        ind = new.indicators[name]
        who = "each developer about itself" if ind.reported_by == "developer" else "a monitor about each developer"
        return f"New indicator {name} ({ind.unit}): {plain(ind.description)}. Reported by {who}, at least every {_days(ind.every)}."
    field = c.path[2]
    restart = " Its series starts empty when the amendment executes." if field in ("unit", "reported_by", "disclosure") else ""
    if field == "every":
        return f"{name} is reported at least every {_was(_dur(c.old), _dur(c.new))}."
    if field == "countersigned_by":
        return (f"{name} counts only once a monitor other than its author countersigns it." if c.new
                else f"{name} counts without a monitor's countersignature (it needed one).")
    if field == "verdict_quorum":
        return f"A sealed {name} report is assessed once the verdicts of {_q(c.new, new)} agree (was {_q(c.old, old)})."
    if field == "description":
        return f"{name} is described as {_value(c.new)!r}."
    return f"{name}: {field} becomes {_value(c.new)} (was {_value(c.old)}).{restart}"


def _restriction(c: Change, old: Pact, new: Pact) -> str | None:
    level = c.path[1]
    if len(c.path) == 2 and c.old is None:
        return f"New level {level!r}: {_flop(level, new)}."
    if len(c.path) == 2 and c.new is None:
        return f"Level {level!r} is gone (at it: {_flop(level, old)})."
    if len(c.path) == 2 or level not in old.levels or level not in new.levels:
        return None
    before, after = old.restriction(level), new.restriction(level)
    field = c.path[2]
    if field == "max_training_flop":
        return f"At {level!r}: {_was(_limit(before.max_training_flop), _limit(after.max_training_flop))}."
    if field == "new_deployments":
        return f"At {level!r}: {_was(_deploy(before.new_deployments), _deploy(after.new_deployments))}."
    if field == "grace":
        return f"At {level!r}: running jobs get {_was(_days(before.grace), _days(after.grace))} to checkpoint and stop."
    return None


def _limit(flop: float | None) -> str:
    return f"no training run above {flop:.3g} FLOP" if flop is not None else "no compute limit"


def _deploy(allowed: bool | None) -> str:
    return "no new deployments" if allowed is False else "new deployments allowed"


def _who(rl: RedLine) -> str:
    return "every bound developer moves together (coordinated)" if rl.scope == "all" else "only that developer moves"


def _red_line(c: Change, old: Pact, new: Pact) -> str | None:
    rid = c.path[1]
    before = next((r for r in old.red_lines if r.id == rid), None)
    after = next((r for r in new.red_lines if r.id == rid), None)
    if after is None and before is not None:
        return f"{rid} is removed: it raised the level to {before.raise_!r} when {_condition(before, old)}."
    assert after is not None
    if before is None:
        return f"New red line {rid}: when, for any bound developer, {_condition(after, new)}, the level rises to {after.raise_!r}; {_who(after)}."
    field = c.path[2] if len(c.path) > 2 else ""
    if field == "raise":
        return f"{rid}: the level rises to {after.raise_!r} (was {before.raise_!r})."
    if field == "scope":
        return f"{rid}: {_who(after)} (was: {_who(before)})."
    return f"{rid}: the level rises when, for any bound developer, {_condition(after, new)} (was: when {_condition(before, old)})."


def _emergency(c: Change, old: Pact, new: Pact) -> str | None:
    if new.emergency is None:
        return "No emergency rule any more: monitors can no longer raise the level without indicator evidence."
    if old.emergency is None:
        return (f"New emergency rule: monitors may raise the level to {new.emergency.raise_!r} without indicator evidence, "
                f"with the approval of {_quorum(new.emergency.approval, new)}.")
    if c.path[1:] == ("raise",):
        return f"In an emergency, monitors may raise the level to {new.emergency.raise_!r} (was {old.emergency.raise_!r})."
    return (f"An emergency raise takes the approval of "
            f"{_was(_quorum(old.emergency.approval, old), _quorum(new.emergency.approval, new))}.")


def _resumption(c: Change, old: Pact, new: Pact) -> str | None:
    level = c.path[1]
    before, after = old.resumption.get(level), new.resumption.get(level)
    if after is None:
        return f"No rule leaves {level!r} any more: once raised there, the level stays."
    if before is None or len(c.path) == 2:
        return f"New rule: leaving {level!r} for {after.to!r} takes approval of {_quorum(after.approval, new)}."
    field = c.path[2]
    if field == "to":
        return f"Leaving {level!r} now goes to {after.to!r} (was {before.to!r})."
    if field == "approval":
        return f"Leaving {level!r} takes approval of {_was(_quorum(before.approval, old), _quorum(after.approval, new))}."
    if field == "min_duration":
        return f"Leaving {level!r} takes at least {_was(_days(before.min_duration), _days(after.min_duration))} spent at {level!r}."
    if field == "clear":
        return (f"Leaving {level!r} takes fresh evidence, reported after the raise, showing every red line that leads here no longer holds."
                if after.clear else f"Leaving {level!r} no longer takes fresh evidence that the red lines leading here no longer hold.")
    if field == "attestations":
        claims = ", ".join(after.attestations) or "nothing"
        return f"Leaving {level!r}: every bound developer attests {claims} (was {', '.join(before.attestations) or 'nothing'})."
    if field == "timelock":
        return f"The drop from {level!r} waits {_was(_days(before.timelock), _days(after.timelock))}, during which any monitor may cancel it."
    return None


def _oversight(c: Change, old: Pact, new: Pact) -> str | None:
    field = c.path[1] if len(c.path) > 1 else ""
    o, n = old.oversight, new.oversight
    if field == "witness_quorum":
        return f"A log checkpoint is trusted once {_was(str(o.witness_quorum), str(n.witness_quorum))} monitors have cosigned it."
    if field == "status_quorum":
        return f"Training infrastructure obeys a status signed by {_was(str(o.status_quorum), str(n.status_quorum))} monitors."
    if field == "status_ttl":
        return f"A status is valid for {_was(_days(o.status_ttl), _days(n.status_ttl))}."
    if field == "verdict_within":
        return f"Monitors have {_was(_days(o.verdict_within), _days(n.verdict_within))} to judge a sealed report."
    return None


def _amendment(c: Change, old: Pact, new: Pact) -> str | None:
    if len(c.path) == 1:
        return "The pact can no longer be amended." if c.new is None else f"The pact can now be amended, with the approval of {_q(c.new.get('approval'), new)}."
    field = c.path[1]
    if field == "approval":
        return f"An amendment takes the approval of {_was(_q(c.old, old), _q(c.new, new))}."
    if field == "remove_approval":
        return (f"An amendment that drops a signed party, or changes its role, also takes "
                f"{_was(_q(c.old, old), _q(c.new, new))}, counted without those parties.")
    if field == "timelock":
        return f"An approved amendment waits {_was(_dur(c.old), _dur(c.new))}, during which monitors can cancel it."
    return None


_SECTIONS = {
    "version": _top, "title": _top, "effective": _top, "pact": _top, "origin": _top, "levels": _top,
    "parties": _party, "indicators": _indicator, "restrictions": _restriction, "red_lines": _red_line,
    "emergency": _emergency, "resumption": _resumption, "oversight": _oversight, "amendment": _amendment,
}
