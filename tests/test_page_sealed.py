"""The public page on sealed reports and amendments: verdicts by name, versions, revoked keys, never a sealed value."""

from __future__ import annotations

from pausepact.core.durations import format_time
from pausepact.keyfiles import public_text
from pausepact.server.page.facts import gather
from pausepact.server.page.html import render

from .factory import key
from .sealed_log import DAY, T0, SealedLog, sealed_pact
from .test_engine_amend import TIGHTER, V1, V2, amend, under
from .test_engine_amend import world as amendable_world

PACT, _ = sealed_pact()
WORDS = {"models-write-the-code": "meets", "all-code-by-models": "misses"}


def test_the_page_names_verdicts_and_disputes_and_never_shows_a_sealed_value() -> None:
    log = SealedLog(PACT)
    for d in ("lab-a", "lab-b", "lab-c"):
        log.add(d, "sign", {}, T0)
    d1 = log.sealed_report("lab-a", "ai_code_share", 0.9731, T0 + DAY)
    log.verdict("aisi", d1, WORDS, T0 + DAY + 60)
    log.verdict("eval-org", d1, None, T0 + DAY + 120)
    log.verdict("civic-audit", d1, WORDS, T0 + DAY + 180)
    engine = log.engine()
    html = render(gather(engine, PACT, T0 + 3 * DAY, None, None))
    assert "Confidential reports" in html and "assessed" in html
    assert "unopened on the report at entry 3" in html and "eval-org" in html
    assert "values sealed to the monitors" in html
    assert "0.9731" not in html and "nan" not in html.lower().replace("nano", "")


def test_the_page_lists_the_versions_in_force_and_revoked_keys() -> None:
    log = amendable_world()
    amend(log, TIGHTER, T0 + DAY)
    log.parties("lab-a", 1)
    under(log, V2)
    k1 = public_text(key("lab-a", 1))
    log.add("lab-a", "revoke", {"key": k1, "reason": "guard key leaked"}, T0 + 4 * DAY)
    html = render(gather(log.engine(), V1, T0 + 5 * DAY, None, None))
    assert f"version 2, digest <code class=\"digest\">{V2.digest}</code>, in force from <time>{format_time(T0 + 3 * DAY + 5)}" in html
    assert "Revoked keys" in html and k1 in html
    assert f"Pact <code>test-pact</code>, version 2, digest <code class=\"digest\">{V2.digest}" in html


def test_an_open_amendment_reads_as_one_on_the_page() -> None:
    import base64

    log = amendable_world()
    log.add("aisi", "propose", {"id": "a1", "action": "amend", "pact": base64.b64encode(TIGHTER.encode()).decode()},
            T0 + DAY)
    html = render(gather(log.engine(), V1, T0 + DAY + 10, None, None))
    assert f"<b>a1</b>: amend the pact to version 2 (digest <code class=\"digest\">{V2.digest}</code>" in html
    assert "amend None" not in html
