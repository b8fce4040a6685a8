"""What a collector returns, and its error type."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PausepactError


class CollectorError(PausepactError):
    """An artefact that cannot give a trustworthy number (unfinished run, no scores, not a repository...)."""


@dataclass
class Measurement:
    """A collector's value, its evidence (``digest`` and ``source``) and what was counted (``details``).

    ``digest_material``: the JSON the evidence digest is computed over when it is computed from counts
    (``collect ai-code``) rather than over an artefact's bytes: such a digest could be matched against
    guessed counts, so a sealed report gets ``sealed_evidence`` instead.
    """

    value: float
    evidence: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)
    digest_material: dict[str, Any] | None = None

    def sealed_evidence(self, salt_b64: str) -> dict[str, str]:
        """The evidence of a sealed report of this value: unchanged for an artefact's digest (a whole file hides
        its numbers), else the digest of ``digest_material`` with ``"salt"``, the report's own salt, added (so
        nobody can test guessed counts against it before the lab reveals the salt)."""
        if self.digest_material is None:
            return dict(self.evidence)
        from ..core.canonical import canonical

        digest = "sha256:" + hashlib.sha256(canonical({**self.digest_material, "salt": salt_b64})).hexdigest()
        return {**self.evidence, "digest": digest}

    def report_body(self, indicator: str, measured_at: str, subject: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"indicator": indicator, "value": self.value, "measured_at": measured_at, "evidence": self.evidence}
        if subject:
            body["subject"] = subject
        return body


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()
