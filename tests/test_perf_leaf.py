"""The fast paths of the append and verify hot loop give exactly the bytes and verdicts of the slow ones.

- ``canonical_object`` (read canonical bytes with the C codec) accepts only bytes
  that ``strict_loads`` reads to an equal object whose RFC 8785 form they are;
- the leaf written directly from a checked envelope's members is ``canonical(envelope)``;
- a payload that is not its own canonical form is still ``malformed``, however it differs.
"""

from __future__ import annotations

import base64
import json

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from pausepact.core.canonical import JsonError, canonical, canonical_object, strict_loads
from pausepact.core.keys import keyid
from pausepact.core.statements import STATEMENT_TYPE, Rejection, _leaf, b64, decode_envelope, pae, sign_envelope
from pausepact.keyfiles import public_raw
from tests.factory import Parties, key, make_pact

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
           | st.sampled_from(["\u00e9", "\U0001f600", "\x00", '"\\/', "a\tb"]))
documents = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4)
                         | st.dictionaries(st.text(max_size=6), kids, max_size=4), max_leaves=20)
objects = st.dictionaries(st.text(max_size=6), documents, max_size=5)


def _texts(doc: object) -> st.SearchStrategy[bytes]:
    """Byte forms of ``doc``: canonical, and the ways JSON writers differ from it."""
    forms = [json.dumps(doc).encode(), json.dumps(doc, separators=(",", ":"), sort_keys=True).encode(),
             json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()]
    try:
        forms.append(rfc8785.dumps(doc))
    except rfc8785.CanonicalizationError:  # integers beyond 2^53: no canonical form
        pass
    return st.sampled_from(forms)


@settings(max_examples=1500, deadline=None)
@given(objects.flatmap(_texts))
def test_canonical_object_agrees_with_the_strict_path(data: bytes) -> None:
    fast = canonical_object(data)
    if fast is None:
        return
    assert strict_loads(data) == fast
    assert canonical(fast) == data == rfc8785.dumps(fast)


@settings(max_examples=800, deadline=None)
@given(st.binary(max_size=40) | st.sampled_from([
    b'{"a":1,"a":1}', b'{"a":1,"a":2}', b'{"a":NaN}', b'{"a":Infinity}', b'{"a":1e400}', b'{"a":9007199254740993}',
    b'{"a":-0}', b'{"a":1.50}', b'{"a":2.0}', b'{"a":"\\u0041"}', b'{"b":1,"a":2}', b'{"a":1} ', b"[1]", b"null",
    b'{"a":' * 5000 + b"1" + b"}" * 5000, '{"a":"\u00e9"}'.encode(), b'\xef\xbb\xbf{"a":1}', b'{"a":"\\ud800"}']))
def test_canonical_object_refuses_what_is_not_canonical(data: bytes) -> None:
    fast = canonical_object(data)
    if fast is None:
        return
    assert canonical(strict_loads(data)) == data


def test_canonical_object_on_non_canonical_forms() -> None:
    for data in (b'{"a":1,"a":1}', b'{"a":NaN}', b'{"a":9007199254740993}', b'{"a":"\\u0041"}', b'{"b":1,"a":2}',
                 b'{"a": 1}', b'{"a":1e400}', b"[1]"):
        assert canonical_object(data) is None, data
    assert canonical_object(b'{"a":[1,0.5,"x",null,true]}') == {"a": [1, 0.5, "x", None, True]}


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=300), st.binary(min_size=64, max_size=64))
def test_leaf_is_the_canonical_envelope(payload: bytes, sig: bytes) -> None:
    kid = "0123456789abcdef" * 4
    envelope = {"payloadType": STATEMENT_TYPE, "payload": b64(payload), "signatures": [{"keyid": kid, "sig": b64(sig)}]}
    assert _leaf(b64(payload), kid, b64(sig)) == rfc8785.dumps(envelope)


def test_decoded_leaf_is_canonical_envelope_for_every_written_form() -> None:
    pact, _ = make_pact()
    parties = Parties(pact)
    env = parties("lab-a").sign("report", {"indicator": "ai_code_share", "value": 0.25,
                                           "measured_at": "2027-01-01T00:00:00Z"}, 1798761600)
    for raw in (env, json.dumps(env).encode(), json.dumps(env, indent=2), canonical(env)):
        ss = decode_envelope(raw, pact)
        assert ss.leaf == rfc8785.dumps(env)


def _signed_payload(payload: bytes) -> dict[str, object]:
    k = key("lab-a")
    return {"payloadType": STATEMENT_TYPE, "payload": b64(payload),
            "signatures": [{"keyid": keyid(public_raw(k)), "sig": b64(k.sign(pae(STATEMENT_TYPE, payload)))}]}


def test_payload_that_is_not_its_canonical_form_stays_malformed() -> None:
    pact, _ = make_pact()
    parties = Parties(pact)
    env = parties("lab-a").sign("report", {"indicator": "ai_code_share", "value": 0.25,
                                           "measured_at": "2027-01-01T00:00:00Z"}, 1798761600)
    doc = json.loads(base64.b64decode(env["payload"]))
    variants = [json.dumps(doc).encode(), json.dumps(doc, sort_keys=True).encode(),
                rfc8785.dumps(doc).replace(b'"seq":', b'"seq":1,"seq":', 1),
                rfc8785.dumps(doc).replace(b"0.25", b"0.250"), rfc8785.dumps(doc).replace(b"lab-a", b"lab\\u002da")]
    for payload in variants:
        try:
            decode_envelope(_signed_payload(payload), pact)
        except Rejection as r:
            assert r.code == "malformed", (payload, r)
        else:
            raise AssertionError(f"accepted a non-canonical payload {payload!r}")
    assert decode_envelope(_signed_payload(rfc8785.dumps(doc)), pact).payload == rfc8785.dumps(doc)


def test_sign_envelope_round_trips_through_the_fast_path() -> None:
    env = sign_envelope(STATEMENT_TYPE, {"a": 0.1, "b": [1, 2]}, key("x"))
    assert canonical_object(json.dumps(env, separators=(",", ":"), sort_keys=True).encode()) == env


def test_strict_loads_errors_unchanged() -> None:
    for bad, needle in ((b"\xef\xbb\xbf{}", "BOM"), (b'{"a":1,"a":2}', "duplicate"), (b"[1", "line 1"), (b"\xff", "UTF-8")):
        try:
            strict_loads(bad)
        except JsonError as e:
            assert needle in str(e), (bad, e)
        else:
            raise AssertionError(bad)
