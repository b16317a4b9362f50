"""Browsing what AgentCore extracted: ``search()`` without a query and ``list_namespaces``.

With ``include_extracted=True`` both also list the records AgentCore's strategies wrote
(ListMemoryRecords over the subtree, paginated), merged with the index items in
(namespace, key) order, without the store's own mirrored records, with the usual
filter/limit/offset/TTL semantics. Off (the default), they never call AgentCore.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from langgraph.store.base import ListNamespacesOp, MatchCondition

from langgraph_agentcore.errors import AgentCoreUnavailableError
from tests.store.conftest import Env

ALICE = ("users", "alice")


def extracted(env: Env, path: str, *texts: str, strategy: str | None = None) -> list[str]:
    """Records as a strategy writes them (no store metadata); returns their ids."""
    ids: list[str] = []
    for start in range(0, len(texts), 100):
        records: list[dict[str, Any]] = []
        for text in texts[start : start + 100]:
            rec: dict[str, Any] = {
                "requestIdentifier": uuid.uuid4().hex,
                "namespaces": [path],
                "content": {"text": text},
                "timestamp": datetime.now(timezone.utc),
            }
            if strategy:
                rec["memoryStrategyId"] = strategy
            records.append(rec)
        out = env.data.batch_create_memory_records(memoryId=env.memory_id, records=records)
        assert out["failedRecords"] == []
        ids += [r["memoryRecordId"] for r in out["successfulRecords"]]
    return ids


def test_default_is_index_only_and_never_calls_agentcore(env: Env) -> None:
    extracted(env, "/users/alice/facts", "The user lives in Lisbon.")
    store = env.store()
    assert store.include_extracted is False
    store.put((*ALICE, "notes"), "n", {"text": "note"})
    env.reset()
    assert [i.key for i in store.search(ALICE)] == ["n"]
    assert store.list_namespaces(prefix=ALICE) == [(*ALICE, "notes")]
    assert env.ac.ops == [] and env.ddb.ops == ["Query", "Query"]


def _strategy(env: Env, name: str) -> str:
    memory = env.twin.backend.get_memory({"memoryId": env.memory_id})["memory"]
    return next(s["strategyId"] for s in memory["strategies"] if s["name"] == name)


def test_extracted_records_are_listed_merged_and_not_duplicated(env: Env) -> None:
    facts = _strategy(env, "facts")
    (fact,) = extracted(env, "/users/alice/facts", "The user lives in Lisbon.", strategy=facts)
    (pref,) = extracted(env, "/users/alice/preferences", "The user loves jazz.")
    extracted(env, "/users/bob/facts", "The user lives in Oslo.")
    store = env.store(include_extracted=True)
    store.put((*ALICE, "facts"), "a-own", {"text": "alice owns a bicycle", "kind": "own"})
    store.put((*ALICE, "notes"), "n", {"text": "a note"})
    store.put((*ALICE, "notes"), "plain", {"text": "not searchable"}, index=False)
    env.reset()
    items = store.search(ALICE, limit=50)
    assert [(i.namespace, i.key) for i in items] == [
        ((*ALICE, "facts"), "a-own"),
        ((*ALICE, "facts"), fact),
        ((*ALICE, "notes"), "n"),
        ((*ALICE, "notes"), "plain"),
        ((*ALICE, "preferences"), pref),
    ]
    assert env.ddb.ops == ["Query"] and env.ac.ops == ["ListMemoryRecords"]
    rec = items[1]
    assert rec.value == {
        "text": "The user lives in Lisbon.",
        "strategy_id": facts,
        "metadata": {},
        "namespace": "/users/alice/facts",
    }
    assert rec.score is None
    # filter, limit and offset apply to the merged list
    assert [i.key for i in store.search(ALICE, filter={"strategy_id": facts})] == [fact]
    assert [i.key for i in store.search(ALICE, filter={"kind": "own"})] == ["a-own"]
    pages = [store.search(ALICE, limit=2, offset=o) for o in (0, 2, 4)]
    assert [i for p in pages for i in p] == items
    assert store.search((*ALICE, "preferences")) == [items[-1]]
    # get and delete accept the listed keys
    got = store.get(rec.namespace, rec.key)
    assert got is not None and got.value == rec.value
    store.delete(rec.namespace, rec.key)
    assert fact not in [i.key for i in store.search(ALICE)]


def test_an_index_item_shadows_a_record_with_its_key(env: Env) -> None:
    (rid,) = extracted(env, "/users/alice/facts", "The user lives in Lisbon.")
    store = env.store(include_extracted=True)
    store.put((*ALICE, "facts"), rid, {"text": "corrected: lives in Porto"})
    items = store.search(ALICE)
    assert [(i.key, i.value["text"]) for i in items] == [(rid, "corrected: lives in Porto")]
    got = store.get((*ALICE, "facts"), rid)
    assert got is not None and got.value["text"] == "corrected: lives in Porto"
    # shadowed even where only the record would match the filter
    assert store.search(ALICE, filter={"text": "The user lives in Lisbon."}) == []


def test_list_records_is_paginated(env: Env) -> None:
    texts = [f"fact number {i}" for i in range(130)]
    extracted(env, "/users/alice/facts", *texts)
    store = env.store(include_extracted=True)
    store.put((*ALICE, "notes"), "n", {"text": "a note"})
    env.reset()
    items = store.search(ALICE, limit=500)
    assert len(items) == 131
    assert sorted(env.ac.ops) == ["ListMemoryRecords", "ListMemoryRecords"]
    assert env.ddb.ops == ["Query"]
    env.reset()
    assert store.list_namespaces(prefix=ALICE) == [(*ALICE, "facts"), (*ALICE, "notes")]
    assert sorted(env.ac.ops) == ["ListMemoryRecords", "ListMemoryRecords"]


def test_list_namespaces_conditions_depth_and_window(env: Env) -> None:
    extracted(env, "/users/alice/facts", "f")
    extracted(env, "/users/bob/facts", "f")
    extracted(env, "/summaries/alice/s1", "s")
    store = env.store(include_extracted=True)
    store.put(("users", "alice", "notes"), "n", {"text": "n"})
    assert store.list_namespaces() == [
        ("summaries", "alice", "s1"),
        ("users", "alice", "facts"),
        ("users", "alice", "notes"),
        ("users", "bob", "facts"),
    ]
    assert store.list_namespaces(max_depth=2) == [
        ("summaries", "alice"),
        ("users", "alice"),
        ("users", "bob"),
    ]
    assert store.list_namespaces(suffix=("facts",)) == [
        ("users", "alice", "facts"),
        ("users", "bob", "facts"),
    ]
    assert store.list_namespaces(prefix=("users", "*", "facts")) == [
        ("users", "alice", "facts"),
        ("users", "bob", "facts"),
    ]
    assert store.list_namespaces(limit=2, offset=1) == [
        ("users", "alice", "facts"),
        ("users", "alice", "notes"),
    ]
    (res,) = store.batch(
        [ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("summaries",)),))]
    )
    assert res == [("summaries", "alice", "s1")]


def test_ttl_applies_to_index_items_only(env: Env) -> None:
    clock = [2_000_000_000.0]
    (rid,) = extracted(env, "/users/alice/facts", "The user lives in Lisbon.")
    store = env.store(include_extracted=True, ttl={"default_ttl": 1.0, "refresh_on_read": True})
    store._now = lambda: clock[0]
    store.put((*ALICE, "notes"), "short", {"text": "short lived"})
    clock[0] += 50
    env.reset()
    assert [i.key for i in store.search(ALICE)] == [rid, "short"]
    assert env.ddb.ops == ["Query", "UpdateItem"]  # one TTL refresh, for the index item
    clock[0] += 61
    assert [i.key for i in store.search(ALICE)] == [rid]
    assert store.list_namespaces(prefix=ALICE) == [(*ALICE, "facts")]


def test_agentcore_down_fails_the_browse_loudly(env: Env) -> None:
    extracted(env, "/users/alice/facts", "f")
    store = env.store(include_extracted=True)
    plain = env.store()
    plain.put((*ALICE, "notes"), "n", {"text": "n"})
    env.twin.faults.inject("ServiceException", operations="ListMemoryRecords", count=None)
    with pytest.raises(AgentCoreUnavailableError, match="ListMemoryRecords"):
        store.search(ALICE)
    with pytest.raises(AgentCoreUnavailableError):
        store.list_namespaces()
    assert [i.key for i in plain.search(ALICE)] == ["n"]  # index-only stores are unaffected


def test_limit_zero_sends_nothing(env: Env) -> None:
    store = env.store(include_extracted=True)
    env.reset()
    assert store.search(ALICE, limit=0) == []
    assert env.ac.ops == [] and env.ddb.ops == []


async def test_async_browse(env: Env) -> None:
    (fact,) = extracted(env, "/users/alice/facts", "The user lives in Lisbon.")
    store = env.store(include_extracted=True)
    await store.aput((*ALICE, "notes"), "n", {"text": "a note"})
    env.reset()
    items = await store.asearch(ALICE)
    assert [i.key for i in items] == [fact, "n"]
    assert sorted(env.ac.ops) == ["ListMemoryRecords"] and env.ddb.ops == ["Query"]
    assert await store.alist_namespaces(prefix=ALICE) == [(*ALICE, "facts"), (*ALICE, "notes")]
    await store.aclose()


def test_browsing_after_real_extraction(env: Env) -> None:
    env.data.create_event(
        memoryId=env.memory_id,
        actorId="alice",
        sessionId="s1",
        eventTimestamp=time.time(),
        payload=[
            {
                "conversational": {
                    "role": "USER",
                    "content": {"text": "I'm vegetarian and I live in Lisbon."},
                }
            }
        ],
    )
    env.twin.run_extractions()
    store = env.store(include_extracted=True)
    texts = {i.value["text"] for i in store.search(ALICE)}
    assert any("Lisbon" in t for t in texts), texts
    assert all(i.value["strategy_id"] for i in store.search(ALICE))
