"""The public page as server-rendered HTML: every core fact is in the markup, scripts only add checks and liveness."""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from typing import Any

from ...core.durations import format_time, parse_time
from ...core.engine.model import EXPIRY
from ...explain import explain
from .charts import level_band, level_colour, series_chart
from .facts import Facts


def _e(x: object) -> str:
    return escape(str(x))


def _none(items: list[str], tag: str = "ul") -> str:
    """A list, or "none" so that an empty section reads as empty, not broken."""
    if not items:
        return '<p class="none">none</p>'
    return f"<{tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>"


def _level(facts: Facts, level: str) -> str:
    levels = facts.pact.levels
    return (f'<span class="level" style="background:{level_colour(levels.index(level), len(levels))}">'
            f"{_e(level)}</span>")


def _flop(r: dict[str, Any]) -> str:
    f = r.get("max_training_flop")
    text = "no compute limit" if f is None else f"training runs up to {f:.3g} FLOP"
    return text + ("; no new deployments" if r.get("new_deployments") is False else "")


def _cause(facts: Facts, e: dict[str, Any]) -> str:
    how = (f"red line <b>{_e(e['red_line'])}</b> held for {_e(e.get('party') or '')}" if e.get("red_line")
           else f"emergency proposal <b>{_e(e.get('proposal'))}</b> was approved" if e.get("proposal") else "a raise")
    entry = f", entry {_e(e['index'])}" if e.get("index") is not None else ""
    return f"raised to {_e(e['to'])} at <time>{_e(e['at'])}</time>: {how}{entry}"


def _agreement(facts: Facts, pact_href: str) -> str:
    p, s = facts.pact, facts.state
    parties = "".join(f"<tr><td>{_e(x.name)}</td><td><code>{_e(x.id)}</code></td><td>{_e(x.role)}</td></tr>" for x in p.parties)
    signed = s.get("signatories", {}).get("developers", [])
    bound = [f"{_e(p.party_by_id[d].name)} (<code>{_e(d)}</code>) since <time>{_e(facts.bound_since.get(d, ''))}</time>"
             for d in p.developers if s["parties"][d]["bound"]]
    force = (f"In force since <time>{_e(s['in_force_at'])}</time>." if s["in_force"] else
             f"Not in force yet: {len(signed)} of the {p.effective.min_developers} developers it needs have signed.")
    sections = "".join(f"<h3>{_e(h)}</h3>" + "".join(f"<p>{_e(t)}</p>" for t in paras) for h, paras in explain(p)[1:])
    return f"""<section id="agreement" aria-labelledby="h-agreement"><h2 id="h-agreement">The agreement</h2>
<p>Pact <code>{_e(p.pact)}</code>, version {_e(p.version)}, digest <code class="digest">{_e(p.digest)}</code>.
<a href="{_e(pact_href)}" download="pact.yaml">Download the exact pact file</a> (its SHA-256 is the digest).</p>
<p>{force}</p>
{_versions(s)}
<h3>Bound developers</h3>{_none(bound)}
<h3>Parties</h3><table><thead><tr><th scope="col">name</th><th scope="col">id</th><th scope="col">role</th></tr></thead>
<tbody>{parties}</tbody></table>
<details><summary>The pact in plain language</summary>{sections}</details></section>"""


def _versions(s: dict[str, Any]) -> str:
    """The chain of versions and the revoked keys (v2, section 9), when there is more than the first version."""
    out = ""
    if len(s.get("versions", [])) > 1:
        rows = "".join(f"<li>version {_e(v['version'])}, digest <code class=\"digest\">{_e(v['digest'])}</code>"
                       + (f", in force from <time>{_e(v['since'])}</time> by amend proposal at entry {_e(v['index'])}"
                          if v["since"] else " (the first)") + "</li>" for v in s["versions"])
        out += f"<h3>Versions</h3><ul>{rows}</ul>"
    if s.get("revoked"):
        rows = "".join(f"<li><code>{_e(r['party'])}</code> revoked <code>{_e(r['key'])}</code> at <time>{_e(r['at'])}</time>"
                       f" (entry {_e(r['index'])})</li>" for r in s["revoked"])
        out += f"<h3>Revoked keys</h3><ul>{rows}</ul>"
    return out


