"""The rules of a valid pact (contract section 1, P1-P9), one small function each.

``RULES`` runs in order on the raw document after the closed schema; each rule is tolerant of
what the schema refused, so that every problem is reported at once. An error names its rule as
a prefix of its message (``P5: red line 'x' states at_least and at_most: ...``); ``advise``
adds warnings, which are not rules and never make a pact invalid.

- P1 ids (``ids.p1_ids``)               - P6 levels and durations (``levels.p6_levels``)
- P2 parties and keys (``parties``)     - P7 quorums (``quorums.p7_quorums``)
- P3 effective (``parties``)            - P8 resumption (``resumption.p8_resumption``)
- P4 indicators (``indicators``)        - P9 oversight (``quorums.p9_oversight``)
- P5 red lines (``red_lines``)

The v2 parts of the rules (``seal_key`` in P2; ``disclosure: sealed``, ``verdict_quorum`` and the
covering overdue red line in P4; ``verdict_within`` and ``amendment.timelock`` in P6;
``verdict_quorum`` and ``remove_approval`` in P7) are stated in the docstring of the rule they
belong to, as the contract lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .advice import advise
from .draft import Draft
from .findings import Findings, dotted
from .ids import p1_ids
from .indicators import p4_indicators
from .levels import p6_levels
from .parties import p2_parties, p3_effective
from .quorums import p7_quorums, p9_oversight
from .red_lines import p5_red_lines
from .resumption import p8_resumption

Rule = Callable[[Draft, Findings], None]

RULES: tuple[Rule, ...] = (p1_ids, p2_parties, p3_effective, p4_indicators, p5_red_lines,
                           p6_levels, p7_quorums, p8_resumption, p9_oversight)


def lint(doc: dict[str, Any], out: Findings) -> None:
    """Run every rule, then the advice, on a draft's raw document."""
    draft = Draft(doc)
    for rule in RULES:
        rule(draft, out)
    advise(draft, out)


__all__ = ["RULES", "Findings", "Rule", "dotted", "lint"]
