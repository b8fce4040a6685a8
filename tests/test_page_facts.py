"""The page's facts without a browser: current causes forget raises a resumption left behind; the page says "none"."""

from __future__ import annotations

from pausepact.server.page.facts import current_causes

LEVELS = ["normal", "heightened", "slowdown", "pause"]


def raise_(at: str, scope: str, to: str, rl: str) -> dict[str, object]:
    return {"at": at, "event": "raise", "scope": scope, "to": to, "red_line": rl}


def drop(at: str, scope: str, to: str) -> dict[str, object]:
    return {"at": at, "event": "drop", "scope": scope, "to": to}


def test_a_return_to_normal_leaves_no_cause() -> None:
    tl = [raise_("t1", "all", "slowdown", "a"), raise_("t2", "all", "pause", "b"), drop("t3", "all", "slowdown"),
          drop("t4", "all", "normal")]
    assert current_causes(tl, LEVELS) == {"all": []}


def test_a_drop_keeps_the_raises_that_still_explain_the_level() -> None:
    tl = [raise_("t1", "all", "slowdown", "a"), raise_("t2", "all", "pause", "b"), drop("t3", "all", "slowdown"),
          raise_("t5", "lab-a", "heightened", "silent")]
    causes = current_causes(tl, LEVELS)
    assert [c["red_line"] for c in causes["all"]] == ["a"]
    assert [c["red_line"] for c in causes["lab-a"]] == ["silent"]
