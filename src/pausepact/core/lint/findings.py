"""What the lint found, each finding pointing at the YAML node it is about.

An error names the rule of contract section 1 it breaks as a prefix, ``P5: ...``;
an error of the closed schema (a missing or unknown field, a wrong type, a malformed
duration or quorum) names none. Warnings are advice, not rules: they name none and
never make a pact invalid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic, Severity
from ..yamldoc import Path, Positions

# Schema errors of these kinds are constraints a rule also checks (an id's pattern, a
# duration's bounds, a count of at least 1); when the rule speaks about the same node
# its named error replaces the schema's, so each problem is one line naming one rule.
_RULE_OWNED_KINDS = frozenset({"value_error", "assertion_error", "string_pattern_mismatch",
                               "string_too_long", "greater_than_equal"})


@dataclass(frozen=True)
class _Finding:
    path: Path
    rule: str | None
    kind: str
    diagnostic: Diagnostic


class Findings:
    """Collects errors and warnings; ``diagnostics()`` gives them sorted, each once."""

    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self._items: list[_Finding] = []

    def at(self, path: Path, key: bool = False) -> tuple[int, int]:
        """The node's position, its key's with ``key``, else its nearest located ancestor's."""
        if key and path + ("@key",) in self.positions:
            return self.positions[path + ("@key",)]
        p = path
        while p not in self.positions and p:
            p = p[:-1]
        return self.positions.get(p, (1, 1))

    def _add(self, path: Path, rule: str | None, kind: str, severity: Severity, message: str, key: bool) -> None:
        self._items.append(_Finding(path, rule, kind, Diagnostic(*self.at(path, key), severity, message)))

    def error(self, rule: str, path: Path, message: str, key: bool = False) -> None:
        """An error under ``rule`` (``"P1"`` .. ``"P9"``)."""
        self._add(path, rule, "rule", "error", f"{rule}: {message}", key)

    def schema(self, path: Path, kind: str, message: str, key: bool = False) -> None:
        """An error of the closed schema; ``kind`` is pydantic's error type."""
        self._add(path, None, kind, "error", message, key)

    def warn(self, path: Path, message: str) -> None:
        self._add(path, None, "advice", "warning", message, False)

    def diagnostics(self) -> list[Diagnostic]:
        ruled = [f.path for f in self._items if f.rule is not None]
        kept = (f.diagnostic for f in self._items
                if not (f.rule is None and f.kind in _RULE_OWNED_KINDS and _under_any(f.path, ruled)))
        return sorted(set(kept))


def _under_any(path: Path, ruled: Iterable[Path]) -> bool:
    """True when a rule reported at ``path`` or inside it (never for the whole document)."""
    return bool(path) and any(r[: len(path)] == path for r in ruled)


def dotted(path: Iterable[Any]) -> str:
    """``red_lines[2].raise`` for a path; ``(top level)`` for the empty one."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
