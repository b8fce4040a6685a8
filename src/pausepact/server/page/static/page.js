// The public page's script: it checks the signed status in this browser (Ed25519 via WebCrypto over DSSE PAE,
// against the monitor keys of the pact embedded in the page), explores the log 1000 entries at a time, checks
// inclusion proofs against the cosigned checkpoint once its note verifies (C2SP signed note by the log, cosignatures
// by a quorum of the pact's monitors; RFC 6962 hashing, RFC 9162 verification), and follows the
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
async function judgeStatus(env, now, clockName = "this browser's clock") {
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
  if (!(expires > now)) return {verdict: "expired", detail: `stale: expired at ${core.expires_at} by ${clockName}; signed by ${signers.join(", ")}`, signers, core};
  return {verdict: "valid", detail: `signed by ${signers.join(", ")} (${need} needed), valid until ${core.expires_at} by ${clockName}` +
    (engine === "noble" ? " (checked with the page's own Ed25519 code: this browser has no WebCrypto Ed25519)" : ""), signers, core};
}

/** When statuses are judged: this browser's clock; on a rehearsal's server (GET /v1/clock says "rehearsal") the
 * rehearsal's virtual clock, named as such: a rehearsal's statuses live in virtual time (docs/rehearse.md). */
async function judgingClock() {
  try {
    const r = await fetch("/v1/clock", {cache: "no-store"});
    if (r.ok) {
      const c = await r.json(), t = c && c.clock === "rehearsal" && typeof c.now === "string" ? Date.parse(c.now) : NaN;
      if (!isNaN(t)) return {now: t, name: "the rehearsal's virtual clock"};
    }
  } catch (e) { /* a static copy of the page, or no server: the browser's clock */ }
  return {now: Date.now(), name: "this browser's clock"};
}

async function showStatus(env) {
  const clock = await judgingClock();
  const v = await judgeStatus(env, clock.now, clock.name), out = $("verdict");
  out.textContent = {valid: "VERIFIED", expired: "STALE (EXPIRED)", invalid: "INVALID", unknown: "CANNOT VERIFY", none: "NO STATUS"}[v.verdict];
  out.className = "verdict v-" + v.verdict; out.dataset.verdict = v.verdict;
  $("verdict-detail").textContent = " — " + v.detail + ".";
  if (v.core && $("signers")) $("signers").textContent = v.signers.join(", ") || "none";
  if (v.core && $("expires")) $("expires").textContent = v.core.expires_at;
  document.body.dataset.status = v.verdict;
  return v;
}

// ---------------------------------------------------------------- checkpoint and inclusion (RFC 6962 / 9162)

// C2SP signed note (signed-note.md) and tlog-checkpoint, parsed as strictly as core/notes.py parses them
const DASH = "\u2014 ";
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
function strictB64(s, what) {
  if (!B64.test(s)) throw new Error(`${what} is not standard padded base64`);
  const out = b64(s);
  if (btoa(String.fromCharCode(...out)) !== s) throw new Error(`${what} is not canonical base64`);
  return out;
}

function parseNote(note) {
  if (typeof note !== "string") throw new Error("the note is not text");
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(note)) throw new Error("the note contains control characters");
  const sep = note.lastIndexOf("\n\n");
  if (sep < 0) throw new Error("the note has no blank line before its signatures");
  const text = note.slice(0, sep + 1), block = note.slice(sep + 2);
  if (!block.endsWith("\n")) throw new Error("the signature block does not end with a newline");
  const sigs = [];
  for (const line of block.slice(0, -1).split("\n")) {
    if (!line.startsWith(DASH)) throw new Error("not a signature line: " + JSON.stringify(line.slice(0, 40)));
    const rest = line.slice(DASH.length), sp = rest.lastIndexOf(" "), name = rest.slice(0, Math.max(sp, 0));
    if (!name || /[\s+]/u.test(name)) throw new Error("a malformed signature key name");
    const raw = strictB64(rest.slice(sp + 1), "a signature");
    if (raw.length < 5) throw new Error("a signature is too short");
    sigs.push({name, kid: raw.slice(0, 4), sig: raw.slice(4)});
  }
  if (!sigs.length) throw new Error("the note has no signatures");
  return {text, sigs};
}

