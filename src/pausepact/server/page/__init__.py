"""The public page (issue 10): the agreement, the levels now and why, indicators, and the signed status.

``mount(app, service)`` serves it at ``/`` with its assets under ``/page/`` and the exact pact bytes at
``/pact.yaml``. Every core fact is rendered by the server (no script needed to read it); the page's
script verifies the status signatures in the browser, explores the log and follows the event stream
(unless ``?live=0``). ``render`` also makes the static snapshot ``pausepact page`` writes.
"""

from __future__ import annotations

from .assets import ASSETS, asset
from .facts import Facts, gather
from .html import render
from .serve import mount

__all__ = ["ASSETS", "Facts", "asset", "gather", "mount", "render"]
