"""Evidence as the engine keeps it: series of counted ``Report``s, ordered by their own time.

The red-line kinds that read these series, and the series arithmetic they use
(``after`` a cutoff, ``window``, the doubling fit), live in ``core.redlines``;
the engine implements ``redlines.Evidence`` over its series and cutoffs
(``Engine.series_for``, ``cutoff_for``, ``duty_since``, ``every``,
``duty_indicators``) and asks ``redlines.KINDS[rl.kind]`` about each red line.
"""

from __future__ import annotations

from ..redlines import KINDS, Evidence, Kind, Report, after

__all__ = ["KINDS", "Evidence", "Kind", "Report", "after"]
