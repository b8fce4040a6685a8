"""The page's static files (script, style), read once from the package."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

VENDOR = "vendor/noble-ed25519-3.2.0/"
ASSETS = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8",
          VENDOR + "ed25519.js": "text/javascript; charset=utf-8", VENDOR + "LICENSE": "text/plain; charset=utf-8"}


@cache
def asset(name: str) -> bytes:
    """The bytes of asset ``name`` (a key of ``ASSETS``); KeyError for any other name."""
    if name not in ASSETS:
        raise KeyError(name)
    return files(__package__).joinpath("static", *name.split("/")).read_bytes()
