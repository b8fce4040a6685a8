"""A lab's side of confidential reports (contract v2 section 8), end to end against a real server: ``submit``
and the collectors seal a sealed indicator's value without being asked, the lab keeps the opening, the monitors
can open what the log holds, ``pausepact reveal`` publishes it, and the value appears in no answer of the server
(entries, state, status, checkpoint), in its store or in its log file until it is revealed."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pausepact.core.canonical import canonical
from pausepact.core.sealing import Opened, open_sealed, seal_info
from pausepact.pactio import load_pact
from pausepact.party.client import ClientError, PactClient
from pausepact.party.openings import Opening, OpeningStore
from pausepact.party.reporting import payload_digest, submit_report
from pausepact.party.signer import Signer
from tests.factory import MONITORS, key
from tests.live import Server, serving
from tests.sealed_world import seal_key, sealed_pact, write_sealed_world

from .test_collect import repo  # noqa: F401  (the small git repository with known answers)

# values chosen so that their text cannot occur by chance (base64 and hex have no '.')
CODE_SHARE = 0.73519
UPLIFT = 41.2875
REVEALED = 0.61803


class World:
    def __init__(self, folder: Path, server: Server) -> None:
        self.folder, self.server, self.url = folder, server, server.url
        self.pact_path = folder / "pact.yaml"
        self.pact = load_pact(self.pact_path)
        self.data_home = folder / "xdg-data"  # where the default openings file goes (platformdirs on Linux)

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, XDG_DATA_HOME=str(self.data_home))
        r = subprocess.run([sys.executable, "-m", "pausepact", *args], capture_output=True, text=True, env=env, timeout=180)
        if ok:
            assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
        return r

    def party(self, pid: str) -> list[str]:
        return ["--server", self.url, "--pact", str(self.pact_path), "--as", pid, "--key", str(self.folder / f"{pid}.pem")]

    def client(self) -> PactClient:
        return PactClient(self.url, self.pact)

    def size(self) -> int:
        with self.client() as c:
            return int(c.checkpoint(latest=True).split("\n")[1])

    def statement(self, index: int) -> tuple[dict[str, Any], str]:
        with self.client() as c:
            env = c.entries(index, index + 1)[0]["envelope"]
        return json.loads(base64.b64decode(env["payload"])), payload_digest(env)

    def everything_public(self) -> str:
        """Every byte a stranger can get: entries (and their decoded payloads), state, status, checkpoints, the
        server's store and its log file."""
        parts = []
        with httpx.Client(base_url=self.url, timeout=30) as h:
            size = self.size()
            entries = h.get("/v1/entries", params={"start": 0, "end": size}).text
            parts += [entries, h.get("/v1/state").text, h.get("/v1/status").text, h.get("/v1/checkpoint?latest=1").text]
            for e in json.loads(entries)["entries"]:
                parts.append(base64.b64decode(e["envelope"]["payload"]).decode())
        for f in self.folder.iterdir():
            if f.name.startswith(("serve-", "log.db")):
                parts.append(f.read_bytes().decode("latin-1"))
        return "\n".join(parts)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("sealed")
    write_sealed_world(folder)
    with serving(folder) as srv:
        yield World(folder, srv)


def opens_for_every_monitor(st: dict[str, Any], value: float, subject: str) -> None:
    """Each monitor opens its member of the logged statement to ``value`` (info bound to the pact digest it names)."""
    body = st["body"]
    assert set(body["sealed"]) == set(MONITORS)
    unit = sealed_pact()[0].indicators[body["indicator"]].unit
    for m in MONITORS:
        got = open_sealed(body["sealed"][m], seal_key(m), seal_info(st["pact_digest"], body["commitment"]), unit,
                          body["indicator"], body["measured_at"], subject, body["commitment"])
        assert isinstance(got, Opened) and got.value == value, (m, got)


# ---- submit ----

