"""Key revocation against a real server: ``pausepact revoke``, then the revoked key's next statement is refused by the
server, by ``verify`` and by ``replay``, while its earlier statements still count; a monitor whose key was revoked
signs nothing more with it, and its cosignatures no longer count."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from pausepact.clock import Clock
from pausepact.core.notes import Note, cosign, parse_checkpoint, parse_note
from pausepact.keyfiles import public_raw, public_text
from pausepact.monitor.follow import Monitor
from pausepact.monitor.state import MonitorState
from pausepact.party.client import ClientError, PactClient
from pausepact.party.signer import Signer

from .amend_world import V1, cli, export, rounds, state, until, witnessed, write_amendable
from .factory import key
from .live import serving

ACK = {"level": "normal", "since": "2026-01-01T00:00:00Z"}


def test_a_revoked_key_is_refused_everywhere_from_the_next_entry_and_its_earlier_statements_still_count(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pact_file = write_amendable(tmp_path)
    guard_key = Signer(V1, "lab-a", key("lab-a", 1))  # lab-a's second key: its guard's, say
    with serving(tmp_path) as srv, PactClient(srv.url, V1) as c:
        c.submit(guard_key, "sign", {})  # by the key about to be revoked: it must still count afterwards
        for d in ("lab-b", "lab-c"):
            c.submit(Signer(V1, d, key(d)), "sign", {})
        base = ["revoke", "--server", srv.url, "--pact", str(pact_file), "--as", "lab-a", "--reason", "guard key leaked"]

        # refused before anything is signed: an earlier key, another party's key, an unreadable key
        code, _, err = cli(capsys, *base, "--key", str(tmp_path / "lab-a-1.pem"), "--revoke", str(tmp_path / "lab-a.pem"))
        assert code == 2 and "listed before the signing key" in err
        code, _, err = cli(capsys, *base, "--key", str(tmp_path / "lab-a.pem"), "--revoke", public_text(key("lab-b")))
        assert code == 2 and "not a current signing key of lab-a" in err
        code, _, err = cli(capsys, *base, "--key", str(tmp_path / "lab-a.pem"), "--revoke", "ed25519:nonsense")
        assert code == 2 and "--revoke" in err
        assert state(srv.url)["tree_size"] == 3

        # the first key revokes the later one (given as its PEM file: only the public half is read)
        code, out, err = cli(capsys, *base, "--key", str(tmp_path / "lab-a.pem"), "--revoke", str(tmp_path / "lab-a-1.pem"))
        assert code == 0 and "entry 3" in out, out + err
        # revoking the last current key would leave lab-a none: refused
        code, _, err = cli(capsys, *base, "--key", str(tmp_path / "lab-a.pem"), "--revoke", public_text(key("lab-a")))
        assert code == 2 and "no current signing key" in err

        # the revoked key's next statement: refused unknown-key, and it consumed nothing
        next_time = c.next_seq(guard_key)[1]
        forged = guard_key.sign("ack", ACK, next_time, seq=2)
        refused = httpx.post(f"{srv.url}/v1/statements", json=forged)
        assert refused.status_code == 403 and refused.json()["error"] == "unknown-key"
        with pytest.raises(ClientError) as again:
            c.submit(guard_key, "ack", ACK)
        assert again.value.error == "unknown-key"
        c.submit(Signer(V1, "lab-a", key("lab-a")), "ack", ACK)  # lab-a's other key goes on

        final = state(srv.url)
        assert final["revoked"] == [{"party": "lab-a", "key": public_text(key("lab-a", 1)), "index": 3,
                                     "at": final["revoked"][0]["at"]}]
        assert final["parties"]["lab-a"]["bound"] and final["in_force"] and final["rejected"] == []
        entries = export(srv.url, tmp_path / "entries.jsonl")
        note = httpx.get(f"{srv.url}/v1/checkpoint", params={"latest": 1}).text

    # a log holding the revoked key's statement (as a dishonest operator would serve it): replay and verify refuse it
    with entries.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    (tmp_path / "checkpoint.txt").write_text(note)
    code, out, _ = cli(capsys, "replay", "--pact", str(pact_file), str(entries), "--json")
    replayed = json.loads(out)
    assert code == 0 and [(r["index"], r["reason"]) for r in replayed["rejected"]] == [(5, "unknown-key")]
    assert replayed["parties"]["lab-a"]["bound"] and replayed["revoked"][0]["index"] == 3
    code, out, err = cli(capsys, "verify", "--pact", str(pact_file), "--entries", str(entries),
                         "--checkpoint", str(tmp_path / "checkpoint.txt"))
    assert code == 1 and "entry 5: unknown-key" in out + err


def test_a_monitor_whose_key_was_revoked_signs_nothing_with_it_and_its_cosignatures_do_not_count(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pact_file = write_amendable(tmp_path)
    with serving(tmp_path) as srv, PactClient(srv.url, V1) as c:
        for d in ("lab-a", "lab-b", "lab-c"):
            c.submit(Signer(V1, d, key(d)), "sign", {})
        # aisi's first key revokes itself (a key may); its second key stays current
        code, out, err = cli(capsys, "revoke", "--server", srv.url, "--pact", str(pact_file), "--as", "aisi",
                             "--key", str(tmp_path / "aisi.pem"), "--revoke", public_text(key("aisi")),
                             "--reason", "the laptop holding it was stolen")
        assert code == 0, out + err
        c.submit(Signer(V1, "lab-b", key("lab-b")), "ack", ACK)
        size = state(srv.url)["tree_size"]
        ms = {m: Monitor(PactClient(srv.url, V1), m, key(m), Clock(), MonitorState.load(tmp_path / f"{m}.json"))
              for m in ("aisi", "eval-org", "civic-audit")}
        did: list[dict[str, object]] = []
        until(lambda: witnessed(srv.url, size) and bool(did) and "revoked" in str(did[0].get("checkpoint")),
              lambda: did.__setitem__(slice(None), rounds(ms)))
        assert "signs nothing more with it" in str(did[0]["checkpoint"])
        assert any("was revoked" in " ".join(i.values()) for i in ms["aisi"].state.incidents)  # said once, on file
        assert all(d.get("checkpoint") != "already cosigned" for d in did[:1])

        # a cosignature by the revoked key is not counted by the server
        latest = httpx.get(f"{srv.url}/v1/checkpoint", params={"latest": 1}).text
        text = parse_note(latest).text
        assert parse_checkpoint(text).size == size
        sig = cosign(text, "aisi", key("aisi"), public_raw(key("aisi")), Clock().now())
        posted = httpx.post(f"{srv.url}/v1/cosignatures", content=Note(text, (sig,)).render())
        assert posted.status_code == 400 and "no new valid monitor cosignature" in posted.json()["detail"]
        code, out, err = cli(capsys, "verify", "--pact", str(pact_file), "--server", srv.url, "--json")
        verified = json.loads(out)
        assert code == 0 and verified["ok"] and sorted(verified["cosigners"]) == ["civic-audit", "eval-org"], out + err
        # with its current key it signs again
        renewed = Monitor(PactClient(srv.url, V1), "aisi", key("aisi", 1), Clock(), MonitorState.load(tmp_path / "aisi-1.json"))
        until(lambda: "cosigned" in str(renewed.step().get("checkpoint")) or "already" in str(renewed.step().get("checkpoint")))
