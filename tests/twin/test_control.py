"""Contract: control plane (memories, strategies, waiters) through boto3 only."""

from __future__ import annotations

import pytest
from botocore.exceptions import WaiterError

from tests.twin.support import Env, unique

FAST = {"Delay": 0.2, "MaxAttempts": 20}  # twin-only tests: CREATING lasts 50 ms


def _name() -> str:
    return "M" + unique("").replace("-", "")


def test_get_memory(env: Env) -> None:
    memory = env.control.get_memory(memoryId=env.memory_id)["memory"]
    assert memory["id"] == env.memory_id
    assert memory["status"] == "ACTIVE"
    assert memory["arn"].endswith(f":memory/{env.memory_id}")
    assert all(s["strategyId"] and s["namespaces"] for s in memory.get("strategies", []))


def test_data_plane_accepts_memory_arn(env: Env) -> None:
    arn = env.control.get_memory(memoryId=env.memory_id)["memory"]["arn"]
    out = env.data.list_events(memoryId=arn, actorId=unique("a"), sessionId=unique("s"))
    assert out["events"] == []


def test_create_memory_lifecycle_and_waiter(env: Env) -> None:
    env.require_twin()
    name = _name()
    created = env.control.create_memory(
        name=name,
        eventExpiryDuration=30,
        description="contract test",
        memoryStrategies=[
            {"semanticMemoryStrategy": {"name": "facts", "namespaces": ["/u/{actorId}/facts"]}},
            {"summaryMemoryStrategy": {"name": "summary"}},
        ],
        indexedKeys=[{"key": "topic", "type": "STRING"}],
    )["memory"]
    assert created["status"] == "CREATING"
    assert "memory_created" in env.control.waiter_names
    env.control.get_waiter("memory_created").wait(memoryId=created["id"], WaiterConfig=FAST)
    memory = env.control.get_memory(memoryId=created["id"])["memory"]
    assert memory["status"] == "ACTIVE" and memory["name"] == name
    types = {s["type"]: s for s in memory["strategies"]}
    assert types["SEMANTIC"]["namespaces"] == ["/u/{actorId}/facts"]
    assert "{sessionId}" in types["SUMMARIZATION"]["namespaces"][0]  # default template
    assert memory["indexedKeys"] == [{"key": "topic", "type": "STRING"}]
    ids = [
        m["id"]
        for p in env.control.get_paginator("list_memories").paginate(
            PaginationConfig={"PageSize": 1}
        )
        for m in p["memories"]
    ]
    assert created["id"] in ids and env.memory_id in ids
    deleted = env.control.delete_memory(memoryId=created["id"])
    assert deleted["memoryId"] == created["id"]
    with pytest.raises(env.control.exceptions.ResourceNotFoundException):
        env.control.get_memory(memoryId=created["id"])
    with pytest.raises(WaiterError):
        env.control.get_waiter("memory_created").wait(memoryId=created["id"], WaiterConfig=FAST)


def test_create_memory_client_token_is_idempotent(env: Env) -> None:
    env.require_twin()
    kwargs = {"name": _name(), "eventExpiryDuration": 7, "clientToken": unique("tok")}
    a = env.control.create_memory(**kwargs)["memory"]
    b = env.control.create_memory(**kwargs)["memory"]
    assert a["id"] == b["id"]


def test_update_memory_strategies(env: Env) -> None:
    env.require_twin()
    mid = env.control.create_memory(
        name=_name(),
        eventExpiryDuration=30,
        memoryStrategies=[{"semanticMemoryStrategy": {"name": "facts"}}],
    )["memory"]["id"]
    env.control.get_waiter("memory_created").wait(memoryId=mid, WaiterConfig=FAST)
    facts = env.control.get_memory(memoryId=mid)["memory"]["strategies"][0]
    updated = env.control.update_memory(
        memoryId=mid,
        description="updated",
        eventExpiryDuration=90,
        memoryStrategies={
            "addMemoryStrategies": [
                {"userPreferenceMemoryStrategy": {"name": "prefs", "namespaces": ["/p/{actorId}"]}}
            ],
            "modifyMemoryStrategies": [
                {"memoryStrategyId": facts["strategyId"], "namespaces": ["/facts/{actorId}"]}
            ],
        },
        addIndexedKeys=[{"key": "priority", "type": "NUMBER"}],
    )["memory"]
    assert updated["eventExpiryDuration"] == 90 and updated["description"] == "updated"
    by_name = {s["name"]: s for s in updated["strategies"]}
    assert by_name["facts"]["namespaces"] == ["/facts/{actorId}"]
    assert by_name["prefs"]["type"] == "USER_PREFERENCE"
    after = env.control.update_memory(
        memoryId=mid,
        memoryStrategies={"deleteMemoryStrategies": [{"memoryStrategyId": facts["strategyId"]}]},
    )["memory"]
    assert [s["name"] for s in after["strategies"]] == ["prefs"]
    with pytest.raises(env.control.exceptions.ValidationException):
        env.control.update_memory(
            memoryId=mid,
            memoryStrategies={"deleteMemoryStrategies": [{"memoryStrategyId": "nope-0123456789"}]},
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "1startswithdigit", "eventExpiryDuration": 30},
        {"name": "has-dash", "eventExpiryDuration": 30},
        {"name": "Ok", "eventExpiryDuration": 366},
        {"name": "Ok", "eventExpiryDuration": 30, "indexedKeys": [{"key": "k", "type": "DATE"}]},
        {
            "name": "Ok",
            "eventExpiryDuration": 30,
            "memoryStrategies": [{"semanticMemoryStrategy": {"name": "x" * 49}}],
        },
    ],
)
def test_create_memory_validation(env: Env, kwargs: dict) -> None:
    env.require_twin()
    with pytest.raises(env.control.exceptions.ValidationException):
        env.control.create_memory(**kwargs)


def test_unknown_memory(env: Env) -> None:
    with pytest.raises(env.control.exceptions.ResourceNotFoundException):
        env.control.get_memory(memoryId="NoSuchMemory-0123456789")


def test_data_plane_rejects_memory_still_creating(env: Env) -> None:
    env.require_twin()
    mid = env.control.create_memory(name=_name(), eventExpiryDuration=7)["memory"]["id"]
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.list_events(memoryId=mid, actorId="a", sessionId="s")
