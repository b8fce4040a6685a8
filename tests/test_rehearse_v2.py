"""Rehearsals of contract v2 (issues 13 and 15): a sealed report is sealed by the driver as a lab's tool seals it,
judged by the monitors' own verdicts and narrated from both sides (the public's: a commitment and verdicts by
name; a monitor's: the value it opened, labelled as private); a key is revoked and a statement signed with it is
refused; an amendment is proposed, voted on, queued and executed, and the driver's statements then name version 2.
Script steps for all of it are checked when the script is read, each problem positioned."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pausepact.demo.year import write_files
from pausepact.rehearse import ScriptError, load_script

from .live import free_port
from .sealed_outputs import public_outputs, sealed_values_in

HEAD = "pact: pact.yaml\nkeys: keys\nstart: 2030-01-01T00:00:00Z\nsteps:\n"


# ---------------------------------------------------------------------------------------------- scripts read


@pytest.mark.parametrize("steps,where,message", [
    ("  - {by: aisi, amend: {id: v2, pact: missing.yaml}}\n", "5:38", "steps[0].amend.pact: cannot read the new version"),
    ("  - {by: aisi, amend: {id: v2, pact: pact.yaml}}\n", "5:38", "steps[0].amend.pact: void as an amendment of version 1: version: 1, but the version in force is 1"),
    ("  - {by: lab-a, revoke: {key: lab-a-cluster, reason: leaked}}\n  - {by: aisi, amend: {id: v2, pact: pact-v2.yaml}}\n",
     "6:38", "was revoked; a revoked key is never current again"),
    ("  - {by: aisi, amend: {id: v2, pact: pact-v2.yaml, why: x}}\n", "5:52", "steps[0].amend: unknown field 'why'"),
    ("  - {by: lab-c, revoke: {key: nobody, reason: leaked}}\n", "5:31", "keys/nobody.pem: cannot read key file"),
    ("  - {monitor_view: {monitor: lab-a}}\n", "5:30", "steps[0].monitor_view.monitor: 'lab-a' is not a monitor"),
    ("  - {monitor_view: {monitor: aisi, of: [r1]}}\n", "5:41", "steps[0].monitor_view.of[0]: no earlier step has id 'r1'"),
    ("  - {by: lab-a, reveal: {of: r1}}\n", "5:30", "steps[0].reveal.of: no earlier step has id 'r1'"),
    ("  - {expect: {sealed: {r1: assessed}}}\n", "5:23", "steps[0].expect.sealed: no earlier step has id 'r1'"),
    ("  - {expect: {sealed: {r1: opened}}}\n", "5:", "steps[0].expect.sealed.r1: Input should be"),
    ("  - {by: lab-a, amend: {id: v2, pact: pact-v2.yaml}, monitor_view: {monitor: aisi}}\n", "5:", "one action per step"),
])
def test_v2_steps_that_cannot_be_played_are_refused_with_positions(tmp_path: Path, steps: str, where: str, message: str) -> None:
    write_files(tmp_path)
    path = tmp_path / "script.yaml"
    path.write_text(HEAD + steps)
    with pytest.raises(ScriptError) as e:
        load_script(path)
    assert any(got.startswith(f"{path}:{where}") and message in got for got in e.value.lines), e.value.lines


def test_v2_steps_resolve_when_read(tmp_path: Path) -> None:
    write_files(tmp_path)
    path = tmp_path / "script.yaml"
    path.write_text(HEAD + "  - {by: lab-c, revoke: {key: lab-c-cluster, reason: leaked}}\n"
                           "  - {by: aisi, amend: {id: v2, pact: pact-v2.yaml, rationale: tighter}}\n"
                           "  - {id: r1, by: lab-a, report: {indicator: ai_code_share, value: 0.5}}\n"
                           "  - {by: lab-a, reveal: {of: r1}}\n  - {monitor_view: {monitor: aisi, of: [r1]}}\n"
                           "  - {by: aisi, revoke: {key: aisi.seal, reason: rotated}}\n")
    script, _ = load_script(path)
    revoke, amend = script.actions[0], script.actions[1]
    assert revoke.revoked is not None and revoke.revoked.startswith("ed25519:")
    assert revoke.revoked in (tmp_path / "pact.yaml").read_text() and revoke.revoked not in (tmp_path / "pact-v2.yaml").read_text()
    assert amend.amendment == (tmp_path / "pact-v2.yaml").read_bytes()
    assert [a.kind for a in script.actions] == ["revoke", "amend", "report", "reveal", "monitor_view", "revoke"]
    seal = script.actions[-1].revoked  # a monitor's seal key, named as its file is
    assert seal is not None and seal.startswith("x25519:") and f'seal_key: "{seal}"' in (tmp_path / "pact.yaml").read_text()
    # an amendment written inline (a value with a line break is the text itself) is the same bytes
    inline = (tmp_path / "pact-v2.yaml").read_text()
    path.write_text(HEAD + "  - by: aisi\n    amend:\n      id: v2\n      pact: |\n"
                    + "".join(f"        {line}\n" if line else "\n" for line in inline.splitlines()))
    assert load_script(path)[0].actions[0].amendment == inline.encode()


# ---------------------------------------------------------------------------------------------- played live

LIVE = """\
title: sealed, revoked and amended
pact: pact.yaml
keys: keys
start: 2030-01-01T00:00:00Z
steps:
  - {by: lab-a, sign: {}, say: Lab A signs}
  - {by: lab-b, sign: {}, say: Lab B signs}
  - {by: lab-c, sign: {}, say: Lab C signs}
  - {at: +1d, id: a1, by: lab-a, report: {indicator: ai_code_share, value: 0.437}, say: Lab A reports its code share}
  - {id: b1, by: lab-b, report: {indicator: ai_code_share, value: 0.962}, say: Lab B reports its code share}
  - {monitor_view: {monitor: aisi}, say: what it opened}
  - {expect: {sealed: {a1: assessed, b1: assessed}, disputes: 0}, say: both judged}
  - {by: lab-a, reveal: {of: a1}, say: Lab A publishes its own value}
  - {by: lab-c, revoke: {key: lab-c-cluster, reason: leaked}, say: Lab C revokes its cluster key}
  - {by: lab-c, key: lab-c-cluster, run: {run: x, event: start, flop: 1.0e+20}, refused: unknown-key, say: the leaked key is tried}
  - {at: +1d, by: aisi, amend: {id: v2, pact: pact-v2.yaml, rationale: tighter}, say: AISI proposes version 2}
  - {by: aisi, vote: {proposal: v2, choice: 'yes'}, say: AISI votes yes}
  - {by: civic-audit, vote: {proposal: v2, choice: 'yes'}, say: the auditor votes yes}
  - {by: lab-a, vote: {proposal: v2, choice: 'yes'}, say: Lab A votes yes}
  - {by: lab-b, vote: {proposal: v2, choice: 'yes'}, say: Lab B votes yes}
  - {by: lab-c, vote: {proposal: v2, choice: 'yes', rationale: our new key}, say: Lab C votes yes}
  - {at: +8d, expect: {pact_version: 2, proposals: {v2: executed}}, say: version 2 in force}
  - {id: b2, by: lab-b, report: {indicator: ai_code_share, value: 0.958}, say: Lab B reports its code share}
  - {by: lab-c, key: lab-c-cluster-2, run: {run: y, event: start, flop: 1.0e+20}, say: Lab C's new cluster key declares a run}
  - {expect: {sealed: {b2: assessed}, revoked: [{party: lab-c}], rejected: 0, disputes: 0}, say: all counted}
"""


def test_a_rehearsal_seals_revokes_and_amends_and_tells_both_sides(tmp_path: Path) -> None:
    write_files(tmp_path)
    (tmp_path / "script.yaml").write_text(LIVE)
    r = subprocess.run([sys.executable, "-m", "pausepact", "rehearse", str(tmp_path / "script.yaml"), "--json",
                        "--dir", str(tmp_path), "--port", str(free_port())], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    result, out = json.loads(r.stdout), r.stderr
    assert result["ok"] and result["verify"]["ok"] and all(e["ok"] for e in result["expectations"])
    said = [line for line in out.splitlines() if line.startswith("20")]
    # the public side: a commitment, and each monitor's verdict by name (in the pact's order), never a value
    a1 = next(line for line in said if "Lab A reports its code share" in line)
    assert re.search(r"#3 +Lab A reports its code share, sealed \(commitment sha256:[0-9a-f]{12}…\); verdicts by aisi, "
                     r"eval-org, civic-audit: models-write-the-code misses → assessed$", a1), a1
    assert "verdicts by aisi, eval-org, civic-audit: models-write-the-code meets → assessed" in out
    assert "the public sees no value: the log holds the commitment and one member sealed to each of aisi, eval-org, civic-audit" in out
    # the monitor's side, labelled on every line as its own private view
    private = [line for line in out.splitlines() if "🔒" in line]
    assert private[0].endswith("🔒 aisi's private view (its own state file, mode 0600; never published): what it opened")
    assert [line.strip() for line in private[1:]] == ["🔒 aisi opened #3: lab-a's ai_code_share = 0.437",
                                                     "🔒 aisi opened #7: lab-b's ai_code_share = 0.962"]
    # revocation, the refused statement, the amendment and the statements after it
    assert any("⊘ lab-c's key lab-c-cluster (ed25519:" in line and "revoked (entry #" in line for line in said)
    assert any("refused as expected (unknown-key): the leaked key is tried" in line for line in said)
    assert "            rationale: tighter" in out
    assert "changes: automated-researcher: the level rises when, for any bound developer, the latest ai_rnd_score " \
           "reported is at least 0.4 score" in out
    assert any("amendment v2 approved (yes: aisi, civic-audit, lab-a, lab-b, lab-c): queued, executes 2030-01-10" in line
               for line in said)
    assert any(line.startswith("2030-01-10  ● amendment v2 executed: version 2 (sha256:") for line in said)
    assert any("Lab C's new cluster key declares a run (version 2)" in line for line in said)
    assert re.search(r"it follows the chain of versions from the log: version 1 \(sha256:[0-9a-f]{12}…\) → version 2 "
                     r"\(sha256:[0-9a-f]{12}…, amend proposal #\d+, in force after 2030-01-10\)", out)
    # secrecy: the values never revealed appear nowhere public; the revealed one is public from its reveal on
    outputs = public_outputs(tmp_path, out)
    assert sealed_values_in(outputs, [0.962, 0.958]) == []
    assert "state: 0.437" in sealed_values_in(outputs, [0.437])
    assert (tmp_path / "openings" / "lab-b.jsonl").stat().st_mode & 0o077 == 0  # the lab's own store: private
