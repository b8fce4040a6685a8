"""``pausepact submit``: a statement from flags per type (or the contract's ``--body JSON``), previewed with
``--dry-run`` before anything is signed, and a void result always shown.

The body a flag set makes is exactly the contract's body: closed, nothing added. ``--rationale`` is v2's
optional ``rationale`` member of ``propose`` and ``vote`` (at most 2,000 code points), sent with the body.

A report of an indicator the pact seals (contract v2 section 8) is sealed here, whether asked for as
``report`` or ``sealed_report``: the value is checked against its unit, committed with a fresh salt,
sealed to every monitor's seal key, and its opening kept (``--openings``, see ``party.openings``) so
that ``pausepact reveal`` can publish it later. The value is never sent in the clear.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from .. import keyfiles
from ..core.durations import format_time
from ..core.effects import outcome, preview, replayed, unsigned
from ..core.statements import SignedStatement
from ..errors import InputError
from ..party.reporting import submit_report
from ..party.sealing import seal_report
from . import app, party_cmds
from .common import JsonOpt, KeyOpt, PactOpt, ServerOpt, body_option, err, out, parse_time_option, plain, print_json, shown
from .log_read_cmds import fetch_checked, log_size

_FLAGS: dict[str, tuple[str, ...]] = {
    # the flags each type takes (others are refused, so a flag can never be silently dropped)
    "sign": (),
    "report": ("indicator", "value", "measured_at", "subject", "evidence_digest", "evidence_source", "evidence_uri"),
    "sealed_report": ("indicator", "value", "measured_at", "subject", "evidence_digest", "evidence_source", "evidence_uri"),
    "countersign": ("entry",),
    "attest": ("claim", "level", "evidence_digest", "evidence_source", "evidence_uri"),
    "propose": ("id", "action", "level", "party", "rationale"),
    "vote": ("proposal", "yes", "no", "rationale"),
    "cancel": ("proposal", "reason"),
    "ack": ("level", "since"),
    "run": ("run", "event", "flop"),
}
_NEEDED: dict[str, tuple[str, ...]] = {
    "report": ("indicator", "value"), "sealed_report": ("indicator", "value"), "countersign": ("entry",), "attest": ("claim", "level"),
    "propose": ("id", "action", "level"), "vote": ("proposal",), "cancel": ("proposal", "reason"),
    "ack": ("level", "since"), "run": ("run", "event", "flop"),
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def body_from_flags(type_: str, flags: dict[str, Any]) -> dict[str, Any]:
    """The v1 body of ``type_`` from its flags (``None``/``False``: not given); InputError naming a wrong or missing flag.

    ``entry`` (countersign) and a missing ``measured_at`` (report) are left for the caller, who reads the log."""
    if type_ not in _FLAGS:
        raise InputError(f"unknown statement type {type_!r}; one of {', '.join(_FLAGS)}")
    given = {k for k, v in flags.items() if v is not None and v is not False}
    if wrong := sorted(given - set(_FLAGS[type_])):
        raise InputError(f"submit {type_}: {', '.join(map(_flag, wrong))} does not apply to a {type_!r} statement")
    if missing := [n for n in _NEEDED.get(type_, ()) if n not in given]:
        raise InputError(f"submit {type_}: give {', '.join(map(_flag, missing))} (or --body JSON)")
    body: dict[str, Any] = {k: flags[k] for k in _FLAGS[type_] if k in given and not k.startswith("evidence_")}
    if type_ == "vote":
        if flags.get("yes") == flags.get("no"):
            raise InputError("submit vote: give exactly one of --yes or --no")
        body = {"proposal": flags["proposal"], "choice": "yes" if flags.get("yes") else "no"}
        if flags.get("rationale") is not None:
            body["rationale"] = flags["rationale"]
    if {"evidence_digest", "evidence_source", "evidence_uri"} & given:
        if not {"evidence_digest", "evidence_source"} <= given:
            raise InputError(f"submit {type_}: evidence needs --evidence-digest and --evidence-source (--evidence-uri is optional)")
        body["evidence"] = {"digest": flags["evidence_digest"], "source": flags["evidence_source"]}
        if flags.get("evidence_uri") is not None:
            body["evidence"]["uri"] = flags["evidence_uri"]
    body.pop("entry", None)
    return body


def _sealed_here(pact: Any, type_: str, body: dict[str, Any]) -> bool:
    """Whether this command seals the body: a report (by flags or ``--body`` with a value) of a sealed indicator.

    A ``sealed_report`` of a public indicator is refused here, before anything is signed; a ``--body`` already
    sealed (commitment and members, no value) is sent as given."""
    if type_ not in ("report", "sealed_report"):
        return False
    name = body.get("indicator")
    ind = pact.indicators.get(name) if isinstance(name, str) else None
    if type_ == "sealed_report" and ind is not None and not ind.sealed:
        raise InputError(f"submit sealed_report: indicator {name!r} is public in this pact: submit it as a report")
    if ind is None or not ind.sealed or "value" not in body:
        return False
    return True


def _countersign_target(c: Any, pact: Path, entry: int, me: str) -> str:
    """The payload hash of entry ``entry`` after checking, here, that it is a report a monitor may countersign."""
    entries, checked = fetch_checked(c, pact, max(log_size(c), entry + 1))
    if len(entries) <= entry:
        raise InputError(f"--entry {entry}: the log has only {len(entries)} entries")
    ss = checked[entry]
    if not isinstance(ss, SignedStatement):
        raise InputError(f"--entry {entry}: the entry is rejected ({ss.code}): nothing to countersign")
    st = ss.statement
    ind = c.pact.indicators.get(st.body.get("indicator")) if st.type == "report" else None
    if ind is None or not ind.countersigned_by:
        raise InputError(f"--entry {entry}: a {st.type!r} by {plain(st.party)} is not a report of an indicator "
                         "that needs a countersignature")
    if st.party == me:
        raise InputError(f"--entry {entry}: a monitor may not countersign its own report")
    effect = outcome(replayed(c.pact, checked), entry)
    if effect["effect"] != "pending":
        raise InputError(f"--entry {entry}: the report is {effect['effect']}" + (f" ({effect['reason']})" if effect["reason"] else "")
                         + ": a countersign would change nothing")
    return ss.digest


def _event_text(e: dict[str, Any]) -> str:
    from .engine_cmds import _describe

    return f"{e['at']}: {_describe(e)}"


def _show_preview(result: dict[str, Any]) -> None:
    o = result["outcome"]
    if o["effect"] == "rejected":
        err.print(f"[red]the log would refuse it: {shown(o['code'])}: {shown(o['reason'])}[/]")
    elif o["effect"] == "void":
        err.print(f"[yellow]warning: it would be void (valid, but has no effect): {shown(o['reason'])}[/]")
    elif o["effect"] == "pending":
        out.print(f"it would be logged and wait: {shown(o['reason'])}")
    else:
        out.print("it would count")
    for line in result["changes"]:
        out.print(f"  now: {shown(line)}")
    for e in result["would_happen"]:
        out.print(f"  then: {shown(_event_text(e))}")
    for e in result["would_no_longer_happen"]:
        out.print(f"  no longer: {shown(_event_text(e))}")
    if o["effect"] not in ("rejected", "void") and not (result["changes"] or result["would_happen"] or result["would_no_longer_happen"]):
        out.print("  no change to levels or proposals")


Opt = typer.Option


@app.command()
def submit(
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="sign, report, sealed_report, countersign, attest, propose, vote, cancel, "
                                                           "run or ack (any type with --body)")],
    server: ServerOpt,
    pact: PactOpt,
    party: Annotated[str, Opt("--as", help="the signing party's id", show_default=False)],
    key: KeyOpt,
    body: Annotated[str | None, Opt("--body", help="the body as JSON (instead of the flags per type)")] = None,
    dry_run: Annotated[bool, Opt("--dry-run", help="replay the log here with the statement appended and say what it would change; sign nothing")] = False,
    rationale: Annotated[str | None, Opt("--rationale", help="propose, vote: why (v2's rationale member, sent with the body)")] = None,
    entry: Annotated[int | None, Opt("--entry", help="countersign: the log index of the report", min=0)] = None,
    indicator: Annotated[str | None, Opt("--indicator", help="report: the indicator")] = None,
    value: Annotated[float | None, Opt("--value", help="report: the measured value")] = None,
    measured_at: Annotated[str | None, Opt("--measured-at", help="report: when it was measured (default: the log's now)")] = None,
    subject: Annotated[str | None, Opt("--subject", help="report: the developer a monitor reports about")] = None,
    evidence_digest: Annotated[str | None, Opt("--evidence-digest", help="report, attest: sha256:<hex> of the material")] = None,
    evidence_source: Annotated[str | None, Opt("--evidence-source", help="report, attest: where the material comes from")] = None,
    evidence_uri: Annotated[str | None, Opt("--evidence-uri", help="report, attest: where to find it")] = None,
    claim: Annotated[str | None, Opt("--claim", help="attest: the claim")] = None,
    level: Annotated[str | None, Opt("--level", help="attest, propose, ack: the level")] = None,
    id_: Annotated[str | None, Opt("--id", help="propose: the new proposal's id")] = None,
    action: Annotated[str | None, Opt("--action", help="propose: raise or resume")] = None,
    for_party: Annotated[str | None, Opt("--party", help="propose: the developer whose own level a resumption leaves")] = None,
    proposal: Annotated[str | None, Opt("--proposal", help="vote, cancel: the proposal's id")] = None,
    yes: Annotated[bool, Opt("--yes", help="vote: yes")] = False,
    no: Annotated[bool, Opt("--no", help="vote: no")] = False,
    reason: Annotated[str | None, Opt("--reason", help="cancel: why")] = None,
    since: Annotated[str | None, Opt("--since", help="ack: when the level was entered")] = None,
    run: Annotated[str | None, Opt("--run", help="run: the run's id")] = None,
    event: Annotated[str | None, Opt("--event", help="run: start, heartbeat or stop")] = None,
    flop: Annotated[float | None, Opt("--flop", help="run: its size in FLOP")] = None,
    openings: Annotated[Path | None, Opt("--openings", help="sealed report: the file that keeps its opening for "
                                                            "'pausepact reveal' (default: one per pact and party in the user data folder)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Sign a statement and submit it; the next seq and the time are picked from the log itself.

    The body comes from the flags of its type (e.g. ``submit vote --proposal p1 --yes``) or from ``--body JSON``.
    A report of an indicator the pact seals is sealed to the monitors (whether asked for as report or
    sealed_report) and its opening kept for ``pausepact reveal``. A void result (valid, but no effect) is always shown."""
    flags = {"indicator": indicator, "value": value, "measured_at": measured_at, "subject": subject,
             "evidence_digest": evidence_digest, "evidence_source": evidence_source, "evidence_uri": evidence_uri,
             "claim": claim, "level": level, "id": id_, "action": action, "party": for_party, "proposal": proposal,
             "yes": yes, "no": no, "rationale": rationale, "reason": reason, "since": since, "run": run, "event": event, "flop": flop, "entry": entry}
    parse_time_option(measured_at, "--measured-at")
    parse_time_option(since, "--since")
    if body is not None:
        if given := [_flag(k) for k, v in flags.items() if v is not None and v is not False]:
            raise InputError(f"give --body or the flags of the type, not both ({', '.join(given)})")
        body_obj = body_option(body)
    else:
        body_obj = body_from_flags(type_, flags)
    with party_cmds._client(server, pact) as c:
        signer = c.signer_for(party, keyfiles.read_private_key(key))
        if type_ == "countersign" and entry is not None:
            body_obj["statement"] = _countersign_target(c, pact, entry, party)
        default_time = type_ in ("report", "sealed_report") and body is None and measured_at is None
        seq, log_time = c.next_seq(signer) if default_time or dry_run else (0, 0)
        if default_time:
            body_obj["measured_at"] = format_time(log_time)
        to_seal = _sealed_here(c.pact, type_, body_obj)
        if dry_run:
            _, checked = fetch_checked(c, pact, log_size(c))
            last = max((ch.statement.t for ch in checked if isinstance(ch, SignedStatement)), default=log_time)
            at = max(log_time, last)
            if to_seal:  # sealed here with a salt nobody keeps: nothing is sent
                type_, body_obj = "sealed_report", seal_report(c.pact, party, body_obj)[0]
            statement = unsigned(signer.statement(type_, body_obj, at, seq=seq), signer.keyid, c.pact)
            result = {"dry_run": True, "at": format_time(at), "body": body_obj,
                      **preview(c.pact, checked, statement, at).as_json()}
        elif to_seal:
            done = submit_report(c, signer, body_obj, openings)
            result = {**done.receipt, "sealed": done.sealed_json()}
        else:
            result = c.submit(signer, type_, body_obj)
    if dry_run:
        if json_out:
            print_json(result)
        else:
            out.print(f"dry run: {shown(type_)} by {shown(party)} as if logged at {result['at']}; nothing signed or sent")
            _show_preview(result)
        if result["outcome"]["effect"] == "rejected":
            raise typer.Exit(1)
        return
    if json_out:
        print_json(result)  # "void" passes through as given
    else:
        if sealed := result.get("sealed"):
            out.print(f"sealed: {shown(body_obj.get('indicator'))} is sealed in this pact, so the value went to the log only "
                      f"as commitment {shown(sealed['commitment'])}, sealed to {shown(', '.join(sealed['monitors']))}")
            out.print(f"  statement {shown(sealed['statement'])}; its opening is kept in {shown(sealed['openings'])} "
                      f"('pausepact reveal --index {shown(result.get('index'))}' would publish it)")
        out.print(f"accepted as entry {shown(result.get('index'))} (leaf {shown(str(result.get('leaf_hash'))[:16])}…), "
                  f"in checkpoint:\n{escape(plain(result.get('checkpoint'), newlines=True))}")
    party_cmds.warn_void(result)
