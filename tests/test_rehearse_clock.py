"""The rehearsal clock without processes: the dial, clock options, who may judge which server, stores marked
real or rehearsal, a guard that judges expiry in virtual time, and scripts refused with positioned errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pausepact.clock import Clock, ClockError, Dial, server_clock_problem
from pausepact.core import merkle
from pausepact.core.engine import Engine, status_core
from pausepact.keyfiles import public_raw
from pausepact.log.store import StoreError, open_store
from pausepact.party.guard import Guard
from pausepact.party.guard.state import GuardStateError, default_state_dir
from pausepact.rehearse import ScriptError, load_script

from .factory import key, make_pact
from .live import write_world

PACT, _ = make_pact()
T = 1893456000  # 2030-01-01T00:00:00Z
TTL = PACT.oversight.status_ttl


def test_the_dial_never_goes_back_and_stops_when_its_driver_is_gone(tmp_path: Path) -> None:
    dial = Dial.create(tmp_path / "clock.json", "r1", T)
    clock = Clock.from_spec(f"rehearsal:{dial.path}")
    assert (clock.kind, clock.discrete, clock.rehearsal, clock.now(), clock.ticks()) == ("rehearsal", True, "r1", T, float(T))
    time.sleep(1.1)
    assert clock.now() == T  # real time passing moves nothing
    dial.set("r1", T + 600)
    assert clock.now() == T + 600
    with pytest.raises(ClockError, match="never goes back"):
        dial.set("r1", T)
    dial.path.write_text('{"format": "pausepact-rehearsal-clock/1", "rehearsal": "r1", "now": "2029-01-01T00:00:00Z"}')
    assert clock.now() == T + 600  # a reader never sees the time go back either
    dial.path.unlink()
    assert clock.now() == T + 600  # the driver is gone: the clock stops, it never runs on


@pytest.mark.parametrize("spec,problem", [
    ("sundial", "use 'wall' or 'rehearsal:PATH'"),
    ("rehearsal:", "use 'wall' or 'rehearsal:PATH'"),
    ("rehearsal:{dir}/missing.json", "cannot read the rehearsal's clock"),
    ("rehearsal:{dir}/junk.json", "cannot read the rehearsal's clock (not a rehearsal clock)"),
])
def test_a_clock_option_that_cannot_be_used_says_why(tmp_path: Path, spec: str, problem: str) -> None:
    (tmp_path / "junk.json").write_text('{"now": 5}')
    with pytest.raises(ClockError) as e:
        Clock.from_spec(spec.format(dir=tmp_path))
    assert problem in str(e.value)
    assert Clock.from_spec("wall").kind == "wall"
    with pytest.raises(ClockError, match="choose one clock"):
        Clock.from_options("2030-01-01T00:00:00Z", 1.0, None, f"rehearsal:{tmp_path}/x")


@pytest.mark.parametrize("mine,theirs,refused", [
    (None, None, None),
    (None, {"clock": "wall", "rehearsal": None}, None),
    (None, {"clock": "rehearsal", "rehearsal": "r1"}, "plays a rehearsal (virtual clock, rehearsal r1)"),
    ("r1", None, "is not on a rehearsal's clock"),
    ("r1", {"clock": "wall", "rehearsal": None}, "is not on a rehearsal's clock"),
    ("r1", {"clock": "scaled", "rehearsal": None}, "is not on a rehearsal's clock"),
    ("r1", {"clock": "rehearsal", "rehearsal": "r1"}, None),
    ("r1", {"clock": "rehearsal", "rehearsal": "r2"}, "plays rehearsal r2, not rehearsal r1"),
])
def test_a_component_judges_only_a_server_on_its_own_clock(tmp_path: Path, mine: str | None, theirs: dict[str, object] | None,
                                                           refused: str | None) -> None:
    clock = Clock() if mine is None else Clock(dial=Dial.create(tmp_path / "clock.json", mine, T))
    problem = server_clock_problem(clock, theirs, "http://log.example")
    assert (problem is None) == (refused is None)
    if refused is not None:
        assert problem is not None and refused in problem


def test_a_store_is_marked_real_or_rehearsal_and_never_serves_the_other(tmp_path: Path) -> None:
    rehearsal, real, legacy = (f"sqlite:///{tmp_path}/{n}.db" for n in ("rehearsal", "real", "legacy"))
    open_store(rehearsal).bind_clock(True)
    open_store(rehearsal).bind_clock(True)  # the same kind again: fine
    with pytest.raises(StoreError, match="holds a rehearsal's log .* a server on a real clock refuses it"):
        open_store(rehearsal).bind_clock(False)
    open_store(real).bind_clock(False)
    with pytest.raises(StoreError, match="holds a real log: a rehearsal .* plays on a store of its own"):
        open_store(real).bind_clock(True)
    old = open_store(legacy)
    old.bind(PACT.pact, PACT.digest, PACT.origin)  # a log bound before stores were marked: a real one
    with pytest.raises(StoreError, match="holds a real log"):
        old.bind_clock(True)
    old.bind_clock(False)


def _status(issued: int) -> dict[str, object]:
    from pausepact.core.status import status_envelope, status_signature

    c = status_core(Engine(PACT).state_at(issued), merkle.EMPTY_ROOT, issued, TTL) | {"tree_size": 5, "in_force": True}
    return status_envelope(c, [status_signature(c, key(m), public_raw(key(m))) for m in ("aisi", "eval-org")])


def test_a_guard_on_the_rehearsal_clock_judges_expiry_in_virtual_time(tmp_path: Path) -> None:
    """The wall clock and the host's monotonic clock both say the status is fresh; the virtual clock decides."""
    dial = Dial.create(tmp_path / "rehearsal" / "clock.json", "r1", T)
    clock = Clock.from_spec(f"rehearsal:{dial.path}")
    g = Guard("http://unused.invalid", PACT, "lab-a", key("lab-a", 1), fail="closed", clock=clock)
    assert g.offer(_status(T))
    assert (tmp_path / "rehearsal" / "guard-state" / "guards" / PACT.pact).is_dir()  # the rehearsal's memory, not the user's
    assert not g.verdict(5e25).stop
    dial.set("r1", T + TTL - 1)
    assert not g.verdict(5e25).stop
    dial.set("r1", T + TTL)
    v = g.verdict(5e25)
    assert v.stop and v.kind == "no-status" and "expired at 2030-01-01T00:10:00Z" in v.reason
    with pytest.raises(GuardStateError, match="not in the real guards' memory"):
        Guard("http://unused.invalid", PACT, "lab-a", key("lab-a", 1), clock=clock, state_dir=default_state_dir())


