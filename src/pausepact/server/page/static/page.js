// The public page's script: it checks the signed status in this browser (Ed25519 via WebCrypto over DSSE PAE,
// against the monitor keys of the pact embedded in the page), explores the log 1000 entries at a time, checks
// inclusion proofs against the cosigned checkpoint (RFC 6962 hashing, RFC 9162 verification), and follows the
// event stream unless ?live=0. Every fact it checks is already on the page, rendered by the server.
"use strict";
(() => {
const $ = id => document.getElementById(id);
const DATA = JSON.parse($("pp-data").textContent);
const enc = new TextEncoder();
const b64 = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
const hex = u => Array.from(u, b => b.toString(16).padStart(2, "0")).join("");
const cat = (...parts) => { const n = parts.reduce((a, p) => a + p.length, 0), out = new Uint8Array(n); let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; } return out; };
const sha256 = async bytes => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const STATUS_TYPE = "application/vnd.pausepact.status+json";

function pae(type, payload) {  // DSSE v1 pre-authentication encoding
  const t = enc.encode(type);
  return cat(enc.encode(`DSSEv1 ${t.length} `), t, enc.encode(` ${payload.length} `), payload);
}

// WebCrypto's Ed25519 when the browser has it; else the vendored @noble/ed25519 (npm, pinned, MIT), strict RFC 8032
const HERE = document.currentScript ? document.currentScript.src : location.href;
const FALLBACK = new URL("vendor/noble-ed25519-3.2.0/ed25519.js", HERE).href;
let engine = null;  // "webcrypto", "noble" or "none"
let noble = null;
async function ed25519Works() {
  if (engine !== null) return engine !== "none";
  try {
    if (window.PAUSEPACT_NO_WEBCRYPTO_ED25519) throw new Error("disabled");  // tests take the fallback's path
    await crypto.subtle.importKey("raw", new Uint8Array(32).fill(1), {name: "Ed25519"}, false, ["verify"]);
    engine = "webcrypto";
  } catch (e) {
    try { noble = await import(FALLBACK); engine = "noble"; } catch (e2) { engine = "none"; }
  }
  return engine !== "none";
}

async function verifySig(rawKey, sig, message) {
  try {
    if (engine === "noble") return await noble.verifyAsync(sig, message, rawKey, {zip215: false});
    const k = await crypto.subtle.importKey("raw", rawKey, {name: "Ed25519"}, false, ["verify"]);
    return await crypto.subtle.verify({name: "Ed25519"}, k, sig, message);
  } catch (e) { return false; }
}

/** The browser's verdict on a status envelope: {verdict: valid|expired|invalid|unknown|none, detail, signers, core}. */
async function judgeStatus(env, now) {
  if (!env) return {verdict: "none", detail: "no signed status yet", signers: []};
  if (!window.crypto || !crypto.subtle) return {verdict: "unknown", detail: "cannot verify in this browser (no WebCrypto; pages must be served over HTTPS or from localhost)", signers: []};
  if (!(await ed25519Works())) return {verdict: "unknown", detail: "cannot verify in this browser: it has no WebCrypto Ed25519 and the fallback did not load", signers: []};
  let payload, core;
  try {
    if (env.payloadType !== STATUS_TYPE) throw new Error("payloadType is not a status");
    payload = b64(env.payload); core = JSON.parse(new TextDecoder("utf-8", {fatal: true}).decode(payload));
  } catch (e) { return {verdict: "invalid", detail: "the status does not decode: " + e.message, signers: []}; }
  const message = pae(env.payloadType, payload), signers = [], strangers = [];
  for (const s of Array.isArray(env.signatures) ? env.signatures : []) {
    const owner = s && DATA.monitor_keys[s.keyid];
    if (!owner) { strangers.push(String(s && s.keyid).slice(0, 12)); continue; }
    if (signers.includes(owner.party)) continue;  // a party counts once, whatever its keys
    let sig; try { sig = b64(s.sig); } catch (e) { continue; }
    if (await verifySig(b64(owner.key), sig, message)) signers.push(owner.party);
  }
  const need = DATA.status_quorum;
  if (core.pact_digest !== DATA.pact_digest)
    return {verdict: "invalid", detail: `the status names another pact (${core.pact_digest})`, signers, core};
  if (signers.length < need)
    return {verdict: "invalid", detail: `valid signatures by ${signers.length} monitor(s) of this pact (${signers.join(", ") || "none"}); it needs ${need}` +
      (strangers.length ? `; ${strangers.length} signature(s) by keys that are not monitors' keys of this pact` : ""), signers, core};
  const expires = Date.parse(core.expires_at);
  if (!(expires > now)) return {verdict: "expired", detail: `stale: expired at ${core.expires_at} by this browser's clock; signed by ${signers.join(", ")}`, signers, core};
  return {verdict: "valid", detail: `signed by ${signers.join(", ")} (${need} needed), valid until ${core.expires_at} by this browser's clock` +
    (engine === "noble" ? " (checked with the page's own Ed25519 code: this browser has no WebCrypto Ed25519)" : ""), signers, core};
}

async function showStatus(env) {
  const v = await judgeStatus(env, Date.now()), out = $("verdict");
  out.textContent = {valid: "VERIFIED", expired: "STALE (EXPIRED)", invalid: "INVALID", unknown: "CANNOT VERIFY", none: "NO STATUS"}[v.verdict];
  out.className = "verdict v-" + v.verdict; out.dataset.verdict = v.verdict;
  $("verdict-detail").textContent = " — " + v.detail + ".";
  if (v.core && $("signers")) $("signers").textContent = v.signers.join(", ") || "none";
  if (v.core && $("expires")) $("expires").textContent = v.core.expires_at;
  document.body.dataset.status = v.verdict;
  return v;
}

// ---------------------------------------------------------------- checkpoint and inclusion (RFC 6962 / 9162)

function checkpointOf(note) {
  if (!note) return null;
  const lines = note.split("\n");
  if (lines[0] !== DATA.origin || !/^\d+$/.test(lines[1])) return null;
  return {size: Number(lines[1]), root: b64(lines[2])};
}

const leafHash = bytes => sha256(cat(new Uint8Array([0]), bytes));
const nodeHash = (l, r) => sha256(cat(new Uint8Array([1]), l, r));

function canonicalJSON(v) {  // RFC 8785 for what an envelope holds: objects, arrays and strings
  if (Array.isArray(v)) return "[" + v.map(canonicalJSON).join(",") + "]";
  if (v && typeof v === "object") return "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canonicalJSON(v[k])).join(",") + "}";
  return JSON.stringify(v);
}

