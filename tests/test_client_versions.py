"""The client finds a signing key that only a later version lists (a rotated key, a party an amendment added)."""

from __future__ import annotations

import httpx
import pytest

from pausepact.errors import InputError
from pausepact.keyfiles import public_text
from pausepact.party.client import PactClient

from .factory import key
from .test_engine_amend import V1, V1_TEXT, parsed

ROTATED = V1_TEXT.replace("version: 1", "version: 2").replace(public_text(key("lab-a", 0)), public_text(key("lab-a-new", 0)))
V2 = parsed(ROTATED)


def log_at_version_2() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/state":
            return httpx.Response(200, json={"pact_digest": V2.digest, "pact_version": 2, "versions": [
                {"version": 1, "digest": V1.digest, "since": None, "index": None},
                {"version": 2, "digest": V2.digest, "since": "2027-01-04T00:00:05Z", "index": 3}]})
        if request.url.path == "/v1/pact" and request.url.params.get("version") == "2":
            return httpx.Response(200, content=ROTATED.encode(), headers={"content-type": "application/yaml",
                                                                          "pausepact-digest": V2.digest})
        return httpx.Response(404, json={"error": "not-found", "detail": request.url.path})

    return httpx.MockTransport(handler)


def test_a_key_only_a_later_version_lists_signs_under_that_version() -> None:
    with PactClient("http://log.test", V1, transport=log_at_version_2()) as c:
        signer = c.signer_for("lab-a", key("lab-a-new", 0))
        assert signer.pact.digest == V2.digest and c.pact.digest == V2.digest
        assert signer.statement("ack", {"level": "normal", "since": "2027-01-01T00:00:00Z"}, 0)["pact_digest"] == V2.digest


def test_a_key_no_version_lists_is_refused_in_words() -> None:
    with PactClient("http://log.test", V1, transport=log_at_version_2()) as c:
        with pytest.raises(InputError, match="not a key of party 'lab-a'"):
            c.signer_for("lab-a", key("stranger", 0))
        assert c.signer_for("lab-b", key("lab-b", 0)).pact.digest == V2.digest  # (it followed while looking)
