"""The code stays typed and linted: mypy --strict on the package, ruff on everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_is_clean() -> None:
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_core_imports_no_shell() -> None:
    """Dependencies point inward: nothing under pausepact.core imports the shell, the network or a clock."""
    forbidden = ("pausepact.server", "pausepact.log.store", "pausepact.cli", "pausepact.party.client", "httpx", "fastapi", "sqlite3",
                 "psycopg", "time.time", "datetime.now", "from ..store", "from ..server", "from ..cli", "from ...")
    for path in (ROOT / "src" / "pausepact" / "core").rglob("*.py"):
        text = path.read_text()
        for word in forbidden:
            assert word not in text, f"{path.relative_to(ROOT)} uses {word!r}"
