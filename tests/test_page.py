"""The public page in a real browser (Debian's chromium driven by Playwright): normal, a pause, a queued
resumption, a stale status and a forged one; the status is verified by the browser itself, and no request
leaves the server."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pausepact.core.durations import parse_time
from pausepact.core.status import status_signature
from pausepact.keyfiles import public_raw
from pausepact.pactio import load_pact
from pausepact.party.client import PactClient

from .factory import key
from .live import Server, serving
from .page_world import build, signed_status

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path("/tmp/page-shots")
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Debian chromium (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


World = tuple[str, Server, dict[str, Any]]


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], World]]:
    """Each scenario's world (a served log and a status signed over it), built once, when a test first needs it."""
    built: dict[str, World] = {}
    with ExitStack() as stack:
        def world_of(scenario: str) -> World:
            if scenario not in built:
                folder = tmp_path_factory.mktemp(scenario)
                size = build(folder, scenario)
                srv = stack.enter_context(serving(folder))
                c = stack.enter_context(PactClient(srv.url, load_pact(folder / "pact.yaml")))
                built[scenario] = (scenario, srv, signed_status(c, folder, size))
            return built[scenario]
        yield world_of


@pytest.fixture(params=["normal", "pause", "queued"])
def world(request: pytest.FixtureRequest, worlds: Callable[[str], World]) -> World:
    return worlds(request.param)


@pytest.fixture
def normal(worlds: Callable[[str], World]) -> World:
    """The world at the resting level, for the checks one world is enough for."""
    return worlds("normal")


