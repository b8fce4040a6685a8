"""Reading a pact file: strict YAML, the schema, then the negotiator's lint.

``parse_pact(data)`` returns the ``Pact`` (or None) and every problem found, each
pointing at the YAML node it is about. Errors make the pact unusable; warnings
flag legal but suspicious choices. Rules checked beyond the schema:

- exactly one ``log`` party; no duplicate party ids, keys, levels or red line ids;
  every key a canonical Ed25519 public key (a point on the curve);
- every indicator and level referenced exists; ``resumption.X.to`` is below X;
  no resumption out of the resting level; every level that can be raised has a
  resumption path back down to the resting level;
- every quorum reachable with the listed parties, and voted by monitors (only
  monitors may vote); ``effective.min_developers`` <= developers;
  ``witness_quorum``/``status_quorum`` more than half of the monitors and at
  most all of them;
- a red line states one condition; ``doubling_within`` comes with ``window``;
  ``for`` only with ``at_least``/``at_most``; somebody may report its indicator
  (and countersign it, if required).

- durations (contract P6): longer than zero where zero is meaningless, at most
  3650 days (checked by the schema in ``core.pact``).

Warnings: the top level without ``max_training_flop``; a ``status_ttl`` over one
day; text holding control characters (ESC, DEL, C1, bidirectional overrides); a red line on a
self-reported indicator that nobody countersigns; a red line raising to the
resting level; a higher level that allows more compute than a lower one; a
resumption without ``clear`` from a level that red lines raise to.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from .diagnostics import Diagnostic, Severity
from .durations import DurationError, parse_duration
from .keys import KeyFormatError, parse_public_key
from .pact import MAX_DURATION, Pact, pact_digest
from .quorum import QuorumError, parse_quorum
from .yamldoc import Path, Positions, YamlDocError, load_document


class _Report:
    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.items: list[Diagnostic] = []

    def at(self, path: Path, key: bool = False) -> tuple[int, int]:
        if key and path + ("@key",) in self.positions:
            return self.positions[path + ("@key",)]
        p = path
        while p not in self.positions and p:
            p = p[:-1]
        return self.positions.get(p, (1, 1))

    def add(self, path: Path, message: str, severity: Severity = "error", key: bool = False) -> None:
        self.items.append(Diagnostic(*self.at(path, key), severity, message))

    def warn(self, path: Path, message: str) -> None:
        self.add(path, message, "warning")


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _schema_errors(report: _Report, error: ValidationError) -> None:
    for err in error.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind = err["type"]
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            report.add(loc, f"{_dotted(loc[:-1])}: invalid name {loc[-1]!r}: {err['msg']}", key=True)
            continue
        where = _dotted(loc)
        if kind == "missing":
            report.add(loc[:-1], f"{_dotted(loc[:-1])}: missing required field {loc[-1]!r}")
        elif kind == "extra_forbidden":
            report.add(loc, f"{_dotted(loc[:-1])}: unknown field {str(loc[-1])!r}", key=True)
        elif kind in ("value_error", "assertion_error"):
            msg = str(err["msg"]).removeprefix("Value error, ")
            report.add(loc, f"{where}: {msg}")
        else:
            got = err.get("input")
            shown = _short(got) if not isinstance(got, (dict, list)) else type(got).__name__
            report.add(loc, f"{where}: {err['msg'].lower()} (got {shown})")


def _short(value: Any, limit: int = 60) -> str:
    """``repr`` of a value from the file, cut short: a hostile draft must not make a line of a megabyte."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _as_dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _lint(doc: dict[str, Any], r: _Report) -> None:
    """Semantic checks on the raw document, tolerant of schema errors reported elsewhere."""
    parties = [p for p in _as_list(doc.get("parties")) if isinstance(p, dict)]
    roles: dict[str, str] = {}
    seen_ids: dict[str, int] = {}
    seen_keys: dict[str, str] = {}
    for i, p in enumerate(_as_list(doc.get("parties"))):
        if not isinstance(p, dict):
            continue
        pid, role = p.get("id"), p.get("role")
        if isinstance(pid, str):
            if pid in seen_ids:
                r.add(("parties", i, "id"), f"duplicate party id {pid!r} (also parties[{seen_ids[pid]}])")
            else:
                seen_ids[pid] = i
                if isinstance(role, str):
                    roles[pid] = role
        for j, k in enumerate(_as_list(p.get("keys"))):
            if not isinstance(k, str):
                continue
            try:
                parse_public_key(k)
            except KeyFormatError as e:
                r.add(("parties", i, "keys", j), str(e))
                continue
            if k in seen_keys:
                r.add(("parties", i, "keys", j), f"duplicate key: already listed for party {seen_keys[k]!r}; a key must identify one signer")
            else:
                seen_keys[k] = str(pid)
    developers = [pid for pid, role in roles.items() if role == "developer"]
    monitors = [pid for pid, role in roles.items() if role == "monitor"]
    population = {"developer": len(developers), "monitor": len(monitors)}
    log_parties = [pid for pid, role in roles.items() if role == "log"]
    if parties and len(log_parties) != 1:
        r.add(("parties",), f"exactly one party must have role 'log' (its key signs checkpoints); found {len(log_parties)}")

    levels_raw = _as_list(doc.get("levels"))
    levels: list[str] = []
    for i, lv in enumerate(levels_raw):
        if isinstance(lv, str):
            if lv in levels:
                r.add(("levels", i), f"duplicate level {lv!r}")
            else:
                levels.append(lv)
    rank = {lv: i for i, lv in enumerate(levels)}
    indicators = _as_dict(doc.get("indicators"))

    def level_ref(path: Path, value: Any) -> str | None:
        if isinstance(value, str) and levels:
            if value not in rank:
                r.add(path, f"unknown level {value!r}; levels are {', '.join(levels)}{_suggest(value, levels)}")
                return None
            return value
        return None

    eff = _as_dict(doc.get("effective")).get("min_developers")
    if isinstance(eff, int) and not isinstance(eff, bool) and parties and eff > len(developers):
        r.add(("effective", "min_developers"), f"min_developers is {eff} but the pact lists only {len(developers)} developer(s): it could never come into force")

    for name, ind in indicators.items():
        if not isinstance(ind, dict):
            continue
        by = ind.get("reported_by")
        if by in ("developer", "monitor") and parties and population[by] == 0:
            r.add(("indicators", name, "reported_by"), f"indicator {name!r} is reported by a {by} but the pact lists no {by}s")
        if ind.get("countersigned_by") == "monitor" and parties:
            needed = 2 if by == "monitor" else 1
            if len(monitors) < needed:
                r.add(("indicators", name, "countersigned_by"), f"indicator {name!r} needs a countersignature by a monitor other than its author, but the pact lists {len(monitors)} monitor(s)")

    raised: set[str] = set()
    red_line_levels: set[str] = set()
    seen_rl: dict[str, int] = {}
    for i, rl in enumerate(_as_list(doc.get("red_lines"))):
        if not isinstance(rl, dict):
            continue
        base: Path = ("red_lines", i)
        rid = rl.get("id")
        if isinstance(rid, str):
            if rid in seen_rl:
                r.add(base + ("id",), f"duplicate red line id {rid!r} (also red_lines[{seen_rl[rid]}])")
            else:
                seen_rl[rid] = i
        label = f"red line {rid!r}" if isinstance(rid, str) else f"red_lines[{i}]"
        conditions = [c for c in ("at_least", "at_most", "doubling_within", "overdue") if c in rl]
        if len(conditions) > 1:
            r.add(base + (conditions[1],), f"{label} states {' and '.join(conditions)}: a red line has exactly one condition", key=True)
        elif not conditions:
            r.add(base, f"{label} has no condition: add at_least, at_most, doubling_within (with window) or overdue")
        if "doubling_within" in rl and "window" not in rl:
            r.add(base + ("doubling_within",), f"{label}: doubling_within needs a window (the span of reports the doubling time is fitted over)", key=True)
        if "window" in rl and "doubling_within" not in rl:
            r.add(base + ("window",), f"{label}: window only applies to doubling_within", key=True)
        if "for" in rl and not ({"at_least", "at_most"} & set(rl)):
            r.add(base + ("for",), f"{label}: 'for' only applies to at_least / at_most", key=True)
        ind_name = rl.get("indicator")
        if isinstance(ind_name, str) and isinstance(doc.get("indicators"), dict):
            if ind_name not in indicators:
                r.add(base + ("indicator",), f"{label}: unknown indicator {ind_name!r}{_suggest(ind_name, indicators)}")
            else:
                ind = _as_dict(indicators[ind_name])
                by = ind.get("reported_by")
                if by == "developer" and "countersigned_by" not in ind and "overdue" not in rl:
                    r.warn(base + ("indicator",), f"{label} rests on {ind_name!r}, which developers report about themselves and nobody countersigns; consider countersigned_by: monitor")
        elif "indicator" not in rl and "overdue" not in rl and conditions:
            r.add(base, f"{label}: an {conditions[0]} red line needs an indicator")
        lv = level_ref(base + ("raise",), rl.get("raise"))
        if lv is not None:
            raised.add(lv)
            red_line_levels.add(lv)
            if rank[lv] == 0:
                r.warn(base + ("raise",), f"{label} raises to {lv!r}, the resting level: it can never have an effect")

    for lv_name in _as_dict(doc.get("restrictions")):
        level_ref(("restrictions", lv_name), lv_name)

    def check_quorum(path: Path, text: Any, votes_only: bool = True) -> None:
        if not isinstance(text, str) or not parties:
            return
        try:
            q = parse_quorum(text)
        except QuorumError:
            return  # the schema check reports it
        for c in q.clauses:
            pop = population[c.role]
            need = c.required(pop)
            if votes_only and c.role == "developer":
                r.add(path, f"quorum {text!r} counts developers, but only monitors vote: it can never be met")
            elif pop == 0:
                r.add(path, f"quorum {text!r} counts {c.role}s but the pact lists none: it can never be met")
            elif need > pop:
                r.add(path, f"quorum {text!r} needs {need} {c.role}s but the pact lists only {pop}: it can never be met")

    emergency = _as_dict(doc.get("emergency"))
    if emergency:
        lv = level_ref(("emergency", "raise"), emergency.get("raise"))
        if lv is not None:
            raised.add(lv)
        check_quorum(("emergency", "approval"), emergency.get("approval"))
    amendment = _as_dict(doc.get("amendment"))
    if amendment:
        # amendments are approved by votes and signatures alike in a later version: only reachability
        check_quorum(("amendment", "approval"), amendment.get("approval"), votes_only=False)

    down: dict[str, str] = {}
    resumption = _as_dict(doc.get("resumption"))
    for lv_name, rule in resumption.items():
        path: Path = ("resumption", lv_name)
        src = level_ref(path, lv_name)
        if not isinstance(rule, dict):
            continue
        dst = level_ref(path + ("to",), rule.get("to"))
        check_quorum(path + ("approval",), rule.get("approval"))
        if src is None or dst is None:
            continue
        if rank[src] == 0:
            r.add(path, f"resumption.{src}: {src!r} is the resting level; there is nothing to resume from", key=True)
        elif rank[dst] >= rank[src]:
            r.add(path + ("to",), f"resumption.{src}.to is {dst!r}, which is not below {src!r}: a resumption must lower the level")
        else:
            down[src] = dst
            if src in red_line_levels and rule.get("clear") is not True:
                r.warn(path, f"resumption.{src} does not require clear: a level raised by red lines could resume while the evidence still holds")
        if rule.get("attestations") and not developers:
            r.add(path + ("attestations",), f"resumption.{src} requires attestations but the pact lists no developers")

    if levels:
        for lv in sorted(raised, key=lambda x: rank[x]):
            if rank[lv] == 0:
                continue
            seen = {lv}
            cur = lv
            while cur in down and down[cur] not in seen:
                cur = down[cur]
                seen.add(cur)
            if rank.get(cur, 1) != 0:
                where: Path = ("resumption", lv) if lv in resumption else ("resumption",) if resumption else ("levels",)
                r.add(where, f"level {lv!r} can be raised but has no resumption path back to {levels[0]!r} (stops at {cur!r}): add resumption.{cur}", key=lv in resumption)

        restrictions = _as_dict(doc.get("restrictions"))
        top = levels[-1]
        if len(levels) > 1 and "max_training_flop" not in _as_dict(restrictions.get(top)):
            r.warn(("restrictions", top) if top in restrictions else ("levels", len(levels_raw) - 1), f"the top level {top!r} sets no max_training_flop: it does not limit training")
        prev: tuple[str, float] | None = None
        for lv in levels:
            flop = _as_dict(restrictions.get(lv)).get("max_training_flop")
            if isinstance(flop, (int, float)) and not isinstance(flop, bool):
                if prev is not None and flop > prev[1]:
                    r.warn(("restrictions", lv, "max_training_flop"), f"level {lv!r} allows more training compute ({flop:g}) than the lower level {prev[0]!r} ({prev[1]:g})")
                prev = (lv, float(flop))

    oversight = _as_dict(doc.get("oversight"))
    for field in ("witness_quorum", "status_quorum"):
        n = oversight.get(field)
        if isinstance(n, int) and not isinstance(n, bool) and parties:
            if n > len(monitors):
                r.add(("oversight", field), f"{field} is {n} but the pact lists only {len(monitors)} monitor(s)")
            elif 2 * n <= len(monitors):
                r.add(("oversight", field), f"{field} must be more than half of the {len(monitors)} monitors (at least {len(monitors) // 2 + 1}); {n} lets a minority vouch alone")
    ttl = _seconds(oversight.get("status_ttl"))
    if ttl is not None and 86400 < ttl <= MAX_DURATION:
        r.warn(("oversight", "status_ttl"), f"status_ttl is {oversight['status_ttl']}, more than 1 day: statuses that rarely expire defeat fail-closed (a guard keeps a run going on its last status until it expires)")
    _control_characters(doc, (), r)


