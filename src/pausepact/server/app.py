"""The HTTP API of ``pausepact serve`` (contract section 4), with OpenAPI docs at ``/docs``.

Every refusal is ``4xx {"error", "detail", "log_time"?}``; malformed requests of
any kind never produce a 5xx. Request bodies over 64 KiB are refused unread.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..core.canonical import canonical
from ..core.durations import format_time
from ..log import Accepted
from .dashboard import DASHBOARD
from .metrics import Metrics
from .models import ConsistencyProof, Entries, InclusionProof, Receipt, Refusal, SeqInfo, StatusCore, StatusSignature
from .service import LogService, ServerConfig

MAX_BODY = 64 * 1024
STATUS_CODES = {"malformed": 400, "payload-type": 415, "too-large": 413, "bad-signature": 403, "unknown-key": 403,
                "wrong-pact": 400, "bad-seq": 409, "bad-time": 400, "time-order": 409, "skew": 409, "role": 403, "body": 422}
REFUSALS: dict[int | str, dict[str, Any]] = {code: {"model": Refusal} for code in (400, 403, 404, 409, 413, 415, 422, 503)}


def refuse(status: int, error: str, detail: str, log_time: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "detail": detail}
    if log_time is not None:
        body["log_time"] = log_time
    return JSONResponse(body, status_code=status)


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes | JSONResponse:
    """The request body, or a 413 refusal once it passes ``limit`` bytes (not read further)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return refuse(413, "too-large", f"request bodies are at most {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return refuse(413, "too-large", f"request bodies are at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(cfg: ServerConfig) -> FastAPI:
    service = LogService(cfg)
    metrics = Metrics(service)
    service.metrics = metrics

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    app = FastAPI(
        title="pausepact log server",
        version="1",
        description=f"The transparency log, state and signed status of pact `{cfg.pact.pact}` ({cfg.pact.digest}).",
        lifespan=lifespan,
    )
    app.state.service = service

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return refuse(400, "malformed", f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "malformed")
        return refuse(exc.status_code, error, str(exc.detail))

    @app.post("/v1/statements", status_code=201, response_model=Receipt, responses=REFUSALS,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {
                  "type": "object", "description": "a DSSE statement envelope (contract section 2), at most 64 KiB"}}}}})
    async def post_statement(request: Request) -> Any:
        """Append a signed statement. Answers once the entry is durable and inside a signed checkpoint."""
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            result, note = await service.submit(body)
        except Exception:
            return refuse(503, "unavailable", "the log's database is unavailable; nothing was appended")
        if isinstance(result, Accepted):
            return JSONResponse({"index": result.index, "leaf_hash": result.leaf_hash.hex(), "checkpoint": note}, status_code=201)
        return refuse(STATUS_CODES.get(result.error, 400), result.error, result.detail, result.log_time)

    @app.get("/v1/entries", response_model=Entries, responses=REFUSALS)
    async def get_entries(start: Annotated[int, Query(ge=0, le=2**53)] = 0,
                          end: Annotated[int | None, Query(ge=0, le=2**53)] = None) -> Any:
        """Entries [start, end) in log order, at most 1000."""
        size = await service.read(service.read_store.size)
        stop = min(size, end if end is not None else size, start + 1000)
        entries = await service.read(service.read_store.entries, start, stop) if stop > start else []
        return {"entries": [{"index": e.index, "envelope": json.loads(e.leaf)} for e in entries]}

    @app.get("/v1/checkpoint", response_class=PlainTextResponse, responses={404: {"model": Refusal}})
    async def get_checkpoint(latest: Annotated[int, Query(ge=0, le=1)] = 0) -> Any:
        """The latest checkpoint carrying witness_quorum cosignatures (``?latest=1``: the newest, cosigned or not)."""
        need = 0 if latest else cfg.pact.oversight.witness_quorum
        cp = await service.read(lambda: service.read_store.checkpoint(None, need))
        if cp is None:
            return refuse(404, "not-found", "no checkpoint has enough cosignatures yet" if need else "no checkpoint yet")
        return PlainTextResponse(cp[1], media_type="text/plain; charset=utf-8")

    @app.get("/v1/proof/inclusion", response_model=InclusionProof, responses=REFUSALS)
    async def get_inclusion(index: Annotated[int, Query(ge=0, le=2**53)], size: Annotated[int, Query(ge=1, le=2**53)]) -> Any:
        """RFC 6962 inclusion proof of entry ``index`` in the tree of ``size`` entries."""
        have = await service.read(service.read_store.size)
        if not index < size <= have:
            return refuse(400, "malformed", f"need index < size <= {have}")
        proof = await service.read(service.read_store.inclusion_proof, index, size)
        return {"index": index, "size": size, "hashes": [h.hex() for h in proof]}

    @app.get("/v1/proof/consistency", response_model=ConsistencyProof, responses=REFUSALS)
    async def get_consistency(first: Annotated[int, Query(ge=1, le=2**53)], second: Annotated[int, Query(ge=1, le=2**53)]) -> Any:
        """RFC 6962 consistency proof from the tree of ``first`` entries to the tree of ``second``."""
        have = await service.read(service.read_store.size)
        if not first <= second <= have:
            return refuse(400, "malformed", f"need 1 <= first <= second <= {have}")
        proof = await service.read(service.read_store.consistency_proof, first, second)
        return {"first": first, "second": second, "hashes": [h.hex() for h in proof]}

    @app.post("/v1/cosignatures", responses=REFUSALS,
              openapi_extra={"requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}})
    async def post_cosignature(request: Request) -> Any:
        """A checkpoint note carrying a monitor's C2SP tlog-cosignature."""
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        count, error = await service.follow(service.add_cosignature, body)
        if error:
            return refuse(400, "malformed", error)
        return {"cosigners": count}

    @app.get("/v1/state", responses=REFUSALS)
    async def get_state() -> Any:
        """The full state (contract section 5), unsigned, as of now."""
        def compute() -> dict[str, Any]:
            with service.engine_lock:
                now = max(service.clock.now(), service.engine.last_time or 0)
                return service.engine.state_at(now)
        return Response(canonical(await service.follow(compute)), media_type="application/json")

    @app.get("/v1/status", responses=REFUSALS)
    async def get_status() -> Any:
        """The latest status envelope signed by status_quorum monitors."""
        status = await service.read(service.latest_status)
        if status is None:
            return refuse(404, "not-found", "no status has reached its quorum of monitor signatures yet")
        return status

    @app.get("/v1/status/core", response_model=StatusCore, responses=REFUSALS)
    async def get_status_core() -> Any:
        """The status core proposed now. Monitors sign it only if it equals their own replay."""
        core = service.proposed_core()
        if core is None:
            return refuse(404, "not-found", "no core proposed yet")
        return {"payload": base64.b64encode(canonical(core)).decode(), "core": core}

    @app.post("/v1/status/signatures", responses=REFUSALS)
    async def post_status_signature(sig: StatusSignature) -> Any:
        """One monitor's signature over a proposed core (a status envelope with one signature)."""
        count, error = await service.follow(service.add_status_signature, sig.model_dump())
        if error:
            return refuse(400, "malformed", error)
        return {"signers": count, "quorum": cfg.pact.oversight.status_quorum}

    @app.get("/v1/seq", response_model=SeqInfo, responses=REFUSALS)
    async def get_seq(keyid: Annotated[str, Query(pattern="^[0-9a-f]{64}$")]) -> Any:
        """The last seq this log counted for a signing key, and the log's clock (clients pick the next seq)."""
        seqs = await service.read(service.read_store.last_seqs, [keyid])
        return {"keyid": keyid, "seq": seqs.get(keyid, 0), "log_time": format_time(service.clock.now())}

    @app.get("/v1/events")
    async def get_events(request: Request) -> StreamingResponse:
        """Server-sent events: ``entry`` (each appended entry), ``status`` (each newly signed status), ``core``."""
        q = service.hub.subscribe()

        async def stream() -> AsyncIterator[bytes]:
            try:
                yield b": connected\n\n"
                current = await service.read(service.latest_status)
                if current is not None:
                    yield f"event: status\ndata: {json.dumps(current, separators=(',', ':'))}\n\n".encode()
                while True:
                    try:
                        event, data = await asyncio.wait_for(q.get(), timeout=15)
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    yield f"event: {event}\ndata: {data}\n\n".encode()
            finally:
                service.hub.unsubscribe(q)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @app.get("/metrics", include_in_schema=False)
    async def get_metrics() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        return HTMLResponse(DASHBOARD.replace("{{pact}}", cfg.pact.pact).replace("{{levels}}", json.dumps(cfg.pact.levels)))

    return app
