"""The page's routes on the server: ``/``, ``/page/<asset>`` and ``/pact.yaml``."""

from __future__ import annotations

import base64
import json
import time
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse, Response

from ..service import LogService
from .assets import ASSETS, asset
from .facts import Facts, gather
from .html import render


def _facts(service: LogService, status: dict[str, Any] | None, checkpoint: str | None) -> Facts:
    with service.engine_lock:
        return gather(service.engine, service.pact, service.clock.now(), status, checkpoint)


def _reads(service: LogService) -> tuple[dict[str, Any] | None, str | None]:
    status = service.latest_status()
    cp = service.read_store.checkpoint(None, service.pact.oversight.witness_quorum)
    return status, (cp[1] if cp is not None else None)


def _rationales(service: LogService, facts: Facts) -> dict[str, str]:
    """The rationale of each open proposal, read from its entry (the state does not carry it)."""
    out = {}
    for p in facts.state["proposals"]:
        if p["state"] in ("active", "queued"):
            for e in service.read_store.entries(p["index"], p["index"] + 1):
                try:
                    body = json.loads(base64.b64decode(json.loads(e.leaf)["payload"]))["body"]
                    if isinstance(body.get("rationale"), str):
                        out[p["id"]] = body["rationale"]
                except (ValueError, KeyError, TypeError, AttributeError):
                    pass
    return out


def mount(app: FastAPI, service: LogService) -> None:
    """Add the page's routes to ``app``."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(live: Annotated[str, Query(max_length=8)] = "1",
                   snapshot: Annotated[str, Query(max_length=8)] = "0") -> HTMLResponse:
        """The page; ``?live=0``: no event stream; ``?snapshot=1``: relative links and no explorer (``pausepact page``)."""
        t = time.perf_counter()
        status, checkpoint = await service.read(_reads, service)
        facts = await service.follow(_facts, service, status, checkpoint)
        rationales = await service.read(_rationales, service, facts)
        if snapshot == "1":
            body = render(facts, live=False, api=False, asset_prefix="page/", pact_href="pact.yaml", rationales=rationales)
        else:
            body = render(facts, live=live != "0", rationales=rationales)
        return HTMLResponse(body, headers={"Server-Timing": f"render;dur={1000 * (time.perf_counter() - t):.1f}",
                                           "Cache-Control": "no-store"})

    @app.get("/page/{name:path}", include_in_schema=False)
    async def page_asset(name: str) -> Response:
        if name not in ASSETS:
            return Response(b'{"error":"not-found","detail":"no such asset"}', 404, media_type="application/json")
        return Response(asset(name), media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=300"})

    @app.get("/pact.yaml", include_in_schema=False)
    async def pact_file() -> Response:
        # the version in force, whose digest the page shows (section 9), with that digest
        found = await service.follow(service.pact_text)
        text, digest = (found[0], found[1]) if found is not None else (service.cfg.pact_bytes, service.first.digest)
        return Response(text, media_type="application/yaml",
                        headers={"Pausepact-Digest": digest, "Content-Disposition": 'attachment; filename="pact.yaml"'})
