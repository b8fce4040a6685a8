"""A Python client of the pact server (contract section 4).

``PactClient`` submits statements (picking the next seq itself and re-signing
when the log's clock says its time is too early, or, refused ``wrong-pact`` once the
pact was amended, after following the chain of versions: ``follow_versions``), reads entries, proofs,
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

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..core.amendments import chain_step_problems
from ..core.durations import is_time, parse_time
from ..core.notes import NoteError, parse_note, verify_note
from ..core.pact import Pact
from ..core.pactfile import parse_pact
from ..core.status import AcceptedStatus, StatusError, verify_status
from ..errors import InputError, PausepactError
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
        self.chain = [pact]  # the versions followed so far, oldest first (``follow_versions``); ``pact`` is the last
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
                      tries: int = 4, rebuild: Callable[[Pact], dict[str, Any]] | None = None,
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
        """As ``submit``, and the envelope the log accepted. A re-signing changes only ``seq`` and ``time``:
        ``body`` is signed as given every time (a sealed report keeps its commitment and members), except after
        following an amendment, when ``rebuild`` (if given) makes the body anew for the version in force (a sealed
        report is sealed under the digest its statement names, section 8)."""
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
                elif not (e.error == "wrong-pact" and self.follow_versions(signer)):
                    raise  # (after following an amendment: the same seq, naming the version in force)
                elif rebuild is not None:
                    body = rebuild(self.pact)
        assert last is not None
        raise last

    # ------------------------------------------------------------ versions (contract v2, section 9)

    def pact_version(self, version: int | None = None) -> bytes:
        """The exact text of version ``version`` of the pact (None: the one in force), from ``GET /v1/pact``."""
        return self._request("GET", "/v1/pact", params={} if version is None else {"version": version})

    def later_versions(self) -> list[Pact]:
        """The versions of the chain after the one this client holds, up to the one in force on the server.

        The server's state names the chain (``versions``); each later version's text is fetched from
        ``/v1/pact?version=N`` and must have the digest the chain names and follow the one before
        (``core.amendments.chain_step_problems``). Empty when the server has no later version in force.
        ClientError when the chain cannot be followed (a text that does not match, a chain without this
        client's version)."""
        state = self.state()
        chain, digest = state.get("versions"), state.get("pact_digest")
        if digest == self.pact.digest or not isinstance(chain, list):
            return []
        digests = [v.get("digest") if isinstance(v, dict) else None for v in chain]
        if self.pact.digest not in digests or digest not in digests:
            raise ClientError(f"the server's chain of versions does not hold the pact this client holds "
                              f"({self.pact.digest}) before the one in force ({digest})", "wrong-pact")
        if digests.index(digest) < digests.index(self.pact.digest):
            return []  # this client holds a later version than the one the server has in force: nothing to follow
        current, followed = self.pact, []
        for step in chain[digests.index(self.pact.digest) + 1:digests.index(digest) + 1]:
            number = step.get("version")
            if not isinstance(number, int) or isinstance(number, bool):
                raise self._bad("/v1/state", "has a version that is not an integer")
            text = self.pact_version(number)
            got = "sha256:" + hashlib.sha256(text).hexdigest()
            if got != step.get("digest"):
                raise ClientError(f"/v1/pact?version={number}: the text's digest {got} is not the one the chain names "
                                  f"({step.get('digest')})", "malformed")
            new, diagnostics = parse_pact(text)
            problems = [v.message for v in chain_step_problems(current, new)] if new is not None else \
                [d.message for d in diagnostics if d.severity == "error"][:1]
            if new is None or problems:
                raise ClientError(f"/v1/pact?version={number} does not follow version {current.version}: "
                                  f"{(problems or ['not a valid pact'])[0]}", "malformed")
            current = new
            followed.append(new)
        return followed

    def signer_for(self, party: str, key: Ed25519PrivateKey) -> Signer:
        """A signer for ``party``'s ``key`` under the pinned pact or, when only a later version lists the key (a
        rotated key, a party an amendment added), under the version in force on the server (the client follows
        to it). InputError, as ``Signer``, when no version lists it for ``party``."""
        try:
            return Signer(self.pact, party, key)
        except InputError:
            try:
                followed = self.follow_versions()
            except ClientError:
                followed = False
            if not followed:
                raise
            return Signer(self.pact, party, key)

    def follow_versions(self, signer: Signer | None = None) -> bool:
        """Switch to the version in force on the server when it follows, in the chain, the version this client holds
        (``later_versions``); ``signer``, if given, then signs under it (its key's seq goes on). Returns True when
        it switched. ClientError when the chain cannot be followed, or the new version no longer lists the
        signer's key for its party."""
        followed = self.later_versions()
        if not followed:
            return False
        current = followed[-1]
        if signer is not None:
            owner = current.key_owner.get(signer.keyid)
            if owner is None or owner[0] != signer.party:
                raise ClientError(f"version {current.version} of the pact no longer lists this key for {signer.party}: "
                                  "sign with one of the keys it lists", "unknown-key")
            signer.pact = current
        self.chain.extend(followed)
        self.pact = current
        return True

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
        # a log key of any version of the chain: which one signs depends on the tree's last entry (monitors and the
        # verifier judge that); the later versions are read (not followed: a pinned pact stays pinned) only if needed
        if not self._log_signed(note, self.chain) and not self._log_signed(note, self._later_or_none()):
            raise ClientError("server sent a checkpoint not signed by the pact's log key", "bad-signature")
        return text

    @staticmethod
    def _log_signed(note: Any, versions: list[Pact]) -> bool:
        keys = [raw for v in versions for pid, raw in v.key_owner.values() if pid == v.log_party.id]
        return any(verify_note(note, v.origin, k) for v in versions[:1] for k in keys)

    def _later_or_none(self) -> list[Pact]:
        try:
            return self.later_versions()
        except ClientError:
            return []

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
