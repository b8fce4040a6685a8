"""Options and helpers shared by the commands."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..core.durations import TimeFormatError, parse_time
from ..errors import InputError
from ..printable import plain as plain  # re-exported: the commands print through it

# emoji off: a party's ":warning:" is text, not a picture
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

def shown(value: object) -> str:
    """Party-controlled ``value`` ready to put inside a Rich markup string or table cell: ``plain`` (no
    control characters), then markup escaped, so ``x[/]`` prints as itself and ``[link=...]`` links nothing.
    Every id, name, reason, claim or server detail a command prints goes through here."""
    from rich.markup import escape

    return escape(plain(value))

DEFAULT_STORE = "sqlite:///pausepact.db"

PactOpt = Annotated[Path, typer.Option("--pact", help="the pact file (YAML)", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]
StoreOpt = Annotated[str, typer.Option("--store", help="sqlite:///PATH or postgresql://...")]
KeyOpt = Annotated[Path, typer.Option("--key", help="private key file (PEM PKCS#8 Ed25519)", show_default=False)]
LogKeyOpt = Annotated[Path, typer.Option("--key", help="the log party's private key (signs checkpoints)", show_default=False)]
MaxSkewOpt = Annotated[int, typer.Option(help="seconds a statement's time may differ from the log's clock")]


def parse_time_option(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except TimeFormatError as e:
        raise InputError(f"{name}: {e}") from None


def now() -> int:
    """The wall clock, to the second (the shell's clock; the core never reads one)."""
    return int(time.time())


def read_jsonl(path: Path) -> list[bytes]:
    """Non-empty lines of a JSON Lines file (``-`` = standard input)."""
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    return [line for line in data.split(b"\n") if line.strip()]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")


@contextmanager
def progress(total: int, description: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (only on a terminal); yields ``advance(n)``. See ``progress_of`` when the total is learnt late."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


@contextmanager
def progress_of(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar whose total is learnt as work goes; yields ``update(done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def body_option(text: str) -> dict[str, Any]:
    """The ``--body`` option: a strict JSON object, or InputError saying why not."""
    from ..core.canonical import JsonError, strict_loads

    try:
        body = strict_loads(text)
    except JsonError as e:
        raise InputError(f"--body: {e}") from None
    if not isinstance(body, dict):
        raise InputError("--body must be a JSON object")
    return body

ServerOpt = Annotated[str, typer.Option("--server", help="the pact server's URL, e.g. http://127.0.0.1:8000")]
def _time_value(value: str | None) -> str | None:
    """Refuses, as a usage error, a time that is not ``YYYY-MM-DDTHH:MM:SSZ`` (checked before the command runs)."""
    if value is not None:
        try:
            parse_time(value)
        except TimeFormatError as e:
            raise typer.BadParameter(str(e)) from None
    return value


ClockStart = Annotated[str | None, typer.Option("--clock-start", help="simulated clock: start time (YYYY-MM-DDTHH:MM:SSZ)",
                                                callback=_time_value)]
ClockSpeed = Annotated[float, typer.Option("--clock-speed", help="simulated clock: seconds per real second (86400: a day a second)")]
ClockAnchor = Annotated[float | None, typer.Option("--clock-anchor", help="simulated clock: the real Unix time at which it reads --clock-start (default: now)")]
ClockOpt = Annotated[str, typer.Option("--clock", help="'wall', or 'rehearsal:PATH': the virtual clock file of a running rehearsal "
                                                   "(docs/rehearse.md)")]
