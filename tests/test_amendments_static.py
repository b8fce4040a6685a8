"""Amendments judged from the texts alone (contract section 9, Void): every rule on its vector in
tests/data/amendments, the guard's chain-step subset, what an amendment does to signed parties and the
log key, and the body of an amend proposal."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.amendments import (
    MAX_AMENDMENT_BYTES,
    VOID_RULES,
    AmendmentBodyError,
    amendment_effects,
    chain_step_problems,
    key_holders,
    propose_body,
    removal_quorum,
    timelock,
    void_reasons,
)
from pausepact.core.pact import Pact
from pausepact.core.pactfile import parse_pact

from .conftest import EXAMPLE

VECTORS = Path(__file__).parent / "data" / "amendments"
MANIFEST: dict[str, dict[str, object]] = json.loads((VECTORS / "manifest.json").read_text())
STEP_RULES = {"same-pact", "same-origin", "next-version", "levels-kept", "first-level-kept"}


def load(name: str) -> Pact:
    pact, diagnostics = parse_pact((VECTORS / name).read_bytes())
    assert pact is not None, [d.render(name) for d in diagnostics]
    return pact


def judge(name: str) -> list[list[object]]:
    entry = MANIFEST[name]
    against = load(str(entry["against"]))
    holders = key_holders([*(load(n) for n in entry.get("earlier", [])), against])  # type: ignore[attr-defined]
    reasons = void_reasons(against, (VECTORS / name).read_bytes(), holders=holders,
                           revoked=list(entry.get("revoked", [])))  # type: ignore[call-overload]
    return [[v.rule, v.line, v.col] for v in reasons]


@pytest.mark.parametrize("name", list(MANIFEST), ids=[n.removesuffix(".yaml") for n in MANIFEST])
def test_vector(name: str) -> None:
    assert judge(name) == MANIFEST[name]["void"]
    assert name.startswith("valid-") == (MANIFEST[name]["void"] == [])


def test_every_rule_has_a_vector_and_every_file_is_used() -> None:
    broken = {rule for entry in MANIFEST.values() for rule, _, _ in entry["void"]}  # type: ignore[attr-defined]
    assert broken == set(VOID_RULES)
    used = set(MANIFEST) | {str(e["against"]) for e in MANIFEST.values()} | {n for e in MANIFEST.values() for n in e.get("earlier", [])}  # type: ignore[attr-defined]
    assert used == {p.name for p in VECTORS.glob("*.yaml")}


def test_a_void_text_breaks_only_the_rule_its_name_says() -> None:
    named = {"not-amendable": "amendable", "invalid-pact": "valid-pact", "unknown-field": "valid-pact", "other-pact": "same-pact",
             "other-origin": "same-origin", "version-skipped": "next-version", "version-same": "next-version",
             "level-missing": "levels-kept", "levels-reordered": "levels-kept", "first-level-changed": "first-level-kept",
             "key-moved": "key-stays", "key-revoked": "key-not-revoked", "key-of-earlier-version": "key-stays",
             "effective-changed": "effective-kept"}
    for name, entry in MANIFEST.items():
        if name.startswith("void-"):
            assert {r[0] for r in entry["void"]} == {named[name.removeprefix("void-").removesuffix(".yaml")]}, name  # type: ignore[attr-defined]


def test_messages_name_the_place_and_the_problem() -> None:
    v1 = load("v1.yaml")
    reasons = void_reasons(v1, (VECTORS / "void-version-skipped.yaml").read_bytes())
    assert [v.render("new.yaml") for v in reasons] == [
        "new.yaml:2:10: void (next-version): version: 3, but the version in force is 1: the amendment must be version 2"]
    (moved,) = void_reasons(v1, (VECTORS / "void-key-moved.yaml").read_bytes())
    assert "belongs to party 'lab-a', not 'lab-d'" in moved.message and "\n" not in moved.message


def test_chain_step_problems_are_the_void_rules_a_guard_can_check() -> None:
    for name, entry in MANIFEST.items():
        new, _ = parse_pact((VECTORS / name).read_bytes())
        if new is None:
            continue
        step = chain_step_problems(load(str(entry["against"])), new)
        assert [v.rule for v in step] == [r[0] for r in entry["void"] if r[0] in STEP_RULES], name  # type: ignore[attr-defined]


def test_the_rules_still_read_an_invalid_text() -> None:
    """A text that is not a valid pact is still checked for what can be read: every problem at once."""
    text = (VECTORS / "void-invalid-pact.yaml").read_bytes().replace(b"version: 2", b"version: 7").replace(b"pact: test-pact", b"pact: x")
    assert [v.rule for v in void_reasons(load("v1.yaml"), text)] == ["valid-pact", "same-pact", "next-version"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=300),
                      st.builds(lambda cut, junk: (VECTORS / "valid-loosen.yaml").read_bytes()[:cut] + junk,
                                st.integers(0, 3000), st.binary(max_size=40))))
def test_any_text_gives_reasons_never_an_exception(data: bytes) -> None:
    v1 = load("v1.yaml")
    reasons = void_reasons(v1, data)
    assert all(v.rule in VOID_RULES and v.line >= 1 and v.col >= 1 and "\n" not in v.message for v in reasons)
    assert (parse_pact(data)[0] is None) == any(v.rule == "valid-pact" for v in reasons)


@settings(max_examples=20, deadline=None)
@given(version=st.integers(1, 10**9))
def test_the_next_version_of_a_pact_with_nothing_else_changed_is_never_void(version: int) -> None:
    for base in ((VECTORS / "v1.yaml").read_text(), EXAMPLE.read_text()):
        old_text = base.replace("version: 1\n", f"version: {version}\n", 1)
        new_text = base.replace("version: 1\n", f"version: {version + 1}\n", 1)
        old, _ = parse_pact(old_text.encode())
        assert old is not None
        assert void_reasons(old, new_text.encode(), holders=key_holders([old])) == []
        assert [v.rule for v in void_reasons(old, old_text.encode())] == ["next-version"]


def _seal(n: int) -> str:
    raw = X25519PrivateKey.from_private_bytes(bytes([n]) * 32).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "x25519:" + base64.b64encode(raw).decode()


def test_seal_keys_are_keys_a_moved_or_revoked_one_is_void() -> None:
    text = (VECTORS / "v1.yaml").read_text()
    sealed = (text.replace("role: monitor, keys: [", "role: monitor, seal_key: SEAL, keys: [")
              .replace("SEAL", _seal(1), 1).replace("SEAL", _seal(2), 1).replace("SEAL", _seal(3), 1))
    old, diagnostics = parse_pact(sealed.encode())
    assert old is not None, diagnostics
    swapped = sealed.replace("version: 1", "version: 2").replace(_seal(1), "@@").replace(_seal(2), _seal(1)).replace("@@", _seal(2))
    assert [v.rule for v in void_reasons(old, swapped.encode())] == ["key-stays", "key-stays"]
    same = sealed.replace("version: 1", "version: 2")
    assert [v.rule for v in void_reasons(old, same.encode(), revoked={_seal(3)})] == ["key-not-revoked"]
    assert key_holders([old])[_seal(3)] == "civic-audit"


def test_key_holders_remember_the_first_party_of_a_chain() -> None:
    v0, v1 = load("earlier-v0.yaml"), load("v1.yaml")
    holders = key_holders([v0, v1])
    for version in (v0, v1):
        for party in version.parties:
            assert all(holders[k] == party.id for k in party.keys)


def test_effects_of_dropping_a_developer_count_only_signed_parties() -> None:
    v1, dropped = load("v1.yaml"), load("valid-drop-developer.yaml")
    effects = amendment_effects(v1, dropped, signed={"lab-a", "lab-d", "aisi"})
    assert effects.dropped == ("lab-d",) and effects.role_changed == () and effects.needs_remove_approval
    assert not amendment_effects(v1, dropped, signed={"lab-a"}).needs_remove_approval  # lab-d never signed


def test_effects_of_a_role_change_and_of_new_keys() -> None:
    v1 = load("v1.yaml")
    text = (VECTORS / "v1.yaml").read_text().replace("version: 1", "version: 2").replace(
        "{id: civic-audit, name: CIVIC-AUDIT, role: monitor", "{id: civic-audit, name: CIVIC-AUDIT, role: developer")
    new, diagnostics = parse_pact(text.encode())
    assert new is not None, diagnostics
    assert void_reasons(v1, text.encode()) == []
    effects = amendment_effects(v1, new, signed={"civic-audit"})
    assert effects.role_changed == ("civic-audit",) and effects.needs_remove_approval and not effects.log_key_changed
    rotated = amendment_effects(v1, load("valid-rotate-keys.yaml"), signed=set())
    assert rotated.rekeyed == ("lab-a", "log") and rotated.log_key_changed and not rotated.needs_remove_approval


def test_a_new_log_key_waits_at_least_both_status_ttls() -> None:
    text = (VECTORS / "v1.yaml").read_text()
    quick = text.replace("approval: all developers and 2/3 of monitors", "approval: all developers and 2/3 of monitors\n  timelock: 0s")
    old, _ = parse_pact(quick.encode())
    assert old is not None and old.amendment is not None and old.amendment.timelock == 0
    rotated = load("valid-rotate-keys.yaml").model_copy(update={"oversight": old.oversight.model_copy(update={"status_ttl": 3600})})
    assert timelock(old, rotated) == 3600  # the new version's ttl, larger than the old one's 10m
    assert timelock(old, load("valid-tighten.yaml")) == 0  # the log key stays: the timelock alone
    assert timelock(load("v1.yaml"), load("valid-version-only.yaml")) == 2 * 86400  # the default


def test_remove_approval_defaults_to_everyone() -> None:
    assert str(removal_quorum(load("v1.yaml"))) == "all developers and all monitors"


def test_propose_body() -> None:
    text = (VECTORS / "valid-tighten.yaml").read_bytes()
    body = propose_body("tighten-2027", text, rationale="the threshold proved too loose")
    assert body == {"id": "tighten-2027", "action": "amend", "pact": base64.b64encode(text).decode(),
                    "rationale": "the threshold proved too loose"}
    assert base64.b64decode(body["pact"], validate=True) == text
    assert set(propose_body("x", text)) == {"id", "action", "pact"}
    assert propose_body("x", b"#" * MAX_AMENDMENT_BYTES)["pact"]
    for proposal, data, rationale in (("x", b"#" * (MAX_AMENDMENT_BYTES + 1), None), ("", text, None), ("x", text, "é" * 2001)):
        with pytest.raises(AmendmentBodyError):
            propose_body(proposal, data, rationale)
    assert propose_body("x", text, rationale="é" * 2000)["rationale"] == "é" * 2000  # code points, not bytes