def open_page(browser: Any, srv: Server, shot: Path, at: datetime | None = None,
              forged: dict[str, Any] | None = None, checkpoint: str | None = None,
              no_webcrypto: bool = False) -> tuple[Any, Any, list[str]]:
    """The page at ``srv`` (``?live=0``), its verdicts settled; every URL the browser asked for. ``forged`` and
    ``checkpoint`` replace the status and the checkpoint note in the server's answer, as a hostile path would."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 1400})
    if no_webcrypto:
        ctx.add_init_script("window.PAUSEPACT_NO_WEBCRYPTO_ED25519 = true")
    page = ctx.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    if at is not None:
        page.clock.set_fixed_time(at)
    if forged is not None or checkpoint is not None:  # a tampered server answer: what the page embeds replaced
        def tamper(route: Any) -> None:
            html = route.fetch().text()
            m = re.search(r'(<script type="application/json" id="pp-data">)(.*?)(</script>)', html, re.S)
            assert m is not None
            data = json.loads(m.group(2))
            if forged is not None:
                data["status"] = forged
            if checkpoint is not None:
                data["checkpoint"] = checkpoint
            html = html[:m.start(2)] + json.dumps(data).replace("<", "\\u003c") + html[m.end(2):]
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        page.route(re.compile(r".*/\?live=0$"), tamper)
    page.goto(srv.url + "/?live=0")
    page.wait_for_function("document.body.dataset.status !== undefined && document.body.dataset.checkpoint !== undefined",
                           timeout=30_000)
    page.screenshot(path=str(shot), full_page=True)
    return ctx, page, urls


def assert_only_server(urls: list[str], srv: Server) -> None:
    assert urls, "the browser asked for nothing"
    assert all(u.startswith(srv.url + "/") for u in urls), [u for u in urls if not u.startswith(srv.url)]


def test_page_in_a_real_browser(browser: Any, world: World, tmp_path: Path) -> None:
    scenario, srv, _ = world
    ctx, page, urls = open_page(browser, srv, tmp_path / f"{scenario}.png")
    try:
        verdict = page.locator("#verdict")
        assert verdict.get_attribute("data-verdict") == "valid", page.locator("#verdict-detail").inner_text()
        assert verdict.inner_text() == "VERIFIED"
        detail = page.locator("#verdict-detail").inner_text()
        assert "aisi" in detail and "eval-org" in detail
        now = page.locator("#now").inner_text()
        assert "Test pact" in page.locator("h1").inner_text()
        assert "LAB-A" in page.locator("#agreement").inner_text()
        if scenario == "normal":
            assert page.locator("#level").inner_text() == "normal"
            assert re.search(r"Why it is there now\s+none", now)
            assert re.search(r"Open proposals\s+none", now)
            assert "Nothing to resume" in now
        else:
            assert page.locator("#level").inner_text() == "pause"
            assert "emergency proposal e1 was approved" in now
        if scenario == "pause":
            assert "r1: resume pause" in now and "expires" in now
            assert "lab-a has not attested safeguards-adequate" in now
        if scenario == "queued":
            assert "queued" in now and "executes" in now and "unless cancelled" in now
        ind = page.locator("#indicators").inner_text()
        assert "of 60 days at least 0.95" in ind  # the `for` progress of models-write-the-code
        assert page.locator("#indicators svg.chart line.threshold").count() >= 1
        # the explorer: the newest page, decoded, and one inclusion proof checked in the browser
        page.wait_for_function("document.querySelectorAll('#entries tbody tr').length > 0", timeout=30_000)
        page.locator("#entries tbody tr").first.locator("button").click()
        page.wait_for_selector("#entries .proof-ok, #entries .proof-bad", timeout=30_000)
        assert page.locator("#entries .proof-ok").count() == 1
        assert "verified: included in the cosigned tree" in page.locator("#entries .proof-ok").inner_text()
        check = page.locator("#checkpoint-check")
        assert check.get_attribute("data-verdict") == "valid", check.inner_text()
        assert re.fullmatch(r"checkpoint verified: signed by the log, cosigned by (aisi, eval-org|eval-org, aisi)", check.inner_text())
        assert_only_server(urls, srv)
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(tmp_path / f"{scenario}.png", SHOTS / f"{scenario}.png")
    finally:
        ctx.close()


def test_a_stale_status_shows_expired(browser: Any, normal: World, tmp_path: Path) -> None:
    _, srv, status = normal
    core = json.loads(base64.b64decode(status["payload"]))
    later = datetime.fromtimestamp(parse_time(core["expires_at"]) + 60, UTC)  # the browser's clock, past the expiry
    ctx, page, urls = open_page(browser, srv, tmp_path / "stale.png", at=later)
    try:
        assert page.locator("#verdict").get_attribute("data-verdict") == "expired"
        assert "STALE" in page.locator("#verdict").inner_text()
        assert_only_server(urls, srv)
        shutil.copy(tmp_path / "stale.png", SHOTS / "stale.png") if SHOTS.exists() else None
    finally:
        ctx.close()


def test_a_forged_status_shows_invalid(browser: Any, normal: World, tmp_path: Path) -> None:
    _, srv, status = normal
    core = json.loads(base64.b64decode(status["payload"]))
    core["level"] = "normal"
    # signed by developers' keys, and one under a monitor's keyid by a key that is not the monitor's
    lab = status_signature(core, key("lab-a"), public_raw(key("lab-a")))
    lab_b = status_signature(core, key("lab-b"), public_raw(key("lab-b")))
    impostor = dict(status_signature(core, key("mallory"), public_raw(key("mallory"))),
                    keyid=status["signatures"][0]["keyid"])
    forged = dict(status, signatures=[lab, lab_b, impostor])
    ctx, page, urls = open_page(browser, srv, tmp_path / "forged.png", forged=forged)
    try:
        assert page.locator("#verdict").get_attribute("data-verdict") == "invalid"
        assert page.locator("#verdict").inner_text() == "INVALID"
        assert "not monitors' keys" in page.locator("#verdict-detail").inner_text()
        assert_only_server(urls, srv)
        shutil.copy(tmp_path / "forged.png", SHOTS / "forged.png") if SHOTS.exists() else None
    finally:
        ctx.close()


def test_pact_bytes_and_assets_are_served(normal: World) -> None:
    _, srv, _ = normal
    r = httpx.get(srv.url + "/pact.yaml")
    import hashlib

    assert r.status_code == 200 and r.headers["pausepact-digest"] == "sha256:" + hashlib.sha256(r.content).hexdigest()
    assert httpx.get(srv.url + "/page/page.js").status_code == 200
    assert httpx.get(srv.url + "/page/../app.py").status_code == 404


def test_static_snapshot_needs_no_server(browser: Any, worlds: Callable[[str], World], tmp_path: Path) -> None:
    _, srv, _ = worlds("pause")
    import subprocess
    import sys

    out = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pausepact", "page", "--server", srv.url, "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    html = (out / "index.html").read_text()
    assert 'href="page/page.css"' in html and 'href="pact.yaml"' in html and srv.url not in html
    ctx = browser.new_context()
    page = ctx.new_page()
    urls: list[str] = []
    page.on("request", lambda req: urls.append(req.url))
    try:
        page.goto((out / "index.html").as_uri())
        page.wait_for_function("document.body.dataset.status !== undefined", timeout=30_000)
        assert page.locator("#level").inner_text() == "pause"
        assert page.locator("#verdict").get_attribute("data-verdict") == "valid"  # checked from the file, offline
        assert "needs the live server" in page.locator("#log").inner_text()
        assert all(u.startswith("file://") for u in urls), urls
    finally:
        ctx.close()


def test_snapshot_of_no_server_is_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "pausepact", "page", "--server", "http://127.0.0.1:9", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_the_vendored_fallback_verifies_without_webcrypto_ed25519(browser: Any, normal: World,
                                                                  tmp_path: Path) -> None:
    _, srv, status = normal
    ctx = browser.new_context()
    ctx.add_init_script("window.PAUSEPACT_NO_WEBCRYPTO_ED25519 = true")
    page = ctx.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    try:
        page.goto(srv.url + "/?live=0")
        page.wait_for_function("document.body.dataset.status !== undefined", timeout=30_000)
        assert page.locator("#verdict").get_attribute("data-verdict") == "valid", page.locator("#verdict-detail").inner_text()
        assert "page's own Ed25519 code" in page.locator("#verdict-detail").inner_text()
        assert any("noble-ed25519-3.2.0/ed25519.js" in u for u in urls)
        # and the fallback refuses what WebCrypto refuses: a signature over another payload
        core = json.loads(base64.b64decode(status["payload"]))
        core["level"] = "pause"
        bad = dict(status, payload=base64.b64encode(json.dumps(core, separators=(",", ":"), sort_keys=True).encode()).decode())
        verdict = page.evaluate("env => pausepact.judgeStatus(env, Date.now()).then(v => v.verdict)", bad)
        assert verdict == "invalid"
        assert_only_server(urls, srv)
    finally:
        ctx.close()


def test_an_empty_log_reads_none_not_broken(tmp_path: Path) -> None:
    from .live import write_world

    write_world(tmp_path)
    with serving(tmp_path) as srv:
        html = httpx.get(srv.url + "/").text
    assert "no status has reached its quorum" in html
    assert "Not in force yet: 0 of the 3 developers" in html
    assert "none: no checkpoint has enough cosignatures yet" in html
    assert html.count('class="none"') >= 4


def _tampered(note: str, how: str) -> str:
    """The served checkpoint note altered: its root, a cosignature by a key that is no monitor's, or an impostor's
    signature under a monitor's key ID."""
    from pausepact.core.notes import NoteSignature, cosign, parse_note

    n = parse_note(note)
    if how == "root":
        lines = n.text.split("\n")
        lines[2] = base64.b64encode(bytes(32)).decode()
        return "\n".join(lines) + "\n" + "".join(sig.line() for sig in n.signatures)
    mallory = key("mallory")
    real = next(sig for sig in n.signatures if sig.name == "aisi")
    if how == "stranger":
        fake = cosign(n.text, "aisi", mallory, public_raw(mallory), int.from_bytes(real.signature[:8], "big"))
    else:  # impostor: the monitor's key ID, mallory's signature
        other = cosign(n.text, "aisi", mallory, public_raw(mallory), int.from_bytes(real.signature[:8], "big"))
        fake = NoteSignature("aisi", real.key_id, other.signature)
    return n.text + "\n" + "".join((fake if sig is real else sig).line() for sig in n.signatures)


