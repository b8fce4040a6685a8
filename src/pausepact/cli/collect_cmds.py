"""``pausepact collect``: indicators from git history and evaluation logs, optionally signed and submitted.

``--submit`` sends the value as the pact says: a ``report``, or, when the pact seals the indicator
(contract v2 section 8), a ``sealed_report`` whose opening is kept for ``pausepact reveal``. The
output (``--json`` too) shows the value to the lab that ran the collector, with the commitment and
the statement digest the log holds instead of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..collect import CollectorError, Measurement
from ..errors import InputError
from . import app
from .common import JsonOpt, err, out, print_json, shown
from .party_cmds import warn_void

collect_app = typer.Typer(help="Compute indicators from artefacts: git history, Inspect logs, lm-eval results, METR horizons.",
                          no_args_is_help=True)
app.add_typer(collect_app, name="collect")

SubmitOpt = Annotated[bool, typer.Option("--submit", help="sign the value as a report and send it to --server")]
ServerOpt = Annotated[str | None, typer.Option("--server", help="server URL (with --submit)")]
PactOpt = Annotated[Path | None, typer.Option("--pact", help="the pact file (with --submit)")]
AsOpt = Annotated[str | None, typer.Option("--as", help="the reporting party (with --submit)")]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="the party's private key (with --submit)")]
SubjectOpt = Annotated[str | None, typer.Option("--subject", help="the developer a monitor reports about (with --submit)")]
OpeningsOpt = Annotated[Path | None, typer.Option("--openings", help="with --submit of a sealed indicator: the file that keeps the "
                                                                      "opening for 'pausepact reveal' (default: per pact and party)")]


def _submit(m: Measurement, indicator: str, server: str | None, pact: Path | None, party: str | None, key: Path | None,
            subject: str | None, openings: Path | None = None) -> dict[str, Any]:
    """The server's receipt, and ``sealed`` (commitment, statement, monitors, openings file, evidence as sent) when
    the pact seals ``indicator``."""
    if not (server and pact and party and key):
        raise InputError("--submit needs --server, --pact, --as and --key")
    import base64

    from .. import keyfiles
    from ..core.durations import format_time
    from ..pactio import load_pact
    from ..party.client import PactClient
    from ..party.reporting import submit_report
    from ..party.sealing import fresh_salt

    p = load_pact(pact)
    ind = p.indicators.get(indicator)
    salt = fresh_salt() if ind is not None and ind.sealed else None
    with PactClient(server, p) as c:
        signer = c.signer_for(party, keyfiles.read_private_key(key))
        _, log_time = c.next_seq(signer)
        body = m.report_body(indicator, format_time(log_time), subject)
        if salt is not None:  # one salt for the commitment and the evidence digest
            body["evidence"] = m.sealed_evidence(base64.b64encode(salt).decode("ascii"))
        done = submit_report(c, signer, body, openings, salt)
    sealed = done.sealed_json()
    return {**done.receipt, **({"sealed": {**sealed, "evidence": body["evidence"]}} if sealed else {})}


def _emit(m: Measurement, json_out: bool, submitted: dict[str, Any] | None, table: Table | None = None) -> None:
    sealed = submitted.pop("sealed", None) if submitted else None
    if json_out:
        print_json({"value": m.value, "evidence": m.evidence, **m.details, **({"submitted": submitted} if submitted else {}),
                    **({"sealed": sealed} if sealed else {})})
        return
    if table is not None:
        out.print(table)
    for k, v in m.details.items():
        if k not in ("windows", "series", "excluded_by_default") and v not in (None, {}, []):
            out.print(f"{shown(k)}: {shown(v)}")
    out.print(f"[bold]value {m.value:.6g}[/]   evidence {shown(m.evidence['digest'])} ({shown(m.evidence['source'])})")
    if submitted:
        out.print(f"submitted as entry {shown(submitted.get('index'))}")
        if sealed:
            out.print(f"  sealed: the pact seals this indicator; the log holds commitment {shown(sealed['commitment'])}, "
                      f"sealed to {shown(', '.join(sealed['monitors']))}, not the value")
            out.print(f"  statement {shown(sealed['statement'])}; opening kept in {shown(sealed['openings'])}")
        warn_void(submitted)


def _guard(fn: Any) -> Any:
    try:
        return fn()
    except CollectorError:
        raise
    except OSError as e:
        raise CollectorError(str(e)) from None


@collect_app.command("ai-code")
def ai_code(
    repo: Annotated[Path, typer.Argument(help="a git repository")],
    frm: Annotated[str | None, typer.Option("--from", help="window start: a revision (exclusive) or a date")] = None,
    to: Annotated[str | None, typer.Option("--to", help="window end: a revision or a date (default HEAD)")] = None,
    method: Annotated[str, typer.Option(help="'added' (numstat of AI-marked commits) or 'blame' (surviving lines)")] = "added",
    include: Annotated[list[str] | None, typer.Option("--include", help="only paths matching this glob ('*' crosses '/')")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="skip paths matching this glob")] = None,
    by: Annotated[str | None, typer.Option("--by", help="a series: 'month' or 'release' (between consecutive tags)")] = None,
    markers: Annotated[Path | None, typer.Option("--markers", help="JSON or YAML file adding AI markers: emails, bots, footers")] = None,
    keep_vendored: Annotated[bool, typer.Option("--keep-vendored", help="count vendored and generated paths too")] = False,
    json_out: JsonOpt = False,
    submit: SubmitOpt = False, server: ServerOpt = None, pact: PactOpt = None, party: AsOpt = None, key: KeyOpt = None,
    openings: OpeningsOpt = None,
    indicator: Annotated[str, typer.Option(help="indicator to report (with --submit)")] = "ai_code_share",
) -> None:
    """Share of code written by AI in a git repository, from the markers AI coding agents leave in commits."""
    from ..collect.aicode import PathFilter, collect
    from ..collect.markers import Markers
    from .common import progress_of

    mk = Markers()
    if markers is not None:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            config = YAML(typ="safe").load(markers.read_text(encoding="utf-8")) or {}
            if not isinstance(config, dict):
                raise ValueError("expected a mapping with emails, bots and footers")
            mk.extend(config)
        except OSError as e:
            raise InputError(f"{markers}: cannot read: {e.strerror}") from None
        except (ValueError, TypeError, YAMLError) as e:  # TypeError: a marker that is not text (a list in a list)
            raise InputError(f"{markers}: not a markers file: {' '.join(str(e).split())}") from None
    with progress_of("blaming files" if method == "blame" else "counting windows") as update:
        m = _guard(lambda: collect(repo, method, frm, to, by, mk, PathFilter(include or [], exclude or [], not keep_vendored),
                                   progress=update))
    t = Table("window", "AI lines", "total lines", "share", "commits", "AI commits", "by agent", "skipped",
              title=f"AI-written code in {shown(repo)} ({shown(method)})")
    for w in m.details["windows"]:
        t.add_row(shown(w["window"]), str(w["ai_lines"]), str(w["total_lines"]), f"{w['share']:.3f}", str(w["commits"]), str(w["ai_commits"]),
                  shown(", ".join(f"{k} {v}" for k, v in w["by_agent"].items()) or "-"),
                  shown(", ".join(f"{k}: {v}" for k, v in w["skipped"].items()) or "-"))
    submitted = _submit(m, indicator, server, pact, party, key, None, openings) if submit else None
    _emit(m, json_out, submitted, t)
    if not json_out:
        err.print("excluded by default (--keep-vendored to count them): " + shown(" ".join(m.details["excluded_by_default"])))


@collect_app.command("inspect")
def inspect_cmd(
    log: Annotated[Path, typer.Argument(help="an Inspect log (.eval or .json)")],
    scorer: Annotated[str | None, typer.Option(help="scorer name (default: the first)")] = None,
    metric: Annotated[str | None, typer.Option(help="metric name (default: the scorer's first)")] = None,
    json_out: JsonOpt = False,
    submit: SubmitOpt = False, server: ServerOpt = None, pact: PactOpt = None, party: AsOpt = None, key: KeyOpt = None,
    openings: OpeningsOpt = None,
    subject: SubjectOpt = None,
    indicator: Annotated[str | None, typer.Option(help="indicator to report (with --submit)")] = None,
) -> None:
    """An Inspect evaluation's metric as a report value; refuses unfinished runs and logs without scores."""
    from ..collect.evals import inspect_log

    m = _guard(lambda: inspect_log(log, scorer, metric))
    submitted = _submit(m, _need(indicator), server, pact, party, key, subject, openings) if submit else None
    _emit(m, json_out, submitted)


