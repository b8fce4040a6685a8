"""Commands about the pact file itself: check, schema, init, digest, explain."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..core.pact import pact_digest, pact_json_schema
from ..errors import InputError
from ..explain import explain
from ..init_pact import SEALABLE, init_pact
from ..pactio import check_pact_file, load_pact, read_pact_bytes
from . import app
from .common import out, plain, shown

PactArg = Annotated[Path, typer.Argument(help="the pact file (YAML)", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]


@app.command()
def check(pact: PactArg, json_out: JsonOpt = False) -> None:
    """Validate a pact: every problem at once, as FILE:LINE:COL: error: MESSAGE (exit 1 if any error)."""
    parsed, diagnostics = check_pact_file(pact)
    errors = [d for d in diagnostics if d.severity == "error"]
    if json_out:
        out.print_json(json.dumps({
            "valid": parsed is not None,
            "digest": parsed.digest if parsed else None,
            "problems": [{"line": d.line, "col": d.col, "severity": d.severity, "message": d.message} for d in diagnostics],
        }))
    else:
        for d in diagnostics:
            # plain print: this line format is a contract, rich must not wrap or colour it
            print(plain(d.render(str(pact))))
        if parsed is not None:
            warn = len(diagnostics) - len(errors)
            sealed = sum(1 for ind in parsed.indicators.values() if ind.sealed)
            indicators = f"{len(parsed.indicators)} indicators" + (f" ({sealed} sealed)" if sealed else "")
            print(plain(
                f"{pact}: valid pact {parsed.pact!r} v{parsed.version}: {len(parsed.developers)} developers, "
                f"{len(parsed.monitors)} monitors, {indicators}, {len(parsed.red_lines)} red lines, "
                f"levels {' < '.join(parsed.levels)}; {warn} warning(s)\n{parsed.digest}", newlines=True,
            ))
        else:
            print(plain(f"{pact}: {len(errors)} error(s)"), file=sys.stderr)
    if errors:
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the pact format (for editors' completion and validation)."""
    print(json.dumps(pact_json_schema(), indent=2, sort_keys=True))


@app.command()
def digest(pact: PactArg) -> None:
    """Print the pact digest: sha256 of the file's exact bytes (statements name it)."""
    from ..core.yamldoc import MAX_DOCUMENT_BYTES

    data = read_pact_bytes(pact)  # reads at most one byte past the limit: never the digest of a truncated file
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{pact}: larger than {MAX_DOCUMENT_BYTES} bytes (1 MiB): not a pact file")
    print(pact_digest(data))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="folder to create the pact in")],
    developer: Annotated[list[str] | None, typer.Option("--developer", "-d", help="developer party id (repeat)")] = None,
    monitor: Annotated[list[str] | None, typer.Option("--monitor", "-m", help="monitor party id (repeat)")] = None,
    pact_id: Annotated[str, typer.Option("--id", help="the pact id")] = "my-pact",
    sealed: Annotated[list[str] | None, typer.Option(
        "--sealed", metavar="INDICATOR",
        help=f"make this indicator sealed (values sealed to the monitors; repeat): {', '.join(SEALABLE)}")] = None,
) -> None:
    """Write DIR/pact.yaml with fresh keys for each party in DIR/keys/ (PEM PKCS#8, mode 0600); with --sealed,
    also an X25519 seal key per monitor (DIR/keys/<monitor>.seal.pem)."""
    devs = developer or ["lab-a", "lab-b", "lab-c"]
    mons = monitor or ["aisi", "eval-org", "civic-audit"]
    result = init_pact(directory, pact_id, devs, mons, sealed or ())
    pact = load_pact(result.pact_path)
    out.print(f"wrote {shown(result.pact_path)} ({pact.digest})")
    for pid, path in result.key_paths.items():
        out.print(f"  private key of {shown(pid)}: {shown(path)}")
    for pid, path in result.seal_key_paths.items():
        out.print(f"  seal key of {shown(pid)}: {shown(path)}   (pausepact monitor --seal-key)")
    out.print(f"next: pausepact check {shown(result.pact_path)}   ·   pausepact explain {shown(result.pact_path)}")


@app.command("explain")
def explain_cmd(pact: PactArg) -> None:
    """Print the agreement in plain language: who is bound, what raises which level, how to resume, who oversees."""
    parsed = load_pact(pact)
    for heading, paragraphs in explain(parsed):
        # the pact's own words (title, names, descriptions) are printed, never interpreted
        out.rule(f"[bold]{shown(heading)}")
        for p in paragraphs:
            out.print(f"  • {shown(p)}" if len(paragraphs) > 1 else f"  {shown(p)}")
        out.print()
