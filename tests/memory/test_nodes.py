"""The memory loop in LangGraph graphs built without create_agent.

A StateGraph chatbot (``START -> recall_node -> chat -> capture_node -> END``) and
``create_react_agent`` with ``pre_model_hook`` / ``post_model_hook``, on the same real
peers as the middleware tests (DynamoDBSaver on moto, the twin in-process and over HTTP).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import RunnableLambda
from langgraph.graph import END, START, StateGraph

from langgraph_agentcore.errors import MemoryIdentityError
from langgraph_agentcore.memory import AgentCoreMemory
from langgraph_agentcore.nodes import (
    MemoryAgentState,
    MemoryState,
    capture_node,
    post_model_hook,
    pre_model_hook,
    recall_node,
    system_message_with_memory,
)
from langgraph_agentcore.offline import OfflineChatModel, ScriptedToolModel
from tests.memory.test_middleware import (
    BLOCK,
    INPROCESS,
    RETRIEVAL,
    SYSTEM,
    TOOLS,
    Stack,
    block_of,
    build,
    cfg,
    expected,
    model,
    resume,
    thread,
    turn,
)


@pytest.fixture(params=["inprocess", "http"])
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    yield from build(request.param, request)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def chatbot(stack: Stack, memory: AgentCoreMemory, chat: OfflineChatModel, **kw: Any) -> Any:
    """The docs' StateGraph chatbot: recall, answer with the block in the system prompt,
    capture."""

    def prompt(state: MemoryState) -> list[BaseMessage]:
        system = system_message_with_memory(SYSTEM, state.get("memory_context"))
        assert system is not None
        return [system, *state["messages"]]

    def respond(state: MemoryState) -> dict[str, Any]:
        return {"messages": [chat.invoke(prompt(state))]}

    async def arespond(state: MemoryState) -> dict[str, Any]:
        return {"messages": [await chat.ainvoke(prompt(state))]}

    builder = StateGraph(MemoryState)
    builder.add_node("recall", recall_node(memory, **kw))
    builder.add_node("chat", RunnableLambda(respond, afunc=arespond))
    builder.add_node("capture", capture_node(memory, **kw))
    builder.add_edge(START, "recall")
    builder.add_edge("recall", "chat")
    builder.add_edge("chat", "capture")
    builder.add_edge("capture", END)
    return builder.compile(checkpointer=stack.saver(), store=stack.store())


def react_agent(stack: Stack, memory: AgentCoreMemory, chat: ScriptedToolModel) -> Any:
    from langgraph.prebuilt import create_react_agent

    with warnings.catch_warnings():  # "moved to langchain.agents": still supported
        warnings.simplefilter("ignore")
        return create_react_agent(
            chat,
            TOOLS,
            pre_model_hook=pre_model_hook(memory, system_prompt=SYSTEM),
            post_model_hook=post_model_hook(memory),
            state_schema=MemoryAgentState,
            checkpointer=stack.saver(),
            store=stack.store(),
        )


def teach_alice(stack: Stack, mode: str) -> None:
    memory = stack.memory()
    graph = chatbot(stack, memory, OfflineChatModel())
    turn(mode, graph, "I'm vegetarian and I live in Lisbon", cfg(thread(), "alice"), memory)
    assert stack.twin.run_extractions() >= 2


def test_chatbot_recalls_a_users_facts_in_a_new_thread_and_only_for_that_user(
    stack: Stack, mode: str
) -> None:
    teach_alice(stack, mode)
    memory = stack.memory()
    chat = OfflineChatModel()
    graph = chatbot(stack, memory, chat)
    out = turn(mode, graph, "What should I cook tonight?", cfg(thread(), "alice"), memory)
    block = block_of(chat.last_system_prompt)
    assert "vegetarian" in block and "Lisbon" in block
    assert "vegetarian" in out["messages"][-1].content

    turn(mode, graph, "What should I cook tonight?", cfg(thread(), "bob"), memory)
    assert chat.last_system_prompt == SYSTEM


def test_chatbot_captures_every_message_once_across_turns_and_a_restart(
    stack: Stack, mode: str
) -> None:
    tid = thread()
    config = cfg(tid, "alice")
    memory = stack.memory()
    graph = chatbot(stack, memory, OfflineChatModel())
    stack.ac.reset()
    turn(mode, graph, "I live in Lisbon.", config, memory)
    turn(mode, graph, "Where do I live?", config, memory)
    assert stack.ops("RetrieveMemoryRecords") == 2 * len(RETRIEVAL)
    assert stack.ops("CreateEvent") == 2
    memory.close()

    memory = stack.memory()  # a new process
    graph = chatbot(stack, memory, OfflineChatModel())
    out = turn(mode, graph, "Thanks!", config, memory)
    assert stack.events("alice", tid) == expected(out["messages"])
    assert len(out["messages"]) == 6
    for snapshot in graph.get_state_history(config):
        assert all(BLOCK not in str(m.content) for m in snapshot.values.get("messages", []))


@INPROCESS
def test_chatbot_without_an_actor_id_fails_closed(stack: Stack, mode: str) -> None:
    memory = stack.memory()
    chat = OfflineChatModel()
    graph = chatbot(stack, memory, chat)
    stack.ac.reset()
    with pytest.raises(MemoryIdentityError, match="actor id"):
        turn(mode, graph, "I live in Lisbon.", cfg(thread()), memory)
    assert stack.ac.total == 0 and chat.requests == []

    graph = chatbot(stack, memory, chat, on_missing_identity="skip")
    out = turn(mode, graph, "I live in Lisbon.", cfg(thread()), memory)
    assert out["messages"][-1].content.startswith("Noted")
    assert stack.ac.total == 0


@INPROCESS
def test_chatbot_actor_from_the_runtime_context(stack: Stack) -> None:
    teach_alice(stack, "sync")
    memory = stack.memory()
    chat = OfflineChatModel()
    graph = chatbot(stack, memory, chat)
    graph.invoke(
        {"messages": [HumanMessage("Any tips?")]}, cfg(thread()), context={"actor_id": "alice"}
    )
    memory.flush()
    assert "Lisbon" in block_of(chat.last_system_prompt)


def test_react_agent_hooks_recall_once_per_turn_and_capture_once(stack: Stack, mode: str) -> None:
    teach_alice(stack, mode)
    tid = thread()
    config = cfg(tid, "alice")
    memory = stack.memory()
    chat = model()
    agent = react_agent(stack, memory, chat)
    stack.ac.reset()
    turn(mode, agent, "What's the weather like?", config, memory)  # a tool loop
    assert len(chat.requests) == 2
    assert stack.ops("RetrieveMemoryRecords") == len(RETRIEVAL)  # once for the turn
    assert all(p.count(BLOCK) == 1 and p.startswith(SYSTEM) for p in chat.system_prompts)
    assert "vegetarian" in block_of(chat.last_system_prompt)
    assert stack.ops("CreateEvent") == 1

    stack.ac.reset()
    out = turn(mode, agent, "Please book a table", config, memory)  # interrupt()
    assert out["__interrupt__"]
    assert stack.ops("CreateEvent") == 0
    memory.close()

    memory = stack.memory()  # resume in a new process, without context
    chat = model()
    agent = react_agent(stack, memory, chat)
    stack.ac.reset()
    out = resume(mode, agent, "ok", config, memory)
    assert "booked Ao 26: ok" in out["messages"][-1].content
    assert stack.ops("RetrieveMemoryRecords") == 0 and "vegetarian" in chat.last_system_prompt
    assert stack.ops("CreateEvent") == 1

    messages = agent.get_state(config).values["messages"]
    assert len(messages) == 8
    assert stack.events("alice", tid) == expected(messages)
    for snapshot in agent.get_state_history(config):
        assert all(BLOCK not in str(m.content) for m in snapshot.values.get("messages", []))


@INPROCESS
def test_react_agent_hook_without_an_actor_id_fails_closed(stack: Stack) -> None:
    memory = stack.memory()
    chat = model()
    agent = react_agent(stack, memory, chat)
    stack.ac.reset()
    with pytest.raises(MemoryIdentityError):
        agent.invoke({"messages": [HumanMessage("hi")]}, cfg(thread()))
    assert stack.ac.total == 0 and chat.requests == []


def test_nodes_work_with_asyncio_gather_of_two_users(stack: Stack) -> None:
    """Two users' turns on one event loop at once stay apart (no shared bucket)."""
    teach_alice(stack, "sync")
    memory = stack.memory()
    alice_chat, bob_chat = OfflineChatModel(), OfflineChatModel()
    alice = chatbot(stack, memory, alice_chat)
    bob = chatbot(stack, memory, bob_chat)

    async def both() -> None:
        await asyncio.gather(
            alice.ainvoke({"messages": [HumanMessage("Tips?")]}, cfg(thread(), "alice")),
            bob.ainvoke({"messages": [HumanMessage("Tips?")]}, cfg(thread(), "bob")),
        )
        await memory.aflush()

    asyncio.run(both())
    assert "Lisbon" in block_of(alice_chat.last_system_prompt)
    assert bob_chat.last_system_prompt == SYSTEM
