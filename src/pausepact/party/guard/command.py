"""Running a guarded command so that nothing it starts outlives the guard (Linux).

``start(argv)`` runs COMMAND under a *keeper*: a small Python process that is the leader
of a new session and process group, which COMMAND and its descendants share. The keeper

- asks the kernel (``prctl(PR_SET_PDEATHSIG)``) to signal it when the guard dies, even by
  SIGKILL, and then kills its whole process group at once;
- checks, after that call, that its parent is still the guard (the guard may have died
  between fork and ``prctl``), and if not kills the group at once;
- survives the group's SIGTERM (so it keeps watching the guard while COMMAND winds down),
  exits with COMMAND's exit code, and dies by the group's SIGKILL.

The parent-death signal follows the *thread* that started the keeper: call ``start``
from the thread that lives as long as the guard (the main thread of ``pausepact guard``).

``stop(proc, grace)`` sends SIGTERM to the whole group, waits up to ``grace`` seconds for
it to empty, then ALWAYS sends SIGKILL to whatever remains (a worker that ignores SIGTERM,
even if the launcher has exited), and returns True once no process of the group is left.
A descendant that leaves the group (``setsid``) escapes both; run jobs in a cgroup
(``systemd-run --scope``) where that matters.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

KEEPER = r"""
import ctypes, os, signal, subprocess, sys
guard, argv = int(sys.argv[1]), sys.argv[2:]
def orphaned(*_):
    os.killpg(0, signal.SIGKILL)
signal.signal(signal.SIGUSR1, orphaned)
if ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGUSR1), 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
    sys.stderr.write("pausepact guard: prctl(PR_SET_PDEATHSIG) failed; not starting the command\n")
    os.killpg(0, signal.SIGKILL)
if os.getppid() != guard:  # the guard died before prctl took effect
    orphaned()
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, lambda *_: None)
try:
    child = subprocess.Popen(argv)
except OSError as e:
    sys.stderr.write("pausepact guard: cannot run %s: %s\n" % (argv[0], e.strerror))
    sys.exit(127)
code = child.wait()
sys.exit(128 - code if code < 0 else code)
"""


def start(argv: list[str]) -> subprocess.Popen[bytes]:
    """Start ``argv`` under a keeper in a new process group (its id is the returned process's pid)."""
    return subprocess.Popen([sys.executable, "-I", "-S", "-c", KEEPER, str(os.getpid()), *argv], start_new_session=True)


def _members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp ...
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def running(proc: subprocess.Popen[bytes]) -> bool:
    """True while any process of the command's group is alive (the keeper reaped when it has exited)."""
    proc.poll()
    return bool(_members(proc.pid))


def _signal(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen[bytes], grace: float, settle: float = 30.0) -> bool:
    """SIGTERM the group, SIGKILL what remains after ``grace`` s; True once the group is empty (within ``settle`` s)."""
    _signal(proc.pid, signal.SIGTERM)
    until = time.monotonic() + grace
    while running(proc) and time.monotonic() < until:
        time.sleep(0.05)
    _signal(proc.pid, signal.SIGKILL)  # always: a direct child that exited says nothing of its workers
    until = time.monotonic() + settle
    while running(proc) and time.monotonic() < until:
        time.sleep(0.05)
    return not running(proc)
