"""What a monitor reads from a log server it does not trust, bounded and checked for shape.

Every answer is read with a byte limit and a total deadline, parsed as strict
JSON and checked member by member before the monitor looks at it. An answer
that cannot be used (the server unreachable, a refusal, an HTML page, a missing
``index``, a non-hex proof hash, a page of entries with wrong indices) raises
``ServerFault``: nothing is signed in that round, and the monitor tries again.
Signed data (checkpoint notes, entries) is only parsed here; judging it, and
raising the alarm when it is evidence against the log, is the monitor's part.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from typing import Any

import httpx

from ..core.canonical import JsonError, strict_loads
from ..core.notes import Note, NoteError, parse_note, verify_note
from ..core.pact import Pact
from ..core.status import StatusError, check_core
from ..errors import PausepactError
from ..party.client import PactClient
from ..party.transport import deadline
from ..printable import plain

PAGE = 256                      # entries per request: a page stays well under its byte limit
ENTRY_BYTES = 96 * 1024         # an envelope is at most 64 KiB; re-encoding and the index add a little
NOTE_BYTES = 64 * 1024          # a checkpoint with every monitor's cosignature is a few KiB
SMALL_BYTES = 256 * 1024        # a proof, a core, an acknowledgement
MAX_PROOF = 130                 # a consistency proof has at most about 2 log2(2^64) hashes
_HEX64 = re.compile(r"[0-9a-f]{64}")


class ServerFault(PausepactError):
    """The server's answer cannot be used this round (a warning, not evidence): nothing is signed."""


