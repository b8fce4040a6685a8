"""Git plumbing for the collectors: one ``git log`` for a whole history, ``git blame`` in parallel."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .measurement import CollectorError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")


@dataclass
class FileChange:
    path: str
    added: int
    deleted: int
    binary: bool


@dataclass
class Commit:
    sha: str
    author_name: str
    author_email: str
    committer_email: str
    time: int
    message: str
    files: list[FileChange] = field(default_factory=list)


def git(repo: Path, *args: str) -> bytes:
    try:
        r = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise CollectorError("git is not installed") from None
    if r.returncode != 0:
        raise CollectorError(f"git {' '.join(args[:3])}…: {r.stderr.decode(errors='replace').strip()[:300]}")
    return r.stdout


def check_repo(repo: Path) -> None:
    """Raise CollectorError unless ``repo`` is a git repository with at least one commit."""
    if not repo.exists():
        raise CollectorError(f"{repo}: no such folder")
    if not repo.is_dir():
        raise CollectorError(f"{repo}: not a folder (give a git repository)")
    try:
        git(repo, "rev-parse", "--git-dir")
    except CollectorError:
        raise CollectorError(f"{repo}: not a git repository") from None
    try:
        git(repo, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    except CollectorError:
        raise CollectorError(f"{repo}: the repository has no commits yet") from None


def is_date(spec: str) -> bool:
    return bool(_DATE.match(spec))


def resolve(repo: Path, spec: str, head: str = "HEAD") -> str | None:
    """A commit for a revision or a date (the last commit of ``head`` at or before it); None if none."""
    if is_date(spec):
        out = git(repo, "rev-list", "-1", f"--before={spec}", head).decode().strip()
        return out or None
    return git(repo, "rev-parse", "--verify", f"{spec}^{{commit}}").decode().strip()


def log(repo: Path, range_args: list[str]) -> list[Commit]:
    """Non-merge commits in ``range_args`` with numstat (renames detected), in one git process."""
    raw = git(repo, "log", "--no-merges", "-M", "--numstat", "-z", "--format=%x1e%H%x1f%aN%x1f%aE%x1f%cE%x1f%ct%x1f%B%x1f",
              *range_args, "--")
    commits: list[Commit] = []
    for chunk in raw.split(b"\x1e")[1:]:
        sha, an, ae, ce, ct, body, rest = chunk.split(b"\x1f", 6)
        c = Commit(sha.decode(), an.decode(errors="replace"), ae.decode(errors="replace"), ce.decode(errors="replace"),
                   int(ct), body.decode(errors="replace"))
        tokens = rest.lstrip(b"\x00\n").split(b"\x00")
        i = 0
        while i < len(tokens):
            tok = tokens[i].lstrip(b"\n")
            i += 1
            if not tok:
                continue
            parts = tok.split(b"\t", 2)
            if len(parts) != 3:
                continue
            a, d, path = parts
            if not path:  # a rename: old and new paths follow
                path = tokens[i + 1] if i + 1 < len(tokens) else b""
                i += 2
            binary = a == b"-"
            c.files.append(FileChange(path.decode(errors="replace"), 0 if binary else int(a), 0 if binary else int(d), binary))
        commits.append(c)
    return commits


def tags_by_date(repo: Path) -> list[tuple[str, str]]:
    """(tag, commit) pairs, oldest first."""
    out = git(repo, "for-each-ref", "--sort=creatordate", "--format=%(refname:short)%09%(objectname)%09%(*objectname)", "refs/tags")
    pairs = []
    for line in out.decode().splitlines():
        name, obj, peeled = (line.split("\t") + ["", ""])[:3]
        pairs.append((name, peeled or obj))
    return pairs


def blame_lines(repo: Path, path: str, to: str, frm: str | None) -> list[tuple[str, int]]:
    """(commit, lines) groups of ``path`` at ``to``; commits at or before ``frm`` come back as ``"boundary"``.

    Semantics of ``git blame -M100 -C100 -C -C``: lines moved or copied unchanged, within
    or across files, keep the commit that first wrote them.
    """
    rng = [f"{frm}..{to}"] if frm else ["--root", to]  # without a start, the root commit's lines are in the window
    out = git(repo, "blame", "--incremental", "-M100", "-C100", "-C", "-C", *rng, "--", path)
    groups: list[tuple[str, int]] = []
    boundary: set[str] = set()
    current: tuple[str, int] | None = None
    for line in out.decode(errors="replace").splitlines():
        head = line.split(" ")
        if len(head) == 4 and len(head[0]) >= 40 and all(ch in "0123456789abcdef" for ch in head[0]):
            current = (head[0], int(head[3]))
            groups.append(current)
        elif line == "boundary" and current is not None:
            boundary.add(current[0])
    return [("boundary" if sha in boundary else sha, n) for sha, n in groups]
