"""The rules of a valid pact (contract section 1, P1-P9): one function each, errors that name
their rule, and vectors in tests/data/pacts that another implementation can run as they are."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pausepact.core.lint import RULES
from pausepact.core.pactfile import parse_pact

VECTORS = Path(__file__).parent / "data" / "pacts"
MANIFEST: dict[str, dict[str, object]] = json.loads((VECTORS / "manifest.json").read_text())
RULE = re.compile(r"^(P[1-9]): ")


def found(data: bytes) -> list[tuple[str, int, int]]:
    """Every error as (rule, or "schema" for the closed schema, line, col); checks the invariants on the way."""
    pact, diags = parse_pact(data)
    errors = [d for d in diags if d.severity == "error"]
    assert (pact is None) == bool(errors)
    assert not [d for d in diags if d.severity == "warning" and RULE.match(d.message)], "a warning named a rule"
    return sorted(((m.group(1) if (m := RULE.match(d.message)) else "schema"), d.line, d.col) for d in errors)


def _cases() -> list[object]:
    out: list[object] = []
    for name, entry in MANIFEST.items():
        marks = [pytest.mark.xfail(strict=True, reason=str(entry["known_divergence"]))] if "known_divergence" in entry else []
        out.append(pytest.param(name, entry, id=name.removesuffix(".yaml"), marks=marks))
    return out


@pytest.mark.parametrize("name,entry", _cases())
def test_vector(name: str, entry: dict[str, object]) -> None:
    expected = sorted((rule or "schema", line, col) for rule, line, col in entry["errors"])  # type: ignore[attr-defined]
    assert found((VECTORS / name).read_bytes()) == expected
    assert entry["valid"] == (not expected)


def test_every_vector_file_is_in_the_manifest_and_every_rule_has_one() -> None:
    assert sorted(p.name for p in VECTORS.glob("*.yaml")) == sorted(MANIFEST)
    ruled = {e[0] for entry in MANIFEST.values() for e in entry["errors"]}  # type: ignore[attr-defined]
    assert {f"P{n}" for n in range(1, 10)} <= ruled


def test_one_function_per_rule_named_by_its_number() -> None:
    assert [r.__name__.split("_", 1)[0] for r in RULES] == [f"p{n}" for n in range(1, 10)]
    assert all(r.__doc__ for r in RULES), "each rule's docstring states it as the contract does"


def test_a_key_listed_twice_by_one_party_is_advice_not_an_error() -> None:
    """P2 says a key belongs to one party only; one party listing it twice breaks nothing (before: an error)."""
    pact, diags = parse_pact((VECTORS / "p2-key-twice-one-party.yaml").read_bytes())
    assert pact is not None
    assert any("listed twice for the same party" in d.message and d.severity == "warning" for d in diags)


def test_a_rule_error_replaces_the_schema_error_on_the_same_value() -> None:
    """One problem, one line: the schema's bound on a duration is P6's, said once."""
    text = (VECTORS / "valid-base.yaml").read_text().replace("every: 30d", "every: 0d", 1)
    _, diags = parse_pact(text.encode())
    assert [d.message for d in diags if d.severity == "error"] == ["P6: indicators.ai_code_share.every: duration '0d' must be longer than zero"]


BASE = (VECTORS / "valid-base.yaml").read_text()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_edited_pacts_give_positioned_lines_and_never_raise(data: st.DataObject) -> None:
    """Cut a span of the valid pact and put hostile text there: parse_pact never raises, every
    error is a rule's or the schema's, and no warning names a rule."""
    base = data.draw(st.sampled_from([BASE, (VECTORS / "valid-sealed.yaml").read_text()]))
    start = data.draw(st.integers(0, len(base)))
    end = data.draw(st.integers(start, min(len(base), start + 40)))
    insert = data.draw(st.sampled_from(["", "0", "0d", "-1", "pause", "all developers", "x" * 70, "\n  - ", ": ", "[]", "{}",
                                        "sealed", "x25519:", "all monitors"]))
    lines = base.count("\n") + 3
    for _, line, col in found((base[:start] + insert + base[end:]).encode()):
        assert 1 <= line <= lines and col >= 1


# --- v2: sealed indicators, seal keys, verdict quorums (contract section 8, rules P2, P4, P6, P7) ---

SEALED = (VECTORS / "valid-sealed.yaml").read_text()
LEVELS = ["normal", "heightened", "slowdown", "pause"]


def diagnostics(text: str) -> tuple[list[str], list[str]]:
    """(error messages, warning messages) of a pact text."""
    _, diags = parse_pact(text.encode())
    return ([d.message for d in diags if d.severity == "error"], [d.message for d in diags if d.severity == "warning"])


def with_monitors(text: str, n: int) -> str:
    """The sealed vector with ``n`` monitors, each with its keys and a seal key, and majority oversight quorums."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from pausepact.core.sealing import format_seal_key
    from pausepact.keyfiles import public_text

    from .factory import key

    def seal(m: str) -> str:
        private = X25519PrivateKey.from_private_bytes(hashlib.sha256(f"seal/{m}".encode()).digest())
        return format_seal_key(private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))

    kept = [line for line in text.splitlines(keepends=True) if "role: monitor" not in line]
    at = next(i for i, line in enumerate(kept) if "role: log" in line)
    monitors = [f'  - {{id: m{i}, name: M{i}, role: monitor, seal_key: "{seal(f"m{i}")}", keys: ["{public_text(key(f"m{i}"))}"]}}\n'
                for i in range(n)]
    out = "".join(kept[:at] + monitors + kept[at:])
    return out.replace("witness_quorum: 2", f"witness_quorum: {n // 2 + 1}").replace("status_quorum: 2", f"status_quorum: {n // 2 + 1}")


