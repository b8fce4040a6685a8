"""A one-page dashboard: the state as of now, live over server-sent events. No build step, no CDN."""

DASHBOARD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pausepact: {{pact}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#111}
h1{font-size:1.4rem} .level{font-size:2rem;font-weight:700;padding:.2rem .8rem;border-radius:.4rem;display:inline-block}
.l0{background:#d8f5d0}.l1{background:#fff3c4}.l2{background:#ffd9a8}.l3{background:#ffb3b3}
table{border-collapse:collapse;width:100%;margin:1rem 0} td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
code{background:#f3f3f3;padding:0 .2rem} .muted{color:#666}
</style></head><body>
<h1>Pact <code>{{pact}}</code></h1>
<p>Coordinated level: <span id="level" class="level">…</span> <span id="since" class="muted"></span></p>
<p id="force" class="muted"></p>
<h2>Developers</h2><table id="parties"><thead><tr><th>party</th><th>bound</th><th>level</th><th>max training FLOP</th>
<th>new deployments</th><th>overdue</th></tr></thead><tbody></tbody></table>
<h2>Why</h2><ul id="reasons"></ul>
<h2>Resumption</h2><p id="resumption" class="muted">—</p><ul id="missing" class="muted"></ul>
<h2>Proposals</h2><table id="proposals"><thead><tr><th>id</th><th>action</th><th>level</th><th>state</th><th>yes</th><th>no</th>
<th>executes at</th></tr></thead><tbody></tbody></table>
<h2>Violations</h2><ul id="violations"></ul>
<p class="muted">Log size <span id="size"></span> · as of <span id="asof"></span> ·
<a href="/docs">API</a> · <a href="/v1/state">state JSON</a> · <a href="/v1/status">signed status</a></p>
<script>
const $ = id => document.getElementById(id);
const LEVELS = {{levels}};
function row(cells){const tr=document.createElement('tr');for(const c of cells){const td=document.createElement('td');td.textContent=c;tr.appendChild(td)}return tr}
function li(text){const e=document.createElement('li');e.textContent=text;return e}
async function refresh(){
  const s = await (await fetch('/v1/state')).json();
  const lv = $('level'); lv.textContent = s.level;
  lv.className = 'level l' + Math.round(3 * LEVELS.indexOf(s.level) / Math.max(1, LEVELS.length - 1));
  $('since').textContent = s.since ? 'since ' + s.since : '';
  $('force').textContent = s.in_force ? 'In force since ' + s.in_force_at : 'Not in force yet: signed by ' + (s.signatories.developers.join(', ') || 'nobody');
  const pb = $('parties').tBodies[0]; pb.replaceChildren();
  for (const [id,p] of Object.entries(s.parties)) pb.appendChild(row([id, p.bound?'yes':'no', p.level,
      p.restrictions.max_training_flop===null?'no limit':p.restrictions.max_training_flop.toExponential(1),
      p.restrictions.new_deployments?'allowed':'forbidden', p.overdue.join(', ')||'—']));
  $('reasons').replaceChildren(...s.reasons.map(r => li(`${r.at}: raised to ${r.level} (${r.scope}) by ` +
      (r.red_line ? `red line ${r.red_line}, subject ${r.party}` : `emergency proposal ${r.proposal}`) + `, entry ${r.index}`)));
  $('resumption').textContent = s.resumption ? `To leave ${s.resumption.level} for ${s.resumption.to}` +
      (s.resumption.missing.length ? ', still missing:' : ': ready') : 'Nothing to resume: the coordinated level is the resting level.';
  $('missing').replaceChildren(...(s.resumption ? s.resumption.missing : []).map(li));
  const qb = $('proposals').tBodies[0]; qb.replaceChildren();
  for (const p of s.proposals) qb.appendChild(row([p.id, p.action, p.level + (p.party?' ('+p.party+')':''), p.state, p.yes.join(', '), p.no.join(', '), p.executes_at||'—']));
  $('violations').replaceChildren(...s.violations.map(v => li(`${v.at}: ${v.kind} by ${v.party} (run ${v.run}), entry ${v.index}`)));
  $('size').textContent = s.tree_size; $('asof').textContent = s.as_of;
}
let pending = null;
function soon(){ if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 200); }
refresh(); setInterval(refresh, 5000);
if (new URLSearchParams(location.search).get('live') !== '0') {  // ?live=0: polling only (e.g. for page snapshots)
  const ev = new EventSource('/v1/events'); ev.addEventListener('entry', soon); ev.addEventListener('status', soon);
}
</script></body></html>
"""
