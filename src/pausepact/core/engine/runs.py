"""Training runs in the engine (contract section 6, Runs; clarified in v1.1 and v2).

``RunRules`` is the part of ``Engine`` that judges runs. A run is identified by (party, run).
Its flop is the largest ever declared for it (a ``start`` of an open run carries a flop like a
heartbeat). It is forbidden from the first moment its flop exceeds the ``max_training_flop``
binding its party; ``run-over-limit`` for a start whose flop is above the limit, or a heartbeat
more than ``grace`` after it became forbidden; ``run-not-stopped`` at forbidden + ``grace``
without a stop, naming the run's latest entry. A pass judges only the runs whose flop or limit
changed, or whose grace ends at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..bodies import RunBody
from ..durations import format_time
from ..pact import Pact
from ..statements import SignedStatement
from .model import Run


class RunRules:
    """The run rules of ``Engine`` (see the module docstring); state lives on the engine."""

    pact: Pact
    runs: dict[tuple[str, str], Run]
    dirty_runs: set[tuple[str, str]]
    grace_due: set[tuple[str, str]]
    run_order: int
    violations_h: Any
    timeline_h: Any

    if TYPE_CHECKING:  # provided by Engine and its other parts
        def own_level(self, dev: str) -> str: ...
        def _schedule(self, when: int, kind: str, key: Any) -> None: ...
        def _void(self, index: int, reason: str) -> None: ...

    def _limits_changed(self, devs: Iterable[str]) -> None:
        """The developers' own levels changed: their runs' limits must be looked at again."""
        devs = set(devs)
        if devs:
            self.dirty_runs.update(k for k, r in self.runs.items() if r.party in devs)

    def limit_for(self, dev: str) -> float | None:
        return self.pact.restriction(self.own_level(dev)).max_training_flop

    def _runs(self, m: int) -> None:
        # only runs whose flop or limit changed, or whose grace ends now, can move
        keys = self.dirty_runs | self.grace_due
        self.dirty_runs, self.grace_due = set(), set()
        for run in sorted((self.runs[k] for k in keys if k in self.runs), key=lambda r: r.order):
            limit = self.limit_for(run.party)
            if limit is not None and run.flop > limit:
                if run.forbidden_at is None:
                    run.forbidden_at = m
                    run.grace = self.pact.restriction(self.own_level(run.party)).grace
                    run.not_stopped_reported = False
                    self._schedule(m + run.grace, "grace", (run.party, run.run))
                if not run.not_stopped_reported and m >= run.forbidden_at + run.grace:
                    run.not_stopped_reported = True
                    self._violation(run.party, "run-not-stopped", run.run, run.last_index, run.forbidden_at + run.grace)
            else:
                run.forbidden_at = None

    def _violation(self, party: str, kind: str, run: str | None, index: int, at: int) -> None:
        v = {"party": party, "kind": kind, "run": run, "index": index, "at": format_time(at)}
        self.violations_h.append(v)
        self.timeline_h.append({"at": format_time(at), "event": "violation",
                                **{k: v[k] for k in ("party", "kind", "run", "index")}})

    def _on_run(self, index: int, ss: SignedStatement, body: RunBody) -> None:
        st, b = ss.statement, body
        key = (st.party, b.run)
        run = self.runs.get(key)
        flop = b.flop
        if b.event == "start":
            if run is None:
                self.run_order += 1
                run = Run(st.party, b.run, flop, index, index, st.t, order=self.run_order)
                self.runs[key] = run
            else:  # a start of an open run carries its flop like a heartbeat (v1.1)
                run.last_index = index
                run.flop = max(run.flop, flop)
            self.dirty_runs.add(key)
            limit = self.limit_for(st.party)
            # the declaration itself is judged: a start declaring more than the limit is always on record
            if limit is not None and flop > limit:
                self._violation(st.party, "run-over-limit", b.run, index, st.t)
            return
        if run is None:
            self._void(index, f"{b.event} of run {b.run!r}, which is not open")
            return
        run.last_index = index
        if b.event == "stop":
            del self.runs[key]
            return
        # a run's declared size is a commitment: it never decreases (v2), so a lower heartbeat escapes nothing
        run.flop = max(run.flop, flop)
        self.dirty_runs.add(key)
        if run.forbidden_at is not None and st.t > run.forbidden_at + run.grace:
            self._violation(st.party, "run-over-limit", b.run, index, st.t)