SCRIPT = """\
pact: pact.yaml
keys: .
start: 2030-01-01T00:00:00Z
steps:
  - {by: lab-a, sign: {}}
"""


@pytest.mark.parametrize("steps,line", [
    ("  - {by: lab-a, sing: {}}", "6:17: error: steps[1]: unknown field 'sing'"),
    ("  - {at: tomorrow}", "6:10: error: steps[1].at: malformed time 'tomorrow'"),
    ("  - {at: 2029-12-31T00:00:00Z}", "6:10: error: steps[1].at: steps run in time order"),
    ("  - {by: lab-z, sign: {}}", "6:10: error: steps[1].by: 'lab-z' is not a party of pact 'test-pact'"),
    ("  - {by: lab-a, sign: {}, stop_monitor: aisi}", "6:5: error: steps[1]: one action per step, not sign, stop_monitor"),
    ("  - {stop_guard: training}", "6:18: error: steps[1].stop_guard: no guard named 'training' was started before"),
    ("  - {by: aisi, countersign: {of: nothing}}", "6:34: error: steps[1].countersign.of: no earlier step has id 'nothing'"),
    ("  - {expect: {level: paused, guards: {x: running}}}", "6:38: error: steps[1].expect.guards: no guard named 'x'"),
    ("  - {expect: {status: fine}}", "6:23: error: steps[1].expect.status: Input should be 'valid'"),
    ("  - {guard: {party: aisi, run: r1, flop: 1}}", "6:21: error: steps[1].guard.party: 'aisi' is not a developer"),
    ("  - {at: +1x}", "6:10: error: steps[1].at: malformed duration '1x'"),
    ("  - &a {by: lab-a, sign: {}}", "6:5: error: YAML anchors and aliases are not allowed"),
])
def test_a_script_that_cannot_be_played_is_refused_with_positions(tmp_path: Path, steps: str, line: str) -> None:
    write_world(tmp_path)
    path = tmp_path / "script.yaml"
    path.write_text(SCRIPT + steps + "\n")
    with pytest.raises(ScriptError) as e:
        load_script(path)
    assert any(got.startswith(f"{path}:{line}") for got in e.value.lines), e.value.lines