@collect_app.command("lm-eval")
def lm_eval_cmd(
    results: Annotated[Path, typer.Argument(help="an lm-evaluation-harness results_<datetime>.json")],
    task: Annotated[str | None, typer.Option(help="task name (required when the file has several)")] = None,
    metric: Annotated[str, typer.Option(help="metric, e.g. acc, acc_norm, exact_match")] = "acc",
    filter_: Annotated[str, typer.Option("--filter", help="filter name")] = "none",
    json_out: JsonOpt = False,
    submit: SubmitOpt = False, server: ServerOpt = None, pact: PactOpt = None, party: AsOpt = None, key: KeyOpt = None,
    openings: OpeningsOpt = None,
    subject: SubjectOpt = None,
    indicator: Annotated[str | None, typer.Option(help="indicator to report (with --submit)")] = None,
) -> None:
    """A metric of lm-evaluation-harness results (``results.<task>."<metric>,<filter>"``) as a report value."""
    from ..collect.evals import lm_eval

    m = _guard(lambda: lm_eval(results, task, metric, filter_))
    submitted = _submit(m, _need(indicator), server, pact, party, key, subject, openings) if submit else None
    _emit(m, json_out, submitted)


@collect_app.command("metr")
def metr_cmd(
    file: Annotated[Path, typer.Argument(help="METR benchmark_results yaml")],
    model: Annotated[str | None, typer.Option(help="the model to report (default: the latest state-of-the-art)")] = None,
    json_out: JsonOpt = False,
    submit: SubmitOpt = False, server: ServerOpt = None, pact: PactOpt = None, party: AsOpt = None, key: KeyOpt = None,
    openings: OpeningsOpt = None,
    subject: SubjectOpt = None,
    indicator: Annotated[str, typer.Option(help="indicator to report (with --submit)")] = "time_horizon_minutes",
) -> None:
    """METR time horizons: p50 horizon (minutes) per model with its release date, as a series."""
    from ..collect.evals import metr

    m = _guard(lambda: metr(file, model))
    t = Table("release", "model", "p50 horizon (min)", "SOTA", title=f"METR time horizons ({shown(m.details['benchmark'])})")
    for s in m.details["series"]:
        t.add_row(shown(s["release_date"]), shown(s["model"]), f"{s['p50_minutes']:.2f}", "yes" if s["is_sota"] else "")
    submitted = _submit(m, indicator, server, pact, party, key, subject, openings) if submit else None
    _emit(m, json_out, submitted, t)


def _need(indicator: str | None) -> str:
    if not indicator:
        raise InputError("--submit needs --indicator")
    return indicator