def _sealed(facts: Facts) -> str:
    """Sealed reports and disputes (v2, section 8): who judged what, never a value that was not revealed."""
    s = facts.state
    if not s.get("sealed") and not any(i.sealed for i in facts.pact.indicators.values()):
        return ""
    rows = "".join(f"<tr><td>{_e(r['index'])}</td><td>{_e(r['subject'])}</td><td>{_e(r['indicator'])}</td>"
                   f"<td><time>{_e(r['time'])}</time></td><td>{_e(r['state'])}</td><td>{_e(', '.join(r['verdicts']) or '-')}</td>"
                   f"<td>{'sealed' if r['value'] is None else _e(r['value'])}</td></tr>" for r in s.get("sealed", [])[-200:])
    disputes = [f"{_e(d['kind'])} on the report at entry {_e(d['index'])}, <time>{_e(d['at'])}</time>: "
                f"{_e(', '.join(d['monitors']) or '-')}" for d in s.get("disputes", [])[-200:]]
    return f"""<section id="sealed" aria-labelledby="h-sealed"><h2 id="h-sealed">Confidential reports</h2>
<p class="muted">Their values are sealed to the monitors; the public sees a commitment and the monitors' verdicts
by name. A value appears here only once its author reveals it.</p>
<div class="scroll"><table><thead><tr><th scope="col">entry</th><th scope="col">about</th><th scope="col">indicator</th>
<th scope="col">time</th><th scope="col">state</th><th scope="col">verdicts by</th><th scope="col">value</th></tr></thead>
<tbody>{rows}</tbody></table></div>
<h3>Disputes</h3>{_none(disputes)}</section>"""


def _now(facts: Facts, rationales: dict[str, str]) -> str:
    s, p = facts.state, facts.pact
    causes = facts.current_causes
    coord = [_cause(facts, e) for e in causes.get("all", [])]
    rows = []
    for d in p.developers:
        ps = s["parties"][d]
        why = [_cause(facts, e) for e in causes.get("all", []) + causes.get(d, [])] if ps["bound"] else []
        rows.append(f"<tr><th scope=\"row\">{_e(p.party_by_id[d].name)} <code>{_e(d)}</code></th>"
                    f"<td>{'bound' if ps['bound'] else 'not bound'}</td><td>{_level(facts, ps['level'])}</td>"
                    f"<td>{_e(_flop(ps['restrictions']))}</td><td>{', '.join(_e(o) for o in ps['overdue']) or 'none'}</td>"
                    f"<td>{'<br>'.join(why) or 'none'}</td></tr>")
    props = []
    for pr in s["proposals"]:
        if pr["state"] not in ("active", "queued"):
            continue
        made = parse_time(pr["made_at"])
        expiry = (f"expires <time>{format_time(made + EXPIRY)}</time> unless approved" if pr["state"] == "active"
                  else f"executes <time>{_e(pr['executes_at'])}</time> unless cancelled")
        missing = _missing_for(s, pr)
        rationale = f"<br>rationale: <q>{_e(rationales[pr['id']])}</q>" if pr["id"] in rationales else ""
        what = (f"amend the pact to version {_e(pr.get('version'))} (digest <code class=\"digest\">{_e(pr.get('pact_digest'))}"
                f"</code>; <code>pausepact diff</code> explains it)" if pr["action"] == "amend"
                else f"{_e(pr['action'])} {_e(pr['level'])}")
        props.append(f"<b>{_e(pr['id'])}</b>: {what}"
                     f"{' (' + _e(pr['party']) + ')' if pr['party'] else ''}, proposed by {_e(pr['proposer'])} at "
                     f"<time>{_e(pr['made_at'])}</time>; <span class=\"state\">{_e(pr['state'])}</span>; "
                     f"yes: {_e(', '.join(pr['yes']) or 'none')}; no: {_e(', '.join(pr['no']) or 'none')}; {expiry}{rationale}"
                     + (f"<br>still missing: {_none([_e(m) for m in missing])}" if missing else ""))
    res = s.get("resumption")
    queued = [m for m in (res or {}).get("missing", []) if m.startswith("queued;")]
    res_text = (f"To leave {_e(res['level'])} for {_e(res['to'])}: {_e(queued[0])}." if res and queued else
                "Nothing to resume: the coordinated level is the resting level." if not res else
                f"To leave {_e(res['level'])} for {_e(res['to'])}: " + ("ready" if not res["missing"] else "still missing:")
                + (_none([_e(m) for m in res["missing"]]) if res["missing"] else ""))
    violations = [f"<time>{_e(v['at'])}</time>: {_e(v['kind'])} by {_e(v['party'])}"
                  f"{' (run ' + _e(v['run']) + ')' if v.get('run') else ''}, entry {_e(v['index'])}" for v in s["violations"]]
    since = f" since <time>{_e(s['since'])}</time>" if s.get("since") else ""
    return f"""<section id="now" aria-labelledby="h-now"><h2 id="h-now">Now</h2>
<p class="big">Coordinated level: <span id="level">{_level(facts, s['level'])}</span>{since}</p>
<p>Restrictions in force for every bound developer: {_e(_flop(s['restrictions']))}.</p>
<h3>Why it is there now</h3>{_none(coord)}
<h3>Each developer</h3><div class="scroll"><table id="parties"><thead><tr><th scope="col">developer</th><th scope="col">bound</th>
<th scope="col">own level</th><th scope="col">restrictions</th><th scope="col">overdue</th><th scope="col">why, now</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></div>
<h3>Resumption</h3><div id="resumption">{res_text}</div>
<h3>Open proposals</h3><div id="proposals">{_none(props)}</div>
<h3>Violations</h3>{_none(violations)}</section>"""


