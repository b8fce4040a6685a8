"""What an amendment changes (core.pactdiff), in explain's words (explain_changes), and `pausepact diff` /
`pausepact amend check` as a negotiator and a script use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.cli import main
from pausepact.core.amendments import MAX_AMENDMENT_BYTES, void_reasons
from pausepact.core.pact import Pact
from pausepact.core.pactdiff import Change, diff_pacts
from pausepact.core.pactfile import parse_pact
from pausepact.explain import _condition, _quorum
from pausepact.explain_changes import describe
from pausepact.keyfiles import public_text

from .conftest import EXAMPLE
from .factory import key

VECTORS = Path(__file__).parent / "data" / "amendments"
MANIFEST: dict[str, dict[str, object]] = json.loads((VECTORS / "manifest.json").read_text())
V1 = (VECTORS / "v1.yaml").read_text()


def parse(text: str) -> Pact:
    pact, diagnostics = parse_pact(text.encode())
    assert pact is not None, [d.render("pact") for d in diagnostics if d.severity == "error"]
    return pact


def amend(*edits: tuple[str, str], base: str = V1) -> tuple[Pact, Pact, list[Change]]:
    """v1 and its version 2 with ``edits`` (each [old, new] text, which must occur), and the diff."""
    text = base.replace("version: 1\n", "version: 2\n", 1)
    for a, b in edits:
        assert a in text, a
        text = text.replace(a, b, 1)
    old, new = parse(base), parse(text)
    return old, new, diff_pacts(old, new)


def weakening(changes: list[Change]) -> list[str]:
    return [c.where for c in changes if c.weakens]


@pytest.mark.parametrize("name", [n for n, e in MANIFEST.items() if "changes" in e], ids=lambda n: n.removesuffix(".yaml"))
def test_vector(name: str) -> None:
    entry = MANIFEST[name]
    old = parse((VECTORS / str(entry["against"])).read_text())
    changes = diff_pacts(old, parse((VECTORS / name).read_text()))
    assert [c.where for c in changes] == entry["changes"]
    assert weakening(changes) == entry["weakens"]
    assert all(c.why for c in changes if c.weakens) and not any(c.why for c in changes if not c.weakens)


BASES = [V1, EXAMPLE.read_text()]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), version=st.integers(1, 10**9))
def test_the_next_version_with_nothing_else_changed_is_not_void_and_changes_only_the_version(base: str, version: int) -> None:
    old_text = base.replace("version: 1\n", f"version: {version}\n", 1)
    new_text = base.replace("version: 1\n", f"version: {version + 1}\n", 1)
    old, new = parse(old_text), parse(new_text)
    assert void_reasons(old, new_text.encode()) == []
    (change,) = diff_pacts(old, new)
    assert (change.where, change.old, change.new, change.weakens) == ("version", version, version + 1, False)
    assert diff_pacts(old, old) == []


def test_spelling_is_not_a_change() -> None:
    """Defaults written out, flow or block style, 1e24 or 1.0e+24: the same agreement, no change (but a new digest)."""
    old, new, changes = amend(("pause: {max_training_flop: 1.0e+24, new_deployments: false}",
                               "pause:\n    max_training_flop: 1e24\n    new_deployments: false\n    grace: 1h"),
                              ("    raise: slowdown\n", "    raise: slowdown\n    scope: all\n"))
    assert old.digest != new.digest
    assert [c.where for c in changes] == ["version"]


NUMBERS = st.floats(1e-6, 1e30, allow_nan=False, allow_infinity=False)
DAYS = st.integers(1, 3650)


@settings(max_examples=60, deadline=None)
@given(a=NUMBERS, b=NUMBERS)
def test_a_threshold_weakens_when_it_moves_out_of_reach(a: float, b: float) -> None:
    base = V1.replace("at_least: 0.95", f"at_least: {a!r}")
    _, _, changes = amend(("at_least: " + repr(a), "at_least: " + repr(b)), base=base)
    assert weakening(changes) == (["red_lines[models-write-the-code].at_least"] if b > a else [])
    base = V1.replace("at_least: 0.95", f"at_most: {a!r}")
    _, _, changes = amend(("at_most: " + repr(a), "at_most: " + repr(b)), base=base)
    assert weakening(changes) == (["red_lines[models-write-the-code].at_most"] if b < a else [])


# (field as written in v1, its path, True when a longer duration weakens)
DURATIONS = [
    ("    for: 60d", "red_lines[models-write-the-code].for", True),
    ("    doubling_within: 60d", "red_lines[runaway-self-improvement].doubling_within", False),
    ("    window: 365d", "red_lines[runaway-self-improvement].window", False),
    ("    overdue: 14d", "red_lines[gone-silent].overdue", True),
    ("    every: 30d", "indicators[ai_code_share].every", True),
    ("    min_duration: 30d", "resumption[pause].min_duration", False),
    ("    timelock: 7d", "resumption[pause].timelock", False),
    ("  status_ttl: 10m", "oversight.status_ttl", True),
]


@settings(max_examples=60, deadline=None)
@given(row=st.sampled_from(DURATIONS), a=DAYS, b=DAYS)
def test_a_duration_weakens_in_one_direction_only(row: tuple[str, str, bool], a: int, b: int) -> None:
    written, path, longer_weakens = row
    name = written.split(":")[0]
    base = V1.replace(written, f"{name}: {a}d")
    _, _, changes = amend((f"{name}: {a}d", f"{name}: {b}d"), base=base)
    assert [c.where for c in changes] == ["version", *([path] if a != b else [])]
    weakens = b > a if longer_weakens else b < a
    assert weakening(changes) == ([path] if weakens else [])


@pytest.mark.parametrize("edit,path", [
    (("pause: {max_training_flop: 1.0e+24, new_deployments: false}", "pause: {new_deployments: false}"), "restrictions[pause].max_training_flop"),
    (("pause: {max_training_flop: 1.0e+24, new_deployments: false}", "pause: {max_training_flop: 1.0e+24}"), "restrictions[pause].new_deployments"),
    (("pause: {max_training_flop: 1.0e+24, new_deployments: false}", "pause: {max_training_flop: 1.0e+24, new_deployments: false, grace: 2h}"),
     "restrictions[pause].grace"),
    (("    raise: pause\n  - id: automated", "    raise: slowdown\n  - id: automated"), "red_lines[runaway-self-improvement].raise"),
    (("    raise: slowdown\n", "    raise: slowdown\n    scope: party\n"), "red_lines[models-write-the-code].scope"),
    (("    indicator: ai_code_share\n", "    indicator: ai_rnd_score\n"), "red_lines[models-write-the-code].indicator"),
    (("    clear: true\n    attestations", "    attestations"), "resumption[pause].clear"),
    (("    to: slowdown", "    to: normal"), "resumption[pause].to"),
    (("  approval: 2/3 of monitors\n\nresumption", "  approval: all monitors\n\nresumption"), "emergency.approval"),
    (("    countersigned_by: monitor\n", ""), "indicators[ai_rnd_score].countersigned_by"),
    (("approval: all developers and 2/3 of monitors", "approval: all developers and 1 of monitors"), "amendment.approval"),
])
def test_each_kind_of_weakening_is_flagged(edit: tuple[str, str], path: str | None) -> None:
    _, _, changes = amend(edit)
    assert weakening(changes) == ([path] if path else [])


@pytest.mark.parametrize("edit", [
    ("pause: {max_training_flop: 1.0e+24, new_deployments: false}", "pause: {max_training_flop: 1.0e+22, new_deployments: false}"),
    ("heightened:\n    to: normal\n    approval: 1 of monitors", "heightened:\n    to: normal\n    approval: 2 of monitors"),
    ("  approval: 2/3 of monitors\n\nresumption", "  approval: 1 of monitors\n\nresumption"),  # an easier emergency raise
    ("    raise: heightened\n", "    raise: pause\n"),
    ("    scope: party\n", ""),
    ("    attestations: [safeguards-adequate, security-level-4]", "    attestations: [safeguards-adequate, security-level-4, audit]"),
])
def test_tightening_is_listed_but_not_flagged(edit: tuple[str, str]) -> None:
    _, _, changes = amend(edit)
    assert len(changes) == 2 and weakening(changes) == []


def test_a_red_line_removed_or_of_another_kind_is_one_weakening_change() -> None:
    gone = "  - id: gone-silent\n    overdue: 14d\n    raise: heightened\n    scope: party\n"
    _, _, changes = amend((gone, ""), ("  heightened:\n    to: normal\n    approval: 1 of monitors\n", ""))
    assert [(c.where, c.weakens) for c in changes if c.path[0] == "red_lines"] == [("red_lines[gone-silent]", True)]
    _, _, changes = amend(("    at_least: 0.5\n", "    doubling_within: 30d\n    window: 180d\n"))
    assert [(c.where, c.weakens, c.why) for c in changes[1:]] == [
        ("red_lines[automated-researcher]", True, "its condition is replaced by one of another kind")]


def test_a_quorum_written_the_same_is_listed_when_the_parties_change_what_it_needs() -> None:
    civic = next(line for line in V1.splitlines() if "id: civic-audit" in line) + "\n"
    base = V1.replace("approval: all developers and 2/3 of monitors", "approval: all developers and all monitors")
    old, new, changes = amend((civic, ""), base=base)
    moved = next(c for c in changes if c.where == "amendment.approval")
    assert moved.old == moved.new == "all developers and all monitors" and moved.weakens
    assert "3 of the 3 monitors" in describe(moved, old, new) and "2 of the 2 monitors" in describe(moved, old, new)


def test_dropping_a_developer_weakens_adding_one_does_not() -> None:
    lab_d = next(line for line in V1.splitlines() if "id: lab-d" in line) + "\n"
    _, _, changes = amend((lab_d, ""))
    assert "parties[lab-d]" in weakening(changes)
    lab_e = f'  - {{id: lab-e, name: LAB-E, role: developer, keys: ["{public_text(key("lab-e"))}"]}}\n'
    _, _, changes = amend((lab_d, lab_d + lab_e))
    assert "parties[lab-e]" in [c.where for c in changes]
    assert "parties[lab-e]" not in weakening(changes)


def test_the_words_are_explains() -> None:
    old, new, changes = amend(("at_least: 0.95", "at_least: 0.9"), ("approval: 1 of monitors", "approval: 2 of monitors"))
    words = {c.where: describe(c, old, new) for c in changes}
    rl = next(r for r in new.red_lines if r.id == "models-write-the-code")
    was = next(r for r in old.red_lines if r.id == "models-write-the-code")
    assert _condition(rl, new) in words["red_lines[models-write-the-code].at_least"]
    assert _condition(was, old) in words["red_lines[models-write-the-code].at_least"]
    quorum = new.resumption["heightened"].approval
    assert _quorum(quorum, new) in words["resumption[heightened].approval"]
    assert words["version"] == "Version 1 becomes version 2."


def test_every_vector_change_has_its_own_sentence() -> None:
    for name, entry in MANIFEST.items():
        if "changes" not in entry:
            continue
        old = parse((VECTORS / str(entry["against"])).read_text())
        new = parse((VECTORS / name).read_text())
        for c in diff_pacts(old, new):
            words = describe(c, old, new)
            assert words and "\n" not in words and not words.startswith(c.where + ":"), (name, c.where, words)


# --- the commands ---

def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    got = capsys.readouterr()
    return (e.value.code if isinstance(e.value.code, int) else 1), got.out, got.err


def test_diff_json_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", str(VECTORS / "v1.yaml"), str(VECTORS / "valid-loosen.yaml"), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["void"] == [] and doc["weakening"] == len(MANIFEST["valid-loosen.yaml"]["weakens"])  # type: ignore[arg-type]
    assert [c["path"] for c in doc["changes"]] == MANIFEST["valid-loosen.yaml"]["changes"]
    first = next(c for c in doc["changes"] if c["path"] == "red_lines[models-write-the-code].at_least")
    assert (first["old"], first["new"], first["weakens"]) == (0.95, 0.99, True)
    assert set(first) == {"path", "old", "new", "words", "weakens", "why"}
    assert next(c for c in doc["changes"] if c["path"] == "oversight.status_ttl")["new"] == "1h"


def test_diff_for_people_flags_weakening(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from pausepact.cli.common import out as console

    monkeypatch.setattr(console, "width", 200)  # made at import: another test may have fixed its width before
    code, out, _ = run(capsys, "diff", str(VECTORS / "v1.yaml"), str(VECTORS / "valid-loosen.yaml"))
    assert code == 0
    assert "A status is valid for 1 hour (was 10 minutes)." in out and "guards act on older statuses" in out
    assert "13 change(s), 11 weakening the agreement" in out


def test_diff_of_a_void_amendment_lists_why_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    new = VECTORS / "void-effective-changed.yaml"
    code, out, _ = run(capsys, "diff", str(VECTORS / "v1.yaml"), str(new))
    assert code == 1
    assert f"{new}:6:19: void (effective-kept): effective.min_developers: 2, but the version in force says 3" in out
    code, out, _ = run(capsys, "diff", str(VECTORS / "v1.yaml"), str(VECTORS / "void-invalid-pact.yaml"), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["new"] is None and doc["changes"] == [] and doc["void"][0]["rule"] == "valid-pact"


def test_diff_refuses_an_invalid_old_version_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "diff", str(VECTORS / "void-invalid-pact.yaml"), str(VECTORS / "v1.yaml"))
    assert code == 2 and "is not a valid pact" in err and "P5:" in err
    code, _, err = run(capsys, "diff", str(VECTORS / "v1.yaml"), str(tmp_path / "missing.yaml"))
    assert code == 2 and "cannot read" in err


def test_amend_check(capsys: pytest.CaptureFixture[str]) -> None:
    v1 = str(VECTORS / "v1.yaml")
    code, out, _ = run(capsys, "amend", "check", str(VECTORS / "valid-drop-developer.yaml"), "--pact", v1)
    assert code == 0 and "can be proposed as version 2 of test-pact" in out
    assert "drops or changes the role of lab-d" in out and "all developers and all monitors" in out
    code, out, _ = run(capsys, "amend", "check", str(VECTORS / "void-key-revoked.yaml"), "--pact", v1,
                       "--revoked", "ed25519:DNIYK2fxOsMQyH6uLvXzW/7Lrl0MdN9FfCy1PlK3gpE=")
    assert code == 1 and "void (key-not-revoked)" in out and "cannot be proposed" in out
    code, out, _ = run(capsys, "amend", "check", str(VECTORS / "void-key-of-earlier-version.yaml"), "--pact", v1, "--json",
                       "--earlier", str(VECTORS / "earlier-v0.yaml"))
    doc = json.loads(out)
    assert code == 1 and not doc["proposable"] and [v["rule"] for v in doc["void"]] == ["key-stays"]
    code, out, _ = run(capsys, "amend", "check", str(VECTORS / "valid-rotate-keys.yaml"), "--pact", v1, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["proposable"] and doc["effects"]["log_key_changed"] and doc["effects"]["timelock"] == "2d"


def test_amend_check_refuses_a_text_over_32_kib(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    text = (VECTORS / "valid-version-only.yaml").read_bytes()
    big.write_bytes(text + b"# " + b"x" * (MAX_AMENDMENT_BYTES - len(text)) + b"\n")
    code, out, _ = run(capsys, "amend", "check", str(big), "--pact", str(VECTORS / "v1.yaml"))
    assert code == 1 and "an amend proposal carries at most 32768 bytes" in out and "larger than 32 KiB" in out


BAD = {"garbage": bytes(range(256)) * 4 + b"\x1b[2K", "empty": b"", "list": b"- a\n- b\n", "not-yaml": b"pact: [unclosed\n  : :\n",
       "huge": b"# " + b"x" * (2 * 1024 * 1024)}


@pytest.mark.parametrize("bad", [*BAD, "adir", "missing"])
@pytest.mark.parametrize("where", ["diff old", "diff new", "amend new", "amend pact", "amend earlier"])
def test_hostile_files_end_in_a_clear_message(capsys: pytest.CaptureFixture[str], tmp_path: Path, bad: str, where: str) -> None:
    path = tmp_path / bad
    if bad in BAD:
        path.write_bytes(BAD[bad])
    elif bad == "adir":
        path.mkdir()
    v1, new = str(VECTORS / "v1.yaml"), str(VECTORS / "valid-version-only.yaml")
    argv = {"diff old": ["diff", str(path), new], "diff new": ["diff", v1, str(path)],
            "amend new": ["amend", "check", str(path), "--pact", v1], "amend pact": ["amend", "check", new, "--pact", str(path)],
            "amend earlier": ["amend", "check", new, "--pact", v1, "--earlier", str(path)]}[where]
    code, out, err = run(capsys, *argv)
    reads_as_void = where in ("diff new", "amend new") and bad not in ("adir", "missing")
    assert code == (1 if reads_as_void else 2), (out, err)
    assert "Traceback" not in out + err and "internal error" not in err and "\x1b" not in out + err
    assert (out if reads_as_void else err).strip()


def test_sealed_reports_verdict_quorum_and_verdict_within() -> None:
    """v2 fields (section 8): a lower verdict_quorum and a longer verdict_within weaken; a new seal key is listed."""
    from .test_amendments_static import _seal

    base = V1.replace("role: monitor, keys: [", "role: monitor, seal_key: SEAL, keys: [")
    for n in (1, 2, 3):
        base = base.replace("SEAL", _seal(n), 1)
    base = base.replace("    reported_by: monitor\n    every: 90d\n",
                        "    reported_by: monitor\n    every: 90d\n    disclosure: sealed\n    verdict_quorum: all monitors\n")
    old, new, changes = amend(("verdict_quorum: all monitors", "verdict_quorum: 2 of monitors"),
                              ("  status_ttl: 10m\n", "  status_ttl: 10m\n  verdict_within: 14d\n"), (_seal(3), _seal(4)), base=base)
    assert [c.where for c in changes] == ["version", "parties[civic-audit].seal_key", "indicators[time_horizon_minutes].verdict_quorum",
                                          "oversight.verdict_within"]
    assert weakening(changes) == ["indicators[time_horizon_minutes].verdict_quorum", "oversight.verdict_within"]
    assert "Monitors have 14 days (was 7 days) to judge a sealed report." in [describe(c, old, new) for c in changes]
