"""What an amendment changes, field by field, and which changes weaken the agreement.

``diff_pacts(old, new)`` compares two valid pacts as the engine reads them: defaults filled in
(a level without restrictions has no limit, ``grace`` is 1h, ``amendment.timelock`` 2d,
``remove_approval`` all developers and all monitors), parties, indicators, red lines, restrictions
and resumption rules matched by id or level, durations and quorums as the file writes them. The
digest and the spelling of the file are not compared. A change's ``path`` names the field:
``red_lines[gone-silent].overdue``, ``restrictions[pause].max_training_flop``, ``levels``.

A change **weakens** the agreement when it makes a pause less likely, later, shorter or less
binding, or oversight thinner (``why`` says how):

- a red line removed, or loosened: ``at_least`` raised, ``at_most`` lowered, ``for`` added or
  lengthened, ``doubling_within`` or ``window`` shortened, ``overdue`` lengthened, ``raise`` lowered,
  ``scope`` from ``all`` to ``party``, another indicator watched (an ``overdue`` red line that now
  watches every indicator only widens), or its condition replaced by one of another kind;
- a level's restrictions relaxed: ``max_training_flop`` raised or removed, new deployments allowed,
  ``grace`` lengthened;
- a resumption made easier: a new rule for a level that had none, ``to`` lowered, ``approval``
  lowered, ``min_duration`` or ``timelock`` shortened, ``clear`` dropped, an attestation dropped;
- the emergency rule removed, its level lowered or its approval raised (it is harder to pause);
- a quorum lowered (fewer parties of some role needed, each version counting its own parties;
  listed too when only the parties changed): resumption, amendment, ``remove_approval``, ``verdict_quorum``;
  ``witness_quorum`` or ``status_quorum`` lowered; ``status_ttl`` or ``verdict_within`` lengthened;
  ``amendment.timelock`` shortened;
- an indicator removed, reported less often (``every`` lengthened) or no longer countersigned;
- a developer removed or given another role (it is no longer bound); ``min_developers`` raised.

Everything else is listed with ``weakens`` false. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .amendments import DEFAULT_REMOVE_APPROVAL
from .durations import parse_duration
from .pact import Pact
from .quorum import Role, parse_quorum
from .redlines import CONDITIONS

# members matched by id (or level) rather than by position; their paths read ``parties[lab-a]``
KEYED = ("parties", "indicators", "restrictions", "red_lines", "resumption")
ORDER = ("pact", "version", "title", "origin", "effective", "parties", "indicators", "levels", "restrictions",
         "red_lines", "emergency", "resumption", "oversight", "amendment")
QUORUM_FIELDS = {("emergency", "approval"), ("resumption", "approval"), ("amendment", "approval"),
                 ("amendment", "remove_approval"), ("indicators", "verdict_quorum")}

Part = str
PathT = tuple[Part, ...]


@dataclass(frozen=True)
class Change:
    """One field that differs. ``old``/``new`` are JSON values as a pact file writes them (durations and
    quorums as text); ``None`` means absent. ``weakens`` with ``why`` (else ``why`` is empty)."""

    path: PathT
    old: Any
    new: Any
    weakens: bool = False
    why: str = ""

    @property
    def where(self) -> str:
        """The path as text: ``red_lines[gone-silent].overdue``."""
        return render_path(self.path)


def render_path(path: PathT) -> str:
    out = ""
    for i, part in enumerate(path):
        out += f"[{part}]" if i == 1 and path[0] in KEYED else (f".{part}" if out else part)
    return out


def normal_form(pact: Pact) -> dict[str, Any]:
    """The pact as compared: JSON values, defaults filled, keyed members as mappings, absent values omitted."""
    d = pact.model_dump(mode="json", by_alias=True, exclude_none=True)
    d["parties"] = {p["id"]: _without(p, "id") for p in d["parties"]}
    d["red_lines"] = {r["id"]: _without(r, "id") for r in d["red_lines"]}
    d["restrictions"] = {lv: pact.restriction(lv).model_dump(mode="json", exclude_none=True) for lv in pact.levels}
    if "amendment" in d:
        d["amendment"].setdefault("remove_approval", DEFAULT_REMOVE_APPROVAL)
    return {k: d[k] for k in ORDER if k in d}


def _without(d: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != key}


def diff_pacts(old: Pact, new: Pact) -> list[Change]:
    """Every field that differs from ``old`` to ``new``, in file order, each judged (see the module's doc)."""
    a, b = normal_form(old), normal_form(new)
    judge = _Judge(old, new)
    out = [judge(c) for c in _walk((), a, b)]
    out += [judge(c) for c in _quorums_moved(a, b, old, new)]
    rank = {k: i for i, k in enumerate(ORDER)}
    return sorted(out, key=lambda c: rank[c.path[0]])  # stable: file order within a section


def _walk(path: PathT, a: Any, b: Any) -> Iterator[Change]:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict) and not _kind_changed(path, a, b):
        for k in [*a, *(k for k in b if k not in a)]:
            yield from _walk((*path, k), a.get(k), b.get(k))
        return
    yield Change(path, a, b)


