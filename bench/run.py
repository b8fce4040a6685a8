"""Run every benchmark and print its figures: ``python bench/run.py [--quick]``.

Benchmarks are not tests: they print what they measure and assert only that the
work they timed was correct.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {"log_bench.py": ["--appends", "5000", "--proof-size", "100000", "--verify", "20000"],
         "engine_bench.py": ["--statements", "100000"],
         "server_bench.py": ["--statements", "6000", "--proof-size", "100000"],
         "collect_bench.py": ["--commits", "2000", "--files", "50"],
         "restart_bench.py": ["--entries", "20000"],
         "guard_bench.py": ["--rounds", "3"],
         "sealing_bench.py": ["--reports", "500"]}


def main() -> int:
    quick = "--quick" in sys.argv
    rc = 0
    for script in QUICK:
        print(f"== {script} ==", flush=True)
        rc |= subprocess.call([sys.executable, str(HERE / script), *(QUICK[script] if quick else [])], cwd=HERE)
    return rc


if __name__ == "__main__":
    sys.exit(main())
