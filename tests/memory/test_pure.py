"""The memory loop's pure parts: events, outbox items, namespace resolution, merging."""

from __future__ import annotations

import os

import pytest
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage

from langgraph_agentcore.errors import ItemTooLargeError
from langgraph_agentcore.events import MAX_PAYLOAD_ITEMS, client_token, plan_events
from langgraph_agentcore.keys import KeySchema
from langgraph_agentcore.outbox import (
    OutboxEntry,
    actor_prefix,
    decode_entry,
    decode_items,
    encode_entry,
    encode_items,
    outbox_sk,
)
from langgraph_agentcore.recall import (
    RetrievalConfig,
    Target,
    forget_roots,
    merge,
    resolve,
    targets,
)


def plan(messages: list, ts: int = 1_000) -> tuple:
    return plan_events(messages, actor_id="alice", session_id="s1", timestamp_ms=ts)


def test_client_tokens_are_deterministic_valid_and_distinct() -> None:
    a = plan([HumanMessage("hi", id="1"), AIMessage("yo", id="2")])[0][0]
    b = plan([HumanMessage("hi", id="1"), AIMessage("yo", id="2")], ts=99)[0][0]
    assert a.client_token == b.client_token and a.timestamp_ms != b.timestamp_ms
    assert 33 <= len(a.client_token) <= 256 and a.client_token.isalnum()
    other = [
        plan([HumanMessage("hi", id="1")])[0][0].client_token,  # fewer messages
        plan([HumanMessage("hi!", id="1"), AIMessage("yo", id="2")])[0][0].client_token,  # edit
        plan([HumanMessage("hi", id="9"), AIMessage("yo", id="2")])[0][0].client_token,  # id
        plan_events(
            [HumanMessage("hi", id="1"), AIMessage("yo", id="2")],
            actor_id="bob",
            session_id="s1",
            timestamp_ms=0,
        )[0][0].client_token,
    ]
    assert len({a.client_token, *other}) == 5
    assert client_token("a", "s", ["k"], 0) != client_token("a", "s", ["k"], 1)


def test_chunking_keeps_order_and_timestamps() -> None:
    msgs = [HumanMessage(f"m{i}", id=str(i)) for i in range(2 * MAX_PAYLOAD_ITEMS + 1)]
    specs, count = plan(msgs + [RemoveMessage(id="0")])
    assert count == 201 and [len(s.payload) for s in specs] == [100, 100, 1]
    assert [s.timestamp_ms for s in specs] == [1_000, 1_001, 1_002]
    assert len({s.client_token for s in specs}) == 3
    texts = [p["conversational"]["content"]["text"] for s in specs for p in s.payload]
    assert texts == [f"m{i}" for i in range(201)]


def test_outbox_items_round_trip_and_refuse_oversize() -> None:
    keys = KeySchema(agent_id="agent-1")
    specs, count = plan([HumanMessage("hi", id="1"), AIMessage("yo", id="2")])
    entry = OutboxEntry(tuple(specs), count, 1_234)
    item = encode_entry(keys, entry)
    assert item["pk"] == {"S": "agent#agent-1"}
    assert item["sk"]["S"] == outbox_sk(entry) and item["sk"]["S"].startswith(actor_prefix("alice"))
    back = decode_entry(keys, item)
    assert back.specs == entry.specs and back.messages == 2 and back.sk == outbox_sk(entry)
    assert back.specs[0].params("Mem-abcdefghij") == specs[0].params("Mem-abcdefghij")
    # Too big for one item: parts, joined again on the way back; a missing part is flagged.
    noise = os.urandom(450_000).hex()  # 4 bits per character: compresses 2:1 at best
    big, n = plan(
        [HumanMessage(noise[i : i + 90_000], id=str(i)) for i in range(0, 900_000, 90_000)]
    )
    parts = encode_items(keys, OutboxEntry(tuple(big), n, 1))
    assert len(parts) == 2 and all(p["parts"] == {"N": "2"} for p in parts)
    assert [p["sk"]["S"][-4:] for p in parts] == ["#p00", "#p01"]
    (joined,), bad = decode_items(keys, [item, *parts][1:])
    assert (
        joined.specs == tuple(big)
        and bad == []
        and joined.sks == tuple(p["sk"]["S"] for p in parts)
    )
    assert decode_items(keys, parts[:1]) == ([], [parts[0]["sk"]["S"]])
    with pytest.raises(ItemTooLargeError):
        encode_entry(keys, OutboxEntry(tuple(big), n, 1))  # one item only
    huge = os.urandom(4_200_000).hex()
    chunks = [HumanMessage(huge[i : i + 90_000], id=str(i)) for i in range(0, 8_400_000, 90_000)]
    with pytest.raises(ItemTooLargeError, match="outbox holds"):
        encode_items(keys, OutboxEntry(tuple(plan(chunks)[0]), 1, 1))
    # ``alice`` and ``alice2`` never share an outbox prefix.
    assert not actor_prefix("alice2").startswith(actor_prefix("alice"))


