"""A Python client of the pact server (contract section 4).

``PactClient`` submits statements (picking the next seq itself and re-signing
when the log's clock says its time is too early), reads entries, proofs,
checkpoints, the state and the signed status, and verifies what it reads
against the pinned pact: a status that fails ``core.status.verify_status`` is
refused, so a stale or forged status from the server is caught.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from .core.durations import parse_time
from .core.notes import NoteError, parse_note, verify_note
from .core.pact import Pact
from .core.status import AcceptedStatus, StatusError, verify_status
from .errors import PausepactError
from .signer import Signer


class ClientError(PausepactError):
    """The server could not be reached, or refused a request; ``error`` is the contract's code."""

    def __init__(self, message: str, error: str = "unavailable", status: int = 0, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.error, self.status, self.body = error, status, body or {}


class PactClient:
    def __init__(self, base_url: str, pact: Pact, timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self.pact = pact
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ plumbing

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = self.http.request(method, path, **kw)
        except httpx.HTTPError as e:
            raise ClientError(f"{self.http.base_url}{path}: {e.__class__.__name__}: {e}") from None
        if r.status_code >= 400:
            try:
                body = r.json()
            except ValueError:
                body = {"error": "unavailable", "detail": r.text[:200]}
            raise ClientError(f"{method} {path}: {r.status_code} {body.get('error')}: {body.get('detail')}",
                              str(body.get("error")), r.status_code, body)
        return r

    # ------------------------------------------------------------ writes

    def submit_envelope(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """POST one envelope; the receipt ``{"index", "leaf_hash", "checkpoint"}`` or ClientError."""
        result: dict[str, Any] = self._request("POST", "/v1/statements", content=json.dumps(envelope).encode(),
                                                headers={"content-type": "application/json"}).json()
        return result

    def next_seq(self, signer: Signer) -> tuple[int, int]:
        """(next seq for the signer's key, the log's clock) as the server counts them."""
        info = self._request("GET", "/v1/seq", params={"keyid": signer.keyid}).json()
        return int(info["seq"]) + 1, parse_time(info["log_time"])

    def submit(self, signer: Signer, type_: str, body: dict[str, Any], time: int | None = None, tries: int = 4) -> dict[str, Any]:
        """Sign and submit a statement; picks the seq and re-signs on ``time-order``, ``skew`` or ``bad-seq``."""
        seq, log_time = self.next_seq(signer)
        t = time if time is not None else log_time
        last: ClientError | None = None
        for _ in range(tries):
            env = signer.sign(type_, body, t, seq=seq)
            try:
                receipt = self.submit_envelope(env)
                signer.seq = seq
                return receipt
            except ClientError as e:
                last = e
                if e.error in ("time-order", "skew") and e.body.get("log_time"):
                    t = parse_time(e.body["log_time"])
                elif e.error == "bad-seq":
                    seq, t2 = self.next_seq(signer)
                    t = max(t, t2)
                else:
                    raise
        assert last is not None
        raise last

    # ------------------------------------------------------------ reads

    def entries(self, start: int, end: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while start < end:
            got = self._request("GET", "/v1/entries", params={"start": start, "end": end}).json()["entries"]
            if not got:
                break
            out.extend(got)
            start = got[-1]["index"] + 1
        return out

    def checkpoint(self, latest: bool = False) -> str:
        """A checkpoint note whose log signature verifies under the pinned pact."""
        text = self._request("GET", "/v1/checkpoint", params={"latest": 1} if latest else {}).text
        try:
            note = parse_note(text)
        except NoteError as e:
            raise ClientError(f"server sent a malformed checkpoint: {e}", "malformed") from None
        keys = [raw for pid, raw in self.pact.key_owner.values() if pid == self.pact.log_party.id]
        if not any(verify_note(note, self.pact.origin, k) for k in keys):
            raise ClientError("server sent a checkpoint not signed by the pact's log key", "bad-signature")
        return text

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return [bytes.fromhex(h) for h in self._request("GET", "/v1/proof/inclusion", params={"index": index, "size": size}).json()["hashes"]]

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        r = self._request("GET", "/v1/proof/consistency", params={"first": first, "second": second}).json()
        return [bytes.fromhex(h) for h in r["hashes"]]

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", "/v1/state").json()
        return result

    def status_envelope(self) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", "/v1/status").json()
        return result

    def status(self, now: int, previous: AcceptedStatus | None = None) -> AcceptedStatus:
        """The current status, verified strictly; ClientError(``bad-status``) if it fails any check."""
        try:
            return verify_status(self.status_envelope(), self.pact, now, previous)
        except StatusError as e:
            raise ClientError(f"the server's status is not valid: {e}", "bad-status") from None

    def proposed_core(self) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self._request("GET", "/v1/status/core").json()
            return result
        except ClientError as e:
            if e.status == 404:
                return None
            raise

    def post_status_signature(self, envelope: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/v1/status/signatures", json=envelope).json()
        return result

    def post_cosignature(self, note: str) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "/v1/cosignatures", content=note.encode(),
                                               headers={"content-type": "text/plain"}).json()
        return result

    def events(self, timeout: float | None = None) -> Iterator[tuple[str, Any]]:
        """Server-sent events as (event, data) until the stream ends."""
        try:
            with self.http.stream("GET", "/v1/events", timeout=httpx.Timeout(timeout, connect=5.0)) as r:
                event = "message"
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        yield event, json.loads(line[6:])
                        event = "message"
        except httpx.HTTPError as e:
            raise ClientError(f"event stream: {e.__class__.__name__}: {e}") from None
