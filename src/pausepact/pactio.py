"""Reading pact files from disk (shell around ``core.pactfile``)."""

from __future__ import annotations

from pathlib import Path

from .core.diagnostics import Diagnostic
from .core.pact import Pact
from .core.pactfile import parse_pact
from .core.yamldoc import MAX_DOCUMENT_BYTES
from .errors import InputError, PactInvalid


def read_pact_bytes(path: Path) -> bytes:
    """The file's bytes, at most one byte past 1 MiB (never the rest): the parser then refuses it as too large.

    Directories and unreadable files are an InputError. A caller that uses the bytes for anything but parsing
    (a digest) must check the length itself.
    """
    try:
        with path.open("rb") as f:
            data = f.read(MAX_DOCUMENT_BYTES + 1)
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a pact file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    return data


def check_pact_file(path: Path) -> tuple[Pact | None, list[Diagnostic]]:
    return parse_pact(read_pact_bytes(path))


def load_pact(path: Path) -> Pact:
    """A valid pact, or PactInvalid carrying every error as ``FILE:LINE:COL: error: ...``."""
    pact, diagnostics = check_pact_file(path)
    if pact is None:
        raise PactInvalid([d.render(str(path)) for d in diagnostics if d.severity == "error"])
    return pact
