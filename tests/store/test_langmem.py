"""LangMem's memory tools work on AgentCoreMemoryStore unchanged (issue 7).

``create_manage_memory_tool`` and ``create_search_memory_tool`` are LangMem's own; the
tests call them directly (sync and async) and let an agent call them inside a real
``create_agent`` graph, with the store and ``DynamoDBSaver`` on moto and the AgentCore
Memory twin. The model is offline and scripted, so the tool calls are deterministic.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import boto3
import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, ToolMessage
from langmem import create_manage_memory_tool, create_search_memory_tool

from langgraph_agentcore import DynamoDBSaver
from langgraph_agentcore.inprocess import async_client_factory
from langgraph_agentcore.offline import ScriptedToolModel, ToolRule
from langgraph_agentcore.store import AgentCoreMemoryStore
from tests.conftest import REGION
from tests.store.conftest import Env, wire_moto

NS = ("memories", "alice")
TEMPLATE = ("memories", "{langgraph_user_id}")


def _hits(result: str) -> list[dict[str, Any]]:
    """The search tool answers with LangMem's JSON dump of the found items."""
    return json.loads(result)


def _created_id(result: str) -> str:
    match = re.fullmatch(r"created memory ([0-9a-f-]{36})", result)
    assert match, result
    return match.group(1)


def test_tools_invoked_directly(env: Env, store: AgentCoreMemoryStore) -> None:
    manage = create_manage_memory_tool(NS, store=store)
    search = create_search_memory_tool(NS, store=store)
    mid = _created_id(manage.invoke({"content": "Alice prefers dark mode in every editor"}))
    item = store.get(NS, mid)
    assert item is not None and item.value == {"content": "Alice prefers dark mode in every editor"}
    (hit,) = _hits(search.invoke({"query": "which editor theme does alice like"}))
    assert hit["key"] == mid and hit["namespace"] == list(NS) and hit["score"] is not None
    assert hit["value"] == {"content": "Alice prefers dark mode in every editor"}

    out = manage.invoke({"action": "update", "id": mid, "content": "Alice prefers light mode"})
    assert out == f"updated memory {mid}"
    hits = _hits(search.invoke({"query": "editor theme"}))
    assert [(h["key"], h["value"]["content"]) for h in hits] == [(mid, "Alice prefers light mode")]
    # filter, limit and offset pass through to the store
    assert _hits(search.invoke({"query": "theme", "filter": {"content": "nope"}})) == []
    assert _hits(search.invoke({"query": "theme", "offset": 1})) == []

    assert manage.invoke({"action": "delete", "id": mid}) == f"Deleted memory {mid}"
    assert store.get(NS, mid) is None
    assert _hits(search.invoke({"query": "editor theme"})) == []
    store.flush()
    records = env.data.list_memory_records(memoryId=env.memory_id, namespacePath="/memories")
    assert records["memoryRecordSummaries"] == []  # no record left behind


async def test_tools_invoked_directly_async(env: Env, store: AgentCoreMemoryStore) -> None:
    manage = create_manage_memory_tool(NS, store=store)
    search = create_search_memory_tool(NS, store=store, response_format="content_and_artifact")
    mid = _created_id(await manage.ainvoke({"content": "Alice is allergic to peanuts"}))
    call = {
        "name": "search_memory",
        "args": {"query": "allergies"},
        "id": "c1",
        "type": "tool_call",
    }
    msg = await search.ainvoke(call)
    assert isinstance(msg, ToolMessage)
    assert [i.key for i in msg.artifact] == [mid] and msg.artifact[0].namespace == NS
    await manage.ainvoke({"action": "delete", "id": mid})
    assert await store.aget(NS, mid) is None
    await store.aclose()


def _agent(env: Env, store: AgentCoreMemoryStore) -> tuple[Any, ScriptedToolModel]:
    model = ScriptedToolModel(
        rules=[
            ToolRule(r"^remember: ", "manage_memory", lambda t: {"content": t.split(": ", 1)[1]}),
            ToolRule(r"^recall: ", "search_memory", lambda t: {"query": t.split(": ", 1)[1]}),
        ]
    )
    saver = DynamoDBSaver(
        env.table,
        "agent-1",
        client=env.ddb.attach(boto3.client("dynamodb", region_name=REGION)),
        async_client_factory=async_client_factory(
            "dynamodb", wire=wire_moto(env.ddb), region_name=REGION
        ),
    )
    agent = create_agent(
        model,
        [create_manage_memory_tool(TEMPLATE), create_search_memory_tool(TEMPLATE)],
        checkpointer=saver,
        store=store,
    )
    return agent, model


def _config(user: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": uuid.uuid4().hex, "langgraph_user_id": user}}


def _tool_result(state: dict[str, Any]) -> str:
    return next(m for m in reversed(state["messages"]) if isinstance(m, ToolMessage)).text


def test_tools_inside_an_agent_graph(env: Env, store: AgentCoreMemoryStore) -> None:
    agent, model = _agent(env, store)
    first = agent.invoke(
        {"messages": [HumanMessage("remember: alice drinks oat milk flat whites")]},
        _config("alice"),
    )
    mid = _created_id(_tool_result(first))
    assert "created memory" in first["messages"][-1].text  # the model saw the tool result
    assert store.get(("memories", "alice"), mid) is not None  # namespace from the config
    assert store.search(("memories", "bob")) == []

    # A new thread for the same user finds it; another user's agent finds nothing.
    later = agent.invoke(
        {"messages": [HumanMessage("recall: what coffee does alice drink")]}, _config("alice")
    )
    (hit,) = _hits(_tool_result(later))
    assert hit["key"] == mid and "oat milk" in hit["value"]["content"]
    assert "oat milk" in later["messages"][-1].text
    other = agent.invoke(
        {"messages": [HumanMessage("recall: what coffee does alice drink")]}, _config("bob")
    )
    assert _hits(_tool_result(other)) == []
    assert len(model.requests) == 6  # two model calls per turn: tool call, then answer


async def test_tools_inside_an_agent_graph_async(env: Env, store: AgentCoreMemoryStore) -> None:
    agent, _ = _agent(env, store)
    first = await agent.ainvoke(
        {"messages": [HumanMessage("remember: alice cycles to work")]}, _config("alice")
    )
    mid = _created_id(_tool_result(first))
    later = await agent.ainvoke(
        {"messages": [HumanMessage("recall: how does alice commute")]}, _config("alice")
    )
    assert [h["key"] for h in _hits(_tool_result(later))] == [mid]
    await agent.checkpointer.aclose()
    await store.aclose()


def test_search_tool_sees_extracted_records(env: Env, store: AgentCoreMemoryStore) -> None:
    """What AgentCore's strategies extracted is found by the same tool (query search)."""
    import time

    env.data.create_event(
        memoryId=env.memory_id,
        actorId="alice",
        sessionId="s1",
        eventTimestamp=time.time(),
        payload=[{"conversational": {"role": "USER", "content": {"text": "I live in Lisbon."}}}],
    )
    env.twin.run_extractions()
    search = create_search_memory_tool(("users", "alice"), store=store)
    hits = _hits(search.invoke({"query": "where does the user live"}))
    assert any("Lisbon" in h["value"]["text"] for h in hits), hits
    assert all(h["namespace"][:2] == ["users", "alice"] for h in hits)


@pytest.mark.parametrize("action", ["update", "delete"])
def test_manage_tool_needs_an_id(store: AgentCoreMemoryStore, action: str) -> None:
    manage = create_manage_memory_tool(NS, store=store)
    with pytest.raises(ValueError, match="MEMORY ID"):
        manage.invoke({"action": action, "content": "x"})
