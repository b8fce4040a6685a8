"""Collector benchmarks (issue: collectors).

Builds a synthetic repository with ``git fast-import`` (10,000 commits over two
years by humans and AI agents, 200 files), then times: the monthly ``added``
series over the whole history; ``blame`` of a release window over its 200 files
on every core, against running ``git blame`` file by file serially.

    python bench/collect_bench.py [--commits 10000] [--files 200]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from pausepact.collect.aicode import PathFilter, collect  # noqa: E402
from pausepact.collect.markers import Markers  # noqa: E402

T0 = 1798761600


def build(repo: Path, commits: int, files: int) -> None:
    rnd = random.Random(7)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    contents = {f"src/mod_{i}.py": [f"def f_{i}_{j}(x):  # original line {j} of module {i}\n" for j in range(30)] for i in range(files)}
    out = []
    mark = 0
    for c in range(commits):
        t = T0 + c * (2 * 365 * 86400 // commits)
        ai = rnd.random() < 0.4
        author = "Claude <noreply@anthropic.com>" if ai and rnd.random() < 0.3 else "Dev Person <dev@lab.example>"
        msg = f"change {c}\n" + ("\nCo-Authored-By: Claude <noreply@anthropic.com>\n" if ai else "")
        touched = rnd.sample(sorted(contents), 3)
        body = [f"commit refs/heads/main\nmark :{mark + 1}\nauthor {author} {t} +0000\ncommitter {author} {t} +0000\n"
                f"data {len(msg.encode())}\n{msg}"]
        if mark:
            body.append(f"from :{mark}\n")
        for path in touched:
            lines = contents[path]
            for _ in range(rnd.randint(1, 6)):
                pos = rnd.randrange(len(lines) + 1)
                lines.insert(pos, f"    value_{c}_{pos} = compute({c}, {pos})  # {'agent' if ai else 'human'}\n")
            if len(lines) > 200:
                del lines[: len(lines) - 200]
            data = "".join(lines).encode()
            body.append(f"M 100644 inline {path}\ndata {len(data)}\n")
            body.append(data.decode() + "\n")
        mark += 1
        out.append("".join(body))
        if c == commits // 2:
            out.append(f"reset refs/tags/v1\nfrom :{mark}\n\n")
    out.append(f"reset refs/tags/v2\nfrom :{mark}\n\n")
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input="".join(out).encode(), check=True)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--files", type=int, default=200)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        repo = Path(d) / "repo"
        t = time.perf_counter()
        build(repo, a.commits, a.files)
        print(f"built a {a.commits:,}-commit, {a.files}-file repository in {time.perf_counter() - t:.1f}s (set-up)")
        t = time.perf_counter()
        m = collect(repo, "added", None, None, "month", Markers(), PathFilter([], []))
        dt = time.perf_counter() - t
        print(f"monthly 'added' series over {a.commits:,} commits: {dt:.1f}s ({len(m.details['windows'])} months, "
              f"last month share {m.value:.3f})")
        t = time.perf_counter()
        m = collect(repo, "blame", "v1", "v2", None, Markers(), PathFilter([], []), workers=os.cpu_count())
        parallel = time.perf_counter() - t
        w = m.details["windows"][0]
        t = time.perf_counter()
        for f in sorted(p.relative_to(repo).as_posix() for p in (repo / "src").glob("*.py")):
            subprocess.run(["git", "-C", str(repo), "blame", "--incremental", "-M100", "-C100", "-C", "-C", "v1..v2", "--", f],
                           capture_output=True, check=True)
        serial = time.perf_counter() - t
        print(f"'blame' of release v1..v2 over {w['files']} files: {parallel:.1f}s on {os.cpu_count()} cores vs "
              f"{serial:.1f}s for git blame file by file serially ({serial / parallel:.1f}x); share {w['share']:.3f} "
              f"of {w['total_lines']:,} lines")


if __name__ == "__main__":
    main()
