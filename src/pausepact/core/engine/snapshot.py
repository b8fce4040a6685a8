"""The engine's state as bytes, and back: restarts that need not replay the whole log.

``dump(engine)`` is canonical JSON (RFC 8785) of every field the engine's rules
read, tagged with a format version, the pact and its digest and ``tree_size``
(the number of log entries applied). ``load(pact, data)`` rebuilds an engine that
behaves exactly as the one dumped: applying the rest of the log to it gives a
state byte-identical to a full replay. ``load`` raises ValueError, naming the
problem, on anything else: bytes that are not this format, another version,
another pact, or values of the wrong type or that name nothing in the pact.

Mappings whose order the rules depend on (who signed first, proposals in the
order they were made) are written as lists, since canonical JSON sorts members.
"""

from __future__ import annotations

import base64
from typing import Any

from ..canonical import JsonError, canonical, strict_loads
from ..pact import Pact
from ..pactfile import parse_pact
from ..quorum import parse_quorum
from ..sequence import Sequencer
from .evidence import Report
from .history import Chronicle
from .machine import Engine
from .model import PendingReport, Proposal, Run, Scope
from .sealed import SealedReport, Verdict
from .versions import Version, _keyid_of

FORMAT = "pausepact-engine-snapshot"
VERSION = 2  # 2: v2 sealed reports and versions (contract sections 8 and 9)
_NEVER = -(2**62)  # Sequencer's "no time yet": beyond JSON's exact integers, so written as null


def dump(engine: Engine) -> bytes:
    """Canonical JSON of ``engine``'s whole state (live and history); versioned, naming the pact, its digest and size.

    ``load(pact, data)`` gives back an engine that behaves as this one: applying the entries from ``size`` on
    gives states byte-identical to a full replay. A view (``Engine.view``) has no snapshot: ValueError.
    """
    if engine.is_view:
        raise ValueError("a view of the engine has no snapshot; snapshot the engine")
    e = engine
    seq = e.seq
    state = {
        "seq": {"last_seq": sorted([k, v] for k, v in seq.last_seq.items()),
                "last_time": None if seq.last_time == _NEVER else seq.last_time,
                "floor": None if seq.floor == _NEVER else seq.floor},
        "clock": e.clock, "pending": e.pending, "last_time": e.last_time,
        "signed": [[d, t] for d, t in e.signed.items()],
        "monitor_signed": [[d, t] for d, t in e.monitor_signed.items()],
        "in_force_at": e.in_force_at,
        "coord": _scope(e.coord),
        "party_scope": [[d, *_scope(sc)] for d, sc in e.party_scope.items()],
        "own_since": [[d, t] for d, t in e.own_since.items()],
        "cutoff": [[d, rl, t] for (d, rl), t in e.cutoff.items()],
        "series": [[s, i, [_report(r) for r in reports]] for (s, i), reports in e.series.items()],
        "pruned_len": [[s, i, n] for (s, i), n in e._pruned_len.items()],
        "countersignable": [[k, p.subject, p.indicator, p.author, p.time, p.index, p.value, p.counted]
                            for k, p in e.countersignable.items()],
        "attests": [[d, c, lv, t] for (d, c, lv), t in e.attests.items()],
        "open": [_proposal(p) for p in e.open.values()],
        "closed": [_proposal(p) for p in e.closed],
        "runs": [[r.party, r.run, r.flop, r.start_index, r.last_index, r.started_at, r.forbidden_at, r.grace,
                  r.not_stopped_reported, r.order] for r in e.runs.values()],
        "run_order": e.run_order,
        "agenda": [[when, n, kind, list(key) if isinstance(key, tuple) else key] for when, n, kind, key in e.agenda],
        "agenda_n": e._agenda_n,
        "approved": sorted(e.approved), "defeatable": sorted(e.defeatable), "expiring": sorted(e.expiring),
        "queued": sorted(e.queued),
        "dirty_runs": sorted([list(k) for k in e.dirty_runs]), "grace_due": sorted([list(k) for k in e.grace_due]),
        "reasons": list(e.reasons_h), "violations": list(e.violations_h), "void": list(e.void_h),
        "rejected": list(e.rejected_h), "timeline": list(e.timeline_h),
        "sealed": [_sealed(r) for r in e.sealed.values()],
        "duty": [[s, i, [_report(r) for r in reports]] for (s, i), reports in e.duty.items()],
        "assessed_now": [list(x) for x in e.assessed_now],
        "sealed_unsettled": sorted(e.sealed_unsettled),
        "disputes": list(e.disputes_l),
        "versions": [[v.version, v.digest, v.since, v.index, None if v.text is None else base64.b64encode(v.text).decode()]
                     for v in e.versions],
        "revoked": list(e.revoked_l),
        "indicator_since": sorted([k, t] for k, t in e.indicator_since.items()),
    }
    # named by the chain's first version: a reader restores from the pact it started with (section 9)
    return canonical({"format": FORMAT, "version": VERSION, "pact": e.pact.pact, "pact_digest": e.versions[0].digest,
                      "tree_size": e.size, "state": state})