def _seconds(value: Any) -> int | None:
    """A duration's seconds, or None when it is malformed (the schema check reports that)."""
    try:
        return parse_duration(value) if isinstance(value, str) else None
    except DurationError:
        return None


# C0 controls other than tab and newline, DEL, C1 controls (ESC [ and CSI move terminals' cursors,
# recolour or hide text) and the bidirectional overrides that reorder what a reader sees
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _control_characters(value: Any, path: Path, r: _Report) -> None:
    """Warn at every text holding a control character: a pact is read by people, on terminals."""
    if isinstance(value, str):
        m = _CONTROL.search(value)
        if m is not None:
            r.warn(path, f"{_dotted(path)}: text contains the control character U+{ord(m.group()):04X}; "
                         "it can hide or disguise what the pact says when printed")
    elif isinstance(value, dict):
        for k, v in value.items():
            _control_characters(k, path + (k,), r)
            _control_characters(v, path + (k,), r)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _control_characters(v, path + (i,), r)


def parse_pact(data: bytes) -> tuple[Pact | None, list[Diagnostic]]:
    """Validate a pact file's bytes.

    Returns ``(pact, diagnostics)``: ``pact`` is None whenever any diagnostic is
    an error. Diagnostics are sorted by position; nothing here raises on bad input.
    """
    try:
        doc, positions = load_document(data)
    except YamlDocError as e:
        return None, e.diagnostics
    report = _Report(positions)
    pact: Pact | None = None
    try:
        pact = Pact.model_validate(doc)
    except ValidationError as e:
        _schema_errors(report, e)
    _lint(doc, report)
    items = sorted(set(report.items))
    if any(d.severity == "error" for d in items):
        return None, items
    assert pact is not None
    return pact.model_copy(update={"digest": pact_digest(data)}), items


def severity_counts(items: list[Diagnostic]) -> Counter[str]:
    return Counter(d.severity for d in items)
