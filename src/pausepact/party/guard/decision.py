"""The guard's decision, as a pure function of the status held, the run and two clocks.

``judge`` reads no clock and does no I/O: given the status a guard holds (with the
monotonic instant it was accepted), the developer, the run's FLOP, the failure policy
and the time (wall and monotonic), it says whether the run must stop and why. A status
counts as expired at its ``expires_at`` by the wall clock, and also ``ttl`` monotonic
seconds after it was accepted, so a wall clock set back never extends a status (L4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ...core.durations import format_time
from ...core.status import AcceptedStatus

FailPolicy = Literal["closed", "open"]
StopKind = Literal["forbidden", "no-status"]


@dataclass(frozen=True)
class Held:
    """A status the guard accepted, and the second at which it did on its clock's ticks (monotonic; virtual in a
    rehearsal, where the rehearsal's clock replaces the host's monotonic clock)."""

    status: AcceptedStatus
    received: float

    def expired(self, now: int, mono: float) -> bool:
        ttl = self.status.expires_at - self.status.issued_at
        return self.status.expires_at <= now or mono >= self.received + ttl


@dataclass(frozen=True)
class Verdict:
    stop: bool
    reason: str
    kind: StopKind | None = None


def judge(held: Held | None, party: str, flop: float, policy: FailPolicy, now: int, mono: float,
          unfollowed: str | None = None) -> Verdict:
    """Must a run of ``flop`` by ``party`` stop at ``now`` (wall) / ``mono`` (monotonic) under ``held``?

    No status, or an expired one, is "no valid status": the run stops when failing closed and
    continues (with that reason) when failing open. A valid status stops the run when the pact is
    in force and the party's ``max_training_flop`` is below ``flop``. ``unfollowed`` says why statuses
    of a newer version could not be accepted (a chain of amendments the guard cannot follow); it is
    part of the reason when there is no valid status.
    """
    if held is None or held.expired(now, mono):
        if held is None:
            what = "no valid status has been received"
        elif held.status.expires_at <= now:
            what = f"the last valid status expired at {format_time(held.status.expires_at)}"
        else:
            what = ("the last valid status expired: its ttl has passed since it was received "
                    "(this host's clock reads earlier than its expires_at)")
        if unfollowed:
            what = f"{what}; {unfollowed}"
        if policy == "closed":
            return Verdict(True, f"{what}; failing closed", "no-status")
        return Verdict(False, f"{what}; failing open: continuing")
    st = held.status
    mine = st.core["parties"][party]
    limit, level = mine["max_training_flop"], mine["level"]
    if not st.core["in_force"] or limit is None or flop <= limit:
        return Verdict(False, f"status at tree size {st.tree_size}: level {level}, limit {limit if limit is not None else 'none'}")
    return Verdict(True, (f"status at tree size {st.tree_size} (issued {st.core['issued_at']}): {party} is at level {level}, "
                          f"which limits training to {limit:g} FLOP; this run declares {flop:g}"), "forbidden")
