#!/usr/bin/env python3
"""A monitor's countersigning routine: countersign each report that awaits us, after our own check.

Run it on a schedule (cron, a CI job) as the monitor. It reads the log with the
pausepact CLI, so it needs nothing but Python and pausepact:

  1. `pausepact log search --type report --json`: every report and what it did;
     the ones whose effect is "pending" wait for a monitor's countersignature
     (their indicator is `countersigned_by: monitor` in the pact);
  2. `pausepact log search --type countersign --json`: what we already countersigned,
     and what another monitor's countersignature already made count (each names a
     report by the SHA-256 of its payload);
  3. for each report still waiting for us (and not our own), our own CHECK
     command gets the report as JSON on stdin: exit 0 means "we checked it, it
     stands"; anything else means we do not countersign it (it is listed as refused);
  4. `pausepact submit countersign --entry N`: signed with our key, sent to the log.

Settings (environment): PAUSEPACT_SERVER, PACT (the pact file), PARTY (our monitor
id), KEY (our key file, mode 0600), CHECK (a command, split like a shell would).
Exit status: 0 when every waiting report was checked and countersigned or refused,
1 when a command failed (the routine stops at once; a rerun picks up where it stopped).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import Any


def pausepact(*args: str) -> str:
    """Run the pausepact CLI; its stdout, or exit with its one-line error."""
    run = subprocess.run(["pausepact", *args], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"countersign routine: pausepact {args[0]} {args[1] if len(args) > 1 else ''} failed: "
                 f"{run.stderr.strip() or run.stdout.strip()}")
    return run.stdout


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main() -> int:
    env = os.environ
    server, pact, party, key = env["PAUSEPACT_SERVER"], env["PACT"], env["PARTY"], env["KEY"]
    check = shlex.split(env["CHECK"])
    where = ["--server", server, "--pact", pact]

    reports = lines(pausepact("log", "search", *where, "--type", "report", "--json"))
    countersigns = lines(pausepact("log", "search", *where, "--type", "countersign", "--json"))
    done = {c["body"]["statement"] for c in countersigns if c["party"] == party or c["effect"]["effect"] == "counted"}
    waiting = [r for r in reports
               if r["effect"]["effect"] == "pending" and r["payload_sha256"] not in done and r["party"] != party]
    print(f"{len(waiting)} report(s) await {party}'s countersignature")

    for r in waiting:
        what = f"entry {r['index']}: {r['body']['indicator']} = {r['body']['value']} by {r['party']}"
        verdict = subprocess.run(check, input=json.dumps(r), text=True, capture_output=True)
        if verdict.returncode != 0:
            print(f"refused {what}: {verdict.stdout.strip() or verdict.stderr.strip() or 'the check failed'}")
            continue
        pausepact("submit", "countersign", *where, "--as", party, "--key", key, "--entry", str(r["index"]))
        print(f"countersigned {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
