"""The share of code written by AI in a git repository (``pausepact collect ai-code``).

Two methods:

- ``added``: lines added by AI-marked commits in the window over all lines added,
  from numstat; merges, binary files and vendored or generated paths excluded.
- ``blame``: of the lines present at the end of the window that were introduced
  inside it, the share introduced by AI-marked commits, with the semantics of
  ``git blame -M100 -C100 -C -C`` over the window's range (lines moved or copied
  unchanged keep their origin). Files are blamed in parallel on every core.

Every result states what it counted and what it skipped.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.canonical import canonical
from ..core.durations import format_time
from . import gitrepo
from .markers import Markers
from .measurement import CollectorError, Measurement

VENDORED = ["vendor/*", "*/vendor/*", "third_party/*", "*/third_party/*", "node_modules/*", "*/node_modules/*", "dist/*",
            "*.min.js", "*.min.css", "*_pb2.py", "*_pb2_grpc.py", "*.pb.go", "*.generated.*", "package-lock.json",
            "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock", "go.sum", "uv.lock", "*.lock"]


@dataclass
class PathFilter:
    include: list[str]
    exclude: list[str]
    vendored: bool = True  # skip vendored and generated paths

    def why_skipped(self, path: str) -> str | None:
        # fnmatch on the repository-relative path: '*' crosses '/'
        if self.include and not any(fnmatch.fnmatchcase(path, g) for g in self.include):
            return "not included"
        if any(fnmatch.fnmatchcase(path, g) for g in self.exclude):
            return "excluded"
        if self.vendored and any(fnmatch.fnmatchcase(path, g) for g in VENDORED):
            return "vendored or generated"
        return None


@dataclass
class Window:
    label: str
    frm: str | None  # commit (exclusive) or None: from the root
    to: str  # commit (inclusive)
    since: int | None = None  # for date windows with the added method
    until: int | None = None


def _digest(repo_head: str, method: str, windows: list[dict[str, Any]]) -> str:
    return "sha256:" + hashlib.sha256(canonical({"head": repo_head, "method": method, "windows": windows})).hexdigest()


def added(commits: list[gitrepo.Commit], markers: Markers, paths: PathFilter) -> dict[str, Any]:
    """The ``added`` count over ``commits`` (pure)."""
    ai = total = 0
    skipped: Counter[str] = Counter()
    agents: Counter[str] = Counter()
    ai_commits = 0
    for c in commits:
        agent = markers.agent(c.author_name, c.author_email, c.committer_email, c.message)
        counted = 0
        for f in c.files:
            if f.binary:
                skipped["binary files"] += 1
                continue
            why = paths.why_skipped(f.path)
            if why:
                skipped[f"{why} (lines)"] += f.added
                continue
            counted += f.added
        total += counted
        if agent:
            ai += counted
            ai_commits += 1
            agents[agent] += counted
    return {"ai_lines": ai, "total_lines": total, "share": ai / total if total else 0.0, "commits": len(commits),
            "ai_commits": ai_commits, "by_agent": dict(agents), "skipped": dict(skipped)}


def blame(repo: Path, window: Window, markers: Markers, paths: PathFilter, workers: int,
          progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """The ``blame`` count for one window: every file changed in it, blamed in parallel."""
    commits = gitrepo.log(repo, [f"{window.frm}..{window.to}" if window.frm else window.to])
    agent_of = {c.sha: markers.agent(c.author_name, c.author_email, c.committer_email, c.message) for c in commits}
    # merges are not in ``commits``: a line they introduce counts as human (no marker to find)
    base = window.frm or gitrepo.git(repo, "hash-object", "-t", "tree", "/dev/null").decode().strip()
    numstat = gitrepo.git(repo, "diff", "--numstat", "-z", "--no-renames", base, window.to).split(b"\x00")
    files, skipped = [], Counter[str]()
    for tok in numstat:
        parts = tok.split(b"\t", 2)
        if len(parts) != 3:
            continue
        a, _, path = parts[0], parts[1], parts[2].decode(errors="replace")
        if a == b"-":
            skipped["binary files"] += 1
            continue
        why = paths.why_skipped(path)
        if why:
            skipped[f"{why} (files)"] += 1
            continue
        exists = gitrepo.git(repo, "ls-tree", window.to, "--", path).strip()
        if exists:
            files.append(path)
    ai = total = 0
    agents: Counter[str] = Counter()
    done = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for groups in pool.map(lambda p: gitrepo.blame_lines(repo, p, window.to, window.frm), files):
            for sha, n in groups:
                if sha == "boundary":
                    continue
                total += n
                agent = agent_of.get(sha)
                if agent:
                    ai += n
                    agents[agent] += n
            done += 1
            if progress:
                progress(done, len(files))
    return {"ai_lines": ai, "total_lines": total, "share": ai / total if total else 0.0, "files": len(files),
            "commits": len(commits), "ai_commits": sum(1 for a in agent_of.values() if a), "by_agent": dict(agents),
            "skipped": dict(skipped)}


def windows(repo: Path, frm: str | None, to: str | None, by: str | None) -> list[Window]:
    """The windows to measure: one (``--from``/``--to``), monthly, or between consecutive release tags."""
    head = to or "HEAD"
    to_commit = gitrepo.resolve(repo, head) if to else gitrepo.resolve(repo, "HEAD")
    if to_commit is None:
        raise CollectorError(f"no commit at or before {to}")
    frm_commit = gitrepo.resolve(repo, frm, to_commit) if frm else None
    if by is None:
        since = _epoch(frm) if frm and gitrepo.is_date(frm) else None
        until = _epoch(to) if to and gitrepo.is_date(to) else None
        return [Window(f"{frm or 'root'}..{to or 'HEAD'}", frm_commit, to_commit, since, until)]
    if by == "release":
        tags = gitrepo.tags_by_date(repo)
        if not tags:
            raise CollectorError("--by release: the repository has no tags")
        out, prev = [], frm_commit
        for name, commit in tags:
            out.append(Window(name, prev, commit))
            prev = commit
        return out
    if by == "month":
        commits = gitrepo.log(repo, [f"{frm_commit}..{to_commit}" if frm_commit else to_commit])
        if not commits:
            return []
        first, last = min(c.time for c in commits), max(c.time for c in commits)
        out = []
        y, m = time.gmtime(first).tm_year, time.gmtime(first).tm_mon
        while True:
            start = _month_start(y, m)
            if start > last:
                break
            ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
            end = _month_start(ny, nm)
            before_end = gitrepo.resolve(repo, format_time(end - 1), to_commit)
            before_start = gitrepo.resolve(repo, format_time(start - 1), to_commit)
            if before_end:
                out.append(Window(f"{y:04d}-{m:02d}", before_start, before_end, start, end - 1))
            y, m = ny, nm
        return out
    raise CollectorError("--by is 'month' or 'release'")


def _month_start(y: int, m: int) -> int:
    import calendar

    return calendar.timegm((y, m, 1, 0, 0, 0, 0, 0, 0))


def _epoch(spec: str) -> int:
    from ..core.durations import parse_time

    return parse_time(spec if "T" in spec else spec + "T00:00:00Z")


def collect(repo: Path, method: str, frm: str | None, to: str | None, by: str | None, markers: Markers,
            paths: PathFilter, workers: int | None = None, progress: Callable[[int, int], None] | None = None) -> Measurement:
    """Measure every window; the Measurement's value is the last window's share."""
    gitrepo.check_repo(repo)
    ws = windows(repo, frm, to, by)
    if not ws:
        raise CollectorError("no commits in the window")
    results = []
    if method == "added":
        all_commits = None
        if by == "month":
            # one history walk for the whole series, bucketed by commit time
            all_commits = gitrepo.log(repo, [f"{ws[0].frm}..{ws[-1].to}" if ws[0].frm else ws[-1].to])
        for i, w in enumerate(ws):
            if all_commits is not None:
                commits = [c for c in all_commits if w.since is not None and w.until is not None and w.since <= c.time <= w.until]
            else:
                commits = gitrepo.log(repo, [f"{w.frm}..{w.to}" if w.frm else w.to])
                if w.since is not None:
                    commits = [c for c in commits if c.time >= w.since]
            results.append({"window": w.label, "from": w.frm, "to": w.to, **added(commits, markers, paths)})
            if progress:
                progress(i + 1, len(ws))
    elif method == "blame":
        for w in ws:
            results.append({"window": w.label, "from": w.frm, "to": w.to,
                            **blame(repo, w, markers, paths, workers or os.cpu_count() or 1, progress)})
    else:
        raise CollectorError("--method is 'added' or 'blame'")
    last = results[-1]
    head = ws[-1].to
    evidence = {"digest": _digest(head, method, results), "source": f"git {method} {ws[0].label if len(ws) == 1 else 'series'} at {head}"}
    return Measurement(float(last["share"]), evidence, {"method": method, "windows": results,
                                                         "excluded_by_default": VENDORED if paths.vendored else []},
                       digest_material={"head": head, "method": method, "windows": results})
