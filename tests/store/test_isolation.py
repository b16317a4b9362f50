"""No record from outside the requested namespace subtree ever comes back (issue 10.5).

AWS documents ``namespacePath`` as a string prefix, so ``/users/u1`` may also answer with
``/users/u12/...``. The twin is switched to exactly that (``namespace_path_semantics=
"string-prefix"``), in-process and over its loopback HTTP server, and every store read
that asks AgentCore for a subtree is checked: search with and without a query,
list_namespaces, get of extracted records and reconcile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from langgraph_agentcore.store import AgentCoreMemoryStore
from tests.store.conftest import Env

U1 = ("users", "u1")
Factory = Callable[..., AgentCoreMemoryStore]


def say(env: Env, actor: str, text: str) -> None:
    env.data.create_event(
        memoryId=env.memory_id,
        actorId=actor,
        sessionId="s1",
        eventTimestamp=time.time(),
        payload=[{"conversational": {"role": "USER", "content": {"text": text}}}],
    )


@pytest.fixture(params=["inprocess", "http"])
def make(request: pytest.FixtureRequest, env: Env) -> Iterator[Factory]:
    """Stores on a twin that matches ``namespacePath`` as a plain string prefix."""
    env.twin.namespace_path_semantics = "string-prefix"
    for actor, city in (("u1", "Lisbon"), ("u12", "Porto")):
        say(env, actor, f"I live in {city} and I love green tea.")
    assert env.twin.run_extractions() == 6  # facts, preferences, summary per user
    writer = env.store()
    writer.put((*U1, "notes"), "n", {"text": "u1 note about green tea"})
    writer.put(("users", "u12", "notes"), "n", {"text": "u12 note about green tea"})
    if request.param == "inprocess":
        yield env.store
    else:
        server = env.twin.serve()
        yield lambda *a, **kw: env.http_store(server.endpoint_url, *a, **kw)
    env.reset()


def _raw(env: Env, path: str) -> set[tuple[str, ...]]:
    """What the service itself answers for ``namespacePath=path``."""
    out = env.data.list_memory_records(memoryId=env.memory_id, namespacePath=path)
    return {tuple(r["namespaces"]) for r in out["memoryRecordSummaries"]}


def _under_u1(items: list[Any]) -> bool:
    return bool(items) and all(i.namespace[:2] == U1 for i in items)


def test_the_service_really_leaks_sibling_namespaces(env: Env, make: Factory) -> None:
    assert ("/users/u12/facts",) in _raw(env, "/users/u1")


def test_search_with_query_drops_foreign_records(env: Env, make: Factory) -> None:
    store = make()
    env.reset()
    hits = store.search(U1, query="green tea", limit=10)
    assert _under_u1(hits)
    assert {h.namespace for h in hits} == {(*U1, "facts"), (*U1, "preferences"), (*U1, "notes")}
    assert not any("u12" in h.value.get("text", "") for h in hits)
    # Fewer candidates than topK came back: no second retrieval.
    assert env.ac.ops == ["RetrieveMemoryRecords"] and env.ddb.ops == ["BatchGetItem"]


def test_foreign_records_in_the_top_k_widen_the_retrieval_once(env: Env, make: Factory) -> None:
    store = make()
    for i in range(4):  # u12 records that match the query best
        store.put(("users", "u12", "notes"), f"exact{i}", {"text": "green tea"})
    env.reset()
    (hit,) = store.search(U1, query="green tea", limit=1)
    assert hit.namespace[:2] == U1
    # topK=2 answered only u12 records; one more retrieval with topK=100 finds u1's.
    assert env.ac.ops == ["RetrieveMemoryRecords", "RetrieveMemoryRecords"]
    env.reset()
    env.twin.namespace_path_semantics = "subtree"
    (hit,) = store.search(U1, query="green tea", limit=1)
    assert hit.namespace[:2] == U1 and env.ac.ops == ["RetrieveMemoryRecords"]


def test_browsing_and_listing_drop_foreign_records(env: Env, make: Factory) -> None:
    store = make(include_extracted=True)
    env.reset()
    items = store.search(U1, limit=50)
    assert _under_u1(items)
    assert sorted(i.value["text"] for i in items) == [
        "The user lives in Lisbon.",
        "The user loves green tea.",
        "u1 note about green tea",  # the index item only, not its mirrored record too
    ]
    assert sorted(env.ac.ops) == ["ListMemoryRecords"] and env.ddb.ops == ["Query"]
    assert store.list_namespaces(prefix=U1) == [
        (*U1, "facts"),
        (*U1, "notes"),
        (*U1, "preferences"),
    ]
    assert store.list_namespaces(prefix=("users", "u")) == []  # no label "u"
    summaries = store.list_namespaces(prefix=("summaries", "u1"))
    assert summaries == [("summaries", "u1", "s1")]
    plain = make()  # index only: never asked AgentCore
    assert plain.list_namespaces(prefix=U1) == [(*U1, "notes")]


def test_get_of_extracted_records_checks_the_namespace(env: Env, make: Factory) -> None:
    store = make()
    foreign = env.data.list_memory_records(memoryId=env.memory_id, namespace="/users/u12/facts")[
        "memoryRecordSummaries"
    ][0]["memoryRecordId"]
    assert store.get((*U1, "facts"), foreign) is None
    assert store.get(("users", "u1"), foreign) is None  # a parent is not the namespace
    got = store.get(("users", "u12", "facts"), foreign)
    assert got is not None and got.value["text"] == "The user lives in Porto."


def test_reconcile_touches_only_this_agents_records(env: Env, make: Factory) -> None:
    other = make("agent-2")
    other.put((*U1, "notes"), "theirs", {"text": "agent-2 note"})
    before = _raw(env, "/")
    store = make(orphan_grace_seconds=0)
    report = store.reconcile()
    assert report["orphans"] == 0 and report["deleted_records"] == 0
    assert _raw(env, "/") == before
    assert [h.key for h in store.search(U1, query="agent-2 note")] != ["theirs"]
    assert all(h.key != "theirs" for h in store.search(U1, query="agent-2 note"))


async def test_async_reads_drop_foreign_records(env: Env, make: Factory) -> None:
    store = make(include_extracted=True)
    assert _under_u1(await store.asearch(U1, query="green tea", limit=10))
    assert _under_u1(await store.asearch(U1, limit=50))
    assert await store.alist_namespaces(prefix=U1) == [
        (*U1, "facts"),
        (*U1, "notes"),
        (*U1, "preferences"),
    ]
    await store.aclose()
