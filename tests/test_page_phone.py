"""The public page on a phone and from the keyboard: no section wider than a 375 px screen, and the log explorer
and an entry's inclusion check reachable and runnable with Tab and Enter, its focus visible."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from pausepact.pactio import load_pact
from pausepact.party.client import PactClient

from . import test_page
from .live import Server, serving
from .page_world import build, signed_status
from .test_page import CHROMIUM, SHOTS

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Debian chromium (.ci/run installs it)")


browser = test_page.browser  # the same fixture: Debian's chromium, one per module


@pytest.fixture(scope="module")
def pause(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The paused world (the longest page: proposals, causes, resumption), served with a signed status."""
    with ExitStack() as stack:
        folder = tmp_path_factory.mktemp("pause")
        size = build(folder, "pause")
        srv = stack.enter_context(serving(folder))
        c = stack.enter_context(PactClient(srv.url, load_pact(folder / "pact.yaml")))
        signed_status(c, folder, size)
        yield srv


def _settled(page: Any, srv: Server) -> None:
    page.goto(srv.url + "/?live=0")
    page.wait_for_function("document.body.dataset.status !== undefined && document.body.dataset.checkpoint !== undefined",
                           timeout=30_000)
    page.wait_for_function("document.querySelectorAll('#entries tbody tr').length > 0", timeout=30_000)


WIDEST = """() => {
  const w = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('main > section, header, main > section > *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto')
      out.push((el.id || el.tagName) + ' ' + Math.round(r.right) + '/' + el.scrollWidth);
  }
  return {page: document.scrollingElement.scrollWidth, width: w, wide: out};
}"""


def test_a_phone_sees_no_sideways_scroll(browser: Any, pause: Server, tmp_path: Path) -> None:
    ctx = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    try:
        _settled(page, pause)
        page.evaluate("document.querySelector('#agreement details').open = true")  # the plain-language pact, the widest prose
        fit = page.evaluate(WIDEST)
        assert fit["page"] <= fit["width"] + 1 and not fit["wide"], fit
        page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(tmp_path / "phone.png", SHOTS / "phone.png")
    finally:
        ctx.close()


def test_the_keyboard_reaches_the_explorer_and_checks_inclusion(browser: Any, pause: Server) -> None:
    ctx = browser.new_context(viewport={"width": 1000, "height": 900})
    page = ctx.new_page()
    try:
        _settled(page, pause)
        page.locator("body").focus()
        reached: list[str] = []
        for _ in range(400):
            page.keyboard.press("Tab")
            who = page.evaluate("""() => { const a = document.activeElement;
                return {name: a.getAttribute('aria-label') || a.name || a.textContent.trim() || a.id, tag: a.tagName,
                        outline: getComputedStyle(a).outlineStyle + ' ' + getComputedStyle(a).outlineWidth};}""")
            reached.append(who["name"])
            if who["tag"] in ("INPUT", "SELECT", "BUTTON") or who["name"].startswith("check inclusion"):
                assert who["outline"] != "none 0px" and not who["outline"].startswith("none"), who
            if who["name"].startswith("check inclusion of entry"):
                break
        else:
            pytest.fail(f"Tab never reached an entry's inclusion check: {reached[-20:]}")
        for control in ("party", "type", "start", "Show", "Previous 1000", "Next 1000"):
            assert control in reached, (control, reached)
        page.keyboard.press("Enter")
        page.wait_for_selector("#entries .proof-ok, #entries .proof-bad", timeout=30_000)
        assert "verified: included in the cosigned tree" in page.locator("#entries .proof-ok").inner_text()
    finally:
        ctx.close()