def _missing_for(state: dict[str, Any], pr: dict[str, Any]) -> list[str]:
    """What the state says a resume proposal still needs (the coordinated or its party's resumption)."""
    if pr["action"] != "resume":
        return []
    res = state["parties"][pr["party"]]["resumption"] if pr["party"] else state.get("resumption")
    if res and res.get("proposal") == pr["id"]:
        return [m for m in res["missing"] if not m.startswith("queued;")]
    return []


def _indicators(facts: Facts) -> str:
    start = min([t for i in facts.indicators for t, _ in i.points[:1]] +
                [parse_time(e["at"]) for e in facts.timeline[:1]] + [facts.now - 86400])
    out = []
    for ind in facts.indicators:
        lines = [(r["id"], r["threshold"]) for r in ind.red_lines if "threshold" in r]
        title = f"{ind.indicator} reported about {ind.party}"
        judged = "".join(f"<li><b>{_e(r['id'])}</b> (raises to {_e(r['raise'])}{', this developer only' if r['scope'] == 'party' else ''}): "
                         f"{_e(r['words'])}{' — <strong>holds</strong>' if r.get('holds') else ''}</li>" for r in ind.red_lines)
        latest = (f"latest {ind.points[-1][1]:g} {_e(ind.unit)} at <time>{format_time(ind.points[-1][0])}</time>" if ind.points
                  else "values sealed to the monitors: the page shows their verdicts, never a value" if ind.sealed
                  else "no report yet")
        out.append(f"""<article class="indicator"><h3>{_e(ind.indicator)} <small>about {_e(ind.party)}</small></h3>
<p>{latest}; {ind.count} report{'s' if ind.count != 1 else ''} {'assessed' if ind.sealed else 'counted'}.</p>
{series_chart(title, ind.points, lines, start, facts.now)}
{level_band(facts.timeline, facts.pact.levels, start, facts.now)}
<ul>{judged or '<li>no red line reads it</li>'}</ul></article>""")
    return f"""<section id="indicators" aria-labelledby="h-ind"><h2 id="h-ind">Indicators</h2>
<p class="muted">Beneath each chart, the coordinated level over the same time.</p>
{''.join(out) or '<p class="none">none: no bound developer yet</p>'}
<h3>Sealed indicators</h3><p class="none">none: sealed reports are shown as the monitors' verdicts, never their values, once the pact has any.</p></section>"""


def _trust(facts: Facts) -> str:
    t = facts.trust
    q = facts.pact.oversight.status_quorum
    core = t.core or {}
    signed = _e(", ".join(t.signers) or "none")
    status_rows = (f"<p>Level <b>{_e(core.get('level'))}</b> over the first {_e(core.get('tree_size'))} entries, issued "
                   f"<time>{_e(core.get('issued_at'))}</time>, expires <time id=\"expires\">{_e(core.get('expires_at'))}</time>.</p>"
                   f"<p>Signed by monitors: <span id=\"signers\">{signed}</span> (the pact needs {q}).</p>") if core else ""
    cos = _e(", ".join(t.cosigners) or "none")
    cp = (f"<p>Latest cosigned checkpoint: {t.checkpoint_size} entries, cosigned by {cos} "
          f"(the pact needs {facts.pact.oversight.witness_quorum}).</p>"
          f"<p>Your browser's own check: <output id=\"checkpoint-check\" class=\"verdict v-pending\" aria-live=\"polite\">"
          f"checkpoint not checked</output> (an inclusion proof counts only against a checkpoint that verifies).</p>"
          f"<pre class=\"note\">{_e(t.checkpoint)}</pre>"
          if t.checkpoint else '<p class="none">none: no checkpoint has enough cosignatures yet</p>')
    return f"""<section id="trust" aria-labelledby="h-trust"><h2 id="h-trust">Trust: the signed status</h2>
<p>Server's reading: <span class="verdict v-{t.verdict}" id="server-verdict">{_e(t.verdict.upper())}</span> — {_e(t.detail)}.</p>
<p>Your browser's own check: <output id="verdict" class="verdict v-pending" aria-live="polite">NOT CHECKED</output>
<span id="verdict-detail">This browser checks the monitors' Ed25519 signatures itself when scripts run.</span></p>
{status_rows}
<noscript><p>Without scripts, check it yourself: <code>pausepact status --server URL --pact pact.yaml</code>.</p></noscript>
{cp}</section>"""