async function verifyInclusion(index, size, leaf, proof, root) {  // RFC 9162 section 2.1.3.2
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else r = await nodeHash(r, p);
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && hex(r) === hex(root);
}

async function proveEntry(entry, cell) {
  const cp = checkpointOf(DATA.checkpoint);
  if (!cp) { cell.textContent = "no cosigned checkpoint yet"; return; }
  if (entry.index >= cp.size) { cell.textContent = `after the cosigned checkpoint (${cp.size} entries)`; return; }
  cell.textContent = "checking…";
  try {
    const r = await fetch(`${API}/v1/proof/inclusion?index=${entry.index}&size=${cp.size}`);
    const proof = (await r.json()).hashes.map(h => Uint8Array.from(h.match(/../g), x => parseInt(x, 16)));
    const ok = await verifyInclusion(entry.index, cp.size, await leafHash(enc.encode(canonicalJSON(entry.envelope))), proof, cp.root);
    cell.innerHTML = "";
    const s = document.createElement("span");
    s.className = ok ? "proof-ok" : "proof-bad";
    s.textContent = ok ? `included in the cosigned tree of ${cp.size}` : "NOT INCLUDED: the proof fails";
    cell.appendChild(s);
  } catch (e) { cell.textContent = "proof unavailable: " + e.message; }
}