def _kind_changed(path: PathT, a: dict[str, Any], b: dict[str, Any]) -> bool:
    """A red line whose condition is of another kind is one change, not a field removed and another added."""
    if len(path) != 2 or path[0] != "red_lines":
        return False
    return [c for c in CONDITIONS if c in a] != [c for c in CONDITIONS if c in b]


def _quorums_moved(a: dict[str, Any], b: dict[str, Any], old: Pact, new: Pact) -> Iterator[Change]:
    """Quorums written the same whose requirement moved because the parties changed (``all monitors`` with one fewer)."""
    for path, text in _quorum_texts(a):
        if _lookup(b, path) == text and _need(text, old) != _need(text, new):
            yield Change(path, text, text)


def _quorum_texts(d: dict[str, Any]) -> Iterator[tuple[PathT, str]]:
    for section, fieldname in sorted(QUORUM_FIELDS):
        node = d.get(section)
        if not isinstance(node, dict):
            continue
        if section in KEYED:
            for key, member in node.items():
                if isinstance(member, dict) and isinstance(member.get(fieldname), str):
                    yield (section, key, fieldname), member[fieldname]
        elif isinstance(node.get(fieldname), str):
            yield (section, fieldname), node[fieldname]


def _lookup(d: Any, path: PathT) -> Any:
    for part in path:
        d = d.get(part) if isinstance(d, dict) else None
    return d


def _need(text: str, pact: Pact) -> dict[Role, int]:
    """Votes a quorum needs per role, counting ``pact``'s parties."""
    return parse_quorum(text).required({"developer": len(pact.developers), "monitor": len(pact.monitors)})


def quorum_lowered(old_text: str, new_text: str, old: Pact, new: Pact) -> bool:
    """True when some role that ``old_text`` needs votes of needs fewer under ``new_text`` (each counted in its own pact)."""
    before, after = _need(old_text, old), _need(new_text, new)
    return any(after.get(role, 0) < n for role, n in before.items())


def _seconds(value: Any) -> int | None:
    return parse_duration(value) if isinstance(value, str) else None


