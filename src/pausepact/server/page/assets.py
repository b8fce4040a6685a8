"""The page's static files (script, style), read once from the package."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

ASSETS = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}


@cache
def asset(name: str) -> bytes:
    """The bytes of asset ``name`` (a key of ``ASSETS``); KeyError for any other name."""
    if name not in ASSETS:
        raise KeyError(name)
    return files(__package__).joinpath("static", name).read_bytes()
