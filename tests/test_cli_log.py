"""A person's round trip by hand: keys, statements, a local log, export, cosign, independent verify."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from pausepact.keyfiles import write_private_key

from .factory import Parties, key, make_pact, pact_text  # noqa: F401


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, input=stdin, timeout=120)


def setup(tmp_path: Path) -> Path:
    (tmp_path / "pact.yaml").write_text(pact_text())
    for pid in ["lab-a", "lab-b", "lab-c", "aisi", "eval-org", "civic-audit", "log"]:
        write_private_key(tmp_path / f"{pid}.pem", key(pid))
    return tmp_path / "pact.yaml"


def test_statement_append_export_cosign_verify(tmp_path: Path) -> None:
    pact = setup(tmp_path)
    lines = []
    for i, pid in enumerate(["lab-a", "lab-b", "lab-c"]):
        r = cli("statement", "sign", "--pact", str(pact), "--as", pid, "--key", str(tmp_path / f"{pid}.pem"),
                "--seq", "1", "--time", f"2027-01-01T00:00:0{i}Z")
        assert r.returncode == 0, r.stderr
        lines.append(r.stdout.strip())
    r = cli("statement", "report", "--pact", str(pact), "--as", "lab-a", "--key", str(tmp_path / "lab-a.pem"), "--seq", "2",
            "--time", "2027-01-02T00:00:00Z", "--body", '{"indicator":"ai_code_share","value":0.97,"measured_at":"2027-01-01T00:00:00Z"}')
    assert r.returncode == 0, r.stderr
    lines.append(r.stdout.strip())
    # a statement the pact would refuse is refused at once, with its reason
    r = cli("statement", "vote", "--pact", str(pact), "--as", "lab-a", "--key", str(tmp_path / "lab-a.pem"), "--seq", "3",
            "--body", '{"proposal":"p","choice":"yes"}')
    assert r.returncode == 2 and "role" in r.stderr
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    store = f"sqlite:///{tmp_path}/log.db"
    r = cli("append", str(tmp_path / "in.jsonl"), "--pact", str(pact), "--key", str(tmp_path / "log.pem"), "--store", store,
            "--clock", "statement", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["size"] == 4
    r = cli("export", "--store", store, "--out", str(tmp_path / "log.jsonl"), "--checkpoint", str(tmp_path / "cp.txt"))
    assert r.returncode == 0, r.stderr
    assert len((tmp_path / "log.jsonl").read_text().splitlines()) == 4
    verify = ("verify", "--pact", str(pact), "--entries", str(tmp_path / "log.jsonl"), "--checkpoint", str(tmp_path / "cp.txt"))
    r = cli(*verify)
    assert r.returncode == 1 and "witness_quorum is 2" in r.stderr
    for m in ("aisi", "eval-org"):
        assert cli("cosign", str(tmp_path / "cp.txt"), "--pact", str(pact), "--as", m, "--key", str(tmp_path / f"{m}.pem")).returncode == 0
    r = cli(*verify, "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["cosigners"] == ["aisi", "eval-org"]
    # tamper: change the report's value in entry 3, keep the signature
    entries = (tmp_path / "log.jsonl").read_text().splitlines()
    env = json.loads(entries[3])
    payload = json.loads(base64.b64decode(env["payload"]))
    payload["body"]["value"] = 0.5
    env["payload"] = base64.b64encode(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).decode()
    entries[3] = json.dumps(env)
    (tmp_path / "log.jsonl").write_text("\n".join(entries) + "\n")
    r = cli(*verify)
    assert r.returncode == 1 and "entry 3: bad-signature" in r.stderr
    # drop an entry: the signatures hold but the tree does not
    (tmp_path / "log.jsonl").write_text("\n".join(entries[:3]) + "\n")
    r = cli(*verify)
    assert r.returncode == 1 and "covers 4 entries" in r.stderr
