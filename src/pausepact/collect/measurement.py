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
    value: float
    evidence: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)

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
