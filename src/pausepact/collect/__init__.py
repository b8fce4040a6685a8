"""Collectors: indicators computed from artefacts labs already have (git history, eval logs).

Each collector returns a ``Measurement``: the value, what exactly was counted and
skipped, and evidence (the artefact's ``sha256:`` digest and a description), ready
to be signed as a ``report`` statement.
"""

from .measurement import CollectorError, Measurement

__all__ = ["CollectorError", "Measurement"]
