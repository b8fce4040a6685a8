"""Public page benchmark (issue 10): first meaningful paint under 1 s against a log of 100,000 entries.

Builds the log fast (statements signed here, appended in batches of 1000 with full validation, timed in
the past), serves it, then measures the server's render time of ``/`` (its Server-Timing header and the
whole answer) and the first-contentful-paint of Debian's chromium driven by Playwright.

    python bench/page_bench.py [--entries 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import Parties, key

from pausepact.core.durations import format_time
from pausepact.log.checking import EnvelopeChecker
from pausepact.log.store import open_store
from pausepact.log.writer import Accepted, LogWriter
from pausepact.pactio import load_pact
from tests.live import serving, write_world

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def build(folder: Path, n: int) -> None:
    write_world(folder)
    pact = load_pact(folder / "pact.yaml")
    parties = Parties(pact)
    start = int(time.time()) - n * 20 - 3600
    envs = [parties(d).sign("sign", {}, start) for d in ("lab-a", "lab-b", "lab-c")]
    devs = ["lab-a", "lab-b", "lab-c"]
    for i in range(n - 3):
        t = start + 1 + i * 20
        envs.append(parties(devs[i % 3]).sign("report", {"indicator": "ai_code_share", "value": 0.3 + (i % 50) / 1000,
                                                          "measured_at": format_time(t - 60)}, t))
    data = [json.dumps(e).encode() for e in envs]
    store = open_store(f"sqlite:///{folder}/log.db")
    with EnvelopeChecker(pact, (folder / "pact.yaml").read_bytes()) as checker:
        w = LogWriter(store, pact, key("log"), checker)
        ok = 0
        for i in range(0, len(data), 1000):
            ok += sum(isinstance(r, Accepted) for r in w.append(data[i:i + 1000], None))
    store.close()
    assert ok == n, ok


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        build(folder, a.entries)
        print(f"built a log of {a.entries:,} entries in {time.perf_counter() - t:.1f}s (set-up, not measured)")
        with serving(folder) as srv:
            deadline = time.monotonic() + 600
            while json.loads(httpx.get(srv.url + "/v1/state", timeout=120).content)["tree_size"] < a.entries:
                if time.monotonic() > deadline:
                    sys.exit("the server did not catch up")
                time.sleep(0.5)
            server_ms, whole_ms = [], []
            for _ in range(a.runs):
                t = time.perf_counter()
                r = httpx.get(srv.url + "/?live=0", timeout=60)
                whole_ms.append(1000 * (time.perf_counter() - t))
                server_ms.append(float(r.headers["server-timing"].split("dur=")[1]))
            print(f"server render of / at {a.entries:,} entries: median {statistics.median(server_ms):.0f} ms "
                  f"(max {max(server_ms):.0f}); whole answer median {statistics.median(whole_ms):.0f} ms; {len(r.content):,} bytes")
            fcp = []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for _ in range(a.runs):
                    ctx = browser.new_context()
                    page = ctx.new_page()
                    page.goto(srv.url + "/?live=0", wait_until="load")
                    paint = page.evaluate("""() => new Promise(done => {
                        const e = performance.getEntriesByName('first-contentful-paint')[0];
                        if (e) return done(e.startTime);
                        new PerformanceObserver(l => done(l.getEntries()[0].startTime)).observe({type: 'paint', buffered: true});
                    })""")
                    fcp.append(paint)
                    ctx.close()
                browser.close()
            verdict = "under" if statistics.median(fcp) < 1000 else "OVER"
            print(f"first-contentful-paint in chromium (from navigation start): median {statistics.median(fcp):.0f} ms, "
                  f"max {max(fcp):.0f} ms over {a.runs} loads: {verdict} the 1 s goal")


if __name__ == "__main__":
    main()
