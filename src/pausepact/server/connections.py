"""Connection limits for ``pausepact serve``: anonymous clients cannot hold the server's sockets.

uvicorn closes idle keep-alive connections but has no deadline for a request's
headers, so a connection that sends nothing, or trickles its headers, would be
held forever (and ``limit_concurrency`` counts it). ``guarded_protocol`` gives
uvicorn's HTTP protocol two rules:

- a request's headers must be complete within ``header_seconds`` of the
  connection opening (or of the request's first byte on a kept-alive
  connection); otherwise the connection is closed;
- one client address may hold at most ``per_client`` open connections, in any
  phase (headers, body, answer, kept alive); further ones are closed at once.
  ``uvicorn_options`` keeps this well below the total ``limit_concurrency``, so
  one address cannot make others' requests fail (the body of a request has its
  own deadline: ``app.BODY_SECONDS``).

Behind a reverse proxy every client has the proxy's address: raise
``per_client`` there, and bound clients at the proxy.

``raise_file_limit`` lifts the soft open-files limit to the hard one, and
``connection_cap`` picks a ``limit_concurrency`` that stays below it.
"""

from __future__ import annotations

import asyncio
import resource
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_SECONDS = 10.0
PER_CLIENT = 64
DEFAULT_CONNECTIONS = 2000


def guarded_protocol(header_seconds: float = HEADER_SECONDS, per_client: int = PER_CLIENT) -> type[asyncio.Protocol]:
    """An HTTP protocol class for ``uvicorn.run(http=...)`` with a header deadline and a per-address cap."""
    open_: dict[str, int] = {}  # per client address: its open connections

    class GuardedHttp(HttpToolsProtocol):
        _timer: asyncio.TimerHandle | None = None
        _host = ""
        _counted = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._host = self.client[0] if self.client else ""
            if open_.get(self._host, 0) >= per_client:
                transport.close()
                return
            open_[self._host] = open_.get(self._host, 0) + 1
            self._counted = True
            self._await_headers()

        def _await_headers(self) -> None:
            if self._timer is None and self._counted:
                self._timer = self.loop.call_later(header_seconds, self._too_slow)

        def _headers_done(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _too_slow(self) -> None:
            self._timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._await_headers()  # the next request on a kept-alive connection

        def on_headers_complete(self) -> None:
            self._headers_done()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._headers_done()
            if self._counted:
                self._counted = False
                left = open_.get(self._host, 1) - 1
                if left > 0:
                    open_[self._host] = left
                else:
                    open_.pop(self._host, None)
            super().connection_lost(exc)

    return GuardedHttp


def raise_file_limit() -> int:
    """Lift the soft limit of open files to the hard limit; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return int(soft) if soft != resource.RLIM_INFINITY else 1 << 20


def connection_cap(wanted: int = DEFAULT_CONNECTIONS, files: int | None = None) -> int:
    """``limit_concurrency`` for uvicorn: ``wanted``, kept well below the open-files limit (databases, pools, logs)."""
    files = raise_file_limit() if files is None else files
    return max(16, min(wanted, files - 128))


def client_share(per_client: int, limit: int) -> int:
    """Connections one address may hold: ``per_client``, and at most a quarter of ``limit`` (so others are served)."""
    return max(1, min(per_client, limit // 4))


def uvicorn_options(header_seconds: float = HEADER_SECONDS, connections: int = DEFAULT_CONNECTIONS,
                    per_client: int = PER_CLIENT) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that bound what anonymous connections can hold."""
    limit = connection_cap(connections)
    return {"http": guarded_protocol(header_seconds, client_share(per_client, limit)), "limit_concurrency": limit,
            "timeout_keep_alive": 5, "backlog": 1024, "h11_max_incomplete_event_size": 16 * 1024}
