from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "frontier-pause.yaml"


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/ (reference material beside the checkout) is absent")
    return SHARED


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text()


VECTORS = ROOT / "tests" / "data" / "vectors"  # published vectors shipped with the tests (README there names each source)


@pytest.fixture
def vectors() -> Path:
    return VECTORS
