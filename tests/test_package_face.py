"""The package face: ``import pausepact`` is cheap and every public name resolves."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import pausepact

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("fastapi", "uvicorn", "httpx", "torch", "starlette")


def imported_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_every_public_name_resolves() -> None:
    assert len(pausepact.__all__) == len(set(pausepact.__all__))
    for name in pausepact.__all__:
        assert getattr(pausepact, name) is not None, name
    assert set(dir(pausepact)) >= set(pausepact.__all__)
    with pytest.raises(AttributeError):
        pausepact.no_such_name  # noqa: B018


def test_public_names_are_the_modules_own() -> None:
    from pausepact.core.engine import Engine
    from pausepact.core.status import verify_status

    assert pausepact.Engine is Engine and pausepact.verify_status is verify_status


def test_version_is_the_projects() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert pausepact.__version__ == project
    assert pausepact.VERSION == project  # the fallback when the package metadata is absent


def test_import_is_cheap() -> None:
    assert imported_after("import pausepact") == []
    assert imported_after("import pausepact; pausepact.Pact; pausepact.Engine; pausepact.verify_status") == []


def test_the_cli_does_not_pull_the_server() -> None:
    loaded = imported_after("import pausepact.cli")
    assert not {"fastapi", "uvicorn", "starlette", "torch"} & set(loaded)


def test_py_typed_ships() -> None:
    assert (Path(pausepact.__file__).parent / "py.typed").is_file()
