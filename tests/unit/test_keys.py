"""Key encoding: injective, order-preserving, and range-safe for any text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langgraph_agentcore.keys import KeySchema, decode_segment, encode_segment

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20) | st.sampled_from(
    ["", "#", "##", "$", "$@", "a#b", "a:b", "a/b", "ü", "日本", "\x00", "a\x01"]
)


@given(text)
def test_roundtrip(value: str) -> None:
    assert decode_segment(encode_segment(value)) == value


@given(text, text)
def test_injective_and_order_preserving(a: str, b: str) -> None:
    ea, eb = encode_segment(a), encode_segment(b)
    assert (ea == eb) == (a == b)
    assert (ea < eb) == (a.encode("utf-8") < b.encode("utf-8"))


@given(text)
def test_encoded_segment_sorts_above_separator(value: str) -> None:
    assert all(ord(c) > ord("#") for c in encode_segment(value))


@given(text, text, text, text)
def test_thread_and_namespace_ranges_never_overlap(t1: str, t2: str, ns: str, cid: str) -> None:
    ks = KeySchema("agent")
    sk = ks.checkpoint_sk(t2, ns, cid)
    lo, hi = ks.thread_checkpoint_range(t1)
    assert (lo <= sk <= hi) == (t1 == t2)
    assert sk.startswith(ks.thread_prefix(t1)) == (t1 == t2)
    # the chunk region of a thread is outside its checkpoint range
    assert not lo <= ks.chunk_sk(t2, "abc", 0) <= hi


@given(text, text, text, text)
def test_namespace_prefix_is_exact(ns1: str, ns2: str, cid: str, task: str) -> None:
    ks = KeySchema("agent")
    prefix = ks.ns_prefix("t", ns1)
    assert ks.checkpoint_sk("t", ns2, cid).startswith(prefix) == (ns1 == ns2)
    assert ks.writes_sk("t", ns2, cid, task).startswith(prefix) == (ns1 == ns2)


@given(text, text, text)
def test_writes_sort_between_their_checkpoint_and_the_next(c1: str, c2: str, task: str) -> None:
    ks = KeySchema("agent")
    cp1, cp2 = ks.checkpoint_sk("t", "", c1), ks.checkpoint_sk("t", "", c2)
    w1 = ks.writes_sk("t", "", c1, task)
    assert cp1 < w1
    if c1 < c2:
        assert w1 < cp2


def test_shards_are_stable_and_derived_from_the_agent_key() -> None:
    ks = KeySchema("bot#1", shards=4)
    keys = {ks.pk(f"thread-{i}") for i in range(200)}
    assert keys == set(ks.partition_keys()) and len(keys) == 4
    assert all(k.startswith("agent#bot$c1#shard-") for k in keys)
    assert ks.pk("x") == KeySchema("bot#1", shards=4).pk("x")
    assert KeySchema("bot").pk("x") == "agent#bot"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"agent_id": ""}, "agent_id"),
        ({"agent_id": 5}, "agent_id"),
        ({"agent_id": "a", "shards": 0}, "shards"),
        ({"agent_id": "a", "pk_attr": "k", "sk_attr": "k"}, "distinct"),
    ],
)
def test_bad_schema(kwargs: dict, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        KeySchema(**kwargs)


def test_ids_too_long_for_a_sort_key() -> None:
    with pytest.raises(ValueError, match="too long"):
        KeySchema("a").check_ids(thread_id="x" * 1100)
    with pytest.raises(TypeError, match="thread_id must be a str"):
        KeySchema("a").check_ids(thread_id=["x"])
