"""``pausepact amend propose`` and ``pausepact revoke``: what the log would void is refused before anything is signed,
and every failure is one clear line (no server, unreadable files, hostile text)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from pausepact.keyfiles import public_text
from pausepact.party.client import PactClient
from pausepact.party.signer import Signer

from .amend_world import TIGHTER_TEXT, V1, cli, state, write_amendable
from .factory import key
from .live import serving

NOWHERE = "http://127.0.0.1:9"


def assert_clear(code: int, out: str, err: str) -> None:
    assert code in (1, 2), (code, out, err)
    assert "Traceback" not in out + err and "internal error" not in err and (out + err).strip()


def test_propose_refuses_a_void_or_oversized_text_against_the_version_in_force_before_signing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pact_file = write_amendable(tmp_path)
    with serving(tmp_path) as srv, PactClient(srv.url, V1) as c:
        for d in ("lab-a", "lab-b", "lab-c"):
            c.submit(Signer(V1, d, key(d)), "sign", {})
        # lab-a's second key is revoked in the log: a version listing it again is void
        c.submit(Signer(V1, "lab-a", key("lab-a")), "revoke", {"key": public_text(key("lab-a", 1)), "reason": "leaked"})
        base = ["--server", srv.url, "--pact", str(pact_file), "--as", "eval-org", "--key", str(tmp_path / "eval-org.pem"),
                "--id", "a1"]
        (tmp_path / "v2.yaml").write_text(TIGHTER_TEXT)
        code, out, err = cli(capsys, "amend", "propose", str(tmp_path / "v2.yaml"), *base)
        assert code == 1 and "void (key-not-revoked)" in out and "nothing was signed" in out, out + err
        assert "v2.yaml:" in out  # FILE:LINE:COL, as check writes its lines
        # a key moved to another party, an id changed: each reason named
        moved = TIGHTER_TEXT.replace(public_text(key("lab-a", 1)), public_text(key("lab-a", 5))) \
            .replace("pact: test-pact", "pact: other-pact")
        (tmp_path / "moved.yaml").write_text(moved.replace(public_text(key("lab-b", 1)), public_text(key("aisi", 1)), 1))
        code, out, _ = cli(capsys, "amend", "propose", str(tmp_path / "moved.yaml"), *base)
        assert code == 1 and "void (same-pact)" in out and "void (key-stays)" in out
        # larger than 32 KiB: refused before signing (the log would refuse it `body`)
        fixed = TIGHTER_TEXT.replace(public_text(key("lab-a", 1)), public_text(key("lab-a", 5)))
        (tmp_path / "big.yaml").write_text(fixed + "# " + "x" * 33_000 + "\n")
        code, out, err = cli(capsys, "amend", "propose", str(tmp_path / "big.yaml"), *base)
        assert code == 2 and "32 KiB" in err and "nothing was signed" in err
        assert state(srv.url)["tree_size"] == 4
        # the same text without the revoked key can be proposed; its rationale travels with it
        (tmp_path / "ok.yaml").write_text(fixed)
        code, out, err = cli(capsys, "amend", "propose", str(tmp_path / "ok.yaml"), *base, "--rationale", "tighten", "--json")
        assert code == 0, out + err
        envelope = c.entries(4, 5)[0]["envelope"]
        body = json.loads(base64.b64decode(envelope["payload"]))["body"]
        assert body == {"id": "a1", "action": "amend", "pact": base64.b64encode(fixed.encode()).decode(), "rationale": "tighten"}
        assert state(srv.url)["proposals"][0]["state"] == "active" and state(srv.url)["void"] == []


@pytest.mark.parametrize("argv", [
    ["amend", "propose", "{v2}", "--server", NOWHERE, "--pact", "{pact}", "--as", "aisi", "--key", "{aisi}", "--id", "a1"],
    ["amend", "propose", "{missing}", "--server", NOWHERE, "--pact", "{pact}", "--as", "aisi", "--key", "{aisi}", "--id", "a1"],
    ["amend", "propose", "{v2}", "--server", NOWHERE, "--pact", "{pact}", "--as", "aisi", "--key", "{missing}", "--id", "a1"],
    ["amend", "propose", "{v2}", "--server", "not a url", "--pact", "{v2}", "--as", "aisi", "--key", "{aisi}", "--id", ""],
    ["revoke", "--server", NOWHERE, "--pact", "{pact}", "--as", "lab-a", "--key", "{lab-a}", "--revoke", "{lab-a-1}",
     "--reason", "x"],
    ["revoke", "--server", NOWHERE, "--pact", "{pact}", "--as", "lab-a", "--key", "{lab-a}", "--revoke", "{missing}",
     "--reason", "x"],
    ["revoke", "--server", NOWHERE, "--pact", "{pact}", "--as", "lab-a", "--key", "{lab-a}", "--revoke", "x25519:AAAA",
     "--reason", "x"],
    ["revoke", "--server", NOWHERE, "--pact", "{pact}", "--as", "lab-a", "--key", "{lab-a}", "--revoke", "{pact}",
     "--reason", "x"],
    ["revoke", "--server", NOWHERE, "--pact", "{pact}", "--as", "lab-a", "--key", "{lab-a}"],
])
def test_hostile_invocations_fail_in_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    argv: list[str]) -> None:
    write_amendable(tmp_path)
    (tmp_path / "v2.yaml").write_text(TIGHTER_TEXT)
    paths = {"pact": tmp_path / "pact.yaml", "v2": tmp_path / "v2.yaml", "aisi": tmp_path / "aisi.pem",
             "lab-a": tmp_path / "lab-a.pem", "lab-a-1": tmp_path / "lab-a-1.pem", "missing": tmp_path / "nothing-here"}
    filled = [paths[a[1:-1]].as_posix() if a.startswith("{") and a[1:-1] in paths else a for a in argv]
    assert_clear(*cli(capsys, *filled))
