"""A monitor's part in sealed reports (contract v2 section 8): open, judge, share.

``Judge`` rides on the monitor's replay. ``take`` sees every entry the monitor applies to its
engine: it opens the member of each sealed report addressed to this monitor (with every seal
key it holds, the current one and retired ones) and each share sent to it, and keeps the
values it opened in the monitor's state file (mode 0600), nowhere else. ``round`` runs once
the replay has caught up with the log's newest checkpoint, and walks the engine's sealed
reports in log order; for each one this monitor judges:

- no verdict yet: if its member did not open, ``opened: false``; if it opened, the words of
  ``core.verdicts.judge_report`` (doubling words only once the value of every counted report
  of the window is known: until then it waits, and says once what for);
- latest verdict ``opened: false``, a share to it logged, the value known (from the share)
  and ``verdict_within`` not passed: the further verdict;
- latest verdict ``opened: true`` and ``verdict_within`` not passed: a share, sealed to the
  other judge's seal key, for each judge whose latest verdict is ``opened: false`` and that
  it has not shared with yet.

What a caller may rely on: nothing is sent twice while the replay has not reached what was
sent (``MonitorState.sealed_sent``, durable before the next statement leaves); once it has,
the engine's records are the truth. A refused or undelivered statement is one warning line
and an incident in the state file, and is tried again next round; one the log took as void
is not repeated by this process. No log line, incident or error carries an opened value.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..clock import Clock
from ..core.durations import format_time
from ..core.engine import Engine
from ..core.engine.sealed import SealedReport
from ..core.sealing import Opened, parse_seal_key, seal, share_info
from ..core.statements import SignedStatement
from ..core.verdicts import judge_report, missing_values, open_addressed
from ..errors import PausepactError
from ..party.client import PactClient
from ..party.signer import Signer
from .state import MonitorState

log = logging.getLogger("pausepact.monitor")


class Judge:
    """One monitor's verdicts and shares on the sealed reports of one log. Not thread-safe."""

    def __init__(self, client: PactClient, party: str, key: Ed25519PrivateKey, seal_keys: Sequence[X25519PrivateKey],
                 state: MonitorState, clock: Clock) -> None:
        self.client, self.pact, self.party, self.clock, self.state = client, client.pact, party, clock, state
        self.in_force = client.pact  # the version in force as of the last round's replay
        self.signer = Signer(client.pact, party, key)
        self.seal_keys = list(seal_keys)
        self.values: dict[str, float] = {d: float(o["value"]) for d, o in state.openings.items()}
        self.pact_digests: dict[str, str] = {}  # report digest -> the pact_digest its statement names
        self.unopened: dict[str, str] = {}      # report digest -> why this monitor's member did not open
        self.voided: set[tuple[str, str, str | None]] = set()
        self.said: dict[str, str] = {}          # what was last said about a report (waits, problems): said once
        self.dirty = False

    # ------------------------------------------------------------------ entries

    def take(self, index: int, ss: SignedStatement, engine: Engine) -> None:
        """One entry just applied to ``engine`` at ``index``: open what it addresses to this monitor."""
        st = ss.statement
        if st.type == "sealed_report":
            rec = engine.sealed.get(ss.digest)
            if rec is None or rec.index != index:
                return  # void (a replayed commitment): nothing to judge
            self.pact_digests[ss.digest] = st.pact_digest
        elif st.type == "share":
            rec = engine.sealed.get(getattr(st.content, "statement", ""))
        else:
            return
        if rec is None or rec.digest in self.values:
            return
        # the unit and red lines of the version the report is judged under (section 8)
        got = open_addressed(ss, rec, self.party, self.seal_keys, engine.version_at(rec.time).pact.indicators[rec.indicator].unit,
                             self.pact_digests.get(rec.digest, st.pact_digest))
        if isinstance(got, Opened):
            self._keep(rec, got)
        elif got is not None and st.type == "sealed_report":
            self.unopened[ss.digest] = got.kind
            log.warning("sealed report %d: this monitor's member did not open (%s: %s)", rec.index, got.kind, got.reason)
        elif got is not None:
            log.warning("sealed report %d: the share from %s did not open (%s: %s)", rec.index, st.party,
                        got.kind, got.reason)

    def _keep(self, rec: SealedReport, got: Opened) -> None:
        self.values[rec.digest] = got.value
        self.unopened.pop(rec.digest, None)
        self.state.openings[rec.digest] = {"index": rec.index, "value": got.value, "salt": got.salt}
        self.dirty = True

    # ------------------------------------------------------------------ one round

    def round(self, engine: Engine) -> list[str]:
        """Send what is due on the engine's sealed reports (see the module docstring); what was done, one line each."""
        self.in_force = engine.pact
        sent = [s for s in self.state.sealed_sent if s["index"] >= engine.size]  # not yet replayed
        if len(sent) != len(self.state.sealed_sent) or self.dirty:
            self.state.sealed_sent = sent
            self.state.save()  # openings are durable before any verdict on them leaves
            self.dirty = False
        flying = {s["statement"] for s in sent}
        now = self.clock.now()
        records = engine.sealed
        done: list[str] = []
        for digest, rec in list(engine.sealed.items()):
            if self.party not in rec.judges or digest in flying:
                continue
            mine = rec.verdicts.get(self.party)
            open_now = not rec.final and now <= rec.due
            if mine is None:
                if digest in self.values:
                    records = self._judge(engine, rec, records, now, "verdict", done)
                elif digest in self.unopened:
                    self._send("verdict", {"statement": digest, "opened": False, "red_lines": {}}, rec, None,
                               f"verdict on sealed report {rec.index}: could not open", done)
            elif not mine.opened:
                if digest in self.values and open_now and any(to == self.party for _, to in rec.shares):
                    records = self._judge(engine, rec, records, now, "further verdict", done)
            elif open_now:
                for judge in rec.unopened():
                    if (self.party, judge) not in rec.shares:
                        self._share(rec, judge, done)
        return done

    def _judge(self, engine: Engine, rec: SealedReport, records: dict[str, SealedReport], now: int, what: str,
               done: list[str]) -> dict[str, SealedReport]:
        """Send an opened verdict on ``rec`` if its words are known; the records read (states as of now)."""
        lacking = missing_values(rec, records, self.values)
        if lacking and records is engine.sealed and any(records[d].due <= now for d in _digests(rec, records, lacking)):
            # a report this monitor cannot open may have become unopenable or disputed with time alone
            records = engine.view(max(now, engine.clock or now)).sealed
            lacking = missing_values(rec, records, self.values)
        words = None if lacking else judge_report(engine.version_at(rec.time).pact, rec, records, self.values)
        if words is None:
            self._say(rec.digest, f"sealed report {rec.index}: waiting for the values of reports "
                                  f"{', '.join(map(str, lacking))} of its window before giving doubling words",
                      problem=False)
            return records
        self._send("verdict", {"statement": rec.digest, "opened": True, "red_lines": words}, rec, None,
                   f"{what} on sealed report {rec.index}: opened", done)
        return records

    def _share(self, rec: SealedReport, judge: str, done: list[str]) -> None:
        opened = self.state.openings.get(rec.digest)
        key = self.in_force.seal_keys.get(judge)  # the recipient's seal key in the version in force
        pact_digest = self.pact_digests.get(rec.digest)
        if opened is None or key is None or pact_digest is None:
            self._say(rec.digest, f"sealed report {rec.index}: cannot share with {judge} (no opening kept, "
                                  "or no seal key or pact digest for it)")
            return
        try:
            sealed = seal(opened["value"], base64.b64decode(opened["salt"]), parse_seal_key(key),
                          share_info(pact_digest, rec.commitment, judge))
        except ValueError as e:
            self._say(rec.digest, f"sealed report {rec.index}: cannot share with {judge}: {e}")
            return
        self._send("share", {"statement": rec.digest, "to": judge, "sealed": base64.b64encode(sealed).decode("ascii")},
                   rec, judge, f"share of sealed report {rec.index} with {judge}", done)

    def _send(self, type_: str, body: dict[str, Any], rec: SealedReport, to: str | None, what: str,
              done: list[str]) -> None:
        action = (rec.digest, type_, to)
        if action in self.voided:
            return
        try:
            receipt = self.client.submit(self.signer, type_, body)
        except PausepactError as e:
            self._say(rec.digest, f"{what}: not logged, tried again next round: {e.diagnostics()}")
            return
        self.state.sealed_sent.append({"statement": rec.digest, "type": type_, "to": to, "index": receipt["index"]})
        self.state.save()
        self.said.pop(rec.digest, None)
        if "void" in receipt:
            self.voided.add(action)
            self._say(rec.digest, f"{what}: the log took entry {receipt['index']} as void: {receipt['void']}")
            return
        done.append(f"{what} (entry {receipt['index']})")

    def _say(self, digest: str, line: str, problem: bool = True) -> None:
        """A problem (a warning, kept in the state file) or a wait (information), logged once per report until
        it changes."""
        if self.said.get(digest) == line:
            return
        self.said[digest] = line
        if not problem:
            log.info("%s", line)
            return
        log.warning("%s", line)
        try:
            self.state.record_incident(format_time(self.clock.now()), line)
        except PausepactError as e:
            log.error("%s", e.diagnostics())


def _digests(rec: SealedReport, records: dict[str, SealedReport], indexes: list[int]) -> list[str]:
    wanted = set(indexes)
    return [d for ds in rec.windows.values() for d in ds if d in records and records[d].index in wanted]


__all__ = ["Judge"]
