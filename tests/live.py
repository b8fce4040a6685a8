"""Real servers for tests: ``pausepact serve`` in a subprocess on a loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from pausepact.keyfiles import write_private_key

from .factory import DEVELOPERS, MONITORS, key, pact_text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_world(folder: Path, **pact_kw: object) -> Path:
    """pact.yaml and every party's key (PEM) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pact.yaml").write_text(pact_text(**pact_kw))  # type: ignore[arg-type]
    for pid in [*DEVELOPERS, *MONITORS, "log"]:
        if not (folder / f"{pid}.pem").exists():
            write_private_key(folder / f"{pid}.pem", key(pid))
    return folder / "pact.yaml"


class Server:
    def __init__(self, folder: Path, store: str, port: int, extra: list[str]) -> None:
        self.folder, self.store, self.port, self.extra = folder, store, port, extra
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        log = open(self.folder / f"serve-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pausepact", "serve", "--pact", str(self.folder / "pact.yaml"), "--key",
             str(self.folder / "log.pem"), "--store", self.store, "--port", str(self.port), "--workers", "1", *self.extra],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.folder / f"serve-{self.port}.log").read_text())
            try:
                if httpx.get(self.url + "/v1/checkpoint?latest=1", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@contextmanager
def serving(folder: Path, store: str | None = None, extra: list[str] | None = None) -> Iterator[Server]:
    s = Server(folder, store or f"sqlite:///{folder}/log.db", free_port(), extra or []).start()
    try:
        yield s
    finally:
        s.stop()
