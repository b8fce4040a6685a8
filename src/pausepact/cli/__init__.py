"""The ``pausepact`` command line. Every command has ``--help``; scripts use ``--json``."""

from __future__ import annotations

import sys

import typer

from ..errors import PausepactError

app = typer.Typer(
    name="pausepact",
    help="Coordinated, verifiable pause agreements for frontier AI development.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

from . import collect_cmds, demo_cmds, engine_cmds, guard_cmds, log_cmds, monitor_cmds, pact_cmds, party_cmds, server_cmds  # noqa: E402,F401  (registers commands)


def main() -> None:
    """Entry point: runs the app, turning every PausepactError into a message and exit code."""
    try:
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except PausepactError as e:
        print(e.diagnostics(), file=sys.stderr)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.ClickException):
            e.show()
            sys.exit(e.exit_code)
        raise
