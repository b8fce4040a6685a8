"""Child processes owned by one command: whatever way the command ends, they end with it.

``Children`` is a context manager. Leaving its block (normally, by an exception, by Ctrl-C, or by SIGTERM
while ``terminate_as_interrupt`` is in force) sends SIGTERM to each child's process group, waits up to
``grace`` seconds for all of them, then SIGKILLs what is left and reaps it. On Linux each child also gets
a parent-death signal, so even a ``kill -9`` of the command does not leave them running.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover (runs in the child, between fork and exec)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Children:
    """The processes a command started; see the module's doc."""

    def __init__(self, grace: float = 10.0) -> None:
        self.grace = grace
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, args: list[str], log: Path) -> subprocess.Popen[bytes]:
        """Start ``args`` in its own session (so a terminal's Ctrl-C reaches only the command, which stops
        the children in order), its stdout and stderr appended to ``log``."""
        with open(log, "ab") as sink:
            p = subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                 preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        self.procs.append(p)
        return p

    def spawn_pausepact(self, args: list[str], log: Path) -> subprocess.Popen[bytes]:
        """``pausepact ARGS`` with this interpreter."""
        return self.spawn([sys.executable, "-m", "pausepact", *args], log)

    def end(self, p: subprocess.Popen[bytes], grace: float | None = None) -> int:
        """SIGTERM one child's group, wait up to ``grace`` (default: this block's), then SIGKILL; its exit code."""
        if p.poll() is None:
            _signal_group(p, signal.SIGTERM)
            try:
                p.wait(self.grace if grace is None else grace)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(p, signal.SIGKILL)
        return p.wait()

    def any_exited(self) -> bool:
        return any(p.poll() is not None for p in self.procs)

    def stop(self) -> None:
        """SIGTERM every child's group, wait, SIGKILL the rest; returns once every child is reaped."""
        for p in self.procs:
            if p.poll() is None:
                _signal_group(p, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for p in self.procs:
            try:
                p.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.procs:
            # the group too: a child's own workers (the server's verifying pool) must not outlive it
            _signal_group(p, signal.SIGKILL)
            if p.poll() is None:
                p.wait()
        self.procs.clear()

    def __enter__(self) -> Children:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _signal_group(p: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While in force, SIGTERM (and SIGHUP) raise KeyboardInterrupt in the main thread, so ``finally`` blocks
    and ``Children.__exit__`` run as they do for Ctrl-C. A no-op outside the main thread."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