def _explorer(api: bool) -> str:
    if not api:
        return """<section id="log" aria-labelledby="h-log"><h2 id="h-log">The log</h2>
<p>This is a snapshot: the log explorer needs the live server.</p></section>"""
    return """<section id="log" aria-labelledby="h-log"><h2 id="h-log">The log</h2>
<form id="explorer" class="explorer"><label>party <input name="party" size="10"></label>
<label>type <select name="type"><option value="">any</option><option>sign</option><option>report</option><option>attest</option>
<option>propose</option><option>vote</option><option>cancel</option><option>countersign</option><option>run</option><option>ack</option>
</select></label> <label>from entry <input name="start" type="number" min="0" value="0" size="8"></label>
<button type="submit">Show</button> <button type="button" id="older">Previous 1000</button> <button type="button" id="newer">Next 1000</button></form>
<p id="log-where" class="muted" aria-live="polite">Scripts show the log here, 1000 entries at a time.</p>
<div class="scroll"><table id="entries"><thead><tr><th scope="col">entry</th><th scope="col">time</th><th scope="col">party</th>
<th scope="col">type</th><th scope="col">body</th><th scope="col">inclusion</th></tr></thead><tbody></tbody></table></div></section>"""


def page_data(facts: Facts, live: bool, api: bool) -> dict[str, Any]:
    """What the page's script needs: the status and checkpoint to check, and the pact's monitor and log keys to check them with."""
    p = facts.pact
    keys = {}
    for m in p.monitors:
        for k in p.party_by_id[m].keys:
            raw = base64.b64decode(k.split(":", 1)[1])
            keys[hashlib.sha256(raw).hexdigest()] = {"party": m, "key": base64.b64encode(raw).decode()}
    log_keys = [base64.b64encode(base64.b64decode(k.split(":", 1)[1])).decode() for k in p.log_party.keys]
    return {"status": facts.trust.status, "checkpoint": facts.trust.checkpoint, "monitor_keys": keys, "log_keys": log_keys,
            "status_quorum": p.oversight.status_quorum, "witness_quorum": p.oversight.witness_quorum, "origin": p.origin, "live": live, "api": api,
            "tree_size": facts.state["tree_size"], "pact_digest": p.digest}


def render(facts: Facts, *, live: bool = True, api: bool = True, asset_prefix: str = "/page/", pact_href: str = "/pact.yaml",
           rationales: dict[str, str] | None = None) -> str:
    """The whole page. ``api=False`` (a static snapshot) leaves out what needs the server: the explorer and liveness."""
    s, p = facts.state, facts.pact
    data = json.dumps(page_data(facts, live and api, api), separators=(",", ":")).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(p.title)} — pausepact</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{asset_prefix}page.css"></head><body>
<a class="skip" href="#now">Skip to the current level</a>
<header><h1>{_e(p.title)}</h1><p class="muted">A coordinated pause agreement, checked by its monitors. As of
<time id="asof">{_e(s['as_of'])}</time>, log of <span id="size">{_e(s['tree_size'])}</span> entries.
<span id="live-state"></span></p>
<nav aria-label="sections"><a href="#now">Now</a> · <a href="#indicators">Indicators</a> · <a href="#trust">Trust</a> ·
<a href="#log">Log</a> · <a href="#agreement">Agreement</a></nav></header>
<main>{_now(facts, rationales or {})}{_trust(facts)}{_indicators(facts)}{_sealed(facts)}{_explorer(api)}{_agreement(facts, pact_href)}</main>
<script type="application/json" id="pp-data">{data}</script>
<script src="{asset_prefix}page.js"></script></body></html>
"""