def load(pact: Pact, data: bytes) -> Engine:
    """The engine ``data`` was dumped from, for ``pact``; ValueError on any mismatch or malformed data."""
    try:
        doc = strict_loads(data)
    except JsonError as e:
        raise ValueError(f"engine snapshot: not JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"engine snapshot: not a {FORMAT}")
    if doc.get("version") != VERSION:
        raise ValueError(f"engine snapshot: version {doc.get('version')!r}; this engine reads version {VERSION}")
    if doc.get("pact") != pact.pact or doc.get("pact_digest") != pact.digest:
        raise ValueError(f"engine snapshot: made for pact {doc.get('pact')!r} with digest {doc.get('pact_digest')!r}, "
                         f"not {pact.pact!r} with digest {pact.digest!r}")
    engine = Engine(pact)
    try:
        _restore_versions(engine, _list(_dict(doc["state"])["versions"]))
        _restore(engine, _int(doc["tree_size"]), _dict(doc["state"]))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise ValueError(f"engine snapshot: malformed state ({type(e).__name__}: {e})") from None
    if dump(engine) != bytes(data):
        # every value must be exactly what a dump writes: nothing extra, nothing of another type
        raise ValueError("engine snapshot: malformed state (not the canonical form of an engine state)")
    return engine


def _report(r: Report) -> list[Any]:
    if r.words is None:
        return [r.time, r.index, r.value, r.author]
    return [r.time, r.index, None, r.author, [list(w) for w in r.words]]  # a sealed report has no value


def _read_report(x: Any) -> Report:
    row = _list(x)
    if len(row) == 4:
        t, i, v, a = row
        return Report(_int(t), _int(i), _num(v), _str(a))
    t, i, v, a, words = row
    if v is not None:
        raise ValueError("a sealed report in a series carries no value")
    return Report(_int(t), _int(i), float("nan"), _str(a), words=tuple((_str(k), _str(w)) for k, w in map(_list, _list(words))))


def _sealed(r: SealedReport) -> dict[str, Any]:
    return {"index": r.index, "digest": r.digest, "author": r.author, "by_developer": r.by_developer,
            "subject": r.subject, "indicator": r.indicator, "time": r.time, "measured_at": r.measured_at,
            "commitment": r.commitment, "judges": list(r.judges), "quorum": r.quorum, "verdict_within": r.verdict_within,
            "windows": [[k, list(v)] for k, v in r.windows.items()],
            "verdicts": [[j, v.index, v.time, v.opened, sorted([k, w] for k, w in v.words.items()), v.after_share]
                         for j, v in r.verdicts.items()],
            "judged": list(r.judged), "shares": sorted([a, b] for a, b in r.shares), "state": r.state,
            "agreed": None if r.agreed is None else sorted([k, w] for k, w in r.agreed.items()),
            "assessed_at": r.assessed_at, "final": r.final, "value": r.value}


def _read_sealed(pact: Pact, x: Any) -> SealedReport:
    d = _dict(x)
    rec = SealedReport(
        _int(d["index"]), _str(d["digest"]), _str(d["author"]), _bool(d["by_developer"]), _str(d["subject"]),
        _one_of(d["indicator"], pact.indicators, "indicator"), _int(d["time"]), _str(d["measured_at"]),
        _str(d["commitment"]), tuple(_one_of(j, pact.monitors, "monitor") for j in _list(d["judges"])),
        _int(d["quorum"]), _int(d["verdict_within"]),
        windows={_str(k): tuple(_str(v) for v in _list(vs)) for k, vs in map(_list, _list(d["windows"]))},
        verdicts={_str(j): Verdict(_int(i), _int(t), _bool(o), {_str(k): _str(w) for k, w in map(_list, _list(ws))}, _bool(a))
                  for j, i, t, o, ws, a in map(_list, _list(d["verdicts"]))},
        judged=[_str(j) for j in _list(d["judged"])], shares={(_str(a), _str(b)) for a, b in map(_list, _list(d["shares"]))},
        state=_one_of(d["state"], ("pending", "assessed", "unopenable", "disputed"), "state"),
        agreed=None if d["agreed"] is None else {_str(k): _str(w) for k, w in map(_list, _list(d["agreed"]))},
        assessed_at=_opt_int(d["assessed_at"]), final=_bool(d["final"]),
        value=None if d["value"] is None else _num(d["value"]))
    return rec


def _scope(sc: Scope) -> list[Any]:
    return [sc.level, sc.since, sc.raised_at]


def _restore_versions(e: Engine, rows: list[Any]) -> None:
    """The chain of versions first: the rest of the state is read against the version in force."""
    first = _list(rows[0])
    if first[1] != e.pact.digest or first[2] is not None or first[3] is not None or first[4] is not None:
        raise ValueError("the first version is not the pact given")
    for row in rows[1:]:
        version, digest, since, index, text = _list(row)
        raw = base64.b64decode(_str(text), validate=True)
        new, _ = parse_pact(raw)
        if new is None or new.digest != _str(digest) or new.version != _int(version):
            raise ValueError(f"version {version!r} of the chain is not the text it names")
        e.versions.append(Version(new.version, new.digest, _int(since), _int(index), new, raw))
    e.pact = e.versions[-1].pact
    e.rank = {lv: i for i, lv in enumerate(e.pact.levels)}
    e.developers, e.monitors = e.pact.developers, e.pact.monitors
    e._red_line_rank = {rl.id: e.rank[rl.raise_] for rl in e.pact.red_lines}


def _proposal(p: Proposal) -> dict[str, Any]:
    return {"id": p.id, "action": p.action, "level": p.level, "party": p.party, "proposer": p.proposer,
            "index": p.index, "made_at": p.made_at, "state": p.state, "yes": list(p.yes), "no": list(p.no),
            "queued_at": p.queued_at, "executes_at": p.executes_at, "closed_at": p.closed_at,
            "closed_by": p.closed_by, "last_index": p.last_index,
            "text": None if p.text is None else base64.b64encode(p.text).decode(),
            "quorum": None if p.quorum is None else str(p.quorum), "cancels": list(p.cancels)}


# ---------------------------------------------------------------------- reading, type by type

def _int(x: Any) -> int:
    if type(x) is not int:
        raise TypeError(f"expected an integer, got {x!r}")
    return x


def _opt_int(x: Any) -> int | None:
    return None if x is None else _int(x)


def _num(x: Any) -> float:
    if type(x) not in (int, float):
        raise TypeError(f"expected a number, got {x!r}")
    return float(x)


def _str(x: Any) -> str:
    if not isinstance(x, str):
        raise TypeError(f"expected a string, got {x!r}")
    return x


def _opt_str(x: Any) -> str | None:
    return None if x is None else _str(x)


def _bool(x: Any) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"expected true or false, got {x!r}")
    return x