QUORUMS = st.one_of(
    st.integers(0, 9).map(lambda n: (f"{n} of monitors", lambda m, n=n: n)),
    st.tuples(st.integers(1, 6), st.integers(1, 6)).filter(lambda f: f[0] <= f[1]).map(
        lambda f: (f"{f[0]}/{f[1]} of monitors", lambda m, f=f: -(-f[0] * m // f[1]))),
    st.just(("all monitors", lambda m: m)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 7), quorum=QUORUMS, by_monitor=st.booleans())
def test_verdict_quorum_is_a_majority_the_judges_can_meet(n: int, quorum: tuple[str, object], by_monitor: bool) -> None:
    """P7 on verdict_quorum against an oracle written from the contract: a part of at least 1, more than half of the
    monitors, at most their number; on a monitor-reported indicator a count at most the other monitors (its judges).
    The warning comes exactly when a valid quorum exceeds the smallest majority."""
    text, need_of = quorum
    need = need_of(n)  # type: ignore[operator]
    pact = with_monitors(SEALED, n).replace("verdict_quorum: 2 of monitors", f"verdict_quorum: {text}")
    if by_monitor:  # seal the monitor-reported indicator instead
        pact = pact.replace("    disclosure: sealed\n    verdict_quorum", "    verdict_quorum", 1)
        block = "    verdict_quorum: " + text + "\n"
        pact = pact.replace(block, "", 1).replace("    reported_by: monitor\n", "    reported_by: monitor\n    disclosure: sealed\n" + block, 1)
    judges = n - 1 if by_monitor else n
    judge_need = need if text.split()[0].isdigit() else need_of(judges)  # type: ignore[operator]
    valid = (not text.startswith("0 ") and need <= n and 2 * need > n and judges >= 1 and judge_need <= judges)
    errors, warnings = diagnostics(pact)
    assert [e for e in errors if not e.startswith("P7: verdict_quorum") and not e.startswith("P7: quorum '0")] == []
    assert (not errors) == valid, errors
    warned = [w for w in warnings if w.startswith("verdict_quorum")]
    assert bool(warned) == (valid and need > n // 2 + 1), warned


RED_LINE = st.tuples(
    st.sampled_from(["threshold", "overdue"]),
    st.sampled_from(["ai_code_share", None, "ai_rnd_score"]),
    st.sampled_from(LEVELS[1:]),
    st.sampled_from(["all", "party"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(RED_LINE, max_size=5))
def test_a_sealed_lab_indicator_is_covered_by_an_overdue_red_line_as_high_as_any_on_it(lines: list[tuple[str, str | None, str, str]]) -> None:
    """P4's covering rule against an oracle: some overdue red line of scope party, naming the sealed developer
    indicator or none, raises at least as high as every other red line on that indicator."""
    rendered = []
    for i, (kind, indicator, level, scope) in enumerate(lines):
        if kind == "threshold" and indicator is None:
            indicator = "ai_code_share"
        cond = "at_least: 0.5" if kind == "threshold" else "overdue: 7d"
        rendered.append(f"  - id: r{i}\n" + (f"    indicator: {indicator}\n" if indicator else "")
                        + f"    {cond}\n    raise: {level}\n    scope: {scope}\n")
    start, end = SEALED.index("red_lines:\n"), SEALED.index("emergency:")
    text = SEALED[:start] + ("red_lines:\n" + "".join(rendered) if rendered else "") + "\n" + SEALED[end:]
    on = [(i, LEVELS.index(lv)) for i, (k, ind, lv, _) in enumerate(lines) if ind == "ai_code_share" or (k == "threshold" and ind is None)]
    covering = [(i, LEVELS.index(lv)) for i, (k, ind, lv, sc) in enumerate(lines)
                if k == "overdue" and sc == "party" and ind in ("ai_code_share", None)]
    covered = any(all(r <= rank for j, r in on if j != i) for i, rank in covering)
    errors, _ = diagnostics(text)
    assert errors == ([] if covered else [e for e in errors if e.startswith("P4: sealed indicator 'ai_code_share'")]), errors
    assert bool(errors) != covered


def test_advice_on_v2_choices_never_makes_a_pact_invalid() -> None:
    """The warnings the contract names for v2 come from the vectors that are valid."""
    expected = {
        "p6-amendment-timelock-zero.yaml": "amendment.timelock is zero",
        "p7-verdict-quorum-all-monitors.yaml": "1 silent monitor(s), a minority, can keep every report of 'ai_code_share' from being assessed",
        "p2-seal-key-low-order.yaml": "low-order X25519 point",
    }
    for name, fragment in expected.items():
        assert MANIFEST[name]["valid"] is True
        errors, warnings = diagnostics((VECTORS / name).read_text())
        assert not errors and any(fragment in w for w in warnings), (name, warnings)
    assert not [w for w in diagnostics(SEALED)[1] if "verdict_quorum" in w or "countersign" in w], \
        "no advice to countersign a sealed indicator (P4 forbids it), none on a majority verdict_quorum"


def test_every_v2_rule_part_has_a_valid_and_an_invalid_vector() -> None:
    parts = ["p2-seal-key", "p4-sealed", "p4-verdict-quorum", "p6-verdict-within", "p6-amendment-timelock",
             "p7-verdict-quorum", "p7-remove-approval"]
    for part in parts:
        entries = [e for n, e in MANIFEST.items() if n.startswith(part)]
        assert any(not e["valid"] for e in entries), part
    valid = {n for n, e in MANIFEST.items() if e["valid"]}
    assert {"valid-sealed.yaml", "p2-seal-keys-nothing-sealed.yaml", "p4-sealed-covered-without-indicator.yaml",
            "p4-sealed-by-monitor.yaml", "p6-amendment-timelock-zero.yaml", "p7-verdict-quorum-half-of-three.yaml"} <= valid


def test_null_is_no_value() -> None:
    """`seal_key:` written empty is not "no seal key": every field of the table has a type, and null is none."""
    for old, new in [("    disclosure: sealed\n", "    disclosure:\n"), ('seal_key: "x25519:V15I', 'seal_key: ~, x: "x25519:V15I'),
                     ("  verdict_within: 7d\n", "  verdict_within: null\n")]:
        errors, _ = diagnostics(SEALED.replace(old, new, 1))
        assert errors and any("null is not a value here" in e for e in errors), (new, errors)
