"""The driver's own replay of the rehearsal's log: what the engine will do by time alone, which version of
the pact a statement must name, and which monitors still owe a verdict on a sealed report.

It is the engine every component runs (``core.engine.Engine``), fed the log's entries as the server
serves them, from the first version on: it follows amendments and revocations as the server does.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ..core.durations import parse_time
from ..core.engine import Engine
from ..core.engine.sealed import SealedReport
from ..core.engine.versions import Version
from ..core.pact import Pact
from ..log.checking import check_one
from ..party.client import PactClient


class Replica:
    """One engine following one log; ``follow`` brings it up to a size."""

    def __init__(self, pact: Pact) -> None:
        self.pact, self.engine = pact, Engine(pact)

    def follow(self, client: PactClient, size: int) -> None:
        while self.engine.size < size:
            got = client.entries(self.engine.size, size)
            if not got:
                return
            for e in got:
                # the envelope too: a statement of a later version is judged again under the version in force
                self.engine.apply(e["index"], check_one(e["envelope"], self.pact), e["envelope"])

    def next_change(self, now: int, until: int) -> int | None:
        """The first moment in (now, until] when time alone changes the state (a level, a proposal, a violation)."""
        base = len(self.engine.timeline)
        view = self.engine.view(until)
        times = [parse_time(ev["at"]) for ev in view.timeline[base:]]
        later = [t for t in times if now < t <= until]
        return min(later) if later else None

    def _at(self, t: int) -> Engine:
        """The engine settled up to ``t``: an amendment due by then has executed even with no entry since."""
        engine = self.engine
        return engine.view(t) if engine.clock is not None and t > engine.clock else engine

    def version_at(self, t: int) -> Pact:
        """The version of the pact a statement timed ``t`` must name (at an ``executes_at``, the version before)."""
        pact: Pact = self._at(t).version_at(t).pact
        return pact

    def versions(self, now: int) -> list[Version]:
        """The chain of versions as of ``now``, oldest first."""
        return list(self._at(now).versions)

    def sealed(self, digest: str) -> SealedReport | None:
        """The counted sealed report whose statement has payload digest ``digest`` (None: unknown or void)."""
        rec: SealedReport | None = self.engine.sealed.get(digest)
        return rec

    def by_index(self) -> dict[int, SealedReport]:
        return {rec.index: rec for rec in self.engine.sealed.values()}

    def owed_verdict(self, judging: Collection[str], now: int) -> str | None:
        """The first sealed report on which a monitor of ``judging`` (running, with a seal key) is a judge, may still
        give a verdict (``verdict_within`` has not passed) and has given none; None when there is none. Monitors give
        verdicts themselves (``monitor --seal-key``): the driver only waits for them."""
        for rec in sorted(self.engine.sealed.values(), key=lambda r: r.index):
            if rec.final or now > rec.due:
                continue
            for m in rec.judges:
                if m in judging and m not in rec.verdicts:
                    return f"monitor {m} has not given its verdict on sealed report #{rec.index}"
        return None


def words_of(rec: SealedReport) -> dict[str, Any]:
    """Each judge's public words on a sealed report, in the order they judged: monitor -> words, or None when its
    member did not open."""
    return {m: (dict(rec.verdicts[m].words) if rec.verdicts[m].opened else None) for m in rec.judged}
