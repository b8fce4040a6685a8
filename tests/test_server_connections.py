"""Connection exhaustion (M4): idle and trickling sockets are closed and never keep a normal request from an answer."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import httpx

from .live import serving, write_world


def closed_by_server(s: socket.socket) -> bool:
    """True once the server has closed ``s`` (EOF or reset), without blocking."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(1024) == b""
    except OSError:
        return True


def test_idle_and_trickling_connections_do_not_lock_out_a_normal_request(tmp_path: Path) -> None:
    write_world(tmp_path)
    with serving(tmp_path, extra=["--header-seconds", "3"]) as srv:
        port = srv.port
        idle: list[socket.socket] = []
        trickling: list[socket.socket] = []
        try:
            for _ in range(300):  # from another loopback address than the honest client's
                s = socket.socket()
                s.bind(("127.0.0.2", 0))
                s.connect(("127.0.0.1", port))
                idle.append(s)
            for _ in range(20):
                s = socket.socket()
                s.bind(("127.0.0.3", 0))
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET /v1/state HTTP/1.1\r\n")
                trickling.append(s)
            answer = httpx.get(srv.url + "/v1/checkpoint?latest=1", timeout=30)
            assert answer.status_code == 200
            deadline = time.monotonic() + 60
            open_ = list(idle) + list(trickling)
            while open_ and time.monotonic() < deadline:
                for s in trickling:
                    try:
                        s.send(b"X")  # one header byte at a time keeps the headers incomplete
                    except OSError:
                        pass
                open_ = [s for s in open_ if not closed_by_server(s)]
                time.sleep(0.5)
            assert not open_, f"{len(open_)} connections that never sent a complete request are still open"
            assert httpx.get(srv.url + "/v1/checkpoint?latest=1", timeout=30).status_code == 200
        finally:
            for s in idle + trickling:
                s.close()


def test_one_address_cannot_hold_more_than_its_share_of_unfinished_connections(tmp_path: Path) -> None:
    write_world(tmp_path)
    with serving(tmp_path, extra=["--header-seconds", "120"]) as srv:
        socks = []
        try:
            for _ in range(200):
                s = socket.socket()
                s.bind(("127.0.0.4", 0))
                s.connect(("127.0.0.1", srv.port))
                socks.append(s)
            deadline = time.monotonic() + 30
            while sum(closed_by_server(s) for s in socks) < 200 - 64 and time.monotonic() < deadline:
                time.sleep(0.2)
            closed = [s for s in socks if closed_by_server(s) or s.fileno() < 0]
            assert len(closed) >= 200 - 64 - 1, len(closed)  # long before the header deadline of 120 s
            assert httpx.get(srv.url + "/v1/checkpoint?latest=1", timeout=30).status_code == 200
        finally:
            for s in socks:
                s.close()


def test_one_address_waiting_to_send_bodies_cannot_lock_out_another(tmp_path: Path) -> None:
    """N1: 40 connections of one address, headers sent and bodies withheld, against 16 connections in all."""
    write_world(tmp_path)
    with serving(tmp_path, extra=["--connections", "16", "--per-client", "64", "--header-seconds", "120"]) as srv:
        socks: list[socket.socket] = []
        try:
            for _ in range(40):
                s = socket.socket()
                s.bind(("127.0.0.5", 0))
                s.connect(("127.0.0.1", srv.port))
                try:
                    s.sendall(b"POST /v1/cosignatures HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                              b"Content-Length: 60000\r\n\r\n")
                except OSError:
                    pass  # closed by the server already: beyond this address's share
                socks.append(s)
            # a quarter of 16 at most stays open; the rest are closed at once (long before any deadline)
            deadline = time.monotonic() + 30
            gone: set[int] = set()
            while len(gone) < 40 - 4 and time.monotonic() < deadline:
                gone |= {i for i, s in enumerate(socks) if i not in gone and closed_by_server(s)}
                time.sleep(0.1)
            assert len(gone) >= 40 - 4, f"only {len(gone)} of 40 connections of one address were closed"
            for _ in range(5):  # while that address holds its share, other addresses are served
                assert httpx.get(srv.url + "/v1/checkpoint?latest=1", timeout=30).status_code == 200
        finally:
            for s in socks:
                s.close()