def test_submit_report_of_a_sealed_indicator_seals_it_and_keeps_the_opening(world: World) -> None:
    r = world.run("submit", "report", "--indicator", "ai_code_share", "--value", str(CODE_SHARE), *world.party("lab-a"), "--json")
    out = json.loads(r.stdout)
    sealed = out["sealed"]
    assert sealed["monitors"] == list(MONITORS) and sealed["index"] == out["index"]
    st, digest = world.statement(out["index"])
    assert st["type"] == "sealed_report" and "value" not in st["body"] and st["body"]["commitment"] == sealed["commitment"]
    assert digest == sealed["statement"]
    opens_for_every_monitor(st, CODE_SHARE, "lab-a")
    # the opening is kept, owner-only, where the default says, with the statement digest the log holds
    path = Path(sealed["openings"])
    assert path.is_relative_to(world.data_home / "pausepact" / "openings")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    kept = OpeningStore(path).find("lab-a", statement=digest)
    assert kept is not None and kept.value == CODE_SHARE and kept.opens() and kept.index == out["index"]
    # people are told it was sealed, though they asked for a report
    r = world.run("submit", "report", "--indicator", "ai_code_share", "--value", "0.25", *world.party("lab-b"))
    assert "sealed" in r.stdout and "commitment sha256:" in r.stdout and "pausepact reveal --index" in r.stdout
    assert "in checkpoint:\npausepact.test/test-pact\n" in r.stdout  # the receipt's note, line by line


def test_submit_sealed_report_by_a_monitor_about_a_developer(world: World) -> None:
    openings = world.folder / "eval-org-openings.jsonl"
    r = world.run("submit", "sealed_report", "--indicator", "uplift_percent", "--value", str(UPLIFT), "--subject", "lab-b",
                  "--measured-at", "2026-01-01T00:00:00Z", "--openings", str(openings), *world.party("eval-org"), "--json")
    out = json.loads(r.stdout)
    st, _ = world.statement(out["index"])
    assert st["body"]["subject"] == "lab-b" and st["body"]["measured_at"] == "2026-01-01T00:00:00Z"
    opens_for_every_monitor(st, UPLIFT, "lab-b")
    kept = OpeningStore(openings).find("eval-org", commitment=st["body"]["commitment"])
    assert kept is not None and kept.subject == "lab-b" and kept.value == UPLIFT


@pytest.mark.parametrize("args,message", [
    (["report", "--indicator", "ai_code_share", "--value", "1.5"], "outside the range of unit 'ratio'"),
    (["sealed_report", "--indicator", "ai_code_share", "--value", "-0.25"], "outside the range of unit 'ratio'"),
    (["sealed_report", "--indicator", "ai_rnd_score", "--value", "0.4"], "'ai_rnd_score' is public"),
    (["sealed_report", "--indicator", "ai_code_share"], "give --value"),
])
def test_what_cannot_be_sealed_is_refused_here_and_nothing_is_sent(world: World, args: list[str], message: str,
                                                                    tmp_path: Path) -> None:
    before = world.size()
    openings = tmp_path / "openings.jsonl"
    r = world.run("submit", *args, *world.party("lab-c"), "--openings", str(openings), ok=False)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    value = args[args.index("--value") + 1] if "--value" in args else None
    assert value is None or value not in r.stderr  # a refusal never quotes the value
    assert world.size() == before and not openings.exists()


def test_a_dry_run_seals_keeps_nothing_and_sends_nothing(world: World, tmp_path: Path) -> None:
    before, openings = world.size(), tmp_path / "openings.jsonl"
    r = world.run("submit", "report", "--indicator", "ai_code_share", "--value", "0.31337", "--dry-run", "--json",
                  "--openings", str(openings), *world.party("lab-c"))
    out = json.loads(r.stdout)
    assert set(out["body"]) == {"indicator", "measured_at", "commitment", "sealed"} and "0.31337" not in r.stdout
    assert out["outcome"]["effect"] != "rejected"
    assert world.size() == before and not openings.exists()


