"""Backtests: what a pact would have done on past data (issue 14).

``series`` reads published data sets and collectors' outputs; ``history`` turns them into the signed log of a
throw-away copy of the pact; ``replay`` runs the engine on it; ``run`` ties them together and sweeps a red
line's parameter; ``report`` writes the HTML report and its charts. Nothing here touches a real log.
"""

from .run import Backtest, run, sweep
from .series import BacktestError, Series, read_series

__all__ = ["Backtest", "BacktestError", "Series", "read_series", "run", "sweep"]
