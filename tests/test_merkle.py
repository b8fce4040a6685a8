"""Merkle proofs: every published RFC 6962 vector (tests/data/vectors/merkle; valid ones verify, invalid ones fail) and properties vs naive math."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pausepact.core import merkle


def _vectors(vectors: Path, kind: str) -> list[Path]:
    return sorted((vectors / "merkle" / "testdata" / kind).rglob("*.json"))


def _b(s: str) -> bytes:
    return base64.b64decode(s)


def test_inclusion_vectors(vectors: Path) -> None:
    files = _vectors(vectors, "inclusion")
    assert len(files) > 50
    for f in files:
        c = json.loads(f.read_text())
        proof = [_b(p) for p in c["proof"] or []]
        try:
            merkle.verify_inclusion(c["leafIdx"], c["treeSize"], _b(c["leafHash"]), proof, _b(c["root"]))
            ok = True
        except merkle.ProofError:
            ok = False
        assert ok != c["wantErr"], f"{f}: {c['desc']}"


def test_consistency_vectors(vectors: Path) -> None:
    files = _vectors(vectors, "consistency")
    assert len(files) > 50
    for f in files:
        c = json.loads(f.read_text())
        proof = [_b(p) for p in c["proof"] or []]
        try:
            merkle.verify_consistency(c["size1"], c["size2"], _b(c["root1"]), _b(c["root2"]), proof)
            ok = True
        except merkle.ProofError:
            ok = False
        assert ok != c["wantErr"], f"{f}: {c['desc']}"


def _tree(n: int) -> tuple[list[bytes], merkle.NodeSource]:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    nodes: dict[tuple[int, int], bytes] = {}
    cr = merkle.CompactRange()
    for leaf in leaves:
        for level, index, h in cr.append(leaf):
            nodes[(level, index)] = h
    return leaves, lambda level, index: nodes[(level, index)]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_matches_naive(case: tuple[int, int]) -> None:
    n, i = case
    leaves, get = _tree(n)
    expected = merkle.root_of(leaves)
    assert merkle.root(get, n) == expected
    proof = merkle.inclusion_proof(get, i, n)
    merkle.verify_inclusion(i, n, leaves[i], proof, expected)
    if proof:
        bad = list(proof)
        bad[0] = bytes(32)
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(i, n, leaves[i], bad, expected)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(i, n, merkle.leaf_hash(b"other"), proof, expected)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n))))
def test_consistency_matches_naive(case: tuple[int, int]) -> None:
    n, m = case
    leaves, get = _tree(n)
    r1, r2 = merkle.root_of(leaves[:m]), merkle.root_of(leaves)
    proof = merkle.consistency_proof(get, m, n)
    merkle.verify_consistency(m, n, r1, r2, proof)
    if m < n:
        forked = merkle.root_of(leaves[: m - 1] + [merkle.leaf_hash(b"forged")])
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(m, n, forked, r2, proof)


@given(st.integers(0, 2000))
def test_compact_range_root(n: int) -> None:
    leaves, _ = _tree(n)
    cr = merkle.CompactRange()
    for leaf in leaves:
        cr.append(leaf)
    assert cr.root() == merkle.root_of(leaves)
    assert len(merkle.CompactRange.peak_positions(n)) == len(cr.peaks)