def test_a_lagging_clock_re_signs_the_same_sealed_body(world: World, tmp_path: Path) -> None:
    """The client re-signs a refused ``skew``: only time and seq change; the commitment and members are those kept."""
    openings = tmp_path / "openings.jsonl"
    with world.client() as c:
        signer = Signer(c.pact, "lab-d", key("lab-d"))
        _, log_time = c.next_seq(signer)
        body = {"indicator": "ai_code_share", "value": 0.4, "measured_at": "2026-06-01T00:00:00Z"}
        done = submit_report(c, signer, body, openings, time=log_time - 3600)  # an hour behind: refused, re-signed
    st, digest = world.statement(int(done.receipt["index"]))
    assert st["time"] != "2026-06-01T00:00:00Z" and digest == done.statement
    kept = OpeningStore(openings).find("lab-d", statement=digest)
    assert kept is not None and kept.commitment == st["body"]["commitment"]
    opens_for_every_monitor(st, 0.4, "lab-d")


def test_a_re_signing_never_reseals(tmp_path: Path) -> None:
    """With a server that refuses the first try (``time-order``, its clock ahead), the second envelope carries the
    same body, and the opening was on disk before the first was sent."""
    pact, _ = sealed_pact()
    openings = tmp_path / "openings.jsonl"
    posted: list[dict[str, Any]] = []
    kept_before_sending: list[bool] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/seq":
            return httpx.Response(200, json={"seq": 0, "log_time": "2027-01-02T00:00:00Z"})
        env = json.loads(request.content)
        posted.append(json.loads(base64.b64decode(env["payload"])))
        kept_before_sending.append(openings.exists() and posted[-1]["body"]["commitment"] in openings.read_text())
        if len(posted) == 1:
            return httpx.Response(409, json={"error": "time-order", "detail": "too early", "log_time": "2027-01-02T00:05:00Z"})
        return httpx.Response(201, json={"index": 7, "leaf_hash": "00" * 32, "checkpoint": "x"})

    with PactClient("http://log.test", pact, transport=httpx.MockTransport(answer)) as c:
        done = submit_report(c, Signer(pact, "lab-a", key("lab-a")), {"indicator": "ai_code_share", "value": 0.9,
                                                                       "measured_at": "2027-01-01T00:00:00Z"}, openings)
    first, second = posted
    assert first["body"] == second["body"] and first["time"] != second["time"] == "2027-01-02T00:05:00Z"
    assert kept_before_sending == [True, True]
    assert done.statement == hashlib.sha256(canonical(second)).hexdigest()
    kept = OpeningStore(openings).find("lab-a", statement=done.statement)
    assert kept is not None and kept.index == 7 and kept.commitment == second["body"]["commitment"]


def test_a_refused_sealed_report_raises_and_its_opening_stays_unlinked(tmp_path: Path) -> None:
    pact, _ = sealed_pact()
    openings = tmp_path / "openings.jsonl"

    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/seq":
            return httpx.Response(200, json={"seq": 0, "log_time": "2027-01-02T00:00:00Z"})
        return httpx.Response(400, json={"error": "body", "detail": "no"})

    with PactClient("http://log.test", pact, transport=httpx.MockTransport(refuse)) as c, pytest.raises(ClientError):
        submit_report(c, Signer(pact, "lab-a", key("lab-a")), {"indicator": "ai_code_share", "value": 0.9,
                                                                "measured_at": "2027-01-01T00:00:00Z"}, openings)
    [kept] = OpeningStore(openings).all()
    assert kept.statement is None and kept.index is None


# ---- collectors ----

