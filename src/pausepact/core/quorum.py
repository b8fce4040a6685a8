"""Quorums: who must agree, as the contract spells it.

Grammar (contract section 1)::

    quorum := clause | clause " and " clause
    clause := "all developers" | "all monitors"
            | N " of " role | N "/" M " of " role      (role: developers | monitors)

A fraction is of the parties with that role, rounded up, computed exactly in
integers (``2/3 of monitors`` with 3 monitors needs 2). Developer clauses count
only bound developers; the caller passes the population that counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Role = Literal["developer", "monitor"]

_CLAUSE = re.compile(r"^(?:all (developers|monitors)|([0-9]{1,6})(?:/([0-9]{1,6}))? of (developers|monitors))$")
QUORUM_PATTERN = (
    r"^(all (developers|monitors)|[0-9]+(/[0-9]+)? of (developers|monitors))"
    r"( and (all (developers|monitors)|[0-9]+(/[0-9]+)? of (developers|monitors)))?$"
)


class QuorumError(ValueError):
    """A quorum string does not follow the contract's grammar."""


class QuorumBoundError(QuorumError):
    """A quorum follows the grammar but a part counts fewer than 1 (``0 of monitors``) or a
    fraction above the whole (``4/3 of monitors``): contract rule P7, not the grammar."""


@dataclass(frozen=True)
class Clause:
    """One condition: ``numerator/denominator`` of the parties of ``role``.

    ``all`` is 1/1; a plain count ``N`` is stored with ``denominator == 0``.
    """

    role: Role
    numerator: int
    denominator: int

    def required(self, population: int) -> int:
        """How many ``yes`` of this role are needed out of ``population``."""
        if self.denominator == 0:
            return self.numerator
        # ceil(numerator * population / denominator) without floating point
        return -(-self.numerator * population // self.denominator)

    def __str__(self) -> str:
        plural = f"{self.role}s"
        if self.denominator == 0:
            return f"{self.numerator} of {plural}"
        if self.numerator == self.denominator == 1:
            return f"all {plural}"
        return f"{self.numerator}/{self.denominator} of {plural}"


@dataclass(frozen=True)
class Quorum:
    """One or two clauses, all of which must be met."""

    clauses: tuple[Clause, ...]
    text: str

    def required(self, populations: Mapping[str, int]) -> dict[Role, int]:
        """Votes needed per role, given how many parties of each role count."""
        need: dict[Role, int] = {}
        for c in self.clauses:
            need[c.role] = max(need.get(c.role, 0), c.required(populations.get(c.role, 0)))
        return need

    def met(self, yes: Mapping[str, int], populations: Mapping[str, int]) -> bool:
        """True when ``yes[role]`` reaches what every clause requires.

        A quorum that requires more than the population can never be met, and a
        quorum over an empty population requires at least one vote: nobody can
        approve on behalf of nobody.
        """
        for role, n in self.required(populations).items():
            if n > populations.get(role, 0) or yes.get(role, 0) < max(n, 1):
                return False
        return True

    def reachable(self, no: Mapping[str, int], populations: Mapping[str, int]) -> bool:
        """False once enough ``no`` votes make the quorum impossible."""
        for role, n in self.required(populations).items():
            pop = populations.get(role, 0)
            if n > pop or pop - no.get(role, 0) < max(n, 1):
                return False
        return True

    def roles(self) -> set[Role]:
        return {c.role for c in self.clauses}

    def __str__(self) -> str:
        return self.text


def _parse_clause(text: str, whole: str) -> Clause:
    m = _CLAUSE.fullmatch(text)
    if m is None:
        raise QuorumError(
            f"malformed quorum {whole!r}: {text!r} is not 'all developers', 'all monitors', "
            "'N of monitors', 'N/M of developers' ..."
        )
    all_plural, num, den, plural = m.groups()
    role: Role = "developer" if (all_plural or plural) == "developers" else "monitor"
    if all_plural:
        return Clause(role, 1, 1)
    n = int(num)
    if den is None:
        if n < 1:
            raise QuorumBoundError(f"quorum {whole!r}: a count must be at least 1")
        return Clause(role, n, 0)
    d = int(den)
    if d < 1 or n < 1 or n > d:
        raise QuorumBoundError(
            f"quorum {whole!r}: a fraction N/M needs 1 <= N <= M (got {n}/{d})"
        )
    return Clause(role, n, d)


def parse_quorum(text: str) -> Quorum:
    """Parse a quorum; raises QuorumError naming the part that is wrong: QuorumBoundError when
    every part follows the grammar but one counts fewer than 1 or more than the whole."""
    parts = text.split(" and ")
    if len(parts) > 2:
        raise QuorumError(f"malformed quorum {text!r}: at most two clauses joined by 'and'")
    for part in parts:  # the grammar of every part first: bounds are another rule (P7)
        if not _CLAUSE.fullmatch(part):
            _parse_clause(part, text)
    return Quorum(tuple(_parse_clause(p, text) for p in parts), text)
