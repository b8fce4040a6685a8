"""The demo's pact, its amendment and its year, as text: ``pausepact demo`` writes them into its folder and
plays the year with ``pausepact rehearse``. The pact is one template (``PACT``: its ``parties`` are filled
with fresh keys); version 2, which the year proposes mid-year, is that text with the changes
``AMENDMENT`` lists (``amended``). Changing the demo's pact is changing this text."""

PACT = """\
# The demo pact: four frontier developers, three monitors. It is played on a rehearsal's virtual clock,
# where every duration means what it says; the signed status lives 30 days and running jobs get 30 days
# to stop (a real pact would say minutes and an hour) so that a year needs few rounds of signatures.
# The AI-written code share is a trade secret: it is sealed to the monitors, who judge it in signed verdicts.
pact: demo-pause
version: 1
title: Coordinated Pause Agreement (demo)
origin: pausepact.example/demo-pause

effective:
  min_developers: 3

parties:
{parties}

indicators:
  ai_code_share:
    description: Share of lines added to the developer's production code that its own models wrote
    unit: ratio
    reported_by: developer
    every: 30d
    disclosure: sealed
    verdict_quorum: 2 of monitors
  time_horizon_minutes:
    description: 50% task-completion time horizon of the developer's most capable model, measured by a monitor
    unit: minutes
    reported_by: monitor
    every: 90d
  ai_rnd_score:
    description: Score on the agreed automated AI R&D evaluation suite
    unit: score
    reported_by: developer
    every: 90d
    countersigned_by: monitor

levels: [normal, heightened, slowdown, pause]

restrictions:
  slowdown: {{max_training_flop: 1.0e+26, grace: 30d}}
  pause: {{max_training_flop: 1.0e+24, new_deployments: false, grace: 30d}}

red_lines:
  - id: models-write-the-code
    indicator: ai_code_share
    at_least: 0.95
    for: 60d
    raise: slowdown
  - id: runaway-self-improvement
    indicator: time_horizon_minutes
    doubling_within: 60d
    window: 365d
    raise: pause
  - id: automated-researcher
    indicator: ai_rnd_score
    at_least: 0.5
    raise: pause
  - id: gone-silent
    overdue: 14d
    raise: heightened
    scope: party
  - id: code-share-unjudged
    indicator: ai_code_share
    overdue: 14d
    raise: slowdown
    scope: party

emergency:
  raise: pause
  approval: 2/3 of monitors

resumption:
  pause:
    to: slowdown
    min_duration: 30d
    clear: true
    attestations: [safeguards-adequate, security-level-4]
    approval: 2/3 of monitors
    timelock: 7d
  slowdown:
    to: normal
    min_duration: 14d
    clear: true
    approval: 2/3 of monitors
    timelock: 3d
  heightened:
    to: normal
    clear: true
    approval: 1 of monitors

oversight:
  witness_quorum: 2
  status_quorum: 2
  status_ttl: 30d
  verdict_within: 7d

amendment:
  approval: 2/3 of monitors and 3 of developers
  timelock: 7d
"""

AMENDMENT = [  # (version 1's text, version 2's): what the year's amendment changes
    ("version: 1\n", "version: 2\n"),
    ("    at_least: 0.5\n", "    at_least: 0.4\n"),
]
RATIONALE = ("Lab A's time horizon quadrupled in two months while every R&D score stayed at 0.2: a red line at 0.5 "
             "would fire too late. Tightened to 0.4; Lab C's leaked cluster key is replaced by a new one.")


def amended(v1: str, lab_c_v1: str, lab_c_v2: str) -> str:
    """Version 2 of the demo's pact (``v1`` with ``parties`` filled): the threshold tightened and Lab C's parties
    line ``lab_c_v1`` (listing the key the year revokes) replaced by ``lab_c_v2`` (its new key instead)."""
    text = v1.replace(lab_c_v1, lab_c_v2)
    for old, new in AMENDMENT:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text

