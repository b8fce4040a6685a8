"""`pausepact verify --server` against a hostile log operator: a malformed answer is one clear line, never a traceback.

The operator holds the log key, so it can sign any note: a checkpoint without a
decimal tree size, or entries whose envelope has no RFC 8785 form (an integer
beyond 2^53, NaN), used to crash ``fetch_for_verify`` (int() of the note's second
line; ``canonical`` raising JsonError).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pausepact.cli import main
from pausepact.core import merkle
from pausepact.core.canonical import canonical
from pausepact.core.notes import Checkpoint, Note, sign_note
from pausepact.keyfiles import public_raw
from pausepact.pactio import load_pact
from pausepact.party.client import PactClient

from .factory import Parties, key, make_pact, pact_text

T0 = 1798761600


def _note(text: str, origin: str) -> str:
    return Note(text, (sign_note(text, origin, key("log"), public_raw(key("log"))),)).render()


def _serve(monkeypatch: pytest.MonkeyPatch, note: str, entries: list[Any] | bytes) -> None:
    import pausepact.cli.party_cmds as party_cmds

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/checkpoint":
            return httpx.Response(200, content=note.encode(), headers={"content-type": "text/plain"})
        if request.url.path == "/v1/entries":
            start, end = int(request.url.params["start"]), int(request.url.params["end"])
            if isinstance(entries, bytes):
                return httpx.Response(200, content=entries, headers={"content-type": "application/json"})
            got = [{"index": i, "envelope": e} for i, e in enumerate(entries)][start:end]
            return httpx.Response(200, content=json.dumps({"entries": got}).encode(),
                                  headers={"content-type": "application/json"})
        return httpx.Response(404, json={"error": "not-found", "detail": ""})

    def client(server: str, pact: Path) -> PactClient:
        return PactClient(server, load_pact(pact), transport=httpx.MockTransport(handle), retry_unavailable=0.01)

    monkeypatch.setattr(party_cmds, "_client", client)


def _verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    pact_file = tmp_path / "pact.yaml"
    pact_file.write_text(pact_text())
    with pytest.raises(SystemExit) as e:
        main(["verify", "--pact", str(pact_file), "--server", "http://hostile.test"])
    got = capsys.readouterr()
    code = e.value.code if isinstance(e.value.code, int) else 1
    return code, got.out + got.err


@pytest.mark.parametrize("size_line", ["abc", "-1", "1e3", "99999999999999999999999", ""])
def test_checkpoint_without_a_tree_size_is_a_failed_verification(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch, size_line: str) -> None:
    pact, _ = make_pact()
    root = base64.b64encode(merkle.EMPTY_ROOT).decode()
    _serve(monkeypatch, _note(f"{pact.origin}\n{size_line}\n{root}\n", pact.origin), [])
    code, text = _verify(tmp_path, capsys)
    assert code != 0
    assert "Traceback" not in text
    assert "checkpoint" in text and "malformed" in text, text


@pytest.mark.parametrize("poison", [10**30, float("nan"), float("inf")])
def test_envelope_without_a_canonical_form_is_a_failed_verification(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch, poison: Any) -> None:
    pact, _ = make_pact()
    good = Parties(pact)("lab-a").sign("sign", {}, T0)
    bad = dict(good, extra=poison)
    leaves = [merkle.leaf_hash(canonical(good)), merkle.leaf_hash(canonical(good))]
    cr = merkle.CompactRange()
    for lh in leaves:
        cr.append(lh)
    _serve(monkeypatch, _note(Checkpoint(pact.origin, 2, cr.root()).text(), pact.origin), [good, bad])
    code, text = _verify(tmp_path, capsys)
    assert code != 0
    assert "Traceback" not in text
    assert "entry 1" in text and "malformed" in text, text


def test_honest_server_still_verifies_up_to_the_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pact, _ = make_pact()
    good = Parties(pact)("lab-a").sign("sign", {}, T0)
    cr = merkle.CompactRange()
    cr.append(merkle.leaf_hash(canonical(good)))
    _serve(monkeypatch, _note(Checkpoint(pact.origin, 1, cr.root()).text(), pact.origin), [good])
    code, text = _verify(tmp_path, capsys)
    # the entries verify and the tree matches; this note has no monitor cosignatures, so the quorum fails
    assert code != 0 and "Traceback" not in text
    assert "cosigned by 0 monitor" in text, text
