"""An open proposal's rationale (contract v2 section 2) is on the public page, as text."""

from __future__ import annotations

import json
from pathlib import Path

from .factory import Parties
from .test_server_hostile import app_client, wait_for


def test_the_page_shows_an_open_proposals_rationale_as_text(tmp_path: Path) -> None:
    with app_client(f"sqlite:///{tmp_path}/log.db") as (c, service):
        p = Parties(service.pact)
        for lab in ("lab-a", "lab-b", "lab-c"):
            assert c.post("/v1/statements", content=json.dumps(p(lab).sign("sign", {}, service.clock.now(), seq=1))).status_code == 201
        body = {"id": "e1", "action": "raise", "level": "pause", "rationale": "<b>evals</b> & re-measurement disagree"}
        r = c.post("/v1/statements", content=json.dumps(p("aisi").sign("propose", body, service.clock.now(), seq=1)))
        assert r.status_code == 201 and "void" not in r.json(), r.text
        wait_for(lambda: "e1" in c.get("/?live=0").text, "the proposal is on the page")
        page = c.get("/?live=0").text
        assert "rationale: <q>&lt;b&gt;evals&lt;/b&gt; &amp; re-measurement disagree</q>" in page
        assert "<b>evals</b>" not in page