def test_a_good_script_resolves_its_times(tmp_path: Path) -> None:
    write_world(tmp_path)
    path = tmp_path / "script.yaml"
    path.write_text(SCRIPT + "  - {at: +1h, by: lab-b, sign: {}}\n  - {at: 2d}\n  - {at: 2030-01-05T00:00:00Z, expect: {level: normal}}\n")
    script, pact = load_script(path)
    assert [(a.kind, a.t - T, a.line) for a in script.actions] == [("sign", 0, 5), ("sign", 3600, 6), ("advance", 2 * 86400, 7),
                                                                    ("expect", 4 * 86400, 8)]
    assert pact.digest == PACT.digest and script.monitors == ["aisi", "eval-org", "civic-audit"]


@pytest.mark.parametrize("argv,message", [
    (["rehearse", "{dir}/missing.yaml"], "missing.yaml: cannot read: No such file or directory"),
    (["rehearse", "{dir}/pact.yaml"], "unknown field"),
    (["rehearse", "{dir}/pact.yaml", "--speed", "0"], "--speed: virtual seconds per real second"),
    (["rehearse", "{dir}/pact.yaml", "--patience", "nan"], "--patience"),
    (["rehearse", "{dir}/pact.yaml", "--port", "70000"], "less than or equal to 65535"),
    (["status", "--server", "http://127.0.0.1:9", "--pact", "{dir}/pact.yaml", "--clock", "sundial"], "use 'wall' or 'rehearsal:PATH'"),
    (["guard", "--server", "http://127.0.0.1:9", "--pact", "{dir}/pact.yaml", "--as", "lab-a", "--key", "{dir}/lab-a.pem",
      "--run", "r", "--flop", "1", "--clock", "rehearsal:{dir}/none.json", "--", "true"], "cannot read the rehearsal's clock"),
    (["monitor", "--server", "http://127.0.0.1:9", "--pact", "{dir}/pact.yaml", "--as", "aisi", "--key", "{dir}/aisi.pem",
      "--clock", "rehearsal:{dir}/clock.json"], "give --state"),
    (["serve", "--pact", "{dir}/pact.yaml", "--key", "{dir}/log.pem", "--clock", "rehearsal:{dir}/clock.json", "--clock-start",
      "2030-01-01T00:00:00Z"], "choose one clock"),
])
def test_hostile_rehearsal_invocations_end_with_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               argv: list[str], message: str) -> None:
    from pausepact.cli import main

    write_world(tmp_path)
    Dial.create(tmp_path / "clock.json", "r1", T)
    with pytest.raises(SystemExit) as e:
        main([a.replace("{dir}", str(tmp_path)) for a in argv])
    out, err = capsys.readouterr()
    assert e.value.code in (1, 2), (out, err)
    assert "Traceback" not in out + err and "internal error" not in err
    assert message in " ".join(err.split()), err


def test_a_rehearsal_never_replaces_a_real_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pausepact.cli import main

    write_world(tmp_path)
    (tmp_path / "script.yaml").write_text(SCRIPT)
    real = open_store(f"sqlite:///{tmp_path}/log.db")
    real.bind_clock(False)
    real.close()
    before = (tmp_path / "log.db").read_bytes()
    with pytest.raises(SystemExit) as e:
        main(["rehearse", str(tmp_path / "script.yaml"), "--dir", str(tmp_path)])
    err = " ".join(capsys.readouterr().err.split())
    assert e.value.code == 1 and "holds a real log" in err and "give the rehearsal a folder of its own (--dir)" in err
    assert (tmp_path / "log.db").read_bytes() == before
