"""A missing memory says so (MemoryNotFoundError); a missing record stays a record error."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from langgraph_agentcore import (
    AgentCoreMemoryError,
    MemoryNotFoundError,
    MemoryRecordNotFoundError,
)
from langgraph_agentcore.table import translate_memory
from tests.store.conftest import Env

MISSING = "Missing-a1B2c3D4e5"
NS = ("users", "alice", "facts")
RECORD = "mem-00000000-0000-0000-0000-000000000000"


def _check(exc: BaseException) -> None:
    assert isinstance(exc, MemoryNotFoundError) and isinstance(exc, AgentCoreMemoryError)
    assert not isinstance(exc, MemoryRecordNotFoundError)
    text = str(exc)
    assert MISSING in text and "does not exist" in text
    assert "memory_id" in text and "region" in text and "us-east-1" in text
    assert exc.resource == MISSING


def test_unknown_memory_id_raises_memory_not_found(env: Env) -> None:
    store = env.store(memory_id=MISSING)
    with pytest.raises(MemoryNotFoundError) as info:
        store.search(NS, query="anything")
    _check(info.value)
    assert info.value.operation == "RetrieveMemoryRecords"
    with pytest.raises(MemoryNotFoundError) as info:
        store.get(NS, RECORD)  # a record-id key falls back to GetMemoryRecord
    _check(info.value)
    env.reset()
    with pytest.raises(MemoryNotFoundError):
        store.put(NS, "k", {"text": "never written"})
    assert env.ac.ops == ["BatchCreateMemoryRecords"] and env.ddb.ops == []  # nothing written
    assert store.get(NS, "k") is None
    with pytest.raises(MemoryNotFoundError):
        env.store(memory_id=MISSING, include_extracted=True).search(NS)
    store.put(NS, "plain", {"text": "not indexed"}, index=False)  # DynamoDB only: works
    assert store.get(NS, "plain") is not None


async def test_unknown_memory_id_async(env: Env) -> None:
    store = env.store(memory_id=MISSING)
    with pytest.raises(MemoryNotFoundError) as info:
        await store.asearch(NS, query="anything")
    _check(info.value)
    with pytest.raises(MemoryNotFoundError):
        await store.aget(NS, RECORD)
    await store.aclose()


def test_unknown_record_in_existing_memory_is_not_a_missing_memory(env: Env) -> None:
    store = env.store()
    assert store.get(NS, RECORD) is None  # MemoryRecordNotFoundError, handled
    with pytest.raises(env.data.exceptions.ResourceNotFoundException) as info:
        env.data.get_memory_record(memoryId=env.memory_id, memoryRecordId=RECORD)
    err = translate_memory(info.value, env.memory_id, "GetMemoryRecord")
    assert type(err) is MemoryRecordNotFoundError


def _not_found(message: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "ResourceNotFoundException", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 404},
        },
        "Op",
    )


@pytest.mark.parametrize(
    ("op", "message", "kind"),
    [
        # operations that address only the memory
        ("RetrieveMemoryRecords", f"Memory {MISSING} not found", MemoryNotFoundError),
        ("RetrieveMemoryRecords", "MemoryItem does not exist", MemoryNotFoundError),
        ("ListMemoryRecords", "Resource not found", MemoryNotFoundError),
        ("BatchCreateMemoryRecords", "The specified memory does not exist", MemoryNotFoundError),
        ("CreateEvent", f"Memory {MISSING} not found", MemoryNotFoundError),
        ("GetMemory", f"Memory {MISSING} not found", MemoryNotFoundError),
        # operations that also name a record, event or job: the message decides
        ("GetMemoryRecord", f"Memory {MISSING} not found", MemoryNotFoundError),
        ("GetMemoryRecord", f"Memory record {RECORD} not found", MemoryRecordNotFoundError),
        ("GetMemoryRecord", "MemoryItem does not exist", MemoryRecordNotFoundError),
        ("DeleteMemoryRecord", "Resource not found", MemoryRecordNotFoundError),
        ("GetEvent", "Event 0001#ab not found", MemoryRecordNotFoundError),
        ("StartMemoryExtractionJob", "Extraction job j1 not found", MemoryRecordNotFoundError),
        ("ListEvents", "Session s1 of actor a1 not found", MemoryRecordNotFoundError),
    ],
)
def test_translate_memory_tells_memory_from_record(op: str, message: str, kind: type) -> None:
    err = translate_memory(_not_found(message), MISSING, op, region="eu-west-1")
    assert type(err) is kind
    assert err.resource == MISSING and err.operation == op
    assert message in str(err)
    if kind is MemoryNotFoundError:
        assert "eu-west-1" in str(err) and "memory_id" in str(err)
