"""Ways in: aiobotocore via ``attach``, endpoint env vars, and expiry with a fake clock."""

from __future__ import annotations

import time

import boto3
import pytest

from langgraph_agentcore.twin import MemoryTwin

PAYLOAD = [{"conversational": {"role": "USER", "content": {"text": "hello"}}}]


async def test_aiobotocore_client_attached_in_process(twin: MemoryTwin) -> None:
    from aiobotocore.session import get_session

    mid = twin.create_memory("Async")["id"]
    async with get_session().create_client("bedrock-agentcore", region_name="us-east-1") as c:
        twin.attach(c)
        ev = (
            await c.create_event(
                memoryId=mid,
                actorId="a/b:c",
                sessionId="s",
                eventTimestamp=time.time(),
                payload=PAYLOAD,
            )
        )["event"]
        listed = await c.list_events(memoryId=mid, actorId="a/b:c", sessionId="s")
        assert [e["eventId"] for e in listed["events"]] == [ev["eventId"]]
        with pytest.raises(c.exceptions.ResourceNotFoundException):
            await c.list_events(memoryId="Nope-0123456789", actorId="a", sessionId="s")


def test_endpoint_env_vars(twin: MemoryTwin, monkeypatch: pytest.MonkeyPatch) -> None:
    server = twin.serve()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", server.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL", server.endpoint_url)
    session = boto3.session.Session()
    control = session.client("bedrock-agentcore-control")
    mid = control.create_memory(name="EnvVars", eventExpiryDuration=3)["memory"]["id"]
    control.get_waiter("memory_created").wait(memoryId=mid, WaiterConfig={"Delay": 0.1})
    data = session.client("bedrock-agentcore")
    assert data.list_actors(memoryId=mid)["actorSummaries"] == []


def test_events_expire_after_event_expiry_duration(dummy_aws: None) -> None:
    now = [1_700_000_000.0]
    with MemoryTwin(extraction_delay=None, clock=lambda: now[0]) as twin:
        mid = twin.create_memory("Expiry", event_expiry_days=3, strategies=None)["id"]
        data = twin.client("bedrock-agentcore")
        data.create_event(
            memoryId=mid, actorId="a", sessionId="s", eventTimestamp=now[0], payload=PAYLOAD
        )
        now[0] += 2 * 86_400
        assert len(data.list_events(memoryId=mid, actorId="a", sessionId="s")["events"]) == 1
        now[0] += 2 * 86_400
        assert data.list_events(memoryId=mid, actorId="a", sessionId="s")["events"] == []


def test_concurrent_writers_over_http(twin: MemoryTwin) -> None:
    from concurrent.futures import ThreadPoolExecutor

    mid = twin.create_memory("Concurrent")["id"]
    server = twin.serve()
    client = boto3.client("bedrock-agentcore", endpoint_url=server.endpoint_url)

    def write(i: int) -> str:
        return str(
            client.create_event(
                memoryId=mid,
                actorId="a",
                sessionId="s",
                eventTimestamp=time.time(),
                payload=[{"conversational": {"role": "USER", "content": {"text": f"m{i}"}}}],
            )["event"]["eventId"]
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(write, range(24)))
    assert len(set(ids)) == 24
    pages = client.get_paginator("list_events").paginate(memoryId=mid, actorId="a", sessionId="s")
    listed = [e["eventId"] for p in pages for e in p["events"]]
    assert sorted(listed) == sorted(ids)
    assert twin.run_extractions() >= 0