def test_resolve_fills_truncates_and_skips() -> None:
    assert resolve("/users/{actorId}/facts", "a", None, None) == "/users/a/facts"
    assert resolve("/summaries/{actorId}/{sessionId}", "a", "s", None) == "/summaries/a/s"
    assert resolve("/summaries/{actorId}/{sessionId}", "a", None, None) == "/summaries/a"
    assert resolve("/x/{actorId}/{sessionId}/y", "a", None, None) == "/x/a"
    assert resolve("/{sessionId}/{actorId}", "a", None, None) is None
    assert resolve("/s/{memoryStrategyId}/{actorId}", "a", None, None) is None
    assert resolve("/s/{memoryStrategyId}/{actorId}", "a", None, "st1") == "/s/st1/a"


def test_targets_expand_strategies_and_merge_duplicates() -> None:
    tpl = "/strategies/{memoryStrategyId}/actors/{actorId}"
    retrieval = {
        tpl: RetrievalConfig(top_k=3),
        "/users/{actorId}": RetrievalConfig(top_k=2, relevance_score=0.5),
        "/users/{actorId}/": RetrievalConfig(top_k=7, relevance_score=0.1),
    }
    strategies = {"st1": (tpl,), "st2": (tpl, "/other/{actorId}"), "st3": ("/other/{actorId}",)}
    got = targets(retrieval, strategies, "a", None)
    assert [t.namespace for t in got] == [
        "/strategies/st1/actors/a",
        "/strategies/st2/actors/a",
        "/users/a",  # and "/users/a/": the same node, searched once
    ]
    assert (got[2].top_k, got[2].relevance_score) == (7, 0.1)
    roots = forget_roots(retrieval, strategies, "a", None)
    assert sorted(roots) == [
        "/other/a",
        "/strategies/st1/actors/a",
        "/strategies/st2/actors/a",
        "/users/a",
    ]
    assert forget_roots(retrieval, strategies, "a", "s1") == []


def _rec(rid: str, ns: str, text: str, score: float) -> dict:
    return {"memoryRecordId": rid, "namespaces": [ns], "content": {"text": text}, "score": score}


def test_merge_filters_dedupes_ranks_and_caps() -> None:
    t1 = Target("/users/u1/facts", 5, 0.3, None)
    t2 = Target("/users/u1/preferences", 5, 0.3, None)
    r1 = {
        "memoryRecordSummaries": [
            _rec("mem-1", "/users/u1/facts", "Lives in Lisbon.", 0.9),
            _rec("mem-2", "/users/u12/facts", "Lives in Porto.", 0.95),  # foreign
            _rec("mem-3", "/users/u1/facts", "Has a cat.", 0.2),  # below threshold
            _rec("mem-4", "/users/u1/facts", "   ", 0.8),  # empty
        ]
    }
    r2 = {
        "memoryRecordSummaries": [
            _rec("mem-5", "/users/u1/preferences", "lives in  lisbon", 0.7),  # same text
            _rec("mem-6", "/users/u1/preferences", "Likes jazz.", 0.6),
        ]
    }
    got = merge([t1, t2], [r1, r2])
    assert [(r.record_id, r.text) for r in got] == [
        ("mem-1", "Lives in Lisbon."),
        ("mem-6", "Likes jazz."),
    ]
    # ~8 tokens each: the cap keeps the best that fit, skipping one that does not.
    assert [r.record_id for r in merge([t1, t2], [r1, r2], max_tokens=8)] == ["mem-1"]
    assert [r.record_id for r in merge([t1, t2], [r1, r2], max_tokens=7)] == ["mem-6"]
