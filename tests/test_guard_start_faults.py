"""A ``pausepact guard`` killed with -9 right after its start is logged leaves the run's stop in the outbox; the
next guard of the party sends it, so the log ends closed (N3), against a real server."""

from __future__ import annotations

import os
import signal

from pausepact.party.guard.state import GuardState

from . import test_guard_faults
from .test_guard import World
from .test_guard_faults import JOB, gone_within, read_pids, run_events, start_guard

world = test_guard_faults.world  # the same fixture: a world with a server and monitors, closed after the test


def test_the_stop_of_a_guard_killed_after_its_start_is_sent_by_the_next_guard(world: World) -> None:
    g = start_guard(world, "k9-start", JOB)
    pids, _ = read_pids(g, "CHILD", "GRAND")  # the command runs: its start is logged
    os.kill(g.pid, signal.SIGKILL)
    g.wait()
    assert gone_within(list(pids.values()), 10)
    assert [e for e, _ in run_events(world, "k9-start")] == ["start"]
    pending = GuardState(world.folder / "guard-state", world.pact.pact, "lab-b").pending
    nxt = start_guard(world, "after", "exit 0")
    out, _ = nxt.communicate(timeout=120)
    assert nxt.returncode == 0, out
    assert [e for e, _ in run_events(world, "k9-start")] == ["start", "stop"], out
    assert [e for e, _ in run_events(world, "after")] == ["start", "stop"], out
    assert pending() == []