class _Judge:
    """Decides whether a change weakens the agreement; one method per section (``_<section>``)."""

    def __init__(self, old: Pact, new: Pact) -> None:
        self.old, self.new = old, new

    def __call__(self, c: Change) -> Change:
        method: Callable[[Change], str | None] | None = getattr(self, f"_{c.path[0]}", None)
        why = method(c) if method is not None else None
        return Change(c.path, c.old, c.new, bool(why), why or "")

    # -- helpers --
    def _higher_level(self, a: Any, b: Any) -> bool:
        """True when level ``b`` is below level ``a`` (ranked in the new version, where both must be)."""
        levels = self.new.levels if a in self.new.levels and b in self.new.levels else self.old.levels
        return a in levels and b in levels and levels.index(b) < levels.index(a)

    def _lowered(self, c: Change) -> bool:
        if isinstance(c.old, str) and isinstance(c.new, str):
            return quorum_lowered(c.old, c.new, self.old, self.new)
        return c.old is not None and c.new is None

    @staticmethod
    def _longer(c: Change) -> bool:
        a, b = _seconds(c.old), _seconds(c.new)
        return a is not None and b is not None and b > a

    @staticmethod
    def _shorter(c: Change) -> bool:
        a, b = _seconds(c.old), _seconds(c.new)
        return (a is not None and b is not None and b < a) or (a is not None and a > 0 and b is None)

    # -- sections --
    def _effective(self, c: Change) -> str | None:
        return "more developers must sign before anyone is bound" if _num(c.new) > _num(c.old) else None

    def _parties(self, c: Change) -> str | None:
        if len(c.path) == 2 and c.new is None and isinstance(c.old, dict) and c.old.get("role") == "developer":
            return f"developer {c.path[1]} leaves: it is no longer bound"
        if c.path[2:] == ("role",) and c.old == "developer":
            return f"{c.path[1]} is no longer a developer: it is no longer bound"
        return None

    def _indicators(self, c: Change) -> str | None:
        if len(c.path) == 2:
            return f"{c.path[1]} is no longer reported" if c.new is None else None
        name = c.path[2]
        if name == "every" and self._longer(c):
            return "reports fall due less often"
        if name == "countersigned_by" and c.new is None:
            return "reports count without a monitor's countersignature"
        if name == "verdict_quorum" and self._lowered(c):
            return "fewer monitors' verdicts assess a sealed report"
        return None

    def _restrictions(self, c: Change) -> str | None:
        name = c.path[2] if len(c.path) > 2 else ""
        if name == "max_training_flop" and c.old is not None and (c.new is None or _num(c.new) > _num(c.old)):
            return f"larger training runs are allowed at {c.path[1]}"
        if name == "new_deployments" and c.old is False:
            return f"new deployments are allowed at {c.path[1]}"
        if name == "grace" and self._longer(c):
            return f"running jobs get longer to stop at {c.path[1]}"
        return None

    def _red_lines(self, c: Change) -> str | None:
        if len(c.path) == 2:
            if c.new is None:
                return "a red line is removed"
            return "its condition is replaced by one of another kind" if c.old is not None else None
        name = c.path[2]
        checks: dict[str, Callable[[], str | None]] = {
            "indicator": lambda: None if c.new is None else "it watches another indicator",
            "at_least": lambda: "the threshold is higher: harder to reach" if _num(c.new) > _num(c.old) else None,
            "at_most": lambda: "the threshold is lower: harder to reach" if _num(c.new) < _num(c.old) else None,
            "for": lambda: "it must hold longer before it raises" if c.old is None or self._longer(c) else None,
            "doubling_within": lambda: "only a faster doubling raises" if self._shorter(c) else None,
            "window": lambda: "fewer reports fit the window" if self._shorter(c) else None,
            "overdue": lambda: "a missing report raises later" if self._longer(c) else None,
            "raise": lambda: "it raises to a lower level" if self._higher_level(c.old, c.new) else None,
            "scope": lambda: "only the subject moves, not everyone" if c.new == "party" else None,
        }
        return checks[name]() if name in checks else None

    def _emergency(self, c: Change) -> str | None:
        if len(c.path) == 1:
            return "the emergency rule is removed" if c.new is None else None
        if c.path[1] == "raise" and self._higher_level(c.old, c.new):
            return "an emergency raises to a lower level"
        if c.path[1] == "approval" and isinstance(c.old, str) and isinstance(c.new, str) \
                and quorum_lowered(c.new, c.old, self.new, self.old):
            return "an emergency raise needs more approval"
        return None

    def _resumption(self, c: Change) -> str | None:
        if len(c.path) == 2:
            return f"a new way out of {c.path[1]}" if c.old is None and c.path[1] in self.old.levels else None
        name = c.path[2]
        if name == "to" and self._higher_level(c.old, c.new):
            return "the level drops further"
        if name == "approval" and self._lowered(c):
            return "fewer approvals resume"
        if name in ("min_duration", "timelock") and self._shorter(c):
            return f"the {'level' if name == 'min_duration' else 'drop'} can end sooner"
        if name == "clear" and c.old is True:
            return "no fresh evidence is needed to resume"
        if name == "attestations" and set(c.old or []) - set(c.new or []):
            return "fewer attestations are needed to resume"
        return None

    def _oversight(self, c: Change) -> str | None:
        name = c.path[1] if len(c.path) > 1 else ""
        if name in ("witness_quorum", "status_quorum") and _num(c.new) < _num(c.old):
            return "fewer monitors must sign"
        if name == "status_ttl" and self._longer(c):
            return "guards act on older statuses"
        if name == "verdict_within" and self._longer(c):
            return "monitors may judge sealed reports later"
        return None

    def _amendment(self, c: Change) -> str | None:
        name = c.path[1] if len(c.path) > 1 else ""
        if name in ("approval", "remove_approval") and self._lowered(c):
            return "fewer approvals change the pact"
        if name == "timelock" and self._shorter(c):
            return "monitors have less time to cancel an amendment"
        return None


def _num(value: Any) -> float:
    """A number for comparing; absent counts as 0 (only ever compared where both are numbers or a rule says so)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


__all__ = ["Change", "diff_pacts", "normal_form", "quorum_lowered", "render_path"]
