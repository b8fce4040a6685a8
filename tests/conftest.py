from __future__ import annotations

import os
import uuid
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


PG = os.environ.get("PAUSEPACT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_url(prefix: str = "t") -> str:
    """A PostgreSQL store URL in a schema of its own, so tests running side by side never share a log."""
    return f"{PG}?schema={prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh log store URL on each backend (SQLite in tmp_path; PostgreSQL in its own schema)."""
    return f"sqlite:///{tmp_path}/log.db" if request.param == "sqlite" else pg_url()
