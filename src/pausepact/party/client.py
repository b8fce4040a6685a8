"""A Python client of the pact server (contract section 4).

``PactClient`` submits statements (picking the next seq itself and re-signing
when the log's clock says its time is too early), reads entries, proofs,
checkpoints, the state and the signed status, and verifies what it reads
against the pinned pact: a status that fails ``core.status.verify_status`` is
refused, so a stale or forged status from the server is caught.

What a caller may rely on: every request ends within ``timeout`` seconds in total
(however slowly the server answers; see ``transport``), ``503 unavailable`` is
retried with backoff within that time, and every failure, including any answer
that is not what the contract says (not JSON, an array, missing or mistyped
members), raises ``ClientError`` and nothing else.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx

from ..core.durations import is_time, parse_time
from ..core.notes import NoteError, parse_note, verify_note
from ..core.pact import Pact
from ..core.status import AcceptedStatus, StatusError, verify_status
from ..errors import PausepactError
from .signer import Signer
from .transport import DeadlineTransport, deadline

MAX_ANSWER = 128 << 20  # bytes: 1000 entries of at most 64 KiB each, with room to spare
_HEX64 = re.compile(r"[0-9a-f]{64}")


class ClientError(PausepactError):
    """The server could not be reached, refused a request, or answered outside the contract; ``error`` is the
    contract's code (``unavailable`` when unreachable, ``malformed`` for an answer outside the contract)."""

    def __init__(self, message: str, error: str = "unavailable", status: int = 0, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.error, self.status, self.body = error, status, body or {}


def _nonneg_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class PactClient:
    def __init__(self, base_url: str, pact: Pact, timeout: float = 10.0, transport: httpx.BaseTransport | None = None,
                 retry_unavailable: float = 0.25) -> None:
        """``timeout``: the total seconds any one call may take, retries included; ``retry_unavailable``: the first
        backoff (doubling) before retrying a ``503``."""
        self.pact = pact
        self.timeout, self.retry_unavailable = timeout, retry_unavailable
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport or DeadlineTransport())

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ plumbing

    def _once(self, method: str, path: str, **kw: Any) -> tuple[int, bytes, str]:
        """(status, body, content type) of one request, the body capped at MAX_ANSWER."""
        with self.http.stream(method, path, **kw) as r:
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise ClientError(f"{method} {path}: the answer is larger than {MAX_ANSWER} bytes", "malformed", r.status_code)
                chunks.append(chunk)
            return r.status_code, b"".join(chunks), r.headers.get("content-type", "")

    def _request(self, method: str, path: str, **kw: Any) -> bytes:
        """The body of a 2xx answer; ClientError otherwise. The whole call, 503 retries included, ends by ``timeout``."""
        where = f"{self.http.base_url}{path}"
        wait = self.retry_unavailable
        try:
            with deadline(self.timeout) as until:
                while True:
                    try:
                        status, body, _ = self._once(method, path, **kw)
                    except httpx.HTTPError as e:
                        raise ClientError(f"{where}: {e.__class__.__name__}: {e or 'no answer'}") from None
                    if status == 503 and time.monotonic() + wait < until:
                        time.sleep(wait)  # the server says nothing was done (contract section 4): safe to repeat
                        wait *= 2
                        continue
                    break
        except ClientError:
            raise
        except Exception as e:  # anything a broken connection or server can raise is "unavailable", never a traceback
            raise ClientError(f"{where}: {e.__class__.__name__}: {e}") from None
        if status >= 400:
            try:
                answer = json.loads(body)
            except ValueError:
                answer = None
            if not isinstance(answer, dict):
                answer = {"error": "unavailable" if status >= 500 else "malformed",
                          "detail": body[:200].decode("utf-8", "replace")}
            error, detail = answer.get("error"), answer.get("detail")
            raise ClientError(f"{method} {path}: {status} {error}: {detail}", str(error), status, answer)
        if not 200 <= status < 300:
            raise ClientError(f"{method} {path}: unexpected HTTP status {status}", "malformed", status)
        return body

    def _object(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        """A 2xx answer that must be a JSON object."""
        body = self._request(method, path, **kw)
        try:
            answer = json.loads(body)
        except (ValueError, RecursionError):
            answer = None
        if not isinstance(answer, dict):
            raise ClientError(f"{method} {path}: the server's answer is not a JSON object", "malformed")
        return answer

    @staticmethod
    def _bad(path: str, what: str) -> ClientError:
        return ClientError(f"{path}: the server's answer {what}", "malformed")

    # ------------------------------------------------------------ writes

    def submit_envelope(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """POST one envelope; the server's whole answer (``{"index", "leaf_hash", "checkpoint"}``, and ``"void"``
        when the entry is valid but has no effect) or ClientError."""
        answer = self._object("POST", "/v1/statements", content=json.dumps(envelope).encode(),
                              headers={"content-type": "application/json"})
        if not _nonneg_int(answer.get("index")) or not isinstance(answer.get("leaf_hash"), str) \
                or not isinstance(answer.get("checkpoint"), str):
            raise self._bad("/v1/statements", "lacks index, leaf_hash or checkpoint")
        if "void" in answer and not isinstance(answer["void"], str):
            raise self._bad("/v1/statements", "has a void that is not text")
        return answer

    def next_seq(self, signer: Signer) -> tuple[int, int]:
        """(next seq for the signer's key, the log's clock) as the server counts them."""
        info = self._object("GET", "/v1/seq", params={"keyid": signer.keyid})
        if not _nonneg_int(info.get("seq")) or not is_time(info.get("log_time")):
            raise self._bad("/v1/seq", "lacks a seq or a log_time")
        return int(info["seq"]) + 1, parse_time(info["log_time"])

    def submit(self, signer: Signer, type_: str, body: dict[str, Any], time: int | None = None, tries: int = 4) -> dict[str, Any]:
        """Sign and submit a statement; picks the seq and re-signs on ``time-order``, ``skew`` or ``bad-seq``.

        Returns the server's whole answer (see ``submit_envelope``)."""
        return self.submit_signed(signer, type_, body, time, tries)[0]

    def submit_signed(self, signer: Signer, type_: str, body: dict[str, Any], time: int | None = None,
                      tries: int = 4) -> tuple[dict[str, Any], dict[str, Any]]:
        """As ``submit``, and the envelope the log accepted. A re-signing changes only ``seq`` and ``time``:
        ``body`` is signed as given every time (a sealed report keeps its commitment and members)."""
        seq, log_time = self.next_seq(signer)
        t = time if time is not None else log_time
        last: ClientError | None = None
        for _ in range(tries):
            env = signer.sign(type_, body, t, seq=seq)
            try:
                receipt = self.submit_envelope(env)
                signer.seq = seq
                return receipt, env
            except ClientError as e:
                last = e
                if e.error in ("time-order", "skew") and is_time(e.body.get("log_time")):
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
        """Entries ``start`` to ``end`` (exclusive) as ``{"index", "envelope"}``, in order; fewer if the log ends."""
        out: list[dict[str, Any]] = []
        while start < end:
            got = self._object("GET", "/v1/entries", params={"start": start, "end": end}).get("entries")
            if not isinstance(got, list):
                raise self._bad("/v1/entries", "has no list of entries")
            if not got:
                break
            for i, e in enumerate(got):
                if not isinstance(e, dict) or e.get("index") != start + i or isinstance(e.get("index"), bool) \
                        or not isinstance(e.get("envelope"), dict):
                    raise self._bad("/v1/entries", f"has no entry {start + i} where it should be")
            if len(got) > end - start:
                raise self._bad("/v1/entries", "has more entries than asked for")
            out.extend(got)
            start += len(got)
        return out

    def checkpoint(self, latest: bool = False) -> str:
        """A checkpoint note whose log signature verifies under the pinned pact."""
        raw = self._request("GET", "/v1/checkpoint", params={"latest": 1} if latest else {})
        try:
            text = raw.decode("utf-8")
            note = parse_note(text)
        except (UnicodeDecodeError, NoteError) as e:
            raise ClientError(f"server sent a malformed checkpoint: {e}", "malformed") from None
        keys = [raw for pid, raw in self.pact.key_owner.values() if pid == self.pact.log_party.id]
        if not any(verify_note(note, self.pact.origin, k) for k in keys):
            raise ClientError("server sent a checkpoint not signed by the pact's log key", "bad-signature")
        return text

    def _hashes(self, path: str, params: dict[str, int]) -> list[bytes]:
        hashes = self._object("GET", path, params=params).get("hashes")
        if not isinstance(hashes, list) or not all(isinstance(h, str) and _HEX64.fullmatch(h) for h in hashes):
            raise self._bad(path, "has no list of 64-digit lowercase hex hashes")
        return [bytes.fromhex(h) for h in hashes]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self._hashes("/v1/proof/inclusion", {"index": index, "size": size})

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        return self._hashes("/v1/proof/consistency", {"first": first, "second": second})

    def state(self) -> dict[str, Any]:
        """The server's full state as it sent it (unsigned: a JSON object, otherwise unchecked)."""
        return self._object("GET", "/v1/state")

    def status_envelope(self) -> dict[str, Any]:
        """The server's status envelope as sent (a JSON object; check it with ``verify_status`` or use ``status``)."""
        return self._object("GET", "/v1/status")

    def status(self, now: int, previous: AcceptedStatus | None = None) -> AcceptedStatus:
        """The current status, verified strictly; ClientError(``bad-status``) if it fails any check."""
        try:
            return verify_status(self.status_envelope(), self.pact, now, previous)
        except StatusError as e:
            raise ClientError(f"the server's status is not valid: {e}", "bad-status") from None

    def proposed_core(self) -> dict[str, Any] | None:
        """The core the server proposes for signing (a JSON object, unchecked), or None when it has none (404)."""
        try:
            return self._object("GET", "/v1/status/core")
        except ClientError as e:
            if e.status == 404:
                return None
            raise

    def post_status_signature(self, envelope: dict[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/v1/status/signatures", content=json.dumps(envelope).encode(),
                            headers={"content-type": "application/json"})

    def post_cosignature(self, note: str) -> dict[str, Any]:
        return self._object("POST", "/v1/cosignatures", content=note.encode(), headers={"content-type": "text/plain"})

    def events(self, timeout: float | None = None) -> Iterator[tuple[str, Any]]:
        """Server-sent events as (event, data) until the stream ends; ``timeout`` bounds each wait for a line.

        A line whose data is not JSON ends the stream with ClientError, as does any failure."""
        try:
            with self.http.stream("GET", "/v1/events", timeout=httpx.Timeout(timeout, connect=5.0)) as r:
                if r.status_code != 200:
                    raise ClientError(f"event stream: HTTP status {r.status_code}", status=r.status_code)
                event = "message"
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        try:
                            data = json.loads(line[6:])
                        except (ValueError, RecursionError):
                            raise ClientError("event stream: an event's data is not JSON", "malformed") from None
                        yield event, data
                        event = "message"
        except ClientError:
            raise
        except Exception as e:  # a broken stream of any kind ends it with one clear error
            raise ClientError(f"event stream: {e.__class__.__name__}: {e}") from None
