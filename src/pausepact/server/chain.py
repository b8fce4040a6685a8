"""Where a guard finds the evidence for an amendment (extension of contract v2 section 9).

``GET /v1/amendments?version=M`` answers, for a version M reached by an amendment,
``{"version", "digest", "since", "proposal", "votes", "checkpoint"}``: the log index of the amend
proposal, the index of the first ``yes`` vote on it by each monitor of version M-1 (in log
order, up to the amendment's ``executes_at``), and the smallest checkpoint covering them that is
signed with version M-1's log key and cosigned by ``witness_quorum`` monitors of version M-1
(``null`` while there is none; at most 50,000 checkpoint sizes after the last vote are tried). The server is not trusted: a guard fetches those entries and
their inclusion proofs and checks everything itself (``core.chain``); this only saves it reading
the log. ``404 not-found`` for a version that is not (yet) in the chain, or the first version.

Answers for executed amendments never change once a checkpoint is found, so they are cached.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from ..core.chain import checkpoint_problem
from ..core.durations import format_time, parse_time
from ..core.engine.versions import Version
from ..core.pact import Pact
from . import versions
from .service import LogService

CHUNK = 1000  # entries read at a time while looking for votes
MAX_CHECKPOINT_SCAN = 50_000  # checkpoint sizes tried after the last vote (one indexed read each)


def _refuse(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


def _versions(service: LogService) -> list[Version]:
    """The chain as of the log's clock (an amendment due by now has executed, even with no entry since)."""
    with service.engine_lock:
        return versions.settled_versions(service.engine, service.clock.now())


def _statement(leaf: bytes) -> dict[str, Any] | None:
    """The statement an entry's envelope carries, unchecked (None when it cannot be read): only to locate evidence."""
    try:
        envelope = json.loads(leaf)
        st = json.loads(base64.b64decode(envelope["payload"], validate=True))
    except (ValueError, TypeError, KeyError):
        return None
    return st if isinstance(st, dict) and isinstance(st.get("body"), dict) else None


def locate(service: LogService, old: Pact, new: Version) -> dict[str, Any]:
    """The evidence for amendment ``old`` -> ``new`` (on the reader thread; ``read_store`` only)."""
    store = service.read_store
    assert new.index is not None and new.since is not None
    first = store.entries(new.index, new.index + 1)
    proposal = _statement(first[0].leaf) if first else None
    pid = proposal["body"].get("id") if proposal else None
    votes: list[int] = []
    seen: set[str] = set()
    size, start, done = store.size(), new.index + 1, False
    while start < size and not done:
        for e in store.entries(start, min(size, start + CHUNK)):
            st = _statement(e.leaf)
            if st is None:
                continue
            try:
                late = parse_time(st["time"]) > new.since
            except (KeyError, TypeError, ValueError):
                continue
            if late:  # from here on the new version is in force: no vote on the amendment follows
                done = True
                break
            party, body = st.get("party"), st["body"]
            if st.get("type") == "vote" and party in old.monitors and party not in seen and st.get("pact_digest") == old.digest \
                    and body.get("proposal") == pid and body.get("choice") == "yes":
                seen.add(party)  # (unchecked here: a guard verifies each vote, and what it cannot see is documented)
                votes.append(e.index)
        start += CHUNK
    # the smallest checkpoint covering them that version M-1's log key signed and its witnesses cosigned: usually
    # one whose tree ends before executes_at; a later one serves as well when enough of those witnesses cosigned it
    checkpoint = None
    low = max([new.index, *votes]) + 1
    for at in range(low, min(size, low + MAX_CHECKPOINT_SCAN - 1) + 1):
        cp = store.checkpoint(at, 1)
        if cp is not None and checkpoint_problem(old, cp[1])[0] is not None:
            checkpoint = cp[1]
            break
    return {"version": new.version, "digest": new.digest, "since": format_time(new.since), "proposal": new.index,
            "votes": votes, "checkpoint": checkpoint}


def mount_chain(app: FastAPI, service: LogService) -> None:
    """Add ``GET /v1/amendments`` to ``app``."""
    cache: dict[int, dict[str, Any]] = {}

    @app.get("/v1/amendments", responses={404: {"description": "no such amended version"}})
    async def get_amendments(version: Annotated[int, Query(ge=1, le=2**31)]) -> Any:
        """Extension: where the evidence for the amendment that made ``version`` is in the log (a guard checks it)."""
        if version in cache:
            return cache[version]
        chain = await service.follow(_versions, service)
        at = next((i for i, v in enumerate(chain) if v.version == version), None)
        if at is None or at == 0:
            return _refuse(404, "not-found", f"version {version} was not reached by an amendment of this log"
                                              if at is None else f"version {version} is the first version: no amendment made it")
        answer = await service.read(locate, service, chain[at - 1].pact, chain[at])
        if answer["checkpoint"] is not None:
            cache[version] = answer
        return answer


__all__ = ["locate", "mount_chain"]
