"""RFC 8785: ``canonical`` writes the published JCS vectors byte for byte (tests/data/vectors/jcs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pausepact.core.canonical import canonical, strict_loads

from .conftest import VECTORS

CASES = sorted(p.stem for p in (VECTORS / "jcs" / "testdata" / "input").glob("*.json"))


def test_the_vectors_are_shipped() -> None:
    assert len(CASES) >= 6


@pytest.mark.parametrize("name", CASES)
def test_jcs_vector(name: str, vectors: Path) -> None:
    data = vectors / "jcs" / "testdata"
    want = (data / "output" / f"{name}.json").read_bytes()
    assert want == bytes.fromhex((data / "outhex" / f"{name}.txt").read_text().replace(" ", "").replace("\n", ""))
    got = canonical(strict_loads((data / "input" / f"{name}.json").read_bytes()))
    assert got == want
    assert canonical(strict_loads(want)) == want  # canonical bytes are a fixed point
