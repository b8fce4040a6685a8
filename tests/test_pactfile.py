"""The pact language: the shared example loads, and each negotiator's mistake is flagged at its line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pausepact.core.pact import pact_json_schema
from pausepact.core.pactfile import parse_pact
from pausepact.core.yamldoc import load_document

from .conftest import EXAMPLE


def errors(text: str) -> list[tuple[int, str]]:
    pact, diags = parse_pact(text.encode())
    out = [(d.line, d.message) for d in diags if d.severity == "error"]
    assert (pact is None) == bool(out)
    return out


def warnings(text: str) -> list[str]:
    return [d.message for d in parse_pact(text.encode())[1] if d.severity == "warning"]


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_shared_example_loads() -> None:
    data = EXAMPLE.read_bytes()  # the shared example pact, shipped in examples/
    pact, diags = parse_pact(data)
    assert pact is not None, diags
    assert pact.developers == ["lab-a", "lab-b", "lab-c", "lab-d"]
    assert pact.monitors == ["aisi", "eval-org", "civic-audit"]
    assert pact.restriction("pause").max_training_flop == 1e24
    assert pact.red_lines[1].doubling_within == 60 * 86400
    assert pact.oversight.status_ttl == 600
    assert pact.digest.startswith("sha256:") and len(pact.digest) == 71


def test_json_schema_validates_example(example_text: str) -> None:
    schema = pact_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    doc, _ = load_document(example_text.encode())
    jsonschema.validate(doc, schema)
    bad = dict(doc, oversight={"witness_quorum": 2, "status_quorum": 2, "status_ttl": "ten minutes"})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


MISTAKES = [
    # (description, old, new, needle for expected line, expected message fragment)
    ("unknown indicator", "indicator: ai_rnd_score", "indicator: ai_rnd_scor", "indicator: ai_rnd_scor", "unknown indicator 'ai_rnd_scor'"),
    ("unknown level in raise", "    raise: slowdown\n", "    raise: slowdwn\n", "raise: slowdwn", "unknown level 'slowdwn'"),
    ("quorum unreachable", "approval: 2/3 of monitors\n    timelock: 7d", "approval: 4 of monitors\n    timelock: 7d", "approval: 4 of monitors", "needs 4 monitors"),
    ("min_developers too high", "min_developers: 3", "min_developers: 5", "min_developers: 5", "only 4 developer"),
    ("duplicate party id", "{id: lab-b, name: Lab B", "{id: lab-a, name: Lab B", "name: Lab B", "duplicate party id 'lab-a'"),
    ("duplicate red line id", "- id: automated-researcher", "- id: models-write-the-code", "indicator: ai_rnd_score", "duplicate red line id"),
    ("invalid key", "tPL+0GlQH6XKo4KCmpF5x6fsLM/pA/4RdCw6JZuPg4E=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAA", "key"),
    ("resumption to not below", "    to: normal\n    min_duration: 14d", "    to: pause\n    min_duration: 14d", "to: pause", "not below 'slowdown'"),
    ("doubling without window", "    window: 365d\n", "", "doubling_within: 60d", "needs a window"),
    ("malformed duration", "every: 30d", "every: 30 days", "every: 30 days", "malformed duration"),
    ("malformed quorum", "approval: 1 of monitors", "approval: one of monitors", "one of monitors", "malformed quorum"),
]


@pytest.mark.parametrize("what,old,new,needle,fragment", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_mistake_flagged_at_its_line(example_text: str, what: str, old: str, new: str, needle: str, fragment: str) -> None:
    text = example_text.replace(old, new, 1) if not old.startswith("    to: normal") else example_text.replace(
        "  slowdown:\n    to: normal\n    min_duration: 14d", "  slowdown:\n    to: pause\n    min_duration: 14d")
    assert text != example_text
    found = errors(text)
    expected_line = line_of(text, needle)
    if what == "duplicate red line id":
        expected_line -= 1  # the id sits on the line above the indicator
    assert any(line == expected_line and fragment in msg for line, msg in found), found


def test_invalid_ed25519_point_is_flagged(example_text: str) -> None:
    # 32 bytes of canonical base64 that decode to no point of the curve (y = 2 has no x)
    import base64

    raw = (2).to_bytes(32, "little")
    text = example_text.replace("tPL+0GlQH6XKo4KCmpF5x6fsLM/pA/4RdCw6JZuPg4E=", base64.b64encode(raw).decode())
    assert any("not a valid Ed25519 public key" in m for _, m in errors(text))


def test_duplicate_key_in_mapping(example_text: str) -> None:
    text = example_text.replace("version: 1\n", "version: 1\nversion: 2\n")
    first = line_of(text, "version: 1")
    assert errors(text) == [(first + 1, f"duplicate key 'version' (first at line {first}): a contract must not be ambiguous")]


def test_unreachable_resting_level(example_text: str) -> None:
    text = example_text.replace("  slowdown:\n    to: normal\n    min_duration: 14d\n    clear: true\n    approval: 2/3 of monitors\n    timelock: 3d\n", "")
    msgs = [m for _, m in errors(text)]
    assert any("'pause' can be raised but has no resumption path back to 'normal'" in m for m in msgs), msgs
    assert any("'slowdown' can be raised" in m for m in msgs)


def test_red_line_nobody_may_report(example_text: str) -> None:
    text = re.sub(r"  - \{id: (aisi|eval-org|civic-audit).*\n", "", example_text)
    msgs = [m for _, m in errors(text)]
    assert any("'time_horizon_minutes' is reported by a monitor but the pact lists no monitors" in m for m in msgs), msgs


def test_votes_by_developers_cannot_meet_quorum(example_text: str) -> None:
    text = example_text.replace("approval: 1 of monitors", "approval: 1 of developers")
    assert any("only monitors vote" in m for _, m in errors(text))


def test_witness_quorum_must_be_majority(example_text: str) -> None:
    text = example_text.replace("witness_quorum: 2", "witness_quorum: 1")
    assert any("more than half" in m for _, m in errors(text))


def test_every_problem_reported_at_once(example_text: str) -> None:
    text = (example_text.replace("indicator: ai_rnd_score", "indicator: nope")
            .replace("min_developers: 3", "min_developers: 9")
            .replace("status_ttl: 10m", "status_ttl: soon"))
    assert len(errors(text)) == 3


def test_warnings_are_not_errors(example_text: str) -> None:
    text = example_text.replace("pause: {max_training_flop: 1.0e+24, new_deployments: false}", "pause: {new_deployments: false}")
    assert errors(text) == []
    assert any("top level 'pause' sets no max_training_flop" in w for w in warnings(text))
    assert any("nobody countersigns" in w for w in warnings(example_text))


@pytest.mark.parametrize("data,fragment", [
    (b"\xff\xfe", "not UTF-8"),
    (b"- just\n- a list\n", "must be a YAML mapping"),
    (b"pact: [unclosed\n", "not valid YAML"),
    (b"a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
    (b"a: " + b"x" * (1024 * 1024 + 1), "at most 1048576 bytes"),
    (b"pact: frontier-pause\nversion: one\n", "version"),
])
def test_bad_input_is_an_error_not_a_crash(data: bytes, fragment: str) -> None:
    pact, diags = parse_pact(data)
    assert pact is None
    assert any(fragment in d.message for d in diags), diags


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]")
    pact, diags = parse_pact("\n".join(lines).encode())
    assert pact is None and "anchors and aliases" in diags[0].message


def test_yaml_12_core_schema(example_text: str) -> None:
    doc, _ = load_document(b"a: no\nb: 1e26\nc: 2027-01-01\nd: 0x10\n")
    assert doc == {"a": "no", "b": 1e26, "c": "2027-01-01", "d": 16}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, timeout=60)


def test_cli_check_format_and_exit_codes(tmp_path: Path, example_text: str) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(example_text)
    r = run_cli("check", str(good))
    assert r.returncode == 0 and "valid pact 'frontier-pause'" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad_text = example_text.replace("raise: heightened", "raise: hightened")
    bad.write_text(bad_text)
    r = run_cli("check", str(bad))
    assert r.returncode == 1
    line = line_of(bad_text, "raise: hightened")
    assert re.search(rf"^{re.escape(str(bad))}:{line}:\d+: error: P5: unknown level 'hightened'", r.stdout, re.M), r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_cli_missing_file_is_a_message(tmp_path: Path) -> None:
    r = run_cli("check", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr


def test_init_then_check_round_trips(tmp_path: Path) -> None:
    r = run_cli("init", str(tmp_path / "p"), "-d", "alpha", "-d", "beta", "-m", "inst")
    assert r.returncode == 0, r.stderr
    keys = sorted(p.name for p in (tmp_path / "p" / "keys").iterdir())
    assert keys == ["alpha.pem", "beta.pem", "inst.pem", "log.pem"]
    assert all(((tmp_path / "p" / "keys" / k).stat().st_mode & 0o777) == 0o600 for k in keys)
    r = run_cli("check", str(tmp_path / "p" / "pact.yaml"))
    assert r.returncode == 0, r.stdout
    assert "0 warning(s)" in r.stdout


def test_digest_schema_explain(tmp_path: Path, example_text: str) -> None:
    import hashlib

    path = EXAMPLE
    r = run_cli("digest", str(path))
    assert r.stdout.strip() == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert json.loads(run_cli("schema").stdout)["properties"]["red_lines"]
    text = run_cli("explain", str(path)).stdout
    assert "once 3 of the 4 developers have signed" in text
    assert "2 of the 3 monitors" in text and "timelock" in text


# --- `pausepact schema`: the closed JSON Schema of contract section 1's table (v2) ---

PACT_VECTORS = Path(__file__).parent / "data" / "pacts"
VECTOR_MANIFEST: dict[str, dict[str, object]] = json.loads((PACT_VECTORS / "manifest.json").read_text())


def _objects(node: object, path: str = "#") -> list[tuple[str, dict[str, object]]]:
    """Every object schema (one with ``properties``) in the schema, with where it is."""
    found: list[tuple[str, dict[str, object]]] = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append((path, node))
        for k, v in node.items():
            found += _objects(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _objects(v, f"{path}/{i}")
    return found


def test_schema_is_closed_v2_and_allows_no_null() -> None:
    schema = json.loads(run_cli("schema").stdout)
    assert "contract v2" in schema["title"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    objects = _objects(schema)
    assert len(objects) >= 10 and all(o.get("additionalProperties") is False for _, o in objects), \
        [p for p, o in objects if o.get("additionalProperties") is not False]
    assert '"null"' not in json.dumps(schema), "a member is left out, never null"
    defs = schema["$defs"]
    assert {"seal_key"} <= set(defs["Party"]["properties"])
    assert {"disclosure", "verdict_quorum"} <= set(defs["Indicator"]["properties"])
    assert defs["Oversight"]["properties"]["verdict_within"]["default"] == "7d"
    assert defs["Amendment"]["properties"]["timelock"]["default"] == "2d"
    assert {"remove_approval", "timelock", "approval"} == set(defs["Amendment"]["properties"])
    assert set(schema["required"]) == {"pact", "version", "title", "origin", "effective", "parties", "indicators", "levels", "oversight"}
    assert set(schema["properties"]) == set(schema["required"]) | {"restrictions", "red_lines", "emergency", "resumption", "amendment"}


def test_schema_validates_the_shared_example_and_refuses_unknown_fields(shared: Path) -> None:
    schema = pact_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    doc, _ = load_document((shared / "examples" / "frontier-pause.yaml").read_bytes())
    jsonschema.validate(doc, schema)
    sealed, _ = load_document((PACT_VECTORS / "valid-sealed.yaml").read_bytes())
    jsonschema.validate(sealed, schema)
    for where in (lambda d: d, lambda d: d["parties"][0], lambda d: d["indicators"]["ai_code_share"],
                  lambda d: d["oversight"], lambda d: d["amendment"], lambda d: d["red_lines"][0],
                  lambda d: d["resumption"]["pause"], lambda d: d["restrictions"]["pause"], lambda d: d["effective"]):
        bad, _ = load_document((PACT_VECTORS / "valid-sealed.yaml").read_bytes())
        where(bad)["verdict_quorom"] = "2 of monitors"
        with pytest.raises(jsonschema.ValidationError, match="verdict_quorom"):
            jsonschema.validate(bad, schema)
        assert parse_pact(json.dumps(bad).encode())[0] is None  # JSON is YAML 1.2: check refuses it too


def test_schema_agrees_with_check_on_the_vectors() -> None:
    """Every valid vector passes the JSON Schema; every vector check refuses for its schema (not a rule) fails it."""
    schema = pact_json_schema()
    for name, entry in VECTOR_MANIFEST.items():
        doc, _ = load_document((PACT_VECTORS / name).read_bytes())
        schema_errors = [e for e in entry["errors"] if e[0] is None]  # type: ignore[attr-defined]
        ok = jsonschema.Draft202012Validator(schema).is_valid(doc)
        if entry["valid"]:
            assert ok, name
        elif schema_errors:
            assert not ok, name


def test_init_sealed_writes_seal_keys_and_a_pact_check_passes(tmp_path: Path) -> None:
    """`init --sealed`: every monitor gets an X25519 seal key (PEM PKCS#8, mode 0600) listed as its seal_key, the
    sealed indicators a majority verdict_quorum, the lab's one its covering overdue red line, and check passes clean."""
    from pausepact.keyfiles import read_seal_key, seal_public_text

    folder = tmp_path / "p"
    r = run_cli("init", str(folder), "-d", "alpha", "-d", "beta", "-m", "m1", "-m", "m2", "-m", "m3", "-m", "m4",
                "--sealed", "ai_code_share", "--sealed", "time_horizon_minutes")
    assert r.returncode == 0, r.stderr
    assert "seal key of m1" in r.stdout
    r = run_cli("check", str(folder / "pact.yaml"))
    assert r.returncode == 0 and "2 indicators (2 sealed)" in r.stdout and "0 warning(s)" in r.stdout, r.stdout
    pact, _ = parse_pact((folder / "pact.yaml").read_bytes())
    assert pact is not None
    for m in ("m1", "m2", "m3", "m4"):
        path = folder / "keys" / f"{m}.seal.pem"
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        assert pact.seal_keys[m] == seal_public_text(read_seal_key(path))
    for name in ("ai_code_share", "time_horizon_minutes"):
        ind = pact.indicators[name]
        assert ind.sealed and ind.countersigned_by is None and str(ind.verdict_quorum) == "3 of monitors"
    covering = [rl for rl in pact.red_lines if rl.kind == "overdue" and rl.indicator == "ai_code_share"]
    assert [(rl.raise_, rl.scope) for rl in covering] == [("slowdown", "party")]
    assert sorted(p.name for p in (folder / "keys").iterdir() if not p.name.endswith(".seal.pem")) == \
        ["alpha.pem", "beta.pem", "log.pem", "m1.pem", "m2.pem", "m3.pem", "m4.pem"]


@pytest.mark.parametrize("args,fragment", [
    (["--sealed", "ai_rnd_score"], "--sealed ai_rnd_score: not an indicator of the pact init writes"),
    (["-m", "m1", "-m", "m2", "--sealed", "time_horizon_minutes"], "give at least 3 monitors"),
])
def test_init_sealed_refuses_what_could_not_work_and_writes_nothing(tmp_path: Path, args: list[str], fragment: str) -> None:
    r = run_cli("init", str(tmp_path / "p"), *args)
    assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "p").exists()
