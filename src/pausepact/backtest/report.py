"""The backtest's report: a self-contained HTML page and its PNG charts (matplotlib, Agg; no network).

Per indicator and developer: the values reported, the threshold of each threshold red line or the fitted
doubling line of each doubling red line, and the developer's level over time. Per sweep: the first firing
date against the parameter. The PNGs are written beside ``index.html`` and inlined in it as data: URIs, so
the page alone is the whole report. Every text from the data is escaped.
"""

from __future__ import annotations

import base64
import html
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..core.durations import parse_time
from ..core.redlines import doubling_slope, window
from .replay import levels, series_of
from .run import Backtest

DAY = 86400


def _dt(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        from .series import BacktestError

        raise BacktestError("--out draws charts with matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _chart(bt: Backtest, party: str, indicator: str, path: Path) -> None:
    plt = _pyplot()
    pact = bt.tw.pact
    pts = sorted(series_of(bt.history, party, indicator, bt.to))
    fig, (ax, lv) = plt.subplots(2, 1, figsize=(8, 5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([_dt(p.time) for p in pts], [p.value for p in pts], "o-", label="reported")
    for rl in pact.red_lines:
        if rl.indicator != indicator:
            continue
        threshold = rl.at_least if rl.at_least is not None else rl.at_most
        if threshold is not None:
            ax.axhline(threshold, color="red", linestyle="--", label=f"{rl.id} threshold")
        if rl.doubling_within is not None:
            win = window(rl, pts, bt.to)
            slope = doubling_slope(win)
            if slope is not None:
                t0 = win[0].time
                xs = [(p.time - t0) / DAY for p in win]
                ys = [math.log2(p.value) for p in win]
                b = sum(ys) / len(ys) - slope * sum(xs) / len(xs)
                ax.plot([_dt(p.time) for p in win], [2 ** (b + slope * x) for x in xs], "r--",
                        label=f"{rl.id} fit: doubling {1 / slope:.0f}d" if slope > 0 else f"{rl.id} fit")
            ax.set_yscale("log")
    ax.set_title(f"BACKTEST  {indicator} of {party}")
    ax.legend(fontsize=7)
    steps = levels(pact, bt.outcome.transitions, party)
    rank = {lv_: i for i, lv_ in enumerate(pact.levels)}
    xs_l = [_dt(bt.start)] + [_dt(t) for t, _ in steps] + [_dt(bt.to)]
    ys_l = [0] + [rank[lv_] for _, lv_ in steps]
    ys_l.append(ys_l[-1])
    lv.step(xs_l, ys_l, where="post")
    lv.set_yticks(range(len(pact.levels)), pact.levels, fontsize=7)
    lv.set_ylim(-0.5, len(pact.levels) - 0.5)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _sweep_chart(sw: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    labels = [str(r["value"]) for r in sw["rows"]]
    parties = list(sw["rows"][0]["first_fired"]) if sw["rows"] else []
    for party in parties:
        xs = [i for i, r in enumerate(sw["rows"]) if r["first_fired"][party]]
        ys = [_dt(parse_time(sw["rows"][i]["first_fired"][party])) for i in xs]
        if xs:
            ax.plot(xs, ys, "o-", label=party)
    ax.set_xticks(range(len(labels)), labels, rotation=45, fontsize=7)
    ax.set_xlabel(f"{sw['red_line']}.{sw['param']}")
    ax.set_ylabel("first fired")
    ax.set_title(f"BACKTEST sweep of {sw['red_line']}.{sw['param']}")
    if parties:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.name)}" src="data:image/png;base64,{data}">'


def write(bt: Backtest, out: Path) -> Path:
    """Write ``index.html``, the PNGs and ``backtest.json`` into ``out``; return the page's path."""
    out.mkdir(parents=True, exist_ok=True)
    e = html.escape
    parts = [f"<h1>BACKTEST of {e(bt.real.pact)} (not a real pact, not a real log)</h1>",
             f"<p>A replay of a throw-away copy of the pact (<code>{e(bt.tw.pact.pact)}</code>, origin "
             f"<code>{e(bt.tw.pact.origin)}</code>, fresh keys) on past data, in force from {e(_day(bt.start))} "
             f"to {e(_day(bt.to))}. Real pact digest: <code>{e(bt.real.digest)}</code>.</p>", "<h2>Series</h2><ul>"]
    for s in bt.series:
        fed = bt.fed_by[s.source]
        parts.append(f"<li>{e(s.kind)} ({len(s.points)} values, unit {e(s.unit)}) from <code>{e(s.source)}</code>: "
                     + (f"feeds <b>{e(fed)}</b>" if fed else "feeds no indicator (the pact has none of its unit)")
                     + (f"; {bt.unmapped[s.source]} values of unmapped organisations left out" if bt.unmapped.get(s.source) else "")
                     + "</li>")
    parts.append("</ul><h2>First firing</h2><table border=1><tr><th>red line</th>"
                 + "".join(f"<th>{e(d)}</th>" for d in bt.real.developers) + "</tr>")
    for rl, per in bt.outcome.first_fired.items():
        parts.append(f"<tr><td>{e(rl)}</td>" + "".join(f"<td>{e(_day_s(per[d]))}</td>" for d in bt.real.developers) + "</tr>")
    parts.append("</table><h2>Fitted doubling times at the end</h2><table border=1>"
                 "<tr><th>red line</th><th>party</th><th>doubling (days)</th><th>points</th></tr>")
    for f in bt.outcome.fits:
        parts.append(f"<tr><td>{e(f['red_line'])}</td><td>{e(f['party'])}</td><td>{e(str(f['doubling_days']))}</td>"
                     f"<td>{f['points']}</td></tr>")
    parts.append("</table><h2>Indicators and levels</h2>")
    fed_pairs = sorted({(f.indicator, f.party) for f in bt.history.fed})
    for n, (indicator, party) in enumerate(fed_pairs):
        png = out / f"series-{n}.png"
        _chart(bt, party, indicator, png)
        parts.append(f"<h3>{e(indicator)} of {e(party)}</h3>{_img(png)}")
    for n, sw in enumerate(bt.sweeps):
        png = out / f"sweep-{n}.png"
        _sweep_chart(sw, png)
        parts.append(f"<h2>Sweep of {e(sw['red_line'])}.{e(sw['param'])}</h2>{_img(png)}<table border=1><tr><th>value</th>"
                     + "".join(f"<th>{e(d)}</th>" for d in bt.real.developers) + "</tr>")
        for r in sw["rows"]:
            parts.append(f"<tr><td>{e(str(r['value']))}</td>"
                         + "".join(f"<td>{e(_day_s(r['first_fired'].get(d)))}</td>" for d in bt.real.developers) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>Transitions</h2><table border=1><tr><th>at</th><th>event</th></tr>")
    for t in bt.outcome.transitions:
        parts.append(f"<tr><td>{e(t['at'])}</td><td>{e(json.dumps(t, sort_keys=True))}</td></tr>")
    parts.append("</table>")
    page = out / "index.html"
    page.write_text("<!doctype html><html><head><meta charset=utf-8><title>BACKTEST of " + e(bt.real.pact)
                    + "</title></head><body>" + "\n".join(parts) + "</body></html>\n", encoding="utf-8")
    (out / "backtest.json").write_text(json.dumps(bt.as_json(), indent=1) + "\n", encoding="utf-8")
    return page


def _day(t: int) -> str:
    return _dt(t).strftime("%Y-%m-%d")


def _day_s(at: str | None) -> str:
    return "never" if at is None else at
