"""Contract: long-term memory records (batch writes, reads, listing, retrieval)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.twin.support import Env, unique

NOW = datetime.now(timezone.utc)


def _record(ns: str, text: str, **extra: object) -> dict:
    return {
        "requestIdentifier": unique("r"),
        "namespaces": [ns],
        "content": {"text": text},
        "timestamp": NOW,
        **extra,
    }


def _create(env: Env, *records: dict) -> list[str]:
    out = env.data.batch_create_memory_records(memoryId=env.memory_id, records=list(records))
    assert out["failedRecords"] == []
    by_req = {r["requestIdentifier"]: r["memoryRecordId"] for r in out["successfulRecords"]}
    return [by_req[r["requestIdentifier"]] for r in records]


def _list(env: Env, **kwargs: object) -> list[dict]:
    pages = env.data.get_paginator("list_memory_records").paginate(memoryId=env.memory_id, **kwargs)
    return [r for p in pages for r in p["memoryRecordSummaries"]]


def test_batch_create_get_delete(env: Env) -> None:
    ns = f"/tests/{unique('ns')}"
    (rid,) = _create(env, _record(ns, "The user owns a red bicycle."))
    assert rid.startswith("mem-") and 40 <= len(rid) <= 50
    rec = env.data.get_memory_record(memoryId=env.memory_id, memoryRecordId=rid)["memoryRecord"]
    assert rec["content"]["text"] == "The user owns a red bicycle."
    assert rec["namespaces"] == [ns]
    env.data.delete_memory_record(memoryId=env.memory_id, memoryRecordId=rid)
    with pytest.raises(env.data.exceptions.ResourceNotFoundException):
        env.data.get_memory_record(memoryId=env.memory_id, memoryRecordId=rid)


def test_batch_per_record_failures(env: Env) -> None:
    ns = f"/tests/{unique('ns')}"
    (rid,) = _create(env, _record(ns, "Original text."))
    missing = "mem-" + "0" * 36
    upd = env.data.batch_update_memory_records(
        memoryId=env.memory_id,
        records=[
            {"memoryRecordId": rid, "timestamp": NOW, "content": {"text": "Updated text."}},
            {"memoryRecordId": missing, "timestamp": NOW, "content": {"text": "nope"}},
        ],
    )
    assert [r["memoryRecordId"] for r in upd["successfulRecords"]] == [rid]
    assert [r["memoryRecordId"] for r in upd["failedRecords"]] == [missing]
    assert upd["failedRecords"][0]["status"] == "FAILED"
    rec = env.data.get_memory_record(memoryId=env.memory_id, memoryRecordId=rid)["memoryRecord"]
    assert rec["content"]["text"] == "Updated text."
    dele = env.data.batch_delete_memory_records(
        memoryId=env.memory_id, records=[{"memoryRecordId": rid}, {"memoryRecordId": missing}]
    )
    assert [r["memoryRecordId"] for r in dele["successfulRecords"]] == [rid]
    assert [r["memoryRecordId"] for r in dele["failedRecords"]] == [missing]


def test_batch_create_unknown_strategy_fails_that_record_only(env: Env) -> None:
    env.require_twin()  # AWS may validate strategy ids differently
    ns = f"/tests/{unique('ns')}"
    good, bad = _record(ns, "fine"), _record(ns, "bad", memoryStrategyId="nostrategy-0123456789")
    out = env.data.batch_create_memory_records(memoryId=env.memory_id, records=[good, bad])
    assert [r["requestIdentifier"] for r in out["successfulRecords"]] == [good["requestIdentifier"]]
    assert [r["requestIdentifier"] for r in out["failedRecords"]] == [bad["requestIdentifier"]]


def test_batch_limits(env: Env) -> None:
    ns = f"/tests/{unique('ns')}"
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.batch_create_memory_records(
            memoryId=env.memory_id, records=[_record(ns, f"r{i}") for i in range(101)]
        )
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.batch_create_memory_records(
            memoryId=env.memory_id, records=[_record(ns, "x" * 16_001)]
        )


def test_client_token_makes_batch_create_idempotent(env: Env) -> None:
    ns = f"/tests/{unique('ns')}"
    records = [_record(ns, "Only once.")]
    token = unique("tok")
    a = env.data.batch_create_memory_records(
        memoryId=env.memory_id, records=records, clientToken=token
    )
    b = env.data.batch_create_memory_records(
        memoryId=env.memory_id, records=records, clientToken=token
    )
    assert a["successfulRecords"] == b["successfulRecords"]
    assert len(_list(env, namespace=ns)) == 1


def test_namespace_exact_vs_path_subtree(env: Env) -> None:
    root = f"/tests/{unique('ns')}"
    _create(
        env,
        _record(f"{root}/alice", "alice fact"),
        _record(f"{root}/alice/prefs", "alice pref"),
        _record(f"{root}/alicea", "other actor"),
    )
    exact = {r["content"]["text"] for r in _list(env, namespace=f"{root}/alice")}
    assert exact == {"alice fact"}
    subtree = {r["content"]["text"] for r in _list(env, namespacePath=f"{root}/alice")}
    assert subtree == {"alice fact", "alice pref"}
    everything = {r["content"]["text"] for r in _list(env, namespacePath=root)}
    assert everything == {"alice fact", "alice pref", "other actor"}


@pytest.mark.parametrize("both", [True, False])
def test_namespace_and_path_exactly_one(env: Env, both: bool) -> None:
    kwargs = {"namespace": "/a", "namespacePath": "/a"} if both else {}
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.list_memory_records(memoryId=env.memory_id, **kwargs)
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.retrieve_memory_records(
            memoryId=env.memory_id, searchCriteria={"searchQuery": "x"}, **kwargs
        )


def test_invalid_namespace_pattern(env: Env) -> None:
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.list_memory_records(memoryId=env.memory_id, namespace="/users/{actorId}")


def test_list_records_pagination(env: Env) -> None:
    ns = f"/tests/{unique('ns')}"
    ids = _create(env, *[_record(ns, f"record number {i}") for i in range(5)])
    first = env.data.list_memory_records(memoryId=env.memory_id, namespace=ns, maxResults=2)
    assert len(first["memoryRecordSummaries"]) == 2 and first.get("nextToken")
    assert sorted(r["memoryRecordId"] for r in _list(env, namespace=ns)) == sorted(ids)


def test_metadata_filters_on_indexed_keys(env: Env) -> None:
    env.require_twin()  # needs a memory with the suite's indexed keys
    ns = f"/tests/{unique('ns')}"
    _create(
        env,
        _record(ns, "billing one", metadata={"topic": {"stringValue": "billing"}}),
        _record(
            ns,
            "billing two",
            metadata={"topic": {"stringValue": "billing"}, "priority": {"numberValue": 5}},
        ),
        _record(ns, "shipping", metadata={"topic": {"stringValue": "shipping"}}),
    )

    def texts(*filters: dict) -> set[str]:
        return {
            r["content"]["text"] for r in _list(env, namespace=ns, metadataFilters=list(filters))
        }

    billing = {
        "left": {"metadataKey": "topic"},
        "operator": "EQUALS_TO",
        "right": {"metadataValue": {"stringValue": "billing"}},
    }
    assert texts(billing) == {"billing one", "billing two"}
    high = {
        "left": {"metadataKey": "priority"},
        "operator": "GREATER_THAN",
        "right": {"metadataValue": {"numberValue": 3}},
    }
    assert texts(billing, high) == {"billing two"}
    assert texts({"left": {"metadataKey": "priority"}, "operator": "NOT_EXISTS"}) == {
        "billing one",
        "shipping",
    }
    with pytest.raises(env.data.exceptions.ValidationException):
        texts({"left": {"metadataKey": "not_indexed"}, "operator": "EXISTS"})
    found = env.data.retrieve_memory_records(
        memoryId=env.memory_id,
        namespace=ns,
        searchCriteria={"searchQuery": "billing", "metadataFilters": [high]},
    )["memoryRecordSummaries"]
    assert [r["content"]["text"] for r in found] == ["billing two"]


def test_retrieve_ranks_relevant_record_first(env: Env) -> None:
    ns = f"/tests/{unique('ns')}"
    _create(
        env,
        _record(ns, "The user is allergic to peanuts."),
        _record(ns, "The user works as a software engineer in Berlin."),
        _record(ns, "The user prefers window seats on flights."),
        _record(ns, "The user has two cats named Miso and Tofu."),
    )
    found = env.data.retrieve_memory_records(
        memoryId=env.memory_id,
        namespace=ns,
        searchCriteria={"searchQuery": "what is the user's job?", "topK": 2},
    )["memoryRecordSummaries"]
    assert len(found) == 2
    assert "software engineer" in found[0]["content"]["text"]
    assert found[0]["score"] >= found[1]["score"]
    pets = env.data.retrieve_memory_records(
        memoryId=env.memory_id,
        namespacePath=ns,
        searchCriteria={"searchQuery": "does the user have any pets?"},
    )["memoryRecordSummaries"]
    assert "cats" in pets[0]["content"]["text"]


def test_retrieve_validation(env: Env) -> None:
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.retrieve_memory_records(
            memoryId=env.memory_id, namespace="/a", searchCriteria={"searchQuery": "x", "topK": 101}
        )
    with pytest.raises(env.data.exceptions.ValidationException):
        env.data.retrieve_memory_records(
            memoryId=env.memory_id,
            namespace="/a",
            searchCriteria={
                "searchQuery": "x",
                "metadataFilters": [{"left": {"metadataKey": "topic"}, "operator": "SIMILAR"}],
            },
        )


def test_get_record_with_wrong_namespace_is_not_found(env: Env) -> None:
    ns = f"/tests/{unique('ns')}"
    (rid,) = _create(env, _record(ns, "namespaced"))
    with pytest.raises(env.data.exceptions.ResourceNotFoundException):
        env.data.get_memory_record(
            memoryId=env.memory_id, memoryRecordId=rid, namespace=f"{ns}/elsewhere"
        )
    with pytest.raises(env.data.exceptions.ResourceNotFoundException):
        env.data.delete_memory_record(memoryId=env.memory_id, memoryRecordId="mem-" + "1" * 36)
