"""``pausepact diff OLD NEW``: what an amendment changes, in explain's words, and what weakens the agreement.

Exit codes: 0 when NEW is a valid amendment of OLD (whatever it changes, weakening included: read
``weakens`` in the output); 1 when NEW is void as an amendment of OLD (each reason listed, the diff
still shown when NEW is a valid pact); 2 when a file cannot be read or OLD is not a valid pact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..core.amendments import Void, void_reasons
from ..core.pact import Pact
from ..core.pactdiff import Change, diff_pacts
from ..core.pactfile import parse_pact
from ..errors import InputError, PactInvalid
from . import app
from .common import JsonOpt, out, plain, print_json, shown


@dataclass(frozen=True)
class Comparison:
    """OLD (a valid pact), NEW's bytes and pact (None when invalid), the void reasons and the changes."""

    old: Pact
    new_bytes: bytes
    new: Pact | None
    void: list[Void]
    changes: list[Change]


def compare(old: Pact, data: bytes, *, holders: dict[str, str] | None = None, revoked: tuple[str, ...] = ()) -> Comparison:
    new, _ = parse_pact(data)
    reasons = void_reasons(old, data, holders=holders, revoked=revoked)
    return Comparison(old, data, new, reasons, diff_pacts(old, new) if new is not None else [])


def load_old(path: Path) -> Pact:
    """The version in force: a valid pact, else an input error (exit 2) listing its errors."""
    from ..pactio import load_pact

    try:
        return load_pact(path)
    except PactInvalid as e:
        raise InputError("\n".join([f"{path}: the version to compare against is not a valid pact:", *e.lines])) from None


def read_new(path: Path) -> bytes:
    from ..pactio import read_pact_bytes

    return read_pact_bytes(path)


def change_json(c: Change, comparison: Comparison) -> dict[str, Any]:
    from ..explain_changes import describe

    assert comparison.new is not None
    return {"path": c.where, "old": c.old, "new": c.new, "words": describe(c, comparison.old, comparison.new),
            "weakens": c.weakens, "why": c.why}


def void_json(v: Void) -> dict[str, Any]:
    return {"rule": v.rule, "message": v.message, "line": v.line, "col": v.col}


def print_void(reasons: list[Void], filename: str) -> None:
    for v in reasons:
        # the shape of `check`'s lines: plain print, rich must not wrap or colour it
        print(plain(v.render(filename)))


def changes_table(comparison: Comparison, only_weakening: bool = False) -> Table:
    from ..explain_changes import describe

    assert comparison.new is not None
    rows = [c for c in comparison.changes if c.weakens or not only_weakening]
    table = Table(show_lines=False, expand=False)
    # a path folds only when it must: a path cut in the middle of a word is hard to read
    table.add_column("field", overflow="fold", min_width=min(44, max((len(c.where) for c in rows), default=5)))
    table.add_column("what changes", overflow="fold", ratio=3)
    table.add_column("weakens the agreement", overflow="fold", ratio=1)
    for c in rows:
        table.add_row(shown(c.where), shown(describe(c, comparison.old, comparison.new)),
                      f"[bold red]{shown(c.why)}[/]" if c.weakens else "")
    return table


@app.command("diff")
def diff_cmd(
    old: Annotated[Path, typer.Argument(help="the version in force (YAML)", show_default=False)],
    new: Annotated[Path, typer.Argument(help="the proposed new version (YAML)", show_default=False)],
    json_out: JsonOpt = False,
) -> None:
    """What NEW changes from OLD, in explain's words, flagging what weakens the agreement; and whether NEW is void
    as an amendment of OLD. Exit 0: a valid amendment; 1: void (reasons listed); 2: unreadable files or OLD invalid."""
    comparison = compare(load_old(old), read_new(new))
    if json_out:
        print_json({
            "old": {"pact": comparison.old.pact, "version": comparison.old.version, "digest": comparison.old.digest},
            "new": ({"pact": comparison.new.pact, "version": comparison.new.version, "digest": comparison.new.digest}
                    if comparison.new is not None else None),
            "void": [void_json(v) for v in comparison.void],
            "changes": [change_json(c, comparison) for c in comparison.changes],
            "weakening": sum(c.weakens for c in comparison.changes),
        })
    else:
        print_void(comparison.void, str(new))
        if comparison.new is not None:
            weak = sum(c.weakens for c in comparison.changes)
            if comparison.changes:
                out.print(changes_table(comparison))
            out.print(f"{len(comparison.changes)} change(s), {weak} weakening the agreement"
                      + (f"; void as an amendment of {shown(old)}: {len(comparison.void)} reason(s)" if comparison.void else ""))
        else:
            out.print(f"{shown(new)} is not a valid pact: nothing to compare")
    if comparison.void:
        raise typer.Exit(1)
