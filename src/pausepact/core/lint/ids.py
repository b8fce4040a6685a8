"""P1 ids: what an id may look like, and which ids must be unique."""

from __future__ import annotations

import re
from typing import Any

from ..yamldoc import Path
from .draft import Draft, as_list
from .findings import Findings

_PACT_ID = re.compile(r"[a-z0-9-]+")
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
MAX_NAME = 64


def p1_ids(draft: Draft, out: Findings) -> None:
    """``pact`` matches ``[a-z0-9-]+``; party, level, indicator and red-line ids match
    ``[A-Za-z0-9_.-]+``, at most 64 characters; party ids, levels and red-line ids are unique."""
    pact = draft.doc.get("pact")
    if isinstance(pact, str) and not _PACT_ID.fullmatch(pact):
        out.error("P1", ("pact",), f"pact id {_shown(pact)} must match [a-z0-9-]+")
    names: list[tuple[Path, Any, bool]] = [(("parties", i, "id"), p.get("id"), False) for i, p in draft.parties()]
    names += [(("levels", i), lv, False) for i, lv in enumerate(as_list(draft.doc.get("levels")))]
    names += [(("indicators", name), name, True) for name in draft.indicators()]
    names += [(("red_lines", i, "id"), rl.get("id"), False) for i, rl in draft.red_lines()]
    for path, name, key in names:
        if isinstance(name, str) and not (_NAME.fullmatch(name) and len(name) <= MAX_NAME):
            out.error("P1", path, f"id {_shown(name)} must match [A-Za-z0-9_.-]+ and be at most {MAX_NAME} characters", key=key)
    _unique(out, "party id", [(("parties", i, "id"), p.get("id")) for i, p in draft.parties()])
    _unique(out, "level", [(("levels", i), lv) for i, lv in enumerate(as_list(draft.doc.get("levels")))])
    _unique(out, "red line id", [(("red_lines", i, "id"), rl.get("id")) for i, rl in draft.red_lines()])


def _unique(out: Findings, what: str, named: list[tuple[Path, Any]]) -> None:
    first: dict[str, Path] = {}
    for path, name in named:
        if not isinstance(name, str):
            continue
        if name in first:
            out.error("P1", path, f"duplicate {what} {name!r} (also {_where(first[name])})")
        else:
            first[name] = path


def _where(path: Path) -> str:
    return f"{path[0]}[{path[1]}]"


def _shown(value: str) -> str:
    return repr(value) if len(value) <= 60 else repr(value[:56] + "...")
