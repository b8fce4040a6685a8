"""``pausepact backtest``: what a pact would have done on past data (a throw-away copy; never a real log)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import app
from .common import JsonOpt, err, out, parse_time_option, print_json, shown


@app.command()
def backtest(
    pact: Annotated[Path, typer.Argument(help="the pact file (YAML)")],
    series: Annotated[list[str], typer.Option("--series", help="[INDICATOR=]FILE: METR results YAML, Epoch CSV, or a collector's --json")],
    maps: Annotated[list[str] | None, typer.Option("--map", help="ORG=PARTY: an organisation (or '*') to a developer")] = None,
    frm: Annotated[str | None, typer.Option("--from", help="the pact is signed and in force from this date (default: the first value)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="replay up to this date (default: the last value)")] = None,
    sweeps: Annotated[list[str] | None, typer.Option("--sweep", help="RED_LINE.PARAM=START:STOP:STEP")] = None,
    sota_only: Annotated[bool, typer.Option("--sota-only", help="keep METR's frontier (is_sota) models only")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="write an HTML report with PNG charts into this directory")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Replay a throw-away copy of PACT on published series: level changes, first firings, doubling fits, sweeps."""
    from ..backtest import read_series, run, sweep
    from ..backtest.history import pact_document
    from ..pactio import load_pact, read_pact_bytes

    real = load_pact(pact)
    doc = pact_document(read_pact_bytes(pact))
    start, end = _date(frm, "--from"), _date(to, "--to")
    bt = run(real, doc, [read_series(s, sota_only) for s in series], maps or [], start, end)
    for s in bt.series:
        if bt.fed_by[s.source] is None:
            err.print(f"note: {shown(s.source)} ({shown(s.unit)}) feeds no indicator: the pact has none of its unit")
    bt.sweeps = [sweep(bt, doc, spec) for spec in sweeps or []]
    page = None
    if out_dir is not None:
        from ..backtest.report import write

        page = write(bt, out_dir)
    if json_out:
        print_json({**bt.as_json(), **({"report": str(page)} if page else {})})
        return
    out.print(f"[bold]BACKTEST[/] of {shown(real.pact)} as {shown(bt.tw.pact.pact)} ({shown(bt.tw.pact.origin)}, throw-away keys), "
              f"{len(bt.history.fed)} reports, {shown(bt.as_json()['from'])} to {shown(bt.as_json()['to'])}")
    t = Table("at", "change", title="BACKTEST level changes")
    for e in bt.outcome.transitions:
        if e["event"] in ("raise", "drop"):
            t.add_row(shown(e["at"]), shown(f"{e['scope']}: {e['from']} -> {e['to']} by red line {e.get('red_line')} "
                                            f"(subject {e.get('party')})"))
    out.print(t)
    t = Table("red line", *real.developers, title="BACKTEST first firing")
    for rl, per in bt.outcome.first_fired.items():
        t.add_row(shown(rl), *(shown(per[d] or "never") for d in real.developers))
    out.print(t)
    for f in bt.outcome.fits:
        if f["points"]:
            out.print(f"fit {shown(f['red_line'])} {shown(f['party'])} at {shown(f['at'])}: doubling "
                      f"{shown(f['doubling_days'] or 'undefined')} days over {f['points']} points")
    for sw in bt.sweeps:
        t = Table(f"{shown(sw['param'])}", *real.developers, title=f"BACKTEST sweep of {shown(sw['red_line'])}")
        for r in sw["rows"]:
            t.add_row(shown(r["value"]), *(shown(r["first_fired"][d] or "never") for d in real.developers))
        out.print(t)
    if page is not None:
        out.print(f"report: {shown(page)}")


def _date(value: str | None, name: str) -> int | None:
    """A date (YYYY-MM-DD, midnight UTC) or a full contract time."""
    if value is not None and len(value.strip()) == 10:
        value = value.strip() + "T00:00:00Z"
    return parse_time_option(value, name)
