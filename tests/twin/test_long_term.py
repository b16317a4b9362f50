"""Contract: long-term extraction by the memory's strategies (deterministic on the twin)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from langgraph_agentcore.twin import MemoryTwin
from langgraph_agentcore.twin.extraction import ExtractedRecord, ExtractionRequest
from tests.twin.support import Env, unique


def _strategy(env: Env, stype: str) -> dict[str, Any]:
    memory = env.control.get_memory(memoryId=env.memory_id)["memory"]
    for s in memory.get("strategies", []):
        if s["type"] == stype:
            return s
    pytest.skip(f"the memory has no {stype} strategy")


def _namespace(strategy: dict[str, Any], actor: str, session: str) -> str:
    template = (strategy.get("namespaceTemplates") or strategy["namespaces"])[0]
    return (
        template.replace("{actorId}", actor)
        .replace("{sessionId}", session)
        .replace("{memoryStrategyId}", strategy["strategyId"])
    )


def _texts(env: Env, namespace: str) -> list[str]:
    pages = env.data.get_paginator("list_memory_records").paginate(
        memoryId=env.memory_id, namespace=namespace
    )
    return [r["content"]["text"] for p in pages for r in p["memoryRecordSummaries"]]


def test_semantic_extraction_into_template_namespace(env: Env) -> None:
    facts = _strategy(env, "SEMANTIC")
    actor, session = unique("user"), unique("s")
    ns = _namespace(facts, actor, session)
    env.say(actor, session, ("USER", "I live in Lisbon."), ("ASSISTANT", "Lisbon is lovely!"))
    env.extract(until=lambda: bool(_texts(env, ns)))
    texts = _texts(env, ns)
    assert any("Lisbon" in t for t in texts)
    record = env.data.list_memory_records(memoryId=env.memory_id, namespace=ns)[
        "memoryRecordSummaries"
    ][0]
    assert record["memoryStrategyId"] == facts["strategyId"]
    found = env.data.retrieve_memory_records(
        memoryId=env.memory_id,
        namespace=ns,
        searchCriteria={
            "searchQuery": "where does the user live",
            "memoryStrategyId": facts["strategyId"],
        },
    )["memoryRecordSummaries"]
    assert "Lisbon" in found[0]["content"]["text"]


def test_same_fact_twice_is_consolidated(env: Env) -> None:
    facts = _strategy(env, "SEMANTIC")
    actor = unique("user")
    ns = _namespace(facts, actor, "unused")
    env.say(actor, unique("s"), ("USER", "I work as a nurse."))
    env.extract(until=lambda: bool(_texts(env, ns)))
    env.say(actor, unique("s"), ("USER", "I work as a nurse."))
    env.extract(until=lambda: False, timeout=60 if not env.is_twin else 0)
    assert len([t for t in _texts(env, ns) if "nurse" in t]) == 1


def test_skip_mode_is_never_extracted(env: Env) -> None:
    facts = _strategy(env, "SEMANTIC")
    actor, session = unique("user"), unique("s")
    ns = _namespace(facts, actor, session)
    env.say(actor, session, ("USER", "I live in Oslo."), extractionMode="SKIP")
    env.extract(until=lambda: False, timeout=60 if not env.is_twin else 0)
    assert _texts(env, ns) == []


def test_summary_per_session(env: Env) -> None:
    summaries = _strategy(env, "SUMMARIZATION")
    actor = unique("user")
    s1, s2 = unique("s"), unique("s")
    env.say(actor, s1, ("USER", "Help me plan a trip to Japan."), ("ASSISTANT", "Sure!"))
    env.say(actor, s2, ("USER", "Fix my bike's brakes."), ("ASSISTANT", "Okay."))
    ns1, ns2 = _namespace(summaries, actor, s1), _namespace(summaries, actor, s2)
    env.extract(until=lambda: bool(_texts(env, ns1)) and bool(_texts(env, ns2)))
    assert len(_texts(env, ns1)) == 1 and len(_texts(env, ns2)) == 1
    env.say(actor, s1, ("USER", "Also book a hotel in Kyoto."))
    env.extract(until=lambda: "Kyoto" in " ".join(_texts(env, ns1)))
    assert len(_texts(env, ns1)) == 1


def test_preferences_strategy(env: Env) -> None:
    prefs = _strategy(env, "USER_PREFERENCE")
    actor, session = unique("user"), unique("s")
    ns = _namespace(prefs, actor, session)
    env.say(actor, session, ("USER", "I prefer vegetarian food."))
    env.extract(until=lambda: bool(_texts(env, ns)))
    assert any("vegetarian" in t for t in _texts(env, ns))


def test_extraction_waits_for_trigger(env: Env) -> None:
    twin = env.require_twin()
    facts = _strategy(env, "SEMANTIC")
    actor, session = unique("user"), unique("s")
    ns = _namespace(facts, actor, session)
    env.say(actor, session, ("USER", "I live in Rome."))
    assert _texts(env, ns) == []  # asynchronous: nothing until extraction runs
    assert twin.run_extractions() >= 1
    assert _texts(env, ns)


class _Failing:
    def __init__(self) -> None:
        self.fail = True
        self.calls = 0

    def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("model unavailable")
        return [ExtractedRecord(f"Fact from {request.session_id}.")]


def test_failed_jobs_are_listed_and_restartable(dummy_aws: None) -> None:
    extractor = _Failing()
    with MemoryTwin(extraction_delay=None, extractor=extractor) as twin:
        mid = twin.create_memory(
            "Jobs",
            strategies=[
                {"semanticMemoryStrategy": {"name": "facts", "namespaces": ["/f/{actorId}"]}}
            ],
        )["id"]
        data = twin.client("bedrock-agentcore")
        ev = data.create_event(
            memoryId=mid,
            actorId="u1",
            sessionId="s1",
            eventTimestamp=time.time(),
            payload=[{"conversational": {"role": "USER", "content": {"text": "I like tea"}}}],
        )["event"]
        twin.run_extractions()
        jobs = data.list_memory_extraction_jobs(memoryId=mid)["jobs"]
        assert len(jobs) == 1
        job = jobs[0]
        assert job["status"] == "FAILED" and "model unavailable" in job["failureReason"]
        assert job["actorId"] == "u1" and job["sessionId"] == "s1"
        assert job["messages"]["messagesList"][0]["eventId"] == ev["eventId"]
        assert (
            data.list_memory_extraction_jobs(memoryId=mid, filter={"actorId": "nobody"})["jobs"]
            == []
        )
        extractor.fail = False
        assert (
            data.start_memory_extraction_job(memoryId=mid, extractionJob={"jobId": job["jobID"]})[
                "jobId"
            ]
            == job["jobID"]
        )
        twin.run_extractions()
        assert data.list_memory_extraction_jobs(memoryId=mid)["jobs"] == []
        texts = [
            r["content"]["text"]
            for r in data.list_memory_records(memoryId=mid, namespace="/f/u1")[
                "memoryRecordSummaries"
            ]
        ]
        assert texts == ["Fact from s1."]
        with pytest.raises(data.exceptions.ResourceNotFoundException):
            data.start_memory_extraction_job(memoryId=mid, extractionJob={"jobId": "job-nope"})


def test_background_extraction_after_delay(dummy_aws: None) -> None:
    with MemoryTwin(extraction_delay=0.2) as twin:
        mid = twin.create_memory("Timer")["id"]
        data = twin.client("bedrock-agentcore")
        data.create_event(
            memoryId=mid,
            actorId="u1",
            sessionId="s1",
            eventTimestamp=time.time(),
            payload=[
                {"conversational": {"role": "USER", "content": {"text": "I live in Madrid."}}}
            ],
        )
        deadline = time.monotonic() + 5
        records: list = []
        while time.monotonic() < deadline and not records:
            time.sleep(0.05)
            records = data.list_memory_records(memoryId=mid, namespace="/users/u1/facts")[
                "memoryRecordSummaries"
            ]
        assert records and "Madrid" in records[0]["content"]["text"]


def test_custom_strategy_passes_base_type_and_instructions(dummy_aws: None) -> None:
    seen: list[ExtractionRequest] = []

    class Spy:
        def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
            seen.append(request)
            return []

    with MemoryTwin(extraction_delay=None, extractor=Spy()) as twin:
        control = twin.client("bedrock-agentcore-control")
        mid = control.create_memory(
            name="Custom",
            eventExpiryDuration=7,
            memoryStrategies=[
                {
                    "customMemoryStrategy": {
                        "name": "custom",
                        "namespaces": ["/c/{actorId}/{sessionId}"],
                        "configuration": {
                            "userPreferenceOverride": {
                                "extraction": {"appendToPrompt": "Only food.", "modelId": "m"}
                            }
                        },
                    }
                }
            ],
        )["memory"]["id"]
        control.get_waiter("memory_created").wait(
            memoryId=mid, WaiterConfig={"Delay": 0.2, "MaxAttempts": 20}
        )
        strategy = control.get_memory(memoryId=mid)["memory"]["strategies"][0]
        assert strategy["type"] == "CUSTOM"
        assert strategy["configuration"]["type"] == "USER_PREFERENCE_OVERRIDE"
        twin.client("bedrock-agentcore").create_event(
            memoryId=mid,
            actorId="u",
            sessionId="s",
            eventTimestamp=time.time(),
            payload=[{"conversational": {"role": "USER", "content": {"text": "I love ramen"}}}],
            extractionConfig={"namespaceVariables": {"team": "blue"}},
        )
        twin.run_extractions()
        assert [(r.strategy_type, r.instructions) for r in seen] == [
            ("USER_PREFERENCE", "Only food.")
        ]
        assert seen[0].turns[0].text == "I love ramen"
