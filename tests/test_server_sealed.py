"""The server on sealed reports: what looks back in the log is refused before it is appended; no value leaks."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from pausepact.pactio import load_pact
from pausepact.party.client import ClientError, PactClient
from pausepact.party.signer import Signer

from .factory import key
from .live import serving, write_world
from .sealed_log import member, sealed_pact_kw


def test_a_verdict_naming_the_wrong_red_lines_is_refused_and_a_right_one_accepted(tmp_path: Path) -> None:
    write_world(tmp_path, **sealed_pact_kw())
    pact = load_pact(tmp_path / "pact.yaml")
    with serving(tmp_path) as srv, PactClient(srv.url, pact) as c:
        signers = {p: Signer(pact, p, key(p)) for p in ("lab-a", "lab-b", "lab-c", "aisi", "eval-org")}
        for d in ("lab-a", "lab-b", "lab-c"):
            c.submit(signers[d], "sign", {})
        commitment = "sha256:" + "ab" * 32
        report = c.submit(signers["lab-a"], "sealed_report", {
            "indicator": "ai_code_share", "measured_at": "2026-01-01T00:00:00Z", "commitment": commitment,
            "sealed": {m: member() for m in pact.seal_keys}})
        digest = c.entries(report["index"], report["index"] + 1)[0]["envelope"]
        from pausepact.core.statements import check

        d = check(digest, pact).digest
        with pytest.raises(ClientError) as refused:  # the follower may not have applied the report yet
            c.submit(signers["aisi"], "verdict", {"statement": d, "opened": True,
                                                  "red_lines": {"models-write-the-code": "holds"}})
        assert refused.value.error == "body" and "all-code-by-models" in str(refused.value)
        words = {"models-write-the-code": "misses", "all-code-by-models": "misses"}
        for m in ("aisi", "eval-org"):
            c.submit(signers[m], "verdict", {"statement": d, "opened": True, "red_lines": words})
        # a report of a sealed indicator in the clear is refused too
        with pytest.raises(ClientError) as clear:
            c.submit(signers["lab-b"], "report", {"indicator": "ai_code_share", "value": 0.5,
                                                  "measured_at": "2026-01-01T00:00:00Z"})
        assert clear.value.error == "body"
        state = httpx.get(f"{srv.url}/v1/state").json()
        assert state["rejected"] == []
        assert [s["state"] for s in state["sealed"]] == ["assessed"]
        assert state["sealed"][0]["value"] is None
        assert json.loads(json.dumps(state["disputes"])) == []
