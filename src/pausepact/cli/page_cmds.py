"""``pausepact page``: a static snapshot of a server's public page, for publishing on any web host."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import httpx
import typer

from ..errors import PausepactError
from . import app
from .common import ServerOpt


def files() -> dict[str, str]:
    """What a snapshot holds: its file name -> the server path it comes from."""
    from ..server.page.assets import VENDOR  # here, not at import: the CLI does not load the server to start

    return {"index.html": "/?live=0&snapshot=1", "page/page.js": "/page/page.js", "page/page.css": "/page/page.css",
            "pact.yaml": "/pact.yaml", **{f"page/{v}": f"/page/{v}" for v in (VENDOR + "ed25519.js", VENDOR + "LICENSE")}}


class SnapshotFailed(PausepactError):
    """The server did not give a complete page; nothing was written."""


def snapshot(server: str, out: Path, timeout: float = 30.0) -> list[Path]:
    """Fetch the page and its assets from ``server`` and write them under ``out`` with relative links.

    All files are fetched before any is written, so a failure leaves ``out`` as it was. The pact's
    bytes are checked against the digest the server names.
    """
    base = server.rstrip("/")
    got: dict[str, bytes] = {}
    try:
        with httpx.Client(timeout=timeout) as client:
            for name, path in files().items():
                r = client.get(base + path)
                if r.status_code != 200:
                    raise SnapshotFailed(f"{base}{path}: answered {r.status_code}; is this a pausepact server?")
                got[name] = r.content
                if name == "pact.yaml":
                    digest = "sha256:" + hashlib.sha256(r.content).hexdigest()
                    if r.headers.get("pausepact-digest") != digest:
                        raise SnapshotFailed(f"{base}/pact.yaml: its bytes do not match the digest it names")
    except httpx.HTTPError as e:
        raise SnapshotFailed(f"{base}: {type(e).__name__}: {e}") from None
    written = []
    for name, data in got.items():
        target = out / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as e:
            raise SnapshotFailed(f"{target}: cannot write: {e.strerror or e}") from None
        written.append(target)
    return written


@app.command("page")
def page(
    server: ServerOpt,
    out: Annotated[Path, typer.Option("--out", help="folder to write index.html and its assets into")],
) -> None:
    """Write a static snapshot of the server's public page (index.html, assets, pact.yaml; relative links, no server needed)."""
    for path in snapshot(server, out):
        print(path)
