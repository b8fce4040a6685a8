"""A real server following an amendment: proposed, voted by monitors and developers, executed after its timelock;
the old digest refused and the client re-signing; every version served; the log key rotating."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from pausepact.core.durations import parse_time
from pausepact.core.notes import parse_checkpoint, parse_note, verify_note
from pausepact.keyfiles import public_raw
from pausepact.party.client import ClientError, PactClient
from pausepact.party.signer import Signer

from .amend_world import (
    NEW_LOG_PACT,
    NEW_LOG_TEXT,
    TIGHTER,
    TIGHTER_TEXT,
    V1,
    V1_TEXT,
    cli,
    export,
    monitors,
    rounds,
    state,
    until,
    witnessed,
    write_amendable,
)
from .factory import key
from .live import serving

DEVELOPERS = ("lab-a", "lab-b", "lab-c")


def logged(url: str) -> int:
    """How many entries the log holds (its newest checkpoint's size)."""
    return int(httpx.get(f"{url}/v1/checkpoint", params={"latest": 1}).text.split("\n")[1])


def signed_and_amended(c: PactClient, text: str, voters: tuple[str, ...] = ("aisi", "eval-org", "lab-a", "lab-b")) -> dict[str, Signer]:
    """Three labs sign; aisi proposes ``text``; ``voters`` vote yes. Returns the signers (of the first version)."""
    signers = {p: Signer(V1, p, key(p)) for p in (*DEVELOPERS, "aisi", "eval-org", "civic-audit")}
    for d in DEVELOPERS:
        c.submit(signers[d], "sign", {})
    c.submit(signers["aisi"], "propose", {"id": "a1", "action": "amend", "pact": base64.b64encode(text.encode()).decode(),
                                          "rationale": "tighten the code-share line"})
    for v in voters:
        c.submit(signers[v], "vote", {"proposal": "a1", "choice": "yes"})
    return signers


def test_an_amendment_executes_after_its_timelock_and_the_client_re_signs_under_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pact_file = write_amendable(tmp_path)
    (tmp_path / "v2.yaml").write_text(TIGHTER_TEXT)
    with serving(tmp_path) as srv, PactClient(srv.url, V1) as c:
        signers = {p: Signer(V1, p, key(p)) for p in (*DEVELOPERS, "aisi", "eval-org")}
        for d in DEVELOPERS:
            c.submit(signers[d], "sign", {})
        # a void text is refused before anything is signed: version 3 does not follow version 1
        (tmp_path / "v3.yaml").write_text(TIGHTER_TEXT.replace("version: 2", "version: 3"))
        base = ["--server", srv.url, "--pact", str(pact_file), "--as", "aisi", "--key", str(tmp_path / "aisi.pem")]
        code, out, _ = cli(capsys, "amend", "propose", str(tmp_path / "v3.yaml"), *base, "--id", "a0", "--rationale", "x")
        assert code == 1 and "void (next-version)" in out and "nothing was signed" in out
        assert state(srv.url)["tree_size"] == 3
        code, out, err = cli(capsys, "amend", "propose", str(tmp_path / "v2.yaml"), *base, "--id", "a1",
                             "--rationale", "tighten the code-share line")
        assert code == 0, out + err
        assert f"version 2 of test-pact ({TIGHTER.digest})" in out and "proposal a1, entry 3" in out
        code, out, err = cli(capsys, "submit", "vote", "--server", srv.url, "--pact", str(pact_file), "--as", "lab-a",
                             "--key", str(tmp_path / "lab-a.pem"), "--proposal", "a1", "--yes", "--rationale", "agreed")
        assert code == 0, out + err
        for v in ("aisi", "eval-org", "lab-b"):
            c.submit(signers[v], "vote", {"proposal": "a1", "choice": "yes"})
        queued = state(srv.url)["proposals"][0]
        assert queued["state"] == "queued" and queued["executes_at"] is not None
        # (a statement timed at executes_at is still judged under version 1: wait for the log's clock to pass it)
        until(lambda: c.next_seq(signers["lab-c"])[1] > parse_time(queued["executes_at"]))
        assert state(srv.url)["pact_version"] == 2

        # every version is served with its digest; the version in force by default
        now = httpx.get(f"{srv.url}/v1/pact")
        assert now.status_code == 200 and now.content == TIGHTER_TEXT.encode()
        assert now.headers["pausepact-digest"] == TIGHTER.digest and now.headers["content-type"].startswith("application/yaml")
        first = httpx.get(f"{srv.url}/v1/pact", params={"version": 1})
        assert first.content == V1_TEXT.encode() and first.headers["pausepact-digest"] == V1.digest
        missing = httpx.get(f"{srv.url}/v1/pact", params={"version": 3})
        assert missing.status_code == 404 and missing.json()["error"] == "not-found" and "detail" in missing.json()
        page_file = httpx.get(f"{srv.url}/pact.yaml")  # the public page's download: the version in force too
        assert page_file.content == TIGHTER_TEXT.encode() and page_file.headers["pausepact-digest"] == TIGHTER.digest

        # a statement naming the old digest after executes_at is refused wrong-pact and consumes no seq
        raw = signers["lab-c"].sign("ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"},
                                    c.next_seq(signers["lab-c"])[1], seq=2)
        refused = httpx.post(f"{srv.url}/v1/statements", json=raw)
        assert refused.status_code == 400 and refused.json()["error"] == "wrong-pact"
        # the client follows the chain and re-signs, the key's seq going on
        receipt = c.submit(signers["lab-c"], "ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"})
        assert signers["lab-c"].pact.digest == TIGHTER.digest and c.pact.digest == TIGHTER.digest
        assert [p.version for p in c.chain] == [1, 2]
        envelope = c.entries(receipt["index"], receipt["index"] + 1)[0]["envelope"]
        statement = json.loads(base64.b64decode(envelope["payload"]))
        assert statement["pact_digest"] == TIGHTER.digest and statement["seq"] == 2

        final = state(srv.url)
        assert final["rejected"] == [] and final["pact_digest"] == TIGHTER.digest
        assert [(v["version"], v["digest"], v["index"]) for v in final["versions"]] == [(1, V1.digest, None), (2, TIGHTER.digest, 3)]

        # replay and timeline start from the first version and follow the amendment from the log
        entries = export(srv.url, tmp_path / "entries.jsonl")
        code, out, _ = cli(capsys, "replay", "--pact", str(pact_file), str(entries), "--json")
        replayed = json.loads(out)
        assert replayed["rejected"] == [], replayed["rejected"]
        assert code == 0 and replayed["pact_version"] == 2 and replayed["rejected"] == []
        assert replayed["versions"] == final["versions"] and replayed["level"] == final["level"]
        code, out, _ = cli(capsys, "timeline", "--pact", str(pact_file), str(entries))
        assert code == 0 and "amend to version 2" in out and "pact amended: version 2" in " ".join(out.split())

        # monitors of the chain cosign; verify walks the chain from the first version
        ms = monitors(tmp_path, srv.url)
        size = final["tree_size"]
        until(lambda: witnessed(srv.url, size), lambda: rounds(ms))
        code, out, err = cli(capsys, "verify", "--pact", str(pact_file), "--server", srv.url)
        assert code == 0 and "OK" in out, out + err


