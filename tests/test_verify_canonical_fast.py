"""The C-encoder fast path writes exactly RFC 8785's bytes whenever it answers (it speeds up every append and verify)."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from pausepact.core.canonical_fast import plain_canonical

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
           | st.sampled_from(["\u00e9", "\ue000", "\U0001f600", "\x7f", "\x00", "\u2028", '"\\/', "a\tb\nc"]))
documents = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4)
                         | st.dictionaries(st.text(max_size=6) | st.sampled_from(["\ue000", "\U0001f600", "a", "B", "_"]),
                                           kids, max_size=4), max_leaves=25)


@settings(max_examples=3000, deadline=None)
@given(documents)
def test_fast_path_equals_rfc8785_whenever_it_answers(doc: object) -> None:
    fast = plain_canonical(doc)
    if fast is not None:
        assert fast == rfc8785.dumps(doc)


@settings(max_examples=2000, deadline=None)
@given(st.floats(min_value=1e-4, max_value=1e16, exclude_max=True) | st.floats(min_value=-1e16, max_value=-1e-4, exclude_min=True))
def test_floats_in_the_plain_range(f: float) -> None:
    fast = plain_canonical({"v": f})
    assert fast is None or fast == rfc8785.dumps({"v": f})
    assert (fast is None) == f.is_integer()


def test_a_statement_takes_the_fast_path() -> None:
    doc = {"type": "report", "party": "lab-a", "seq": 3, "time": "2027-01-01T00:00:00Z",
           "body": {"indicator": "ai_code_share", "value": 0.317, "measured_at": "2027-01-01T00:00:00Z"}}
    assert plain_canonical(doc) == rfc8785.dumps(doc)
    for slow in ({"v": 1e20}, {"v": 2.0}, {"v": 1e-7}, {"v": 2**60}, {"\u00e9": 1}, {"v": (1, 2)}, {"v": -0.0}):
        assert plain_canonical(slow) is None
