"""The ``pausepact`` command line. Every command has ``--help``; scripts use ``--json``.

``main()`` is the only entry point: whatever the input, it ends with a message and an exit code, never a
traceback (``PAUSEPACT_DEBUG=1`` shows one for an internal error). Exit codes: 0 success, 1 failure,
2 usage or input error, 130 interrupted; the guard adds its own (75-77).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Annotated, Any

import typer

from ..errors import PausepactError

app = typer.Typer(
    name="pausepact",
    help="Coordinated, verifiable pause agreements for frontier AI development.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Typer 0.29's rich help panel prints a type column for every option, flags included ("--json <bool>");
    # its plain formatter, like click's, shows a type only for options that take a value.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("pausepact")
        except PackageNotFoundError:  # running from a source tree that was never installed
            v = "unknown"
        print(f"pausepact {v}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="print the version and exit", is_eager=True, callback=_version)] = False,
) -> None:
    """Coordinated, verifiable pause agreements for frontier AI development."""


# isort: off
# the order commands are listed in --help: the pact and its amendments, keys and the log by hand, the server and
# its parties, reading the state, training runs, collecting and backtesting, the page, the demo
from . import pact_cmds  # noqa: E402,F401  (each module registers its commands)
from . import diff_cmds  # noqa: E402,F401
from . import amend_cmds  # noqa: E402,F401
from . import revoke_cmds  # noqa: E402,F401
from . import log_cmds  # noqa: E402,F401
from . import server_cmds  # noqa: E402,F401
from . import monitor_cmds  # noqa: E402,F401
from . import party_cmds  # noqa: E402,F401
from . import engine_cmds  # noqa: E402,F401
from . import guard_cmds  # noqa: E402,F401
from . import collect_cmds  # noqa: E402,F401
from . import backtest_cmds  # noqa: E402,F401
from . import page_cmds  # noqa: E402,F401
from . import rehearse_cmds  # noqa: E402,F401
from . import demo_cmds  # noqa: E402,F401
# isort: on


def _exception_classes(name: str) -> tuple[type[BaseException], ...]:
    """``name`` from every copy of click's exceptions present: Typer >= 0.29 raises its own copy
    (``typer._click``), older Typers raise click's."""
    found: list[type[BaseException]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, BaseException) and cls not in found:
            found.append(cls)
    return tuple(found)


_USAGE: tuple[type[BaseException], ...] = _exception_classes("ClickException")
_EXIT: tuple[type[BaseException], ...] = (typer.Exit, *_exception_classes("Exit"))
_ABORT: tuple[type[BaseException], ...] = (typer.Abort, *_exception_classes("Abort"))


def _one_line(text: str) -> str:
    from .common import plain

    return " ".join(plain(text, newlines=True).split())


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the app and exits with its code; every error becomes a message (see the module's doc)."""
    try:
        rc = app(args=argv, prog_name="pausepact", standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except PausepactError as e:
        from .common import plain

        print(plain(e.diagnostics(), newlines=True), file=sys.stderr)
        sys.exit(e.exit_code)
    except _EXIT as e:
        sys.exit(getattr(e, "exit_code", 1))
    except _ABORT:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except _USAGE as e:
        _show_usage_error(e)
        sys.exit(getattr(e, "exit_code", 2))
    except SystemExit:
        raise
    except BrokenPipeError:
        # the reader went away (``pausepact export | head``): nothing left to say to it
        _quiet_stdout()
        sys.exit(1)
    except Exception as e:
        if os.environ.get("PAUSEPACT_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(e).__name__}: {_one_line(str(e))} — please report; set PAUSEPACT_DEBUG=1 for the traceback",
              file=sys.stderr)
        sys.exit(1)


def _show_usage_error(e: Any) -> None:
    """Usage line, help hint and one ``Error:`` line (the help text itself for a bare ``pausepact``)."""
    ctx = getattr(e, "ctx", None)
    if type(e).__name__ == "NoArgsIsHelpError" and ctx is not None:
        print(ctx.get_help(), file=sys.stderr)
        return
    if ctx is not None:
        try:
            print(ctx.get_usage(), file=sys.stderr)
            print(f"Try '{ctx.command_path} --help' for help.", file=sys.stderr)
        except Exception:  # the hint is a courtesy; the error line below is what matters
            pass
    message = e.format_message() if hasattr(e, "format_message") else str(e)
    print(f"Error: {_one_line(message)}", file=sys.stderr)


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
