"""Prometheus metrics of one server process (``GET /metrics``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from ..log.writer import Accepted

if TYPE_CHECKING:
    from .service import LogService


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, service: LogService) -> None:
        self.registry = CollectorRegistry()
        self.accepted = Counter("pausepact_statements_accepted", "statements appended", registry=self.registry)
        self.refused = Counter("pausepact_statements_refused", "statements refused", ["error"], registry=self.registry)
        size = Gauge("pausepact_log_size", "entries in the log (as this process's engine has read them)", registry=self.registry)
        size.set_function(lambda: service.engine.size)
        level = Gauge("pausepact_level_rank", "coordinated level (0 = resting level)", registry=self.registry)
        level.set_function(lambda: service.pact.levels.index(service.engine.coord.level))
        self.subscribers = Gauge("pausepact_event_subscribers", "open /v1/events streams", registry=self.registry)
        self.subscribers.set_function(lambda: len(service.hub.subscribers))

    def count(self, results: Sequence[Any]) -> None:
        for r in results:
            if isinstance(r, Accepted):
                self.accepted.inc()
            else:
                self.refused.labels(r.error).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