def test_collect_ai_code_submit_seals_and_shows_the_lab_its_value_and_commitment(world: World, repo: Path) -> None:  # noqa: F811
    r = world.run("collect", "ai-code", str(repo), "--json", "--submit", *world.party("lab-c"))
    out = json.loads(r.stdout)
    value = out["value"]
    assert value == pytest.approx(30 / 52)
    sealed = out["sealed"]
    st, digest = world.statement(out["submitted"]["index"])
    assert st["type"] == "sealed_report" and digest == sealed["statement"] and st["body"]["commitment"] == sealed["commitment"]
    opens_for_every_monitor(st, value, "lab-c")
    # the evidence digest is salted with the report's salt: no guessed counts can be tested against it
    assert st["body"]["evidence"] == sealed["evidence"] and sealed["evidence"]["digest"] != out["evidence"]["digest"]
    kept = OpeningStore(Path(sealed["openings"])).find("lab-c", statement=digest)
    assert kept is not None
    material = {"head": st["body"]["evidence"]["source"].rsplit(" ", 1)[1], "method": "added", "windows": out["windows"]}
    assert "sha256:" + hashlib.sha256(canonical(material | {"salt": kept.salt})).hexdigest() == sealed["evidence"]["digest"]
    assert repr(value) not in world.everything_public()
    # people see their value and what the log holds instead
    r = world.run("collect", "ai-code", str(repo), "--submit", *world.party("lab-d"))
    assert "value 0.576923" in r.stdout and "sealed" in r.stdout and "commitment sha256:" in r.stdout


def test_collect_lm_eval_submit_by_a_monitor_seals(world: World, tmp_path: Path) -> None:
    data = {"results": {"uplift": {"acc,none": 37.0625}}, "configs": {}, "versions": {}, "config": {"model": "hf"}, "date": 1.7e9}
    results = tmp_path / "results_2027-01-01T00-00-00.json"
    results.write_text(json.dumps(data))
    r = world.run("collect", "lm-eval", str(results), "--task", "uplift", "--json", "--submit", "--indicator", "uplift_percent",
                  "--subject", "lab-a", *world.party("civic-audit"))
    out = json.loads(r.stdout)
    assert out["value"] == 37.0625 and out["sealed"]["commitment"].startswith("sha256:")
    st, _ = world.statement(out["submitted"]["index"])
    assert st["body"]["evidence"] == out["evidence"]  # a whole file's digest hides its numbers: sent as it is
    opens_for_every_monitor(st, 37.0625, "lab-a")
    assert "37.0625" not in world.everything_public()


def test_collect_submit_of_a_public_indicator_stays_a_report(world: World, tmp_path: Path) -> None:
    data = {"results": {"rnd": {"acc,none": 0.125}}, "configs": {}, "versions": {}, "config": {"model": "hf"}, "date": 1.7e9}
    results = tmp_path / "results_2027-01-01T00-00-00.json"
    results.write_text(json.dumps(data))
    r = world.run("collect", "lm-eval", str(results), "--json", "--submit", "--indicator", "ai_rnd_score", *world.party("lab-a"))
    out = json.loads(r.stdout)
    assert "sealed" not in out
    st, _ = world.statement(out["submitted"]["index"])
    assert st["type"] == "report" and st["body"]["value"] == 0.125


# ---- reveal ----

def test_reveal_publishes_the_kept_opening_once(world: World) -> None:
    r = world.run("submit", "report", "--indicator", "ai_code_share", "--value", str(REVEALED), *world.party("lab-a"), "--json")
    index = json.loads(r.stdout)["index"]
    assert str(REVEALED) not in world.everything_public()
    r = world.run("reveal", "--index", str(index), *world.party("lab-a"), "--json")
    out = json.loads(r.stdout)
    assert out["revealed"]["index"] == index and "void" not in out
    st, _ = world.statement(out["index"])
    assert st["type"] == "reveal" and st["body"]["value"] == REVEALED
    with world.client() as c:
        [rec] = [s for s in c.state()["sealed"] if s["index"] == index]
    assert rec["value"] == REVEALED
    r = world.run("reveal", "--index", str(index), *world.party("lab-a"), ok=False)
    assert r.returncode == 2 and "already revealed" in r.stderr


