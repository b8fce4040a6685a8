"""The HTTP API of ``pausepact serve`` (contract section 4), with OpenAPI docs at ``/docs``.

Every refusal is ``4xx {"error", "detail", "log_time"?}``; malformed requests of
any kind never produce a 5xx. Request bodies over 64 KiB are refused unread, and
a body not complete within ``BODY_SECONDS`` is refused ``408``. A failing
database is ``503 unavailable``; any other fault is a bug of ours: logged with
its traceback and answered ``500 {"error": "internal", ...}``, never disguised.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.canonical import JsonError, canonical, strict_loads
from ..core.durations import format_time
from ..log.store import is_database_error
from ..log.writer import Accepted
from .apidocs import mount_docs
from .chain import mount_chain
from .dashboard import mount_page
from .metrics import Metrics
from .models import ConsistencyProof, Entries, InclusionProof, Receipt, Refusal, SeqInfo, StatusCore, StatusSignature
from .service import InternalFault, LogService, ServerConfig, Unavailable

log = logging.getLogger("pausepact.server")
MAX_BODY = 64 * 1024
BODY_SECONDS = 10.0  # 64 KiB in 10 s is 6.5 KiB/s: any honest link; a held connection is freed soon
STATUS_CODES = {"malformed": 400, "payload-type": 415, "too-large": 413, "bad-signature": 403, "unknown-key": 403,
                "wrong-pact": 400, "bad-seq": 409, "bad-time": 400, "time-order": 409, "skew": 409, "role": 403, "body": 422,
                "unavailable": 503}  # unavailable: no log key of the version in force (log.writer), nothing appended
REFUSALS: dict[int | str, dict[str, Any]] = {code: {"model": Refusal} for code in (400, 403, 404, 408, 409, 413, 415, 422, 503)}
UNAVAILABLE = "the log's database is unavailable; nothing was appended"
INTERNAL = "an internal fault of the server (logged); nothing was appended"


def refuse(status: int, error: str, detail: str, log_time: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "detail": detail}
    if log_time is not None:
        body["log_time"] = log_time
    return JSONResponse(body, status_code=status)


async def read_body(request: Request, limit: int = MAX_BODY, seconds: float = BODY_SECONDS) -> bytes | JSONResponse:
    """The request body; a 413 refusal once it passes ``limit`` bytes (not read further), 408 after ``seconds``."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or len(length) > 12 or int(length) > limit):
        return refuse(413, "too-large", f"request bodies are at most {limit} bytes")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    return refuse(413, "too-large", f"request bodies are at most {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        return refuse(408, "timeout", f"the request body did not arrive within {seconds:g} s")
    return b"".join(chunks)


class FaultBarrier:
    """Outermost ASGI layer: an exception no handler caught is a bug of ours.

    It is logged once with its traceback and answered ``500`` with the contract's
    error JSON (when the answer has not started), and it never reaches the server's
    own error page or log as an unhandled exception.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as e:
            if isinstance(e, Unavailable) or is_database_error(e):
                log.error("the database is unavailable answering %s %s: %s", scope.get("method"), scope.get("path"), e)
                answer = refuse(503, "unavailable", "the log's database is unavailable")
            else:
                log.exception("internal fault answering %s %s", scope.get("method"), scope.get("path"))
                answer = refuse(500, "internal", "an internal fault of the server (logged)")
            if not started:
                await answer(scope, receive, send)


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
        docs_url=None,  # served from vendored assets by mount_docs: no CDN
        redoc_url=None,
    )
    app.state.service = service
    mount_docs(app, app.openapi_url or "/openapi.json")
    app.add_middleware(FaultBarrier)

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
        except Unavailable:
            return refuse(503, "unavailable", UNAVAILABLE)
        except InternalFault:
            return refuse(500, "internal", INTERNAL)
        if isinstance(result, Accepted):
            receipt: dict[str, Any] = {"index": result.index, "leaf_hash": result.leaf_hash.hex(), "checkpoint": note}
            void = await service.void_reason(result.index)
            if void is not None:
                receipt["void"] = void  # extension: the entry is kept but has no effect (contract section 6)
            return JSONResponse(receipt, status_code=201)
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
        need = 0 if latest else service.witness_quorum()
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
        count, error = await service.follow(service.guarded(service.add_cosignature), body)
        if error:
            return refuse(400, "malformed", error)
        return {"cosigners": count}

    @app.get("/v1/state", responses=REFUSALS)
    async def get_state() -> Any:
        """The full state (contract section 5), unsigned, as of now."""
        return Response(await service.follow(service.state_json), media_type="application/json")

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

    @app.post("/v1/status/signatures", responses=REFUSALS,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": StatusSignature.model_json_schema()}}}})
    async def post_status_signature(request: Request) -> Any:
        """One monitor's signature over a proposed core (a status envelope with exactly one signature), at most 64 KiB."""
        body = await read_body(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            envelope = strict_loads(body)
        except JsonError:
            return refuse(400, "malformed", "the body is not JSON")
        sigs = envelope.get("signatures") if isinstance(envelope, dict) else None
        if not isinstance(sigs, list) or len(sigs) != 1:
            # one signature per request: the verification work of an anonymous request stays one signature
            return refuse(400, "malformed", "send a status envelope with exactly one monitor signature")
        count, error = await service.follow(service.guarded(service.add_status_signature), envelope)
        if error:
            return refuse(400, "malformed", error)
        return {"signers": count, "quorum": service.status_quorum()}

    @app.get("/v1/pact", response_class=Response, responses={404: {"model": Refusal}, 200: {
        "content": {"application/yaml": {}}, "description": "the pact's exact bytes; header Pausepact-Digest"}})
    async def get_pact(version: Annotated[int | None, Query(ge=1, le=2**53)] = None) -> Response:
        """The text of the version of the pact in force now (``?version=N``: any version of its chain), exactly as
        signed, with its digest in the ``Pausepact-Digest`` header (contract v2, section 9)."""
        found = await service.follow(service.pact_text, version)
        if found is None:
            return refuse(404, "not-found", f"the pact has no version {version} in force yet")
        text, digest, number = found
        return Response(text, media_type="application/yaml",
                        headers={"Pausepact-Digest": digest, "Pausepact-Version": str(number), "Cache-Control": "no-store"})

    @app.get("/v1/seq", response_model=SeqInfo, responses=REFUSALS)
    async def get_seq(keyid: Annotated[str, Query(pattern="^[0-9a-f]{64}$")]) -> Any:
        """The last seq this log counted for a signing key, and the log's clock (clients pick the next seq)."""
        seqs = await service.read(service.read_store.last_seqs, [keyid])
        return {"keyid": keyid, "seq": seqs.get(keyid, 0), "log_time": format_time(service.clock.now())}

    @app.get("/v1/clock", responses=REFUSALS)
    async def get_clock() -> Any:
        """Extension: the server's clock (``wall``, ``scaled`` or ``rehearsal`` with the rehearsal's id) and how far its
        follower got. Guards, monitors and ``status`` refuse a server on another clock (docs/rehearse.md)."""
        return await service.read(service.clock_info)

    @app.get("/v1/events", responses={429: {"model": Refusal}})
    async def get_events(request: Request) -> Response:
        """Server-sent events: ``entry`` (each appended entry), ``status`` (each newly signed status), ``core``."""
        client = request.client.host if request.client else ""
        q = service.hub.subscribe(client)
        if q is None:
            return refuse(429, "too-many", "too many open event streams; poll GET /v1/status instead")

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
                    if not event:  # dropped: this subscriber did not keep up
                        return
                    yield f"event: {event}\ndata: {data}\n\n".encode()
            finally:
                service.hub.unsubscribe(q)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @app.get("/metrics", include_in_schema=False)
    async def get_metrics() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    mount_page(app, service)  # the public page at /, its assets under /page/, the pact's bytes at /pact.yaml
    mount_chain(app, service)  # GET /v1/amendments: where the evidence for an amendment is (guards following versions)

    return app
