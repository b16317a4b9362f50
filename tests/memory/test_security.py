"""Records outside the requested namespace subtree are never returned (nor deleted)."""

from __future__ import annotations

from typing import Any

import pytest

from langgraph_agentcore import RetrievalConfig
from tests.memory.conftest import FACTS, MemEnv


def _create(env: MemEnv, namespace: str, text: str) -> None:
    env.data.batch_create_memory_records(
        memoryId=env.memory_id,
        records=[
            {
                "requestIdentifier": "r1",
                "namespaces": [namespace],
                "content": {"text": text},
                "timestamp": 1_700_000_000,
            }
        ],
    )


def _string_prefix(env: MemEnv) -> None:
    """Make the twin answer ``namespacePath`` as a plain string prefix (older AWS models)."""
    if not hasattr(env.twin, "namespace_path_semantics"):
        pytest.skip("this twin has no string-prefix switch")
    env.twin.namespace_path_semantics = "string-prefix"


def test_string_prefix_service_cannot_leak_u12_into_u1(mem_env: MemEnv) -> None:
    _create(mem_env, "/users/u1/facts", "The user u1 lives in Lisbon.")
    _create(mem_env, "/users/u12/facts", "The user u12 lives in Porto.")
    _create(mem_env, "/users/u1x", "The user u1x lives in Faro.")
    _string_prefix(mem_env)
    # The service really does answer u12's records for /users/u1 now.
    raw = mem_env.data.retrieve_memory_records(
        memoryId=mem_env.memory_id,
        namespacePath="/users/u1",
        searchCriteria={"searchQuery": "where does the user live", "topK": 10},
    )["memoryRecordSummaries"]
    assert {r["namespaces"][0] for r in raw} == {
        "/users/u1/facts",
        "/users/u12/facts",
        "/users/u1x",
    }
    memory = mem_env.memory({"/users/{actorId}": RetrievalConfig(relevance_score=0.0)})
    records = memory.recall("where does the user live", actor_id="u1")
    assert [r.text for r in records] == ["The user u1 lives in Lisbon."]
    exact = mem_env.memory({FACTS: RetrievalConfig(relevance_score=0.0)})
    assert [r.text for r in exact.recall("where", actor_id="u1")] == [
        "The user u1 lives in Lisbon."
    ]
    # forget(u1) lists /users/u1 the same way: u12's and u1x's records stay.
    report = memory.forget("u1")
    assert report.records_deleted == 1
    left = mem_env.data.list_memory_records(memoryId=mem_env.memory_id, namespacePath="/")
    assert sorted(r["namespaces"][0] for r in left["memoryRecordSummaries"]) == [
        "/users/u12/facts",
        "/users/u1x",
    ]


def test_a_foreign_record_in_the_response_is_dropped(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    _create(env, "/users/u1/facts", "The user u1 lives in Lisbon.")
    memory = env.memory({FACTS: RetrievalConfig(relevance_score=0.0)})

    def inject(parsed: dict[str, Any], **_: Any) -> None:
        parsed["memoryRecordSummaries"].append(
            {
                "memoryRecordId": "mem-" + "f" * 36,
                "content": {"text": "The user u12 lives in Porto."},
                "namespaces": ["/users/u1/facts2"],
                "score": 0.99,
            }
        )
        parsed["memoryRecordSummaries"].append(
            {
                "memoryRecordId": "mem-" + "e" * 36,
                "content": {"text": "No namespace at all."},
                "namespaces": [],
                "score": 0.99,
            }
        )

    memory.io.agentcore.client.meta.events.register(
        "after-call.bedrock-agentcore.RetrieveMemoryRecords", inject
    )
    records = memory.recall("where does the user live", actor_id="u1")
    assert [r.text for r in records] == ["The user u1 lives in Lisbon."]


async def test_string_prefix_async(mem_env: MemEnv) -> None:
    _create(mem_env, "/users/u1/facts", "The user u1 lives in Lisbon.")
    _create(mem_env, "/users/u12/facts", "The user u12 lives in Porto.")
    _string_prefix(mem_env)
    memory = mem_env.memory({"/users/{actorId}": RetrievalConfig(relevance_score=0.0)})
    records = await memory.arecall("where does the user live", actor_id="u1")
    assert [r.text for r in records] == ["The user u1 lives in Lisbon."]
    await memory.aclose()
