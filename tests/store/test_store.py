"""Semantic search, extracted records, request budget, failures, bad input, graphs."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from langgraph.graph import START, StateGraph
from langgraph.store.base import BaseStore, InvalidNamespaceError
from typing_extensions import TypedDict

from langgraph_agentcore.namespaces import decode_label, encode_label, from_path, to_path
from langgraph_agentcore.store import AgentCoreMemoryStore
from tests.store.conftest import Env

NS = ("users", "alice@example com", "facts")


def _records(env: Env) -> list[dict[str, Any]]:
    return env.data.list_memory_records(memoryId=env.memory_id, namespacePath="/")[
        "memoryRecordSummaries"
    ]


# -- namespace codec ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "label", ["users", "alice@example com", "x:y", "a/b", "*", "ü∂", "#$", "a-b_c", ":3A"]
)
def test_label_codec_round_trips_into_agentcore_charset(label: str) -> None:
    enc = encode_label(label)
    assert all(c.isalnum() and c.isascii() or c in "-_:" for c in enc)
    assert decode_label(enc) == label
    assert from_path(to_path(("a", label))) == ("a", label)


def test_path_mapping_and_limit() -> None:
    assert to_path(("users", "alice", "facts")) == "/users/alice/facts"
    assert to_path(NS) == "/users/alice:40example:20com/facts"
    with pytest.raises(ValueError, match="1024"):
        to_path(("x" * 1100,))


# -- put/get/delete -----------------------------------------------------------------------


def test_put_get_roundtrip_timestamps_and_delete(env: Env, store: AgentCoreMemoryStore) -> None:
    value = {"text": "Alice likes green tea", "n": 1.5, "l": [1, {"a": None}], "ü": "✓"}
    store.put(NS, "tea", value)
    other = env.store()  # another "process": strongly consistent reads
    got = other.get(NS, "tea")
    assert got is not None and got.value == value and got.namespace == NS
    time.sleep(0.01)
    store.put(NS, "tea", {"text": "Alice likes black tea"})
    again = other.get(NS, "tea")
    assert again is not None
    assert again.created_at == got.created_at and again.updated_at > got.updated_at
    assert len(_records(env)) == 2  # the stale record is queued, never returned
    assert [r.value["text"] for r in store.search(("users",), query="tea")] == [
        "Alice likes black tea"
    ]
    store.flush()
    assert len(_records(env)) == 1
    store.delete(NS, "tea")
    assert other.get(NS, "tea") is None
    assert _records(env) == []


async def test_async_roundtrip(env: Env, store: AgentCoreMemoryStore) -> None:
    await store.aput(NS, "k", {"text": "async works"})
    assert (await store.aget(NS, "k")).value == {"text": "async works"}  # type: ignore[union-attr]
    hits = await store.asearch(("users",), query="async")
    assert [h.key for h in hits] == ["k"] and hits[0].score is not None
    assert await store.alist_namespaces(prefix=("users",)) == [NS]
    await store.adelete(NS, "k")
    assert await store.aget(NS, "k") is None
    await store.aclose()


# -- semantic search ----------------------------------------------------------------------


def test_semantic_search_subtree_scores_filter_offset(
    env: Env, store: AgentCoreMemoryStore
) -> None:
    store.put(("u", "a"), "1", {"text": "I love hiking in the mountains", "kind": "hobby"})
    store.put(("u", "a"), "2", {"text": "my favourite food is sushi", "kind": "food"})
    store.put(("u", "b"), "3", {"text": "mountains and hiking trails", "kind": "hobby"})
    store.put(("ua",), "4", {"text": "hiking in the mountains"})  # not under ("u",)
    hits = store.search(("u",), query="hiking mountains")
    assert {h.key for h in hits} == {"1", "2", "3"}
    assert hits[0].score >= hits[-1].score  # type: ignore[operator]
    assert {h.key for h in hits[:2]} == {"1", "3"}
    assert [h.key for h in store.search(("u",), query="hiking", filter={"kind": "food"})] == ["2"]
    assert store.search(("u",), query="hiking mountains", offset=1, limit=1) == hits[1:2]
    assert [h.key for h in store.search(("u", "b"), query="hiking")] == ["3"]


def test_index_fields_and_index_false(env: Env) -> None:
    store = env.store(index={"fields": ["summary"]})
    store.put(("d",), "x", {"summary": "quantum physics", "body": "bananas"})
    store.put(("d",), "y", {"summary": "bananas"}, index=False)
    texts = [r["content"]["text"] for r in _records(env)]
    assert texts == ["quantum physics"]
    assert store.get(("d",), "y") is not None  # stored, just not searchable
    assert [h.key for h in store.search(("d",), query="bananas")] == ["x"]


def test_extracted_records_are_searchable_gettable_deletable(
    env: Env, store: AgentCoreMemoryStore
) -> None:
    env.data.create_event(
        memoryId=env.memory_id,
        actorId="alice",
        sessionId="s1",
        eventTimestamp=time.time(),
        payload=[
            {
                "conversational": {
                    "role": "USER",
                    "content": {"text": "I live in Lisbon and I love jazz."},
                }
            },
            {"conversational": {"role": "ASSISTANT", "content": {"text": "Lisbon is lovely!"}}},
        ],
    )
    assert env.twin.run_extractions() > 0
    store.put(("users", "alice", "facts"), "mine", {"text": "alice owns a bicycle"})
    hits = store.search(("users", "alice"), query="where does alice live")
    extracted = [h for h in hits if h.key.startswith("mem-")]
    assert extracted, hits
    rec = extracted[0]
    assert rec.namespace[:2] == ("users", "alice")
    assert set(rec.value) >= {"text", "strategy_id", "metadata"} and rec.value["strategy_id"]
    env.reset()
    got = store.get(rec.namespace, rec.key)
    assert got is not None and got.value["text"] == rec.value["text"]
    assert env.ddb.ops == ["GetItem"] and env.ac.ops == ["GetMemoryRecord"]
    assert store.get(("users", "bob"), rec.key) is None  # wrong namespace
    store.delete(rec.namespace, rec.key)
    assert store.get(rec.namespace, rec.key) is None
    assert all(h.key != rec.key for h in store.search(("users", "alice"), query="lisbon"))


# -- request budget -----------------------------------------------------------------------


def test_request_budget(env: Env, store: AgentCoreMemoryStore) -> None:
    def ops(fn: Any) -> tuple[list[str], list[str]]:
        env.reset()
        fn()
        return list(env.ddb.ops), list(env.ac.ops)

    assert ops(lambda: store.put(NS, "a", {"text": "one"})) == (
        ["UpdateItem"],
        ["BatchCreateMemoryRecords"],
    )
    assert ops(lambda: store.put(NS, "a", {"text": "two"})) == (
        ["UpdateItem"],
        ["BatchCreateMemoryRecords"],
    )
    assert ops(lambda: store.put(NS, "b", {"text": "three"}, index=False)) == (["UpdateItem"], [])
    assert ops(lambda: store.get(NS, "a")) == (["GetItem"], [])
    assert ops(lambda: store.get(NS, "missing")) == (["GetItem"], [])
    assert ops(lambda: store.search(("users",), query="two")) == (
        ["BatchGetItem"],
        ["RetrieveMemoryRecords"],
    )
    assert ops(lambda: store.search(("users",))) == (["Query"], [])
    assert ops(lambda: store.list_namespaces(prefix=("users",))) == (["Query"], [])
    assert ops(lambda: store.delete(NS, "a")) == (["DeleteItem"], ["BatchDeleteMemoryRecords"])
    for i in range(30):
        store.put(("many", str(i)), "k", {"text": f"item {i}"}, index=False)
    assert ops(lambda: store.list_namespaces()) == (["Query"], [])
    assert ops(lambda: store.search(("many",), limit=50)) == (["Query"], [])


async def test_request_budget_async(env: Env, store: AgentCoreMemoryStore) -> None:
    await store.aput(NS, "a", {"text": "one"})
    env.reset()
    await store.aput(NS, "a", {"text": "two"})
    assert (env.ddb.ops, env.ac.ops) == (["UpdateItem"], ["BatchCreateMemoryRecords"])
    env.reset()
    await store.aget(NS, "a")
    assert (env.ddb.ops, env.ac.ops) == (["GetItem"], [])
    env.reset()
    await store.asearch(("users",), query="two")
    assert (env.ddb.ops, env.ac.ops) == (["BatchGetItem"], ["RetrieveMemoryRecords"])
    await store.aclose()


# -- TTL ----------------------------------------------------------------------------------


def test_ttl_expiry_refresh_and_removal_from_both_services(env: Env) -> None:
    clock = [2_000_000_000.0]
    store = env.store(ttl={"default_ttl": 1.0, "refresh_on_read": True})
    store._now = lambda: clock[0]
    assert store.supports_ttl
    store.put(("t",), "a", {"text": "short lived"})
    store.put(("t",), "b", {"text": "long lived"}, ttl=None)
    clock[0] += 50
    assert store.get(("t",), "a") is not None  # refreshes to now + 60 s
    clock[0] += 50
    assert store.get(("t",), "a", refresh_ttl=False) is not None
    clock[0] += 15
    assert store.get(("t",), "a") is None
    assert [i.key for i in store.search(("t",))] == ["b"]
    assert [i.key for i in store.search(("t",), query="lived")] == ["b"]
    assert store.list_namespaces() == [("t",)]
    store.flush()
    assert len(_records(env)) == 1
    env.reset()
    assert env.ddb.ops == []
    raw = env.stores[0].io.client.scan(TableName=env.table)["Items"]
    assert [i["sk"]["S"] for i in raw] == ["store#t##b"]


# -- failures -----------------------------------------------------------------------------


def test_agentcore_down_put_is_durable_then_synced(env: Env, store: AgentCoreMemoryStore) -> None:
    env.twin.faults.inject("ThrottledException", operations="BatchCreateMemoryRecords", count=None)
    store.put(NS, "k", {"text": "written while AgentCore was down"})
    assert store.get(NS, "k") is not None
    assert store.pending_count == 1 and _records(env) == []
    env.twin.faults.clear()
    assert store.sync_pending() == 1
    assert store.pending_count == 0
    assert [h.key for h in store.search(("users",), query="AgentCore down")] == ["k"]


def test_pending_sync_retried_by_next_agentcore_operation(env: Env) -> None:
    store = env.store()
    env.twin.faults.inject("ServiceException", operations="BatchCreateMemoryRecords", count=1)
    store.put(NS, "k", {"text": "retry me"})
    assert store.pending_count == 1
    store.put(NS, "other", {"text": "AgentCore is back"})
    assert store.pending_count == 0
    assert {h.key for h in store.search(("users",), query="retry me")} == {"k", "other"}


def test_reconcile_picks_up_pending_from_crashed_process(env: Env) -> None:
    crashed = env.store()
    env.twin.faults.inject("ThrottledException", operations="BatchCreateMemoryRecords", count=1)
    crashed.put(NS, "k", {"text": "orphaned pending"})
    survivor = env.store()
    report = survivor.reconcile()
    assert report["pending"] == 1 and report["synced"] == 1
    assert [h.key for h in survivor.search(("users",), query="orphaned")] == ["k"]


def test_reconcile_sweeps_orphan_records(env: Env) -> None:
    store = env.store(orphan_grace_seconds=0)
    store.put(NS, "k", {"text": "v1"})
    store.put(NS, "k", {"text": "v2"})
    store._tombstones.clear()  # simulate a crash before the stale record was deleted
    assert len(_records(env)) == 2
    assert env.store(orphan_grace_seconds=0).reconcile()["orphans"] == 1
    assert [r["content"]["text"] for r in _records(env)] == ['{"text": "v2"}']


def test_concurrent_puts_to_one_key(env: Env) -> None:
    stores = [env.store() for _ in range(4)]
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for j in range(5):
                stores[n].put(NS, "hot", {"text": f"writer {n} round {j}", "n": n})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    final = stores[0].get(NS, "hot")
    assert final is not None
    hits = stores[0].search(("users",), query="writer round")
    assert [h.value for h in hits] == [final.value]  # stale records are never returned
    for s in stores:
        s.flush()
    # moto applies concurrent UpdateItems without item locking, so a previous recordId
    # can be lost (real DynamoDB serialises writes to an item); reconcile sweeps those.
    env.store(orphan_grace_seconds=0).reconcile()
    records = _records(env)
    assert [r["content"]["text"] for r in records] == [
        json.dumps(final.value, sort_keys=True, ensure_ascii=False)
    ]


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "key", "value", "error"),
    [
        ((), "k", {"a": 1}, InvalidNamespaceError),
        (("a.b",), "k", {"a": 1}, InvalidNamespaceError),
        (("",), "k", {"a": 1}, InvalidNamespaceError),
        (("langgraph", "x"), "k", {"a": 1}, InvalidNamespaceError),
        (("a", 1), "k", {"a": 1}, InvalidNamespaceError),
        (("x" * 400, "y" * 400, "z" * 300), "k", {"a": 1}, (InvalidNamespaceError, ValueError)),
        (("a",), "k", ["not", "a", "dict"], TypeError),
        (("a",), "k", "text", TypeError),
        (("a",), "k", {"s": {1, 2}}, TypeError),
        (("a",), "k", {"f": float("nan")}, TypeError),
        (("a",), "k", {"big": "x" * 400_000}, ValueError),
    ],
)
def test_bad_input_raises_before_any_request(
    env: Env, store: AgentCoreMemoryStore, namespace: Any, key: str, value: Any, error: Any
) -> None:
    from langgraph.store.base import PutOp

    with pytest.raises(error):
        store.batch([PutOp(("ok",), "first", {"a": 1}), PutOp(namespace, key, value)])
    assert env.ddb.ops == [] and env.ac.ops == []
    assert store.get(("ok",), "first") is None


# -- graphs -------------------------------------------------------------------------------


class State(TypedDict):
    user: str
    fact: str
    seen: list[str]


def _node(state: State, *, store: BaseStore) -> dict[str, Any]:
    ns = ("users", state["user"], "facts")
    store.put(ns, f"f{len(store.search(ns))}", {"text": state["fact"]})
    return {"seen": [i.value["text"] for i in store.search(ns)]}


async def _anode(state: State, *, store: BaseStore) -> dict[str, Any]:
    ns = ("users", state["user"], "facts")
    await store.aput(ns, f"f{len(await store.asearch(ns))}", {"text": state["fact"]})
    return {"seen": [i.value["text"] for i in await store.asearch(ns)]}


def test_compiled_graph_uses_the_store(env: Env, store: AgentCoreMemoryStore) -> None:
    builder = StateGraph(State)
    builder.add_node("remember", _node)
    builder.add_edge(START, "remember")
    graph = builder.compile(store=store)
    graph.invoke({"user": "a@b com", "fact": "likes tea", "seen": []})
    out = graph.invoke({"user": "a@b com", "fact": "plays chess", "seen": []})
    assert out["seen"] == ["likes tea", "plays chess"]
    assert [h.value["text"] for h in store.search(("users",), query="chess")][0] == "plays chess"


async def test_compiled_graph_async(env: Env, store: AgentCoreMemoryStore) -> None:
    builder = StateGraph(State)
    builder.add_node("remember", _anode)
    builder.add_edge(START, "remember")
    graph = builder.compile(store=store)
    await graph.ainvoke({"user": "zoë", "fact": "likes tea", "seen": []})
    out = await graph.ainvoke({"user": "zoë", "fact": "plays chess", "seen": []})
    assert out["seen"] == ["likes tea", "plays chess"]
    await store.aclose()
