"""The sealed test pact (tests/data/sealed/pact.yaml): its seal keys, and a folder a real server can serve it from."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from pausepact.core.pact import Pact
from pausepact.core.pactfile import parse_pact
from pausepact.keyfiles import write_private_key

from .factory import DEVELOPERS, MONITORS, key

SEALED_PACT = Path(__file__).parent / "data" / "sealed" / "pact.yaml"


def seal_key(monitor: str) -> X25519PrivateKey:
    """Monitor ``monitor``'s private seal key in the sealed test pact."""
    return X25519PrivateKey.from_private_bytes(hashlib.sha256(f"seal/{monitor}".encode()).digest())


def sealed_pact() -> tuple[Pact, bytes]:
    data = SEALED_PACT.read_bytes()
    pact, diags = parse_pact(data)
    assert pact is not None, [d.render("pact") for d in diags]
    return pact, data


def write_sealed_world(folder: Path) -> Path:
    """pact.yaml (the sealed test pact) and every party's signing key (PEM) in ``folder``, as ``live.serving`` wants."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pact.yaml").write_bytes(SEALED_PACT.read_bytes())
    for pid in [*DEVELOPERS, *MONITORS, "log"]:
        if not (folder / f"{pid}.pem").exists():
            write_private_key(folder / f"{pid}.pem", key(pid))
    return folder / "pact.yaml"
