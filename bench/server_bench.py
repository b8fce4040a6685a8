"""Server benchmarks (issue: the pact server).

Prints: the ceiling (Ed25519 verifies/s on all cores, measured now) and, as a
fraction of it, sustained HTTP appends per second on SQLite (load generator in a
separate process, statements pre-signed, and re-signed as the client does when
the log refuses them for time-order, skew or bad-seq; refusals counted by code);
p50/p99 latency of POST /v1/statements and of proof reads; time from an accepted
trigger statement to a status signed by the monitor quorum; the same appends on
PostgreSQL with two server processes.

    python bench/server_bench.py [--statements 20000] [--proof-size 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from common import T0, Ceiling, Parties, key, make_pact, print_ceiling  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pausepact.core.canonical import canonical  # noqa: E402
from pausepact.core.durations import format_time  # noqa: E402
from tests.live import Server, free_port, write_world  # noqa: E402

KEYS = 10  # keys per party in the bench pact: each in-flight request stream owns one key's seq
PARTIES = ["lab-a", "lab-b", "lab-c", "lab-d", "aisi", "eval-org", "civic-audit"]


Stream = tuple[str, int, list[bytes]]  # (party, key index, that key's statements in seq order)
ACK = "ack"


def presign(n: int, start_time: int, streams: int, first_key: int = 0) -> list[Stream]:
    """``streams`` key sequences of ``ack`` statements, pre-signed at ``start_time``; the load re-signs any the log refuses
    as a real client does (``PactClient.submit``)."""
    pact, _ = make_pact(keys_per_party=KEYS)
    p = Parties(pact)
    out: list[Stream] = [(PARTIES[w % len(PARTIES)], first_key + w // len(PARTIES), []) for w in range(streams)]
    for i in range(n):
        party, k, envs = out[i % streams]
        envs.append(canonical(p(party, k).sign(ACK, {"level": "normal", "since": format_time(start_time)}, start_time)))
    return out


async def _load(urls: list[str], streams: list[Stream], result: dict) -> None:
    """A minimal keep-alive HTTP/1.1 client: the load generator must cost far less than the server it measures.

    It submits as ``PactClient.submit`` does: a statement refused for ``time-order`` or ``skew`` is re-signed at the
    log's time (``log_time`` in the refusal) with the same seq, one refused for ``bad-seq`` is re-signed with the seq
    the key expects, up to 4 tries; every refusal is counted by its error code.
    """
    from pausepact.core.durations import is_time, parse_time

    pact, _ = make_pact(keys_per_party=KEYS)
    parties = Parties(pact)
    lat: list[float] = []
    codes: dict[int, int] = {}
    refusals: dict[str, int] = {}
    resigned = [0]

    async def post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, body: bytes) -> tuple[int, bytes]:
        writer.write(b"POST /v1/statements HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (host.encode(), len(body), body))
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        return int(head[9:12]), await reader.readexactly(length)

    async def worker(w: int) -> None:
        party, k, envs = streams[w]
        signer = parties(party, k)
        host, port = urls[w % len(urls)].removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        seq = 1  # the key's next seq: a refused statement consumes none
        for body in envs:
            t = time.perf_counter()
            for _ in range(4):
                status, answer = await post(reader, writer, host, body)
                codes[status] = codes.get(status, 0) + 1
                if status == 201:
                    seq += 1
                    break
                refusal = json.loads(answer)
                error = refusal.get("error", f"http-{status}")
                refusals[error] = refusals.get(error, 0) + 1
                stmt = json.loads(base64.b64decode(json.loads(body)["payload"]))
                if error in ("time-order", "skew") and is_time(refusal.get("log_time")):
                    when = parse_time(refusal["log_time"])
                elif error == "bad-seq":
                    when = parse_time(stmt["time"])
                else:
                    break
                body = canonical(signer.sign(ACK, stmt["body"], when, seq=seq))
                resigned[0] += 1
            lat.append(time.perf_counter() - t)
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(len(streams))))
    result["seconds"] = time.perf_counter() - t0
    result["lat"], result["codes"], result["refusals"], result["resigned"] = lat, codes, refusals, resigned[0]


def load_process(urls: list[str], streams: list[Stream], q: mp.Queue[dict]) -> None:
    result: dict = {}
    asyncio.run(_load(urls, streams, result))
    q.put(result)


def run_load(urls: list[str], streams: list[Stream]) -> dict:
    """Send every stream (in order, one request in flight per stream) from a separate process."""
    q: mp.Queue[dict] = mp.Queue()
    proc = mp.Process(target=load_process, args=(urls, streams, q))
    proc.start()
    result = q.get()
    proc.join()
    return result


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(len(s) * p))] * 1e3


def report(label: str, n: int, r: dict, ceiling: Ceiling) -> None:
    ok = r["codes"].get(201, 0)
    refused = ", ".join(f"{code} {k}" for code, k in sorted(r["refusals"].items())) or "none"
    print(f"{label}: {ok / r['seconds']:,.0f} appends/s, {ceiling.fraction(ok / r['seconds'])} (Ed25519, all cores); "
          f"{ok} of {n} accepted in {r['seconds']:.1f}s; refusals by code: {refused}; {r['resigned']} re-signed and resent; "
          f"statement latency (incl. re-sends) p50 {pct(r['lat'], .5):.1f} ms, p99 {pct(r['lat'], .99):.1f} ms")
    if ok < n:
        print(f"  WARNING: {n - ok} statements were not accepted: the figure above is not the server's throughput")


def bench_sqlite(folder: Path, n: int, ceiling: Ceiling) -> None:
    srv = Server(folder, f"sqlite:///{folder}/bench.db", free_port(), ["--max-skew", "100000000"]).start()
    try:
        run_load([srv.url], presign(280, int(time.time()), 35, first_key=5))  # warm-up, other keys
        r = run_load([srv.url], presign(n, int(time.time()), 35))
        report("SQLite, one server process, 35 requests in flight", n, r, ceiling)
    finally:
        srv.stop()


def bench_postgres(folder: Path, n: int, ceiling: Ceiling) -> None:
    pg = os.environ.get("PAUSEPACT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    store = f"{pg}?schema=bench_{uuid.uuid4().hex[:8]}"
    a = Server(folder, store, free_port(), ["--max-skew", "100000000"]).start()
    b = Server(folder, store, free_port(), ["--max-skew", "100000000"]).start()
    try:
        r = run_load([a.url, b.url], presign(n, int(time.time()), 70))
        report("PostgreSQL, two server processes, 70 requests in flight", n, r, ceiling)
    finally:
        a.stop()
        b.stop()


def bench_proofs(folder: Path, size: int) -> None:
    """Proof reads over HTTP at ``size`` entries (the store is filled directly: proofs do not depend on validation)."""
    from pausepact.core import merkle
    from pausepact.log.store import open_store

    db = folder / "proofs.db"
    store = open_store(f"sqlite:///{db}")
    from pausepact.log.checking import EnvelopeChecker
    from pausepact.log.writer import LogWriter

    pact, data = make_pact(keys_per_party=KEYS)
    LogWriter(store, pact, key("log"), EnvelopeChecker(pact, data, workers=1))  # binds the store to the pact
    cr = merkle.CompactRange()
    leaf = canonical(json.loads(presign(1, T0, 1)[0][2][0]))
    for start in range(0, size, 50000):
        leaves, nodes = [], []
        for _ in range(start, min(size, start + 50000)):
            leaves.append(leaf)
            nodes.extend(cr.append(merkle.leaf_hash(leaf)))
        with store.write():
            store.put_entries(start, leaves, nodes, {}, T0)
    store.close()
    srv = Server(folder, f"sqlite:///{db}", free_port(), []).start()
    try:
        t = time.perf_counter()
        while httpx.get(srv.url + "/v1/state", timeout=600).json()["tree_size"] < size:  # the engine replays the log first
            time.sleep(1)
        print(f"a server started on a {size:,}-entry log replayed it in {time.perf_counter() - t:.0f}s")
        rnd = random.Random(2)
        lat_i, lat_c = [], []
        with httpx.Client(base_url=srv.url) as c:
            for _ in range(1000):
                i = rnd.randrange(size)
                t = time.perf_counter()
                c.get("/v1/proof/inclusion", params={"index": i, "size": size}).raise_for_status()
                lat_i.append(time.perf_counter() - t)
                m = rnd.randrange(1, size)
                t = time.perf_counter()
                c.get("/v1/proof/consistency", params={"first": m, "second": size}).raise_for_status()
                lat_c.append(time.perf_counter() - t)
        print(f"proof reads over HTTP at {size:,} entries: inclusion p50 {pct(lat_i, .5):.2f} ms p99 {pct(lat_i, .99):.2f} ms; "
              f"consistency p50 {pct(lat_c, .5):.2f} ms p99 {pct(lat_c, .99):.2f} ms")
    finally:
        srv.stop()


def bench_trigger_to_status(folder: Path, rounds: int = 5) -> None:
    """From an accepted trigger (the vote completing an emergency raise) to a status at the new level signed by 2 monitors."""
    from pausepact.pactio import load_pact
    from pausepact.party.client import PactClient
    from pausepact.party.signer import Signer

    times = []
    for r in range(rounds):
        sub = folder / f"trigger{r}"
        write_world(sub)
        srv = Server(sub, f"sqlite:///{sub}/log.db", free_port(), []).start()
        mons = [subprocess.Popen([sys.executable, "-m", "pausepact", "monitor", "--server", srv.url, "--pact", str(sub / "pact.yaml"),
                                  "--as", m, "--key", str(sub / f"{m}.pem"), "--state", str(sub / f"{m}.json"), "--interval", "0.1"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for m in ("aisi", "eval-org", "civic-audit")]
        try:
            with PactClient(srv.url, load_pact(sub / "pact.yaml")) as c:
                for d in ("lab-a", "lab-b", "lab-c"):
                    c.submit(Signer(c.pact, d, key(d)), "sign", {})
                c.submit(Signer(c.pact, "aisi", key("aisi")), "propose", {"id": "e", "action": "raise", "level": "pause"})
                c.submit(Signer(c.pact, "aisi", key("aisi")), "vote", {"proposal": "e", "choice": "yes"})
                time.sleep(2)
                t = time.perf_counter()
                c.submit(Signer(c.pact, "eval-org", key("eval-org")), "vote", {"proposal": "e", "choice": "yes"})
                while True:
                    try:
                        if c.status(int(time.time())).core["level"] == "pause":
                            break
                    except Exception:
                        pass
                    time.sleep(0.02)
                times.append(time.perf_counter() - t)
        finally:
            for m in mons:
                m.terminate()
            srv.stop()
    print(f"trigger accepted -> status at the new level signed by the quorum: p50 {statistics.median(times):.2f} s "
          f"(max {max(times):.2f} s over {rounds} rounds)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--statements", type=int, default=20000)
    ap.add_argument("--proof-size", type=int, default=1_000_000)
    ap.add_argument("--proofs-only", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write_world(folder, keys_per_party=KEYS)
        ceiling = print_ceiling()
        if not a.proofs_only:
            bench_sqlite(folder, a.statements, ceiling)
            bench_postgres(folder, a.statements // 2, ceiling)
            bench_trigger_to_status(folder)
        bench_proofs(folder, a.proof_size)
        print_ceiling()  # again: the machine's load may have changed while the benchmark ran


if __name__ == "__main__":
    main()