function parseCheckpoint(text) {  // the note's text: origin, size, base64 root, extension lines
  const lines = text.slice(0, -1).split("\n");
  if (!text.endsWith("\n") || lines.length < 3) throw new Error("the checkpoint has no origin, size and root lines");
  const [origin, size, root, ...ext] = lines;
  if (origin !== DATA.origin) throw new Error(`the checkpoint is of another log (${origin.slice(0, 60)})`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error("the checkpoint's size is not a tree size");
  const r = strictB64(root, "the checkpoint's root");
  if (r.length !== 32) throw new Error(`the checkpoint's root is ${r.length} bytes; a SHA-256 root is 32`);
  if (ext.some(e => !e)) throw new Error("an empty checkpoint extension line");
  return {size: Number(size), root: r};
}

const SIG_ED25519 = 0x01, SIG_COSIGNATURE_V1 = 0x04;
const keyId = async (name, type, key) => (await sha256(cat(enc.encode(name), new Uint8Array([0x0a, type]), key))).slice(0, 4);

/** The browser's verdict on the cosigned checkpoint note: {verdict: valid|invalid|unknown|none, detail, size, root, cosigners}.
 * Valid only when the log's key signs it under the origin (type 0x01) and at least witness_quorum distinct monitor parties
 * of the pact cosign it (tlog-cosignature v1, type 0x04); a signature by a known key that fails rejects the whole note. */
async function judgeCheckpoint(note) {
  const no = (verdict, detail) => ({verdict, detail, cosigners: []});
  if (!note) return no("none", "no cosigned checkpoint yet");
  if (!window.crypto || !crypto.subtle) return no("unknown", "cannot verify in this browser (no WebCrypto)");
  if (!(await ed25519Works())) return no("unknown", "cannot verify in this browser: it has no WebCrypto Ed25519 and the fallback did not load");
  let n, cp;
  try { n = parseNote(note); cp = parseCheckpoint(n.text); }
  catch (e) { return no("invalid", "the checkpoint does not parse: " + e.message); }
  const known = [];
  for (const k of DATA.log_keys || []) {
    const raw = b64(k); known.push({party: null, name: DATA.origin, kid: hex(await keyId(DATA.origin, SIG_ED25519, raw)), key: raw});
  }
  for (const m of Object.values(DATA.monitor_keys)) {
    const raw = b64(m.key); known.push({party: m.party, name: m.party, kid: hex(await keyId(m.party, SIG_COSIGNATURE_V1, raw)), key: raw});
  }
  const text = enc.encode(n.text), cosigners = [], failed = [];
  let byLog = false;
  for (const s of n.sigs) {
    const k = known.find(k => k.name === s.name && k.kid === hex(s.kid));
    if (!k) continue;  // C2SP: signatures by unknown keys are ignored
    let good = false;
    if (k.party === null) good = await verifySig(k.key, s.sig, text);
    else if (s.sig.length === 72) {  // u64 big-endian timestamp, then the Ed25519 signature
      const ts = new DataView(s.sig.buffer, s.sig.byteOffset, 8).getBigUint64(0);
      if (ts < 2n ** 63n) good = await verifySig(k.key, s.sig.slice(8), cat(enc.encode(`cosignature/v1\ntime ${ts}\n`), text));
    }
    if (!good) failed.push(s.name);
    else if (k.party === null) byLog = true;
    else if (!cosigners.includes(k.party)) cosigners.push(k.party);  // a party counts once, whatever its keys
  }
  const need = DATA.witness_quorum;
  if (failed.length) return no("invalid", `a signature under a key of this pact does not verify (${failed.join(", ")}): the note was altered`);
  if (!byLog) return no("invalid", `no valid signature by the log's key under ${DATA.origin}`);
  if (cosigners.length < need)
    return no("invalid", `signed by the log, but cosigned by ${cosigners.length} monitor(s) of this pact (${cosigners.join(", ") || "none"}); it needs ${need}`);
  return {verdict: "valid", detail: `signed by the log, cosigned by ${cosigners.join(", ")}`, size: cp.size, root: cp.root, cosigners};
}

let checkpointJudged = null;  // [note, promise of its verdict]: judged once per note
function checkpointVerdict() {
  if (!checkpointJudged || checkpointJudged[0] !== DATA.checkpoint)
    checkpointJudged = [DATA.checkpoint, judgeCheckpoint(DATA.checkpoint)];
  return checkpointJudged[1];
}

async function showCheckpoint() {
  const out = $("checkpoint-check"), v = await checkpointVerdict();
  if (!out) { document.body.dataset.checkpoint = v.verdict; return v; }
  out.textContent = v.verdict === "valid" ? "checkpoint verified: " + v.detail :
    v.verdict === "unknown" ? "checkpoint not checked: " + v.detail : "checkpoint NOT verified: " + v.detail;
  out.className = "verdict v-" + v.verdict; out.dataset.verdict = v.verdict;
  document.body.dataset.checkpoint = v.verdict;
  return v;
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
  const say = (cls, text) => { const s = document.createElement("span"); s.className = cls; s.textContent = text; cell.replaceChildren(s); };
  cell.textContent = "checking…";
  const cp = await checkpointVerdict();
  if (cp.verdict === "none") { cell.textContent = "no cosigned checkpoint yet"; return; }
  if (cp.verdict !== "valid") { say("proof-bad", "not verified: the checkpoint did not verify (" + cp.detail + ")"); return; }
  if (entry.index >= cp.size) { cell.textContent = `after the cosigned checkpoint (${cp.size} entries)`; return; }
  try {
    const r = await fetch(`${API}/v1/proof/inclusion?index=${entry.index}&size=${cp.size}`);
    const proof = (await r.json()).hashes.map(h => Uint8Array.from(h.match(/../g), x => parseInt(x, 16)));
    const ok = await verifyInclusion(entry.index, cp.size, await leafHash(enc.encode(canonicalJSON(entry.envelope))), proof, cp.root);
    say(ok ? "proof-ok" : "proof-bad", ok ? `verified: included in the cosigned tree of ${cp.size}` : "NOT INCLUDED: the proof fails");
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
    await showStatus(DATA.status); await showCheckpoint();
  } catch (e) { /* the next event tries again */ }
}

window.pausepact = {judgeStatus, judgeCheckpoint, verifyInclusion, leafHash, canonicalJSON, showStatus};
showStatus(DATA.status);
showCheckpoint();
explorer();
live();
setInterval(() => showStatus(DATA.status), 30000);  // a status goes stale by the clock alone
})();