YEAR = """\
# The demo's year as a rehearsal script (docs/rehearse.md): `pausepact rehearse year.yaml` plays it again.
# Only the parties' own statements, a guarded training run and expectations are written here: every level,
# proposal state and violation is the server's engine's, and every status is signed by the monitors.
title: pausepact demo, a year of a coordinated pause
pact: pact.yaml
keys: keys
start: 2027-01-01T00:00:00Z
steps:
  - {at: 0d, by: lab-a, sign: {}, say: "Lab A signs the pact"}
  - {by: lab-b, sign: {}, say: "Lab B signs the pact"}
  - {by: lab-c, sign: {}, say: "Lab C signs the pact"}
  - {at: 1d, by: lab-a, report: {indicator: ai_code_share, value: 0.45}, say: "Lab A reports ai_code_share 0.45"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.7}, say: "Lab B reports ai_code_share 0.7"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.3}, say: "Lab C reports ai_code_share 0.3"}
  - {at: 2d, id: rnd-lab-a-2, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-2, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-2, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: aisi, countersign: {of: rnd-lab-a-2}, say: "AI Safety Institute countersigns Lab A's ai_rnd_score"}
  - {by: aisi, countersign: {of: rnd-lab-b-2}, say: "AI Safety Institute countersigns Lab B's ai_rnd_score"}
  - {by: aisi, countersign: {of: rnd-lab-c-2}, say: "AI Safety Institute countersigns Lab C's ai_rnd_score"}
  - {at: 10d, guard: {name: training, party: lab-a, key: lab-a-cluster, run: frontier-a-part1, flop: 5.0e+25, heartbeat: 20d}, say: "Lab A's guard declares training run frontier-a-part1 (5e25 FLOP) and starts training"}
  - {at: 20d, by: lab-d, sign: {}, say: 'Lab D signs: it is bound from now on'}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.2}, say: "Lab D reports ai_code_share 0.2"}
  - {at: 31d, by: lab-a, report: {indicator: ai_code_share, value: 0.458}, say: "Lab A reports ai_code_share 0.458"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.82}, say: "Lab B reports ai_code_share 0.82"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.308}, say: "Lab C reports ai_code_share 0.308"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.208}, say: "Lab D reports ai_code_share 0.208"}
  - {at: 61d, by: lab-a, report: {indicator: ai_code_share, value: 0.466}, say: "Lab A reports ai_code_share 0.466"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.9}, say: "Lab B reports ai_code_share 0.9"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.316}, say: "Lab C reports ai_code_share 0.316"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.216}, say: "Lab D reports ai_code_share 0.216"}
  - {at: 88d, id: rnd-lab-a-88, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-88, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-88, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-88, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: civic-audit, countersign: {of: rnd-lab-a-88}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-88}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-88}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-88}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 91d, by: lab-a, report: {indicator: ai_code_share, value: 0.475}, say: "Lab A reports ai_code_share 0.475"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.96}, say: "Lab B reports ai_code_share 0.96"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.325}, say: "Lab C reports ai_code_share 0.325"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.225}, say: "Lab D reports ai_code_share 0.225"}
  - {at: 121d, by: lab-a, report: {indicator: ai_code_share, value: 0.483}, say: "Lab A reports ai_code_share 0.483"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.97}, say: "Lab B reports ai_code_share 0.97"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.333}, say: "Lab C reports ai_code_share 0.333"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.233}, say: "Lab D reports ai_code_share 0.233"}
  - {at: 151d, by: lab-a, report: {indicator: ai_code_share, value: 0.491}, say: "Lab A reports ai_code_share 0.491"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.98}, say: "Lab B reports ai_code_share 0.98"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.341}, say: "Lab C reports ai_code_share 0.341"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.241}, say: "Lab D reports ai_code_share 0.241"}
  - {at: 170d, by: aisi, report: {indicator: time_horizon_minutes, value: 100, subject: lab-a}, say: "AISI measures Lab A's time horizon: 100 minutes"}
  - {at: 178d, id: rnd-lab-a-178, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-178, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-178, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-178, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: civic-audit, countersign: {of: rnd-lab-a-178}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-178}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-178}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-178}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 181d, by: lab-a, report: {indicator: ai_code_share, value: 0.499}, say: "Lab A reports ai_code_share 0.499"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.98}, say: "Lab B reports ai_code_share 0.98"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.349}, say: "Lab C reports ai_code_share 0.349"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.249}, say: "Lab D reports ai_code_share 0.249"}
  - {at: 200d, by: aisi, report: {indicator: time_horizon_minutes, value: 200, subject: lab-a}, say: "AISI measures Lab A's time horizon: 200 minutes"}
  - {at: 211d, by: lab-a, report: {indicator: ai_code_share, value: 0.508}, say: "Lab A reports ai_code_share 0.508"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.97}, say: "Lab B reports ai_code_share 0.97"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.358}, say: "Lab C reports ai_code_share 0.358"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.258}, say: "Lab D reports ai_code_share 0.258"}
  - {at: 230d, by: aisi, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: "AISI measures Lab A's time horizon: 400 minutes"}
  - {at: 231d, expect: {level: pause, status_level: pause, guards: {training: forbidden}}, say: "a day into the pause, the signed status says pause and Lab A's guard has stopped its run"}
  - {at: 235d, by: lab-c, run: {run: frontier-7, event: start, flop: 5.0e+25}, say: "Lab C declares training run frontier-7 at 5e25 FLOP, above the pause limit"}
  - {at: 236d, by: lab-c, run: {run: frontier-7, event: stop, flop: 5.0e+25}, say: "Lab C stops frontier-7 a day later (its start was already a violation)"}
  - {at: 241d, by: lab-a, report: {indicator: ai_code_share, value: 0.516}, say: "Lab A reports ai_code_share 0.516"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.97}, say: "Lab B reports ai_code_share 0.97"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.366}, say: "Lab C reports ai_code_share 0.366"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.266}, say: "Lab D reports ai_code_share 0.266"}
  - {at: 245d, by: eval-org, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: 'the evaluator re-measures Lab A: 400 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-b}, say: 'the evaluator re-measures Lab B: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-c}, say: 'the evaluator re-measures Lab C: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-d}, say: 'the evaluator re-measures Lab D: 60 minutes (no growth)'}
  - {at: 255d, id: rnd-lab-a-255, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-255, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-255, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-255, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: 'the evaluator re-measures Lab A: 400 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-b}, say: 'the evaluator re-measures Lab B: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-c}, say: 'the evaluator re-measures Lab C: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-d}, say: 'the evaluator re-measures Lab D: 60 minutes (no growth)'}
  - {by: civic-audit, countersign: {of: rnd-lab-a-255}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-255}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-255}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-255}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 258d, by: lab-a, attest: {claim: safeguards-adequate, level: pause}, say: "Lab A attests safeguards-adequate"}
  - {by: lab-a, attest: {claim: security-level-4, level: pause}, say: "Lab A attests security-level-4"}
  - {by: lab-b, attest: {claim: safeguards-adequate, level: pause}, say: "Lab B attests safeguards-adequate"}
  - {by: lab-b, attest: {claim: security-level-4, level: pause}, say: "Lab B attests security-level-4"}
  - {by: lab-c, attest: {claim: safeguards-adequate, level: pause}, say: "Lab C attests safeguards-adequate"}
  - {by: lab-c, attest: {claim: security-level-4, level: pause}, say: "Lab C attests security-level-4"}
  - {by: lab-d, attest: {claim: safeguards-adequate, level: pause}, say: "Lab D attests safeguards-adequate"}
  - {by: lab-d, attest: {claim: security-level-4, level: pause}, say: "Lab D attests security-level-4"}
  - {at: 259d, by: aisi, propose: {id: resume-pause, action: resume, level: pause}, say: "AISI proposes to resume from the pause"}
  - {by: aisi, vote: {proposal: resume-pause, choice: 'yes'}, say: "AISI votes yes"}
  - {at: 260d, by: civic-audit, vote: {proposal: resume-pause, choice: 'yes'}, say: "the auditor votes yes"}
  - {at: 265d, by: eval-org, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: 'the evaluator re-measures Lab A: 400 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-b}, say: 'the evaluator re-measures Lab B: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-c}, say: 'the evaluator re-measures Lab C: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-d}, say: 'the evaluator re-measures Lab D: 60 minutes (no growth)'}
  - {at: 271d, by: lab-a, report: {indicator: ai_code_share, value: 0.524}, say: "Lab A reports ai_code_share 0.524"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.88}, say: "Lab B reports ai_code_share 0.88"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.374}, say: "Lab C reports ai_code_share 0.374"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.274}, say: "Lab D reports ai_code_share 0.274"}
  - {at: 273d, guard: {name: training-2, party: lab-a, key: lab-a-cluster, run: frontier-a-part2, flop: 5.0e+25, heartbeat: 20d}, say: "Lab A's guard restarts training as frontier-a-part2 from its checkpoint: the pause is over and the status allows 5e25 FLOP again"}
  - {expect: {level: slowdown, guards: {training-2: running}}, say: "back at slowdown, Lab A trains again"}
  - {at: 285d, by: eval-org, propose: {id: resume-slowdown, action: resume, level: slowdown}, say: "the evaluator proposes to end the slowdown"}
  - {by: eval-org, vote: {proposal: resume-slowdown, choice: 'yes'}, say: "the evaluator votes yes"}
  - {at: 286d, by: aisi, vote: {proposal: resume-slowdown, choice: 'yes'}, say: "AISI votes yes"}
  - {at: 301d, by: lab-a, report: {indicator: ai_code_share, value: 0.532}, say: "Lab A reports ai_code_share 0.532"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.88}, say: "Lab B reports ai_code_share 0.88"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.382}, say: "Lab C reports ai_code_share 0.382"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.282}, say: "Lab D reports ai_code_share 0.282"}
  - {at: 331d, by: lab-a, report: {indicator: ai_code_share, value: 0.54}, say: "Lab A reports ai_code_share 0.54"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.88}, say: "Lab B reports ai_code_share 0.88"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.39}, say: "Lab C reports ai_code_share 0.39"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.29}, say: "Lab D reports ai_code_share 0.29"}
  - {at: 340d, id: rnd-lab-a-340, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-340, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-340, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-340, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: civic-audit, countersign: {of: rnd-lab-a-340}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-340}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-340}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-340}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 361d, by: lab-a, report: {indicator: ai_code_share, value: 0.549}, say: "Lab A reports ai_code_share 0.549"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.88}, say: "Lab B reports ai_code_share 0.88"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.399}, say: "Lab C reports ai_code_share 0.399"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.299}, say: "Lab D reports ai_code_share 0.299"}
  - {at: 365d, say: "What the year should have shown:"}
  - {expect: {in_force: true}, say: "in force"}
  - {expect: {reasons: [{red_line: models-write-the-code, party: lab-b, level: slowdown}]}, say: "a coordinated slowdown by models-write-the-code (lab-b)"}
  - {expect: {reasons: [{red_line: runaway-self-improvement, party: lab-a, level: pause}]}, say: "a pause for all by runaway-self-improvement (lab-a)"}
  - {expect: {violations: [{party: lab-c, kind: run-over-limit}]}, say: "Lab C's run above the limit recorded as a violation"}
  - {expect: {proposals: {resume-pause: executed}}, say: "the pause resumed to slowdown after its timelock"}
  - {expect: {proposals: {resume-slowdown: executed}}, say: "the slowdown resumed to normal"}
  - {expect: {level: normal, rejected: 0}, say: "back at normal, nothing rejected"}
  - {expect: {no_violations: [{party: lab-a}]}, say: "Lab A's guarded run stopped in time: no violation by lab-a"}
  - {expect: {guards: {training: forbidden}}, say: "Lab A's guarded training stopped when the pause began"}
  - {expect: {guards: {training-2: running}, status: valid, status_level: normal}, say: "and restarted from its checkpoint after the resumption, under a valid status at normal"}
"""
YEAR = """\
# The demo's year as a rehearsal script (docs/rehearse.md): `pausepact rehearse year.yaml` plays it again.
# Only the parties' own statements, a guarded training run and expectations are written here: every level,
# proposal state and violation is the server's engine's, every verdict on a sealed report is a monitor's
# own (it opens the value itself), and every status is signed by the monitors. The values of ai_code_share
# below are each lab's own input: sealed before they leave the lab, they reach the log only as commitments.
title: pausepact demo, a year of a coordinated pause
pact: pact.yaml
keys: keys
start: 2027-01-01T00:00:00Z
steps:
  - {at: 0d, by: lab-a, sign: {}, say: "Lab A signs the pact"}
  - {by: lab-b, sign: {}, say: "Lab B signs the pact"}
  - {by: lab-c, sign: {}, say: "Lab C signs the pact"}
  - {at: 1d, by: lab-a, report: {indicator: ai_code_share, value: 0.452}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.703}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.301}, say: "Lab C reports its ai_code_share"}
  - {monitor_view: {monitor: aisi}, say: "the values it opened, which it judged against models-write-the-code (at least 0.95)"}
  - {at: 2d, id: rnd-lab-a-2, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 in public (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-2, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-2, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: aisi, countersign: {of: rnd-lab-a-2}, say: "AI Safety Institute countersigns Lab A's ai_rnd_score"}
  - {by: aisi, countersign: {of: rnd-lab-b-2}, say: "AI Safety Institute countersigns Lab B's ai_rnd_score"}
  - {by: aisi, countersign: {of: rnd-lab-c-2}, say: "AI Safety Institute countersigns Lab C's ai_rnd_score"}
  - {at: 10d, guard: {name: training, party: lab-a, key: lab-a-cluster, run: frontier-a-part1, flop: 5.0e+25, heartbeat: 20d}, say: "Lab A's guard declares training run frontier-a-part1 (5e25 FLOP) and starts training"}
  - {at: 20d, by: lab-d, sign: {}, say: 'Lab D signs: it is bound from now on'}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.203}, say: "Lab D reports its ai_code_share"}
  - {at: 31d, by: lab-a, report: {indicator: ai_code_share, value: 0.458}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.821}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.308}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.208}, say: "Lab D reports its ai_code_share"}
  - {at: 61d, by: lab-a, report: {indicator: ai_code_share, value: 0.466}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.902}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.316}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.216}, say: "Lab D reports its ai_code_share"}
  - {at: 88d, id: rnd-lab-a-88, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-88, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-88, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-88, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: civic-audit, countersign: {of: rnd-lab-a-88}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-88}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-88}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-88}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 91d, by: lab-a, report: {indicator: ai_code_share, value: 0.475}, say: "Lab A reports its ai_code_share"}
  - {id: code-b-91, by: lab-b, report: {indicator: ai_code_share, value: 0.961}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.325}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.225}, say: "Lab D reports its ai_code_share"}
  - {monitor_view: {monitor: eval-org, of: [code-b-91]}, say: "why it said meets for Lab B"}
  - {at: 121d, by: lab-a, report: {indicator: ai_code_share, value: 0.483}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.972}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.333}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.233}, say: "Lab D reports its ai_code_share"}
  - {at: 151d, by: lab-a, report: {indicator: ai_code_share, value: 0.491}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.983}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.341}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.241}, say: "Lab D reports its ai_code_share"}
  - {at: 170d, by: aisi, report: {indicator: time_horizon_minutes, value: 100, subject: lab-a}, say: "AISI measures Lab A's time horizon: 100 minutes"}
  - {at: 178d, id: rnd-lab-a-178, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-178, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-178, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-178, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: civic-audit, countersign: {of: rnd-lab-a-178}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-178}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-178}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-178}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 181d, by: lab-a, report: {indicator: ai_code_share, value: 0.499}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.978}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.349}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.249}, say: "Lab D reports its ai_code_share"}
  - {at: 200d, by: aisi, report: {indicator: time_horizon_minutes, value: 200, subject: lab-a}, say: "AISI measures Lab A's time horizon: 200 minutes"}
  - {at: 211d, by: lab-a, report: {indicator: ai_code_share, value: 0.508}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.969}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.358}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.258}, say: "Lab D reports its ai_code_share"}
  - {at: 230d, by: aisi, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: "AISI measures Lab A's time horizon: 400 minutes"}
  - {at: 231d, expect: {level: pause, status_level: pause, guards: {training: forbidden}}, say: "a day into the pause, the signed status says pause and Lab A's guard has stopped its run"}
  - {at: 235d, by: lab-c, key: lab-c-cluster, run: {run: frontier-7, event: start, flop: 5.0e+25}, say: "Lab C's training cluster declares run frontier-7 at 5e25 FLOP, above the pause limit"}
  - {at: 236d, by: lab-c, key: lab-c-cluster, run: {run: frontier-7, event: stop, flop: 5.0e+25}, say: "Lab C stops frontier-7 a day later (its start was already a violation)"}
  - {at: 241d, by: lab-a, report: {indicator: ai_code_share, value: 0.516}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.974}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.366}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.266}, say: "Lab D reports its ai_code_share"}
  - {at: 245d, by: eval-org, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: 'the evaluator re-measures Lab A: 400 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-b}, say: 'the evaluator re-measures Lab B: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-c}, say: 'the evaluator re-measures Lab C: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-d}, say: 'the evaluator re-measures Lab D: 60 minutes (no growth)'}
  - {at: 255d, id: rnd-lab-a-255, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-255, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-255, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-255, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: 'the evaluator re-measures Lab A: 400 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-b}, say: 'the evaluator re-measures Lab B: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-c}, say: 'the evaluator re-measures Lab C: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-d}, say: 'the evaluator re-measures Lab D: 60 minutes (no growth)'}
  - {by: civic-audit, countersign: {of: rnd-lab-a-255}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-255}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-255}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-255}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 258d, by: lab-a, attest: {claim: safeguards-adequate, level: pause}, say: "Lab A attests safeguards-adequate"}
  - {by: lab-a, attest: {claim: security-level-4, level: pause}, say: "Lab A attests security-level-4"}
  - {by: lab-b, attest: {claim: safeguards-adequate, level: pause}, say: "Lab B attests safeguards-adequate"}
  - {by: lab-b, attest: {claim: security-level-4, level: pause}, say: "Lab B attests security-level-4"}
  - {by: lab-c, attest: {claim: safeguards-adequate, level: pause}, say: "Lab C attests safeguards-adequate"}
  - {by: lab-c, attest: {claim: security-level-4, level: pause}, say: "Lab C attests security-level-4"}
  - {by: lab-d, attest: {claim: safeguards-adequate, level: pause}, say: "Lab D attests safeguards-adequate"}
  - {by: lab-d, attest: {claim: security-level-4, level: pause}, say: "Lab D attests security-level-4"}
  - {at: 259d, by: aisi, propose: {id: resume-pause, action: resume, level: pause}, say: "AISI proposes to resume from the pause"}
  - {by: aisi, vote: {proposal: resume-pause, choice: 'yes'}, say: "AISI votes yes"}
  - {at: 260d, by: civic-audit, vote: {proposal: resume-pause, choice: 'yes'}, say: "the auditor votes yes"}
  - {at: 265d, by: eval-org, report: {indicator: time_horizon_minutes, value: 400, subject: lab-a}, say: 'the evaluator re-measures Lab A: 400 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-b}, say: 'the evaluator re-measures Lab B: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-c}, say: 'the evaluator re-measures Lab C: 60 minutes (no growth)'}
  - {by: eval-org, report: {indicator: time_horizon_minutes, value: 60, subject: lab-d}, say: 'the evaluator re-measures Lab D: 60 minutes (no growth)'}
  - {at: 271d, by: lab-a, report: {indicator: ai_code_share, value: 0.524}, say: "Lab A reports its ai_code_share"}
  - {id: code-b-271, by: lab-b, report: {indicator: ai_code_share, value: 0.884}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.374}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.274}, say: "Lab D reports its ai_code_share"}
  - {at: 273d, guard: {name: training-2, party: lab-a, key: lab-a-cluster, run: frontier-a-part2, flop: 5.0e+25, heartbeat: 20d}, say: "Lab A's guard restarts training as frontier-a-part2 from its checkpoint: the pause is over and the status allows 5e25 FLOP again"}
  - {expect: {level: slowdown, guards: {training-2: running}}, say: "back at slowdown, Lab A trains again"}
  - {at: 285d, by: eval-org, propose: {id: resume-slowdown, action: resume, level: slowdown}, say: "the evaluator proposes to end the slowdown (Lab B's code share now misses the red line, in the monitors' verdicts)"}
  - {by: eval-org, vote: {proposal: resume-slowdown, choice: 'yes'}, say: "the evaluator votes yes"}
  - {at: 286d, by: aisi, vote: {proposal: resume-slowdown, choice: 'yes'}, say: "AISI votes yes"}
  - {at: 292d, by: lab-c, revoke: {key: lab-c-cluster, reason: "copied off a compromised build server"}, say: "Lab C finds its training cluster's key copied off a compromised build server: its main key revokes it at once"}
  - {at: 293d, by: lab-c, key: lab-c-cluster, run: {run: frontier-x, event: start, flop: 9.0e+26}, refused: unknown-key, say: "whoever holds the leaked key declares a 9e26 FLOP run in Lab C's name"}
  - {at: 300d, by: aisi, amend: {id: tighten-rnd, pact: pact-v2.yaml, rationale: "RATIONALE"}, say: "AISI proposes amendment tighten-rnd (version 2)"}
  - {by: aisi, vote: {proposal: tighten-rnd, choice: 'yes'}, say: "AISI votes yes"}
  - {by: civic-audit, vote: {proposal: tighten-rnd, choice: 'yes'}, say: "the auditor votes yes"}
  - {at: 301d, by: eval-org, vote: {proposal: tighten-rnd, choice: 'no', rationale: "0.4 is still too loose; we would have said 0.3"}, say: "the evaluator votes no"}
  - {by: lab-a, report: {indicator: ai_code_share, value: 0.532}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.879}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.382}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.282}, say: "Lab D reports its ai_code_share"}
  - {by: lab-a, vote: {proposal: tighten-rnd, choice: 'yes'}, say: "Lab A votes yes"}
  - {by: lab-b, vote: {proposal: tighten-rnd, choice: 'yes'}, say: "Lab B votes yes"}
  - {at: 302d, by: lab-c, vote: {proposal: tighten-rnd, choice: 'yes', rationale: "and it replaces our leaked key"}, say: "Lab C votes yes"}
  - {by: lab-d, vote: {proposal: tighten-rnd, choice: 'yes'}, say: "Lab D votes yes"}
  - {at: 310d, expect: {pact_version: 2, proposals: {tighten-rnd: executed}}, say: "after its 7-day timelock, version 2 is in force"}
  - {at: 320d, by: lab-c, key: lab-c-cluster-2, run: {run: frontier-8, event: start, flop: 3.0e+25}, say: "Lab C's cluster, with the key version 2 gives it, declares run frontier-8 (3e25 FLOP)"}
  - {at: 330d, by: lab-c, key: lab-c-cluster-2, run: {run: frontier-8, event: stop, flop: 3.0e+25}, say: "Lab C stops frontier-8"}
  - {at: 331d, by: lab-a, report: {indicator: ai_code_share, value: 0.541}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.886}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.391}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.291}, say: "Lab D reports its ai_code_share"}
  - {at: 340d, id: rnd-lab-a-340, by: lab-a, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab A reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-b-340, by: lab-b, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab B reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-c-340, by: lab-c, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab C reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {id: rnd-lab-d-340, by: lab-d, report: {indicator: ai_rnd_score, value: 0.2}, say: "Lab D reports ai_rnd_score 0.2 (counts once a monitor countersigns)"}
  - {by: civic-audit, countersign: {of: rnd-lab-a-340}, say: "Civil Society Auditor countersigns Lab A's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-b-340}, say: "Civil Society Auditor countersigns Lab B's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-c-340}, say: "Civil Society Auditor countersigns Lab C's ai_rnd_score"}
  - {by: civic-audit, countersign: {of: rnd-lab-d-340}, say: "Civil Society Auditor countersigns Lab D's ai_rnd_score"}
  - {at: 361d, by: lab-a, report: {indicator: ai_code_share, value: 0.549}, say: "Lab A reports its ai_code_share"}
  - {by: lab-b, report: {indicator: ai_code_share, value: 0.881}, say: "Lab B reports its ai_code_share"}
  - {by: lab-c, report: {indicator: ai_code_share, value: 0.399}, say: "Lab C reports its ai_code_share"}
  - {by: lab-d, report: {indicator: ai_code_share, value: 0.299}, say: "Lab D reports its ai_code_share"}
  - {at: 365d, say: "What the year should have shown:"}
  - {expect: {in_force: true}, say: "in force"}
  - {expect: {reasons: [{red_line: models-write-the-code, party: lab-b, level: slowdown}], sealed: {code-b-91: assessed}}, say: "a coordinated slowdown by models-write-the-code (lab-b), on sealed reports the public never saw"}
  - {expect: {reasons: [{red_line: runaway-self-improvement, party: lab-a, level: pause}]}, say: "a pause for all by runaway-self-improvement (lab-a)"}
  - {expect: {violations: [{party: lab-c, kind: run-over-limit}]}, say: "Lab C's run above the limit recorded as a violation"}
  - {expect: {proposals: {resume-pause: executed}}, say: "the pause resumed to slowdown after its timelock"}
  - {expect: {proposals: {resume-slowdown: executed}, sealed: {code-b-271: assessed}}, say: "the slowdown resumed to normal, cleared by the monitors' verdicts on Lab B's sealed report"}
  - {expect: {disputes: 0}, say: "every sealed report judged by agreed verdicts: no dispute"}
  - {expect: {proposals: {tighten-rnd: executed}, pact_version: 2}, say: "the amendment executed: version 2 in force"}
  - {expect: {revoked: [{party: lab-c}], violations: [{party: lab-c, run: frontier-7}]}, say: "Lab C's leaked key stays revoked; the violation it signed before the leak still stands"}
  - {expect: {level: normal, rejected: 0}, say: "back at normal, nothing rejected"}
  - {expect: {no_violations: [{party: lab-a}]}, say: "Lab A's guarded run stopped in time: no violation by lab-a"}
  - {expect: {guards: {training: forbidden}}, say: "Lab A's guarded training stopped when the pause began"}
  - {expect: {guards: {training-2: running}, status: valid, status_level: normal}, say: "and restarted from its checkpoint after the resumption, under a valid status at normal"}
""".replace("RATIONALE", RATIONALE)
