"""pausepact: coordinated, verifiable pause agreements for frontier AI development.

The names a library user needs, importable from here; each is loaded the first
time it is used, so ``import pausepact`` costs nothing and pulls in neither the
server (FastAPI) nor the guard's training hooks (torch). Where each name lives:

- the pact: ``Pact``, ``parse_pact`` (bytes in, pact and diagnostics out), ``load_pact`` (a file);
- statements: ``decode_envelope`` (structure and signature against a pact), ``check_one``
  (what the log does with an envelope), ``sign_statement``, ``Signer`` (a party's key);
- the engine: ``Engine``, ``replay`` (the full state of a log), ``status_core``;
- the signed status: ``StatusCore``, ``verify_status``, ``StatusError``;
- the log's proofs: ``verify_inclusion``, ``verify_consistency``, ``parse_checkpoint``, ``verify_log``;
- the shell: ``PactClient`` (a server, checked against the pinned pact), ``Guard`` (stops runs);
- errors: ``PausepactError`` (every error meant for a user; ``diagnostics()`` gives its lines).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core.engine import Engine, full_state, replay, status_core
    from .core.merkle import verify_consistency, verify_inclusion
    from .core.notes import parse_checkpoint
    from .core.pact import Pact, pact_digest
    from .core.pactfile import parse_pact
    from .core.statements import Rejection, SignedStatement, decode_envelope, sign_statement
    from .core.status import StatusCore, StatusError, verify_status
    from .errors import PausepactError
    from .log.checking import check_one
    from .log.verify import verify_log
    from .pactio import load_pact
    from .party.client import PactClient
    from .party.guard import Guard
    from .party.signer import Signer

__version__: str  # resolved on first use, from the installed package's metadata
VERSION = "0.1.0"  # pyproject.toml's version: what ``__version__`` says when the package metadata is absent

# name -> the module (relative to this package) that defines it
_WHERE = {
    "Pact": ".core.pact", "pact_digest": ".core.pact", "parse_pact": ".core.pactfile", "load_pact": ".pactio",
    "decode_envelope": ".core.statements", "sign_statement": ".core.statements", "SignedStatement": ".core.statements",
    "Rejection": ".core.statements", "check_one": ".log.checking", "Signer": ".party.signer",
    "Engine": ".core.engine", "replay": ".core.engine", "full_state": ".core.engine", "status_core": ".core.engine",
    "StatusCore": ".core.status", "StatusError": ".core.status", "verify_status": ".core.status",
    "verify_inclusion": ".core.merkle", "verify_consistency": ".core.merkle", "parse_checkpoint": ".core.notes",
    "verify_log": ".log.verify", "PactClient": ".party.client", "Guard": ".party.guard", "PausepactError": ".errors",
}

__all__ = [
    "Engine", "Guard", "Pact", "PactClient", "PausepactError", "Rejection", "SignedStatement", "Signer", "StatusCore",
    "StatusError", "__version__", "check_one", "decode_envelope", "full_state", "load_pact", "pact_digest", "parse_checkpoint",
    "parse_pact", "replay", "sign_statement", "status_core", "verify_consistency", "verify_inclusion", "verify_log",
    "verify_status",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pausepact")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return VERSION


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