def test_reveal_by_statement_digest(world: World) -> None:
    r = world.run("submit", "sealed_report", "--indicator", "ai_code_share", "--value", "0.0625", *world.party("lab-b"), "--json")
    sealed = json.loads(r.stdout)["sealed"]
    r = world.run("reveal", "--statement", sealed["statement"], *world.party("lab-b"))
    assert f"revealed sealed report {sealed['index']}" in r.stdout and "0.0625" in r.stdout


def test_reveal_without_the_opening_or_of_what_is_not_ours_is_refused_clearly(world: World, tmp_path: Path) -> None:
    r = world.run("submit", "report", "--indicator", "ai_code_share", "--value", "0.5", *world.party("lab-d"), "--json")
    index = json.loads(r.stdout)["index"]
    r = world.run("submit", "sign", *world.party("lab-d"), "--json")
    signed = json.loads(r.stdout)["index"]
    before = world.size()
    cases = [
        (["--index", str(index), *world.party("lab-d"), "--openings", str(tmp_path / "elsewhere.jsonl")], "has no opening"),
        (["--index", str(index), *world.party("lab-a")], "only its author may reveal it"),
        (["--index", str(signed), *world.party("lab-d")], "a 'sign' statement, not a sealed report"),
        (["--index", "99999", *world.party("lab-d")], "has no entry 99999"),
        (["--statement", "ab" * 32, *world.party("lab-d")], "no sealed report by lab-d"),
        (["--statement", "AB" * 32, *world.party("lab-d")], "64 lowercase hex"),
        ([*world.party("lab-d")], "exactly one of --statement HEX or --index N"),
    ]
    for args, message in cases:
        r = world.run("reveal", *args, ok=False)
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)
    assert world.size() == before


def test_the_unrevealed_values_appear_nowhere(world: World) -> None:
    """Run after the others (file order): every sealed value submitted above, except the revealed ones, is absent."""
    public = world.everything_public()
    for value in (CODE_SHARE, UPLIFT, 0.25, 37.0625):
        assert repr(value) not in public, value
    assert repr(REVEALED) in public  # the test can see a value where one is


# ---- the openings file ----

def _opening(**kw: Any) -> Opening:
    return Opening(**{"pact": "p", "pact_digest": "sha256:" + "0" * 64, "party": "lab-a", "indicator": "ai_code_share",
                      "subject": "lab-a", "measured_at": "2027-01-01T00:00:00Z", "value": 0.5,
                      "salt": base64.b64encode(bytes(32)).decode(), "commitment": "", **kw})


def test_the_openings_file_is_owner_only_and_survives_a_torn_line(tmp_path: Path) -> None:
    from pausepact.core.sealing import commitment
    from pausepact.errors import InputError

    o = _opening()
    o = _opening(commitment=commitment(o.indicator, o.measured_at, o.salt, o.subject, o.value))
    store = OpeningStore(tmp_path / "o" / "lab-a.jsonl")
    store.add(o)
    with store.path.open("a") as f:
        f.write('{"format": 1, "pact": "p", "val')  # a crash in the middle of a line
    store.add(o.accepted("cd" * 32, 3))
    assert store.find("lab-a", statement="cd" * 32) == o.accepted("cd" * 32, 3)
    assert store.find("lab-b", commitment=o.commitment) is None
    wrong = _opening(commitment="sha256:" + "1" * 64)  # does not open its commitment: never offered for a reveal
    store.add(wrong)
    assert store.find("lab-a", commitment=wrong.commitment) is None
    store.path.chmod(0o644)
    with pytest.raises(InputError, match="mode 0644"):
        store.find("lab-a", commitment=o.commitment)
    with pytest.raises(InputError, match="mode 0644"):
        store.add(o)
