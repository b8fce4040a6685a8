"""Appends are sequenced while signatures are verified, against the head read before the lock.

Whatever happens between that read and the lock (another server appends, a
status raises the floor), the stored log and each result are those of
sequencing under the lock: indices follow the other writer's entries, a seq the
other writer used is ``bad-seq``, a time before a raised floor is ``time-order``,
and the checkpoint's root is the root of the stored leaves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pausepact.core import merkle
from pausepact.core.durations import parse_time
from pausepact.core.notes import parse_checkpoint, parse_note
from pausepact.log.checking import EnvelopeChecker
from pausepact.log.store import LogStore, open_store
from pausepact.log.writer import Accepted, LogWriter, Refused

from .factory import Parties, key, make_pact

T0 = parse_time("2027-01-01T00:00:00Z")


@pytest.fixture
def two_writers(store_url: str) -> Iterator[tuple[LogWriter, LogWriter, Parties]]:
    pact, data = make_pact()
    stores = [open_store(store_url), open_store(store_url)]
    writers = [LogWriter(s, pact, key("log"), EnvelopeChecker(pact, data, workers=1)) for s in stores]
    yield writers[0], writers[1], Parties(pact)
    for s in stores:
        s.close()


def _meanwhile(w: LogWriter, action: Any) -> None:
    """Run ``action`` after ``w`` has checked and planned its next batch, before it takes the lock."""
    checked = w._checked

    def then_act(envelopes: Any) -> Iterator[Any]:
        yield from checked(envelopes)
        action()

    w._checked = then_act  # type: ignore[method-assign]


def _assert_consistent(store: LogStore) -> None:
    size, note = store.checkpoint()  # type: ignore[misc]
    cp = parse_checkpoint(parse_note(note).text)
    assert cp.size == size == store.size()
    assert cp.root == merkle.root_of([merkle.leaf_hash(e.leaf) for e in store.entries(0, size)])


def test_another_writer_appending_meanwhile_is_sequenced_first(two_writers: tuple[LogWriter, LogWriter, Parties]) -> None:
    w1, w2, p = two_writers
    other = [p("lab-a").sign("sign", {}, T0, seq=1), p("lab-b").sign("sign", {}, T0, seq=1)]
    _meanwhile(w1, lambda: w2.append(other, now=T0))
    res = w1.append([p("lab-a").sign("sign", {}, T0, seq=1), p("lab-c").sign("sign", {}, T0, seq=1)], now=T0)
    assert isinstance(res[0], Refused) and res[0].error == "bad-seq"  # lab-a's seq 1 went to the other writer
    assert isinstance(res[1], Accepted) and res[1].index == 2  # after the other writer's two entries
    assert [i for i, _ in w1.appended] == [2]
    _assert_consistent(w1.store)


def test_a_floor_raised_meanwhile_refuses_earlier_times(two_writers: tuple[LogWriter, LogWriter, Parties]) -> None:
    w1, w2, p = two_writers

    def raise_floor() -> None:
        with w2.store.write():
            w2.store.raise_floor(T0 + 5)

    _meanwhile(w1, raise_floor)
    res = w1.append([p("lab-a").sign("sign", {}, T0 + 1, seq=1), p("lab-b").sign("sign", {}, T0 + 6, seq=1)], now=T0 + 6)
    assert isinstance(res[0], Refused) and res[0].error == "time-order" and res[0].log_time is not None
    assert isinstance(res[1], Accepted) and res[1].index == 0
    _assert_consistent(w1.store)


def test_unchanged_head_stores_the_plan(two_writers: tuple[LogWriter, LogWriter, Parties]) -> None:
    w1, _, p = two_writers
    envs = [p(lab).sign("sign", {}, T0 + i, seq=1) for i, lab in enumerate(("lab-a", "lab-b", "lab-c"))]
    envs.append(p("lab-a").sign("sign", {}, T0 + 3, seq=1))  # seq 1 again within the batch: bad-seq
    res = w1.append(envs, now=T0 + 3)
    assert [type(r).__name__ for r in res] == ["Accepted", "Accepted", "Accepted", "Refused"]
    assert [r.index for r in res if isinstance(r, Accepted)] == [0, 1, 2]
    res2 = w1.append([p("lab-a").sign("sign", {}, T0 + 4, seq=2)], now=T0 + 4)
    assert isinstance(res2[0], Accepted) and res2[0].index == 3
    _assert_consistent(w1.store)