@pytest.mark.parametrize("how", ["root", "stranger", "impostor", "root-without-webcrypto"])
def test_a_tampered_checkpoint_is_refused_and_proves_nothing(browser: Any, normal: World, tmp_path: Path, how: str) -> None:
    _, srv, _ = normal
    note = httpx.get(srv.url + "/?live=0").text
    m = re.search(r'<script type="application/json" id="pp-data">(.*?)</script>', note, re.S)
    assert m is not None
    served = json.loads(m.group(1))["checkpoint"]
    assert served, "the world has no cosigned checkpoint"
    ctx, page, urls = open_page(browser, srv, tmp_path / f"cp-{how}.png", checkpoint=_tampered(served, how.split("-")[0]),
                                no_webcrypto=how.endswith("webcrypto"))
    try:
        check = page.locator("#checkpoint-check")
        assert check.get_attribute("data-verdict") == "invalid", check.inner_text()
        text = check.inner_text()
        assert text.startswith("checkpoint NOT verified: "), text
        if how == "stranger":
            assert "cosigned by 1 monitor(s) of this pact (eval-org); it needs 2" in text
        else:
            assert "does not verify" in text
        assert page.locator("#verdict").get_attribute("data-verdict") == "valid"  # the status is another matter
        page.wait_for_function("document.querySelectorAll('#entries tbody tr').length > 0", timeout=30_000)
        page.locator("#entries tbody tr").first.locator("button").click()
        page.wait_for_selector("#entries .proof-ok, #entries .proof-bad", timeout=30_000)
        assert page.locator("#entries .proof-ok").count() == 0
        assert "the checkpoint did not verify" in page.locator("#entries .proof-bad").inner_text()
        assert not any("/v1/proof/" in u for u in urls)  # nothing is proved against a root nobody vouched for
        assert_only_server(urls, srv)
    finally:
        ctx.close()