// ---------------------------------------------------------------- log explorer

const API = "";  // same origin: the page never talks to anyone but its server
const PAGE = 1000;
let shownFrom = null;

function decode(envelope) {
  try { return JSON.parse(new TextDecoder().decode(b64(envelope.payload))); } catch (e) { return null; }
}

async function showEntries(start) {
  const form = $("explorer"); if (!form) return;
  const party = form.party.value.trim(), type = form.type.value;
  start = Math.max(0, start); shownFrom = start; form.start.value = start;
  $("log-where").textContent = `Loading entries ${start} to ${start + PAGE - 1}…`;
  const r = await fetch(`${API}/v1/entries?start=${start}&end=${start + PAGE}`);
  const entries = (await r.json()).entries || [];
  const body = $("entries").tBodies[0]; body.replaceChildren();
  let shown = 0;
  for (const e of entries) {
    const st = decode(e.envelope);
    if (!st || (party && st.party !== party) || (type && st.type !== type)) continue;
    shown++;
    const tr = document.createElement("tr");
    for (const text of [e.index, st.time, st.party, st.type, JSON.stringify(st.body)]) {
      const td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
    }
    tr.lastChild.className = "body";
    const td = document.createElement("td"), b = document.createElement("button");
    b.type = "button"; b.textContent = "check inclusion"; b.setAttribute("aria-label", `check inclusion of entry ${e.index}`);
    b.addEventListener("click", () => proveEntry(e, td)); td.appendChild(b); tr.appendChild(td);
    body.appendChild(tr);
  }
  const last = entries.length ? entries[entries.length - 1].index : start - 1;
  $("log-where").textContent = `Entries ${start} to ${last} of ${DATA.tree_size}: ${shown} shown` +
    (party || type ? " (filtered)" : "") + ".";
}

function explorer() {
  const form = $("explorer"); if (!form) return;
  form.addEventListener("submit", ev => { ev.preventDefault(); showEntries(Number(form.start.value) || 0); });
  $("older").addEventListener("click", () => showEntries((shownFrom || 0) - PAGE));
  $("newer").addEventListener("click", () => showEntries((shownFrom || 0) + PAGE));
  showEntries(Math.max(0, DATA.tree_size - PAGE));  // the newest page first
}

// ---------------------------------------------------------------- live

function live() {
  if (!DATA.live || new URLSearchParams(location.search).get("live") === "0" || !window.EventSource) return;
  const es = new EventSource(`${API}/v1/events`);
  let pending = null;
  const reload = () => { if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 500); };
  es.addEventListener("entry", reload);
  es.addEventListener("status", ev => { try { DATA.status = JSON.parse(ev.data); showStatus(DATA.status); } catch (e) {} reload(); });
  es.onopen = () => { $("live-state").textContent = "Live."; };
  es.onerror = () => { $("live-state").textContent = "Live updates interrupted; retrying."; };
}

async function refresh() {  // the server renders; swap in its fresh sections, keep this page's checks
  try {
    const r = await fetch(location.pathname + "?live=0", {cache: "no-store"});
    const doc = new DOMParser().parseFromString(await r.text(), "text/html");
    for (const id of ["now", "indicators", "agreement", "asof", "size"]) {
      const fresh = doc.getElementById(id); if (fresh && $(id)) $(id).replaceWith(fresh);
    }
    const d = JSON.parse(doc.getElementById("pp-data").textContent);
    Object.assign(DATA, {status: d.status, checkpoint: d.checkpoint, tree_size: d.tree_size});
    const trust = doc.getElementById("trust"); if (trust) $("trust").replaceWith(trust);
    await showStatus(DATA.status);
  } catch (e) { /* the next event tries again */ }
}

window.pausepact = {judgeStatus, verifyInclusion, leafHash, canonicalJSON, checkpointOf, showStatus};
showStatus(DATA.status);
explorer();
live();
setInterval(() => showStatus(DATA.status), 30000);  // a status goes stale by the clock alone
})();
