"""A twin with ``persist_path`` survives a restart (same file, new process state)."""

from __future__ import annotations

import time
from pathlib import Path

import boto3

from langgraph_agentcore.twin import MemoryTwin


def test_state_survives_restart(tmp_path: Path, dummy_aws: None) -> None:
    path = tmp_path / "twin.json"
    with MemoryTwin(persist_path=path, extraction_delay=None) as first:
        mid = first.create_memory("Persisted")["id"]
        data = first.client("bedrock-agentcore")
        ev = data.create_event(
            memoryId=mid,
            actorId="user/1",
            sessionId="s1",
            eventTimestamp=time.time(),
            payload=[{"conversational": {"role": "USER", "content": {"text": "I live in Oslo."}}}],
        )["event"]
        first.run_extractions()
        data.create_event(  # still pending at shutdown
            memoryId=mid,
            actorId="user/1",
            sessionId="s2",
            eventTimestamp=time.time(),
            payload=[{"conversational": {"role": "USER", "content": {"text": "I like jazz."}}}],
        )
    assert path.exists()
    with MemoryTwin(persist_path=path, extraction_delay=None) as second:
        server = second.serve()
        data = boto3.client("bedrock-agentcore", endpoint_url=server.endpoint_url)
        control = boto3.client("bedrock-agentcore-control", endpoint_url=server.endpoint_url)
        assert control.get_memory(memoryId=mid)["memory"]["status"] == "ACTIVE"
        got = data.get_event(memoryId=mid, actorId="user/1", sessionId="s1", eventId=ev["eventId"])[
            "event"
        ]
        assert got["payload"] == ev["payload"]
        facts = data.list_memory_records(memoryId=mid, namespace="/users/user/1/facts")
        assert any("Oslo" in r["content"]["text"] for r in facts["memoryRecordSummaries"])
        second.run_extractions()
        prefs = data.list_memory_records(memoryId=mid, namespace="/users/user/1/preferences")
        assert any("jazz" in r["content"]["text"] for r in prefs["memoryRecordSummaries"])
        found = data.retrieve_memory_records(
            memoryId=mid,
            namespacePath="/users/user/1",
            searchCriteria={"searchQuery": "which city is the user based in"},
        )["memoryRecordSummaries"]
        assert "Oslo" in found[0]["content"]["text"]