class Feed:
    """Reads of one round, through ``client``'s HTTP connection (so a test may swap the client)."""

    def __init__(self, client: PactClient, deadline: float = 60.0, versions: Sequence[Pact] = ()) -> None:
        """``versions``: the versions of the pact a core may name and whose log keys may sign a checkpoint (contract
        v2, section 9; default: the client's pact); the monitor judges which one applies once it has the entries."""
        self.client, self.http, self.pact, self.deadline = client, client.http, client.pact, deadline
        self.versions = list(versions) or [client.pact]

    # ------------------------------------------------------------ plumbing

    def _request(self, method: str, path: str, limit: int, **kw: Any) -> tuple[int, bytes]:
        """(status, body) of one request, ending by the total deadline and refusing bodies over ``limit`` bytes."""
        end = time.monotonic() + self.deadline
        try:
            # ``deadline`` bounds every socket operation (a server trickling its headers too); the
            # clock check below bounds the body however the client's transport was built
            with deadline(self.deadline), self.http.stream(method, path, **kw) as r:
                declared = r.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise ServerFault(f"{method} {path}: answer of {declared} bytes; at most {limit} expected")
                body = bytearray()
                for chunk in r.iter_bytes():  # decoded bytes: the limit holds for compressed answers too
                    body += chunk
                    if len(body) > limit:
                        raise ServerFault(f"{method} {path}: answer larger than {limit} bytes")
                    if time.monotonic() > end:
                        raise ServerFault(f"{method} {path}: no complete answer within {self.deadline:g} s")
                return r.status_code, bytes(body)
        except httpx.HTTPError as e:
            raise ServerFault(f"{self.http.base_url}{path}: {e.__class__.__name__}: {e}") from None

    def _json(self, path: str, limit: int, **kw: Any) -> Any:
        status, body = self._request("GET", path, limit, **kw)
        if status >= 400:
            raise ServerFault(f"GET {path}: {status} {_refusal(body)}")
        try:
            return strict_loads(body)
        except JsonError as e:
            raise ServerFault(f"GET {path}: the answer is not JSON ({e})") from None

    def _post(self, path: str, content: bytes, content_type: str) -> None:
        status, body = self._request("POST", path, SMALL_BYTES, content=content, headers={"content-type": content_type})
        if status >= 400:
            raise ServerFault(f"POST {path}: {status} {_refusal(body)}")

    # ------------------------------------------------------------ reads

    def proposed_core(self) -> dict[str, Any] | None:
        """The status core the server proposes, checked member by member (``check_core``); None if none yet."""
        status, body = self._request("GET", "/v1/status/core", SMALL_BYTES)
        if status == 404:
            return None
        if status >= 400:
            raise ServerFault(f"GET /v1/status/core: {status} {_refusal(body)}")
        try:
            answer = strict_loads(body)
            if not isinstance(answer, dict) or "core" not in answer:
                raise ServerFault("GET /v1/status/core: the answer is not an object with a core")
            named = answer["core"].get("pact_digest") if isinstance(answer["core"], dict) else None
            return check_core(answer["core"], next((v for v in self.versions if v.digest == named), self.versions[-1]))
        except (JsonError, StatusError) as e:
            raise ServerFault(f"GET /v1/status/core: {e}") from None

    def checkpoint(self) -> Note:
        """The newest checkpoint note, whose log signature verifies under the pinned pact (its body is not judged here)."""
        status, body = self._request("GET", "/v1/checkpoint", NOTE_BYTES, params={"latest": 1})
        if status >= 400:
            raise ServerFault(f"GET /v1/checkpoint: {status} {_refusal(body)}")
        try:
            note = parse_note(body)
        except (NoteError, UnicodeDecodeError) as e:
            raise ServerFault(f"GET /v1/checkpoint: not a signed note ({e})") from None
        keys = [raw for v in self.versions for pid, raw in v.key_owner.values() if pid == v.log_party.id]
        if not any(verify_note(note, self.pact.origin, k) for k in keys):
            raise ServerFault("GET /v1/checkpoint: the note is not signed by the pact's log key")
        return note

    def entries(self, start: int, end: int) -> list[Any]:
        """The envelopes of entries ``start``.. (at most ``end - start``, at least one), indices checked."""
        want = min(end - start, PAGE)
        got = self._json("/v1/entries", want * ENTRY_BYTES + 1024, params={"start": start, "end": start + want})
        items = got.get("entries") if isinstance(got, dict) else None
        if not isinstance(items, list):
            raise ServerFault("GET /v1/entries: the answer is not an object with a list of entries")
        if not items:
            raise ServerFault(f"GET /v1/entries: no entries from {start}, although the log announced them")
        if len(items) > want:
            raise ServerFault(f"GET /v1/entries: {len(items)} entries for a request of {want}")
        envelopes = []
        for n, item in enumerate(items):
            index = item.get("index") if isinstance(item, dict) else None
            if type(index) is not int or index != start + n or "envelope" not in item:
                raise ServerFault(f"GET /v1/entries: item {n} is not {{index: {start + n}, envelope}}")
            envelopes.append(item["envelope"])
        return envelopes

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        got = self._json("/v1/proof/consistency", SMALL_BYTES, params={"first": first, "second": second})
        hashes = got.get("hashes") if isinstance(got, dict) else None
        if (not isinstance(hashes, list) or len(hashes) > MAX_PROOF
                or not all(isinstance(h, str) and _HEX64.fullmatch(h) for h in hashes)):
            raise ServerFault(f"GET /v1/proof/consistency: not a list of at most {MAX_PROOF} 64-digit lowercase hex hashes")
        return [bytes.fromhex(h) for h in hashes]

    # ------------------------------------------------------------ writes

    def post_cosignature(self, note: str) -> None:
        self._post("/v1/cosignatures", note.encode(), "text/plain")

    def post_status_signature(self, envelope: dict[str, Any]) -> None:
        self._post("/v1/status/signatures", json.dumps(envelope).encode(), "application/json")


def _refusal(body: bytes) -> str:
    """The contract's ``error: detail`` of a refusal, or a printable excerpt of whatever came."""
    try:
        got = strict_loads(body)
        if isinstance(got, dict):
            return plain(f"{str(got.get('error'))[:40]}: {str(got.get('detail'))[:200]}")
    except JsonError:
        pass
    return plain(repr(body[:120].decode("utf-8", "replace")))
