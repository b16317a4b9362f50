"""AgentCoreMemory: recall and capture round trips, request budget, merging, sync and async."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langgraph_agentcore import (
    AgentCoreMemory,
    MemoryRecord,
    RetrievalConfig,
    format_records,
)
from langgraph_agentcore.namespaces import actor_id as enc
from tests.memory.conftest import FACTS, PREFERENCES, SUMMARIES, MemEnv


def turn(text: str, reply: str = "Noted.", n: int = 1) -> list[Any]:
    return [HumanMessage(text, id=f"h{n}"), AIMessage(reply, id=f"a{n}")]


def remember(env: MemEnv, memory: AgentCoreMemory, actor: str = "alice") -> None:
    memory.capture(turn("I'm vegetarian and I live in Lisbon."), actor_id=actor, session_id="s1")
    assert env.extract() > 0
    env.reset()


# -- round trips ---------------------------------------------------------------------------


def test_capture_then_recall_in_a_new_session(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    result = memory.capture(
        turn("I'm vegetarian and I live in Lisbon."), actor_id="alice", session_id="s1"
    )
    assert result.queued is False and result.messages == 2 and len(result.event_ids) == 1
    assert mem_env.ac.ops == ["CreateEvent"]
    assert mem_env.ddb.ops == ["Query"]  # first capture of this object: old outbox items?
    assert mem_env.texts("alice", "s1") == ["I'm vegetarian and I live in Lisbon.", "Noted."]
    mem_env.extract()
    mem_env.reset()
    records = memory.recall("what should I cook for dinner in my city", actor_id="alice")
    texts = " ".join(r.text for r in records)
    assert "vegetarian" in texts and "Lisbon" in texts
    assert all(isinstance(r, MemoryRecord) and r.record_id.startswith("mem-") for r in records)
    assert all(r.namespace.split("/")[2] == "alice" for r in records)
    # One RetrieveMemoryRecords per namespace (the summary template without a session
    # becomes the actor's subtree of summaries), no GetMemory, no DynamoDB.
    assert sorted(mem_env.ac.ops) == ["RetrieveMemoryRecords"] * 3
    assert mem_env.ctl.ops == [] and mem_env.ddb.ops == []
    assert memory.recall("what should I cook", actor_id="bob") == []


async def test_async_capture_then_recall(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    result = await memory.acapture(
        turn("I'm vegetarian and I live in Lisbon."), actor_id="alice", session_id="s1"
    )
    assert result.queued is False and len(result.event_ids) == 1
    assert mem_env.ac.ops == ["CreateEvent"]
    mem_env.extract()
    mem_env.reset()
    records = await memory.arecall("what do I eat", actor_id="alice", session_id="s2")
    assert any("vegetarian" in r.text for r in records)
    assert sorted(mem_env.ac.ops) == ["RetrieveMemoryRecords"] * 3
    assert await memory.arecall("what do I eat", actor_id="bob") == []
    await memory.aclose()


def test_steady_state_budget_one_create_event_no_dynamodb(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    memory.capture(turn("hello", n=0), actor_id="alice", session_id="s1")
    env.reset()
    for n in range(1, 4):
        memory.capture(turn(f"message {n}", n=n), actor_id="alice", session_id="s1")
    assert env.ac.ops == ["CreateEvent"] * 3
    assert env.ddb.ops == []  # the outbox is known to be empty


def test_check_outbox_on_start_off_means_no_dynamodb_at_all(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory(check_outbox_on_start=False)
    memory.capture(turn("hello"), actor_id="alice", session_id="s1")
    assert env.ac.ops == ["CreateEvent"] and env.ddb.ops == []


def test_without_a_table_no_dynamodb_client_is_used(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory(table=False)
    memory.capture(turn("hello"), actor_id="alice", session_id="s1")
    memory.recall("hello", actor_id="alice")
    assert env.ddb.ops == []


# -- capture conversion --------------------------------------------------------------------


def test_roles_tool_calls_and_content_blocks(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    messages = [
        SystemMessage("You are helpful.", id="s"),
        HumanMessage(
            content=[
                {"type": "text", "text": "What's the weather"},
                {"type": "image", "url": "https://example.com/x.png"},
            ],
            id="h",
        ),
        AIMessage(
            "", tool_calls=[{"name": "weather", "args": {"city": "Lisbon"}, "id": "c1"}], id="a1"
        ),
        ToolMessage("sunny, 24C", tool_call_id="c1", name="weather", id="t"),
        AIMessage("It is sunny.", id="a2"),
        AIMessage("", id="empty"),
        HumanMessage(content=[{"type": "image", "url": "https://example.com/y.png"}], id="img"),
    ]
    result = memory.capture(messages, actor_id="alice", session_id="s1")
    assert result.messages == 5 and len(result.event_ids) == 1
    (event,) = env.events("alice", "s1")
    got = [
        (p["conversational"]["role"], p["conversational"]["content"]["text"])
        for p in event["payload"]
    ]
    assert got == [
        ("OTHER", "You are helpful."),
        ("USER", "What's the weather"),
        ("ASSISTANT", '[tool call weather] {"city": "Lisbon"}'),
        ("TOOL", "[tool result weather] sunny, 24C"),
        ("ASSISTANT", "It is sunny."),
    ]


def test_nothing_to_capture_sends_nothing(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    result = memory.capture([AIMessage("", id="x")], actor_id="alice", session_id="s1")
    assert result.event_ids == [] and result.messages == 0
    assert memory.capture([], actor_id="alice", session_id="s1").messages == 0
    assert env.ac.ops == [] and env.ddb.ops == []


def test_repeated_capture_of_the_same_messages_is_one_event(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    msgs = turn("I live in Porto.")
    first = memory.capture(msgs, actor_id="alice", session_id="s1")
    second = memory.capture(msgs, actor_id="alice", session_id="s1")
    third = mem_env.memory().capture(msgs, actor_id="alice", session_id="s1")  # another process
    assert len(first.event_ids) == 1 and second.queued is False and third.queued is False
    assert len(mem_env.events("alice", "s1")) == 1
    # New messages are a new event.
    memory.capture(turn("I work as a nurse.", n=2), actor_id="alice", session_id="s1")
    assert len(mem_env.events("alice", "s1")) == 2


def test_limits_split_into_events_only_when_forced(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    msgs = [HumanMessage(f"message {i}", id=f"m{i}") for i in range(150)]
    msgs.append(HumanMessage("x" * 250_000, id="big"))
    result = memory.capture(msgs, actor_id="alice", session_id="s1")
    # 150 items + 3 items of the big text = 153 items -> 2 events (<= 100 items each).
    assert len(result.event_ids) == 2 and env.ac.ops == ["CreateEvent"] * 2
    texts = env.texts("alice", "s1")
    assert texts[:150] == [f"message {i}" for i in range(150)]
    assert [len(t) for t in texts[150:]] == [100_000, 100_000, 50_000]
    assert "".join(texts[150:]) == "x" * 250_000


def test_bad_messages_raise_before_any_request(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    with pytest.raises(ValueError, match=r"messages\[1\]"):
        memory.capture(
            [HumanMessage("a"), {"role": "user", "content": "b"}], actor_id="a", session_id="s"
        )  # type: ignore[list-item]
    with pytest.raises(ValueError, match="sequence"):
        memory.capture("hello", actor_id="a", session_id="s")  # type: ignore[arg-type]
    assert env.ac.total == 0 and env.ddb.total == 0


# -- recall: thresholds, merging, caps -----------------------------------------------------


def _create(env: MemEnv, namespace: str, texts: list[str], strategy: str | None = None) -> None:
    extra = {"memoryStrategyId": strategy} if strategy else {}
    env.data.batch_create_memory_records(
        memoryId=env.memory_id,
        records=[
            {
                "requestIdentifier": f"r{i}",
                "namespaces": [namespace],
                "content": {"text": t},
                "timestamp": 1_700_000_000 + i,
                **extra,
            }
            for i, t in enumerate(texts)
        ],
    )


def test_relevance_threshold_top_k_and_best_first(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    _create(env, "/users/alice/facts", ["The user lives in Lisbon.", "The user has a cat."])
    _create(
        env, "/users/alice/preferences", ["The user likes jazz music.", "The user prefers tea."]
    )
    loose = env.memory(
        {
            FACTS: RetrievalConfig(relevance_score=0.0),
            PREFERENCES: RetrievalConfig(relevance_score=0.0),
        }
    )
    records = loose.recall("where does the user live", actor_id="alice")
    scores = [r.score or 0.0 for r in records]
    assert scores == sorted(scores, reverse=True) and len(records) == 4
    assert records[0].text == "The user lives in Lisbon."
    cut = scores[0] - 1e-6
    strict = env.memory(
        {
            FACTS: RetrievalConfig(relevance_score=cut),
            PREFERENCES: RetrievalConfig(relevance_score=cut),
        }
    )
    assert [r.text for r in strict.recall("where does the user live", actor_id="alice")] == [
        "The user lives in Lisbon."
    ]
    one = env.memory({FACTS: RetrievalConfig(top_k=1, relevance_score=0.0)})
    assert len(one.recall("the user", actor_id="alice")) == 1


def test_duplicates_across_namespaces_are_merged(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    _create(env, "/users/alice/facts", ["The user is vegetarian."])
    _create(env, "/users/alice/preferences", ["the user is  vegetarian", "The user likes tea."])
    memory = env.memory()
    records = memory.recall("is the user vegetarian", actor_id="alice")
    assert len([r for r in records if "vegetarian" in r.text.lower()]) == 1
    assert any("tea" in r.text for r in records)


def test_max_tokens_caps_the_recalled_text(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    _create(env, "/users/alice/facts", [f"The user fact number {i} " + "x" * 200 for i in range(6)])
    full = env.memory({FACTS: RetrievalConfig(relevance_score=0.0)})
    capped = env.memory({FACTS: RetrievalConfig(relevance_score=0.0)}, max_tokens=150)
    assert len(full.recall("user fact", actor_id="alice")) == 6
    few = capped.recall("user fact", actor_id="alice")
    assert 1 <= len(few) < 6
    from langchain_core.messages.utils import count_tokens_approximately

    assert sum(count_tokens_approximately([r.text]) for r in few) <= 150


def test_session_templates_with_and_without_a_session(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    _create(env, "/summaries/alice/s1", ["Summary of session s1: the user planned a trip."])
    _create(env, "/summaries/alice/s2", ["Summary of session s2: the user asked about trips."])
    memory = env.memory({SUMMARIES: RetrievalConfig(relevance_score=0.0)})
    with_session = memory.recall("trip", actor_id="alice", session_id="s1")
    assert [r.namespace for r in with_session] == ["/summaries/alice/s1"]
    env.reset()
    every = memory.recall("trip", actor_id="alice")
    assert sorted(r.namespace for r in every) == ["/summaries/alice/s1", "/summaries/alice/s2"]
    assert env.ac.ops == ["RetrieveMemoryRecords"]
    # A template whose prefix before {sessionId} loses the actor is skipped without a session.
    odd = env.memory({"/{sessionId}/{actorId}": RetrievalConfig()})
    env.reset()
    assert odd.recall("trip", actor_id="alice") == [] and env.ac.ops == []


def test_memory_strategy_id_templates_read_get_memory_once(mem_env: MemEnv) -> None:
    twin = mem_env.twin
    mid = twin.create_memory(
        "Strategies",
        strategies=[
            {
                "semanticMemoryStrategy": {
                    "name": "facts",
                    "namespaces": ["/strategies/{memoryStrategyId}/actors/{actorId}"],
                }
            },
            {
                "userPreferenceMemoryStrategy": {
                    "name": "prefs",
                    "namespaces": ["/strategies/{memoryStrategyId}/actors/{actorId}"],
                }
            },
        ],
    )["id"]
    sids = {
        s["name"]: s["strategyId"]
        for s in twin.client("bedrock-agentcore-control").get_memory(memoryId=mid)["memory"][
            "strategies"
        ]
    }
    mem_env.memory_id = mid
    for sid in sids.values():
        _create(mem_env, f"/strategies/{sid}/actors/alice", [f"The user likes {sid}."], sid)
    memory = mem_env.memory(
        {"/strategies/{memoryStrategyId}/actors/{actorId}": RetrievalConfig(relevance_score=0.0)}
    )
    mem_env.reset()
    records = memory.recall("what does the user like", actor_id="alice")
    assert sorted(r.text for r in records) == sorted(f"The user likes {s}." for s in sids.values())
    assert mem_env.ctl.ops == ["GetMemory"] and mem_env.ac.ops == ["RetrieveMemoryRecords"] * 2
    mem_env.reset()
    memory.recall("what does the user like", actor_id="alice")
    assert mem_env.ctl.ops == [] and mem_env.ac.ops == ["RetrieveMemoryRecords"] * 2
    # A configured strategy id needs no GetMemory and narrows to that strategy.
    pinned = mem_env.memory(
        {
            "/strategies/{memoryStrategyId}/actors/{actorId}": RetrievalConfig(
                relevance_score=0.0, strategy_id=sids["facts"]
            )
        }
    )
    mem_env.reset()
    assert [r.text for r in pinned.recall("likes", actor_id="alice")] == [
        f"The user likes {sids['facts']}."
    ]
    assert mem_env.ctl.ops == [] and mem_env.ac.ops == ["RetrieveMemoryRecords"]


def test_empty_query_recalls_nothing_without_requests(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    assert memory.recall("   ", actor_id="alice") == [] and env.ac.total == 0


def test_format_records() -> None:
    assert format_records([]) == ""
    recs = [
        MemoryRecord("The user is vegetarian.", 0.9, "/users/a/facts", "mem-1", None),
        MemoryRecord("Lives in\nLisbon.", 0.8, "/users/a/facts", "mem-2", "facts"),
    ]
    assert format_records(recs) == (
        "<user_context>\n- The user is vegetarian.\n- Lives in Lisbon.\n</user_context>"
    )
    assert format_records(recs[:1], tag="memory").startswith("<memory>\n- The user")


def test_bad_configuration_is_rejected() -> None:
    with pytest.raises(ValueError, match="actorId"):
        AgentCoreMemory("Mem-abcdefghij", retrieval={"/shared/facts": RetrievalConfig()})
    with pytest.raises(ValueError, match="unknown placeholders"):
        AgentCoreMemory(
            "Mem-abcdefghij", retrieval={"/users/{actorId}/{userId}": RetrievalConfig()}
        )
    with pytest.raises(ValueError, match="top_k"):
        RetrievalConfig(top_k=0)
    with pytest.raises(ValueError, match="top_k"):
        RetrievalConfig(top_k=101)
    with pytest.raises(ValueError, match="RetrievalConfig"):
        AgentCoreMemory("Mem-abcdefghij", retrieval={FACTS: {"top_k": 3}})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="max_tokens"):
        AgentCoreMemory("Mem-abcdefghij", retrieval={FACTS: RetrievalConfig()}, max_tokens=0)


def test_encoded_actor_in_namespaces(mem_env_inprocess: MemEnv) -> None:
    assert enc("alice") == "alice"
    assert enc("alice@example.com") == "alice:40example:2Ecom"
