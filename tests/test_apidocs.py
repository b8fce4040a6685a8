"""The API docs page (/docs) works offline: every asset comes from the server itself, also in a real browser."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from .live import Server, serving, write_world

SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # an XML namespace name inside data: images; never fetched
SHOT = Path("/tmp/apidocs-shot.png")


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("apidocs")
    write_world(folder)
    with serving(folder) as s:
        yield s


def references(page: str) -> list[str]:
    return re.findall(r'(?:src|href|data-openapi)="([^"]*)"', page)


def foreign_urls(text: str) -> list[str]:
    """Absolute http(s) URLs in ``text``, the SVG namespace name aside."""
    return [u for u in re.findall(r"https?://[^\s\"'()<>]*", text) if not u.startswith(SVG_NAMESPACE)]


def test_docs_page_references_only_local_urls(srv: Server) -> None:
    r = httpx.get(srv.url + "/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert re.findall(r"https?://", r.text) == [], r.text  # no CDN (before: cdn.jsdelivr.net)
    refs = references(r.text)
    assert "/openapi.json" in refs
    scripts = [u for u in refs if u.endswith(".js")]
    assert any(u.endswith("/swagger-ui-bundle.js") for u in scripts) and any(u.endswith(".css") for u in refs)
    assert all(u.startswith("/docs/assets/") or u in ("/openapi.json", "data:,") for u in refs), refs
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp and "unsafe-eval" not in csp
    assert "<script>" not in r.text  # no inline script: the CSP would refuse it


def test_docs_assets_are_served_with_types_and_long_caching(srv: Server) -> None:
    page = httpx.get(srv.url + "/docs").text
    kinds = {".js": "text/javascript", ".css": "text/css"}
    served = []
    for ref in references(page):
        if not ref.startswith("/docs/assets/"):
            continue
        r = httpx.get(srv.url + ref)
        assert r.status_code == 200, ref
        assert r.headers["content-type"].split(";")[0] == kinds[ref[ref.rindex("."):]], ref
        assert "max-age=31536000" in r.headers["cache-control"] and r.headers["x-content-type-options"] == "nosniff"
        assert foreign_urls(r.text) == [] if ref.endswith(".css") else True, ref
        served.append(ref.rsplit("/", 1)[1])
    assert sorted(served) == ["init.js", "swagger-ui-bundle.js", "swagger-ui.css"]
    css = next(ref for ref in references(page) if ref.endswith(".css"))
    for url in re.findall(r"url\(([^)]*)\)", httpx.get(srv.url + css).text):
        assert url.strip("\"'").startswith("data:"), url[:80]  # icons are inline, nothing fetched from elsewhere
    assert httpx.get(srv.url + "/openapi.json").json()["paths"]["/v1/statements"]


def test_docs_asset_names_outside_the_set_are_404(srv: Server) -> None:
    page = httpx.get(srv.url + "/docs").text
    bundle = next(ref for ref in references(page) if ref.endswith("/swagger-ui-bundle.js"))
    base = bundle.rsplit("/", 1)[0]
    for path in [base + "/__init__.py", base + "/..%2F__init__.py", base + "/LICENSE", "/docs/assets/0000000000000000/swagger-ui-bundle.js"]:
        r = httpx.get(srv.url + path)
        assert r.status_code == 404 and r.json()["error"] == "not-found", path
    assert httpx.get(srv.url + "/redoc").status_code == 404  # FastAPI's redoc page would load from a CDN too


CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (.ci/run installs Debian's chromium)")
def test_docs_render_in_a_browser_without_leaving_the_server(srv: Server, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(srv.url))
    requests: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            # a request elsewhere is recorded above and refused here, so the page cannot depend on one succeeding
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin + "/") else route.abort())
            page.goto(srv.url + "/docs", timeout=120_000)
            operation = page.locator(".opblock-summary-path", has_text="/v1/statements").first
            operation.wait_for(state="visible", timeout=120_000)  # Swagger UI fetched the spec and rendered the operations
            assert page.locator(".opblock").count() >= 10
            shot = tmp_path / "apidocs.png"
            page.screenshot(path=str(shot), full_page=False)
            # "Try it out" on GET /v1/state: the request goes to this server and its JSON answer is rendered highlighted
            block = page.locator(".opblock", has=page.locator('.opblock-summary-path[data-path="/v1/state"]')).first
            block.locator(".opblock-summary").first.click()
            block.locator("button.try-out__btn").click()
            block.locator("button.execute").click()
            block.locator(".live-responses-table .response-col_status", has_text="200").wait_for(timeout=60_000)
            page.locator("section.models .json-schema-2020-12-expand-deep-button").first.click()  # a schema, expanded
            page.locator("section.models .json-schema-2020-12-property").first.wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "apidocs-tried.png"), full_page=True)
        finally:
            browser.close()
    shutil.copyfile(shot, SHOT)
    assert shot.stat().st_size > 20_000  # a real rendering, not a blank page
    assert requests and all(u.startswith(origin + "/") for u in requests), [u for u in requests if not u.startswith(origin + "/")]
    assert urljoin(origin, "/openapi.json") in requests and urljoin(origin, "/v1/state") in requests
    assert problems == [], problems  # no CSP refusal, no script error