def _list(x: Any) -> list[Any]:
    if not isinstance(x, list):
        raise TypeError(f"expected a list, got {type(x).__name__}")
    return x


def _dict(x: Any) -> dict[str, Any]:
    if not isinstance(x, dict):
        raise TypeError(f"expected an object, got {type(x).__name__}")
    return x


def _one_of(x: Any, names: Any, what: str) -> str:
    name = _str(x)
    if name not in names:
        raise ValueError(f"{what} {name!r} is not in the pact")
    return name


def _restore(e: Engine, size: int, s: dict[str, Any]) -> None:
    pact = e.pact
    devs, levels = pact.developers, pact.levels
    e.size = size
    seq = _dict(s["seq"])
    e.seq = Sequencer({_str(k): _int(v) for k, v in map(_list, _list(seq["last_seq"]))},
                      _NEVER if seq["last_time"] is None else _int(seq["last_time"]),
                      _NEVER if seq["floor"] is None else _int(seq["floor"]))
    e.clock, e.pending, e.last_time = _opt_int(s["clock"]), _bool(s["pending"]), _opt_int(s["last_time"])
    e.signed = {_one_of(d, devs, "developer"): _int(t) for d, t in map(_list, _list(s["signed"]))}
    e.monitor_signed = {_one_of(d, pact.monitors, "monitor"): _int(t) for d, t in map(_list, _list(s["monitor_signed"]))}
    e.in_force_at = _opt_int(s["in_force_at"])

    def scope(x: Any) -> Scope:
        level, since, raised_at = _list(x)
        return Scope(_one_of(level, levels, "level"), _opt_int(since), _opt_int(raised_at))

    e.coord = scope(s["coord"])
    e.party_scope = {_one_of(row[0], devs, "developer"): scope(row[1:]) for row in map(_list, _list(s["party_scope"]))}
    e.own_since = {_one_of(d, devs, "developer"): _opt_int(t) for d, t in map(_list, _list(s["own_since"]))}
    if set(e.party_scope) != set(devs) or set(e.own_since) != set(devs):
        raise ValueError("every developer of the pact needs a party scope")
    red_lines = {rl.id for rl in pact.red_lines}
    e.cutoff = {(_one_of(d, devs, "developer"), _one_of(rl, red_lines, "red line")): _int(t)
                for d, rl, t in map(_list, _list(s["cutoff"]))}
    e.series = {(_str(subj), _one_of(ind, pact.indicators, "indicator")): [_read_report(r) for r in _list(reports)]
                for subj, ind, reports in map(_list, _list(s["series"]))}
    e._pruned_len = {(_str(subj), _str(ind)): _int(n) for subj, ind, n in map(_list, _list(s["pruned_len"]))}
    e.countersignable = {_str(k): PendingReport(_str(subj), _one_of(ind, pact.indicators, "indicator"), _str(a), _int(t),
                                                _int(i), _num(v), _bool(c))
                         for k, subj, ind, a, t, i, v, c in map(_list, _list(s["countersignable"]))}
    e.attests = {(_str(d), _str(c), _str(lv)): _int(t) for d, c, lv, t in map(_list, _list(s["attests"]))}
    e.open = {p.id: p for p in (_read_proposal(pact, x) for x in _list(s["open"]))}
    e.closed = Chronicle([_read_proposal(pact, x) for x in _list(s["closed"])], key=lambda p: p.id)
    runs = [Run(_str(party), _str(run), _num(flop), _int(si), _int(li), _int(sa), _opt_int(fa), _int(g), _bool(nsr), _int(o))
            for party, run, flop, si, li, sa, fa, g, nsr, o in map(_list, _list(s["runs"]))]
    e.runs = {(r.party, r.run): r for r in runs}
    e.run_order = _int(s["run_order"])
    e.agenda = []
    for when, n, kind, key in map(_list, _list(s["agenda"])):
        if _str(kind) == "grace":
            party, run = _list(key)
            e.agenda.append((_int(when), _int(n), kind, (_str(party), _str(run))))
        elif kind in ("expire", "exec", "wake", "sealed"):
            e.agenda.append((_int(when), _int(n), kind, _str(key)))
        else:
            raise ValueError(f"agenda item of unknown kind {kind!r}")
    # the dump kept the heap's list order; make sure it is one (and that its items never tie)
    if len({item[1] for item in e.agenda}) != len(e.agenda):
        raise ValueError("agenda items tie")
    if any(e.agenda[(i - 1) // 2] > e.agenda[i] for i in range(1, len(e.agenda))):
        raise ValueError("the agenda is not in heap order")
    e._agenda_n = _int(s["agenda_n"])
    e.approved, e.defeatable = {_str(x) for x in _list(s["approved"])}, {_str(x) for x in _list(s["defeatable"])}
    e.expiring, e.queued = {_str(x) for x in _list(s["expiring"])}, {_str(x) for x in _list(s["queued"])}
    if not (e.approved | e.defeatable | e.expiring | e.queued) <= set(e.open):
        raise ValueError("a proposal named as live is not open")
    e.dirty_runs = {(_str(a), _str(b)) for a, b in map(_list, _list(s["dirty_runs"]))}
    e.grace_due = {(_str(a), _str(b)) for a, b in map(_list, _list(s["grace_due"]))}
    for name in ("reasons", "violations", "void", "rejected", "timeline"):
        setattr(e, name + "_h", Chronicle([_dict(x) for x in _list(s[name])]))
    records = [_read_sealed(pact, x) for x in _list(s["sealed"])]
    e.sealed = {r.digest: r for r in records}
    e.commitments = {r.commitment for r in records}  # every counted sealed report's, and only those
    e.sealed_series = {}
    for r in records:
        e.sealed_series.setdefault((r.subject, r.indicator), []).append(r.digest)
    e.duty = {(_str(subj), _one_of(ind, pact.indicators, "indicator")): [_read_report(r) for r in _list(reports)]
              for subj, ind, reports in map(_list, _list(s["duty"]))}
    e.assessed_now = [(_str(a), _str(b), _int(c), _int(d)) for a, b, c, d in map(_list, _list(s["assessed_now"]))]
    e.sealed_unsettled = {_str(x) for x in _list(s["sealed_unsettled"])}
    if not e.sealed_unsettled <= set(e.sealed):
        raise ValueError("a sealed report named as unsettled is unknown")
    e.disputes_l = [_dict(x) for x in _list(s["disputes"])]
    e.revoked_l = [_dict(x) for x in _list(s["revoked"])]
    e.revoked_keys = {_str(r["key"]) for r in e.revoked_l}
    e.revoked_ids = {_keyid_of(k) for k in e.revoked_keys if k.startswith("ed25519:")}
    e.indicator_since = {_str(k): _int(t) for k, t in map(_list, _list(s["indicator_since"]))}


def _read_proposal(pact: Pact, x: Any) -> Proposal:
    d = _dict(x)
    action = _one_of(d["action"], ("raise", "resume", "amend"), "action")
    if action == "amend":
        text = base64.b64decode(_str(d["text"]), validate=True)
        new, _ = parse_pact(text)
        if new is None:
            raise ValueError(f"amend proposal {d['id']!r} carries no valid pact")
        return Proposal(_str(d["id"]), action, "", None, _str(d["proposer"]), _int(d["index"]), _int(d["made_at"]),
                        state=_one_of(d["state"], ("active", "queued", "executed", "cancelled", "defeated", "expired"), "state"),
                        yes=[_str(v) for v in _list(d["yes"])], no=[_str(v) for v in _list(d["no"])],
                        queued_at=_opt_int(d["queued_at"]), executes_at=_opt_int(d["executes_at"]),
                        closed_at=_opt_int(d["closed_at"]), closed_by=_opt_str(d["closed_by"]),
                        last_index=_int(d["last_index"]), text=text, new_pact=new, quorum=parse_quorum(_str(d["quorum"])),
                        cancels=[_str(v) for v in _list(d["cancels"])])
    level = _one_of(d["level"], pact.levels, "level")
    if action == "resume" and level not in pact.resumption:
        raise ValueError(f"resume of level {level!r}, which has no resumption rule")
    if action == "raise" and pact.emergency is None:
        raise ValueError("a raise proposal, but the pact has no emergency raise")
    party = d["party"]
    return Proposal(_str(d["id"]), action, level, None if party is None else _one_of(party, pact.developers, "developer"),
                    _str(d["proposer"]), _int(d["index"]), _int(d["made_at"]),
                    state=_one_of(d["state"], ("active", "queued", "executed", "cancelled", "defeated", "expired"), "state"),
                    yes=[_str(v) for v in _list(d["yes"])], no=[_str(v) for v in _list(d["no"])],
                    queued_at=_opt_int(d["queued_at"]), executes_at=_opt_int(d["executes_at"]),
                    closed_at=_opt_int(d["closed_at"]), closed_by=_opt_str(d["closed_by"]), last_index=_int(d["last_index"]))