def test_a_checkpoint_after_an_amendment_of_the_log_key_verifies_only_with_the_new_key(tmp_path: Path) -> None:
    write_amendable(tmp_path)
    old_keys = [public_raw(key("log", n)) for n in (0, 1)]
    new_keys = [public_raw(key("log", n)) for n in (5, 6)]
    with serving(tmp_path, extra=["--key", str(tmp_path / "log-5.pem")]) as srv, PactClient(srv.url, V1) as c:
        signers = signed_and_amended(c, NEW_LOG_TEXT)
        before = httpx.get(f"{srv.url}/v1/checkpoint", params={"latest": 1}).text
        proposal = state(srv.url)["proposals"][0]
        assert proposal["state"] == "queued"
        until(lambda: c.next_seq(signers["lab-a"])[1] > parse_time(proposal["executes_at"]))
        c.submit(signers["lab-a"], "ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"})
        after = httpx.get(f"{srv.url}/v1/checkpoint", params={"latest": 1}).text

        def signed_by(note: str, keys: list[bytes]) -> bool:
            return any(verify_note(parse_note(note), V1.origin, k) for k in keys)

        assert signed_by(before, old_keys) and not signed_by(before, new_keys)
        assert signed_by(after, new_keys) and not signed_by(after, old_keys)
        # the monitors follow: they cosign the checkpoint signed with the new key
        ms = monitors(tmp_path, srv.url)
        size = parse_checkpoint(parse_note(after).text).size
        until(lambda: witnessed(srv.url, size), lambda: rounds(ms))
        cosigned = httpx.get(f"{srv.url}/v1/checkpoint").text
        assert signed_by(cosigned, new_keys) and len(parse_note(cosigned).signatures) >= 3
        assert c.pact.digest == NEW_LOG_PACT.digest

    # the same log served without the new key: appends after executes_at are refused 503, nothing is appended
    with serving(tmp_path) as srv, PactClient(srv.url, NEW_LOG_PACT, timeout=3) as c:
        size = logged(srv.url)
        signer = Signer(NEW_LOG_PACT, "lab-b", key("lab-b"), seq=2)
        envelope = signer.sign("ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"}, c.next_seq(signer)[1], seq=3)
        refused = httpx.post(f"{srv.url}/v1/statements", json=envelope)
        assert refused.status_code == 503 and refused.json()["error"] == "unavailable"
        assert "--key" in refused.json()["detail"] and "version 2" in refused.json()["detail"]
        with pytest.raises(ClientError) as failed:
            c.submit(signer, "ack", {"level": "normal", "since": "2026-01-01T00:00:00Z"})
        assert failed.value.error == "unavailable"
        assert logged(srv.url) == size == 9
