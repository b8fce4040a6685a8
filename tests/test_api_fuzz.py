"""schemathesis against the server's own OpenAPI spec: malformed requests of every kind get 4xx, never 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from .live import serving, write_world


def test_no_request_makes_the_server_fail(tmp_path: Path) -> None:
    write_world(tmp_path)
    with serving(tmp_path) as srv:
        schema = schemathesis.openapi.from_url(f"{srv.url}/openapi.json")
        operations = [r.ok() for r in schema.get_all_operations()]
        paths = {op.path for op in operations}
        assert {"/v1/statements", "/v1/entries", "/v1/checkpoint", "/v1/proof/inclusion", "/v1/proof/consistency",
                "/v1/cosignatures", "/v1/state", "/v1/status", "/v1/events"} <= paths
        tried = 0
        for op in operations:
            if op.path == "/v1/events":  # a stream that never ends by design
                continue

            @given(case=op.as_strategy())
            @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def fuzz(case: Any) -> None:
                nonlocal tried
                tried += 1
                response = case.call(timeout=10)
                assert response.status_code < 500, (case.method, case.path, response.text[:300])
                if response.status_code >= 400:
                    assert {"error", "detail"} <= set(response.json()), response.text

            fuzz()
        assert tried > 100
        assert httpx.get(srv.url + "/v1/checkpoint?latest=1").status_code == 200  # still serving
