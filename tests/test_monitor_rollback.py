"""H3, M3, L10/M6: a monitor never signs an older prefix, a fork or a tree with an invalid entry.

Each test plays a hostile log operator (tests/hostile_log.py) against the real
``Monitor`` with its own state file, as the security review's reproductions do,
and asserts what a guard would be harmed by: that no signature left the
monitor, and that the alarm is on file. Only names that existed before the fix
are imported, so on commit 109f6be these tests fail by a signature posted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pausepact.clock import Clock
from pausepact.core.durations import format_time
from pausepact.monitor import ForkDetected, Monitor, MonitorState

from .factory import key
from .hostile_log import T0, HostileLog


def at(t: int) -> Clock:
    """A monitor clock stopped at ``t``."""
    return Clock(start=t, speed=0.0)


def start(log: HostileLog, state: Path, now: int, party: str = "aisi") -> Monitor:
    """A monitor (re)started with its state file."""
    return Monitor(log.client(), party, key(party), at(now), MonitorState.load(state))


def paused_log_signed_by(state: Path) -> HostileLog:
    """Six entries (three signs, then an emergency pause), cosigned and its pause status signed by aisi."""
    log = HostileLog()
    log.sign_all(T0)
    log.pause(T0 + 10)
    log.propose(T0 + 20)
    did = start(log, state, T0 + 20).step()
    assert did == {"status": "signed status at 6", "checkpoint": "cosigned 6"}
    assert log.proposed["level"] == "pause"
    log.status_signatures.clear()
    log.cosignatures.clear()
    return log


def assert_alarmed(log: HostileLog, state: Path, words: str) -> None:
    assert log.status_signatures == [], "a status signature left the monitor"
    assert log.cosignatures == [], "a cosignature left the monitor"
    alarm = MonitorState.load(state).alarm
    assert alarm is not None and words in alarm, alarm
    with pytest.raises(ForkDetected):  # and it stays refused after a restart
        start(log, state, T0 + 120)


def test_h3_restarted_monitor_shown_an_older_prefix_alarms_and_signs_nothing(tmp_path: Path) -> None:
    state = tmp_path / "aisi.json"
    log = paused_log_signed_by(state)
    log.shown = 3  # the operator shows only the entries before the pause, with the checkpoint it signed then
    log.proposed = log.core(3, T0 + 60)  # a fresh status: level normal, no limit
    assert log.proposed["level"] == "normal"
    with pytest.raises(ForkDetected):
        start(log, state, T0 + 60).step()
    assert_alarmed(log, state, "smaller than")


def test_h3_fresh_core_for_an_older_prefix_of_the_full_log_alarms(tmp_path: Path) -> None:
    state = tmp_path / "aisi.json"
    log = paused_log_signed_by(state)
    log.proposed = log.core(3, T0 + 60)  # the whole log is shown, but the core covers the part before the pause
    with pytest.raises(ForkDetected):
        start(log, state, T0 + 60).step()
    assert_alarmed(log, state, "older prefix")


def test_a_late_core_below_the_mark_is_refused_without_alarm(tmp_path: Path) -> None:
    """An honest server's core may lag its newest checkpoint: never signed, but no false alarm either."""
    state = tmp_path / "aisi.json"
    log = paused_log_signed_by(state)
    log.proposed = log.core(3, T0 + 5)  # issued before entry 3 was appended: merely late
    did = start(log, state, T0 + 60).step()
    assert did["status"].startswith("refused: for tree size 3"), did
    assert log.status_signatures == []
    assert MonitorState.load(state).alarm is None
    log.propose(T0 + 60)  # the next honest core is signed
    assert start(log, state, T0 + 60).step()["status"] == "signed status at 6"


def test_h3_fork_larger_than_the_cosigned_tree_is_refused_before_any_signature(tmp_path: Path) -> None:
    state = tmp_path / "aisi.json"
    log = HostileLog()
    log.sign_all(T0)
    log.add("lab-d", "sign", {}, T0 + 5)
    log.propose(T0 + 20)
    assert start(log, state, T0 + 20).step()["checkpoint"] == "cosigned 4"
    log.status_signatures.clear()
    log.cosignatures.clear()
    # another history from entry 3 on (every entry valid), larger than the cosigned tree; its honest core
    del log.entries[3:]
    log.add("lab-d", "sign", {}, T0 + 6, seq=1)
    log.add("lab-a", "ack", {"level": "normal", "since": format_time(T0)}, T0 + 7, seq=2)
    log.propose(T0 + 60)
    with pytest.raises(ForkDetected):
        start(log, state, T0 + 60).step()
    assert_alarmed(log, state, "not consistent")


@pytest.mark.parametrize("invalid", ["a copy of an entry (bad-seq)", "a forged signature"])
def test_m3_an_invalid_entry_is_an_alarm_and_nothing_is_signed_over_it(tmp_path: Path, invalid: str) -> None:
    state = tmp_path / "aisi.json"
    log = HostileLog()
    log.sign_all(T0)
    if invalid.startswith("a copy"):
        log.entries.append(log.entries[2])
    else:
        forged = dict(log.add("lab-d", "sign", {}, T0 + 3))
        forged["signatures"] = [dict(forged["signatures"][0], sig=log.entries[0]["signatures"][0]["sig"])]
        log.entries[-1] = forged
    log.propose(T0 + 20, size=3)  # a core below the invalid entry
    with pytest.raises(ForkDetected):
        start(log, state, T0 + 20).step()
    assert log.cosignatures == []
    assert_alarmed(log, state, "fails Validity")


def test_l10_core_issued_before_its_last_entry_or_outside_skew_is_refused(tmp_path: Path) -> None:
    log = HostileLog()
    log.sign_all(T0)
    log.add("lab-d", "sign", {}, T0 + 100)
    honest = log.core(4, T0 + 100)
    early = dict(honest, as_of=format_time(T0 + 50), issued_at=format_time(T0 + 50),
                 expires_at=format_time(T0 + 50 + log.pact.oversight.status_ttl))
    m = start(log, tmp_path / "aisi.json", T0 + 110)
    log.proposed = early
    assert m.step()["status"].startswith("refused"), "a core dated before its last entry"
    future = log.core(4, T0 + 110 + 301)
    log.proposed = future
    assert m.step()["status"].startswith("refused"), "a core dated beyond max-skew"
    assert log.status_signatures == []
    log.propose(T0 + 110)
    assert m.step()["status"] == "signed status at 4"


def test_an_entry_timed_before_a_signed_status_is_an_alarm(tmp_path: Path) -> None:
    """Contract section 3: no entry after a status may be timed before its as_of (else the status lied)."""
    state = tmp_path / "aisi.json"
    log = HostileLog()
    log.sign_all(T0)
    log.propose(T0 + 50)
    assert start(log, state, T0 + 50).step()["status"] == "signed status at 3"
    log.add("lab-d", "sign", {}, T0 + 40)  # valid by itself (after T0 + 2), but before the status's as_of
    log.status_signatures.clear()
    log.cosignatures.clear()
    log.propose(T0 + 60)
    with pytest.raises(ForkDetected):
        start(log, state, T0 + 60).step()
    assert_alarmed(log, state, "contract section 3")
