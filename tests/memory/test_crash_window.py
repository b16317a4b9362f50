"""The crash window after the checkpoint: a hand-over recorded in state but never sent.

``after_agent`` advances ``memory_loop["captured_id"]`` in the same step that hands the
turn to a background capture; if the process dies right after that step's checkpoint
(a Runtime microVM stopped, a Lambda frozen), the CreateEvent (or outbox write) never
happens. The next process that captures for the thread checks, in the background, that
the previous hand-over reached AgentCore (one ListEvents, by the clientToken the events
carry as metadata) and re-sends it if not. Real peers as in ``test_middleware.py``:
``create_agent``, DynamoDBSaver on moto, the AgentCore Memory twin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langgraph_agentcore.events import TOKEN_METADATA_KEY, event_token, plan_events
from langgraph_agentcore.memory import AgentCoreMemory, CaptureResult
from langgraph_agentcore.nodes import LOOP_KEY, MemoryLoop
from langgraph_agentcore.offline import OfflineChatModel
from tests.conftest import REGION
from tests.memory.test_middleware import (
    INPROCESS,
    Stack,
    build,
    cfg,
    expected,
    model,
    thread,
    turn,
)
from tests.memory.test_nodes import chatbot, react_agent


@pytest.fixture(params=["inprocess", "http"])
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    yield from build(request.param, request)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def lose_captures(monkeypatch: pytest.MonkeyPatch, memory: AgentCoreMemory) -> list[Any]:
    """From now on this object's background jobs vanish before any request: what a process
    killed right after the checkpoint that recorded the hand-over leaves behind."""
    lost: list[Any] = []

    def vanish(cap: Any, *, background: bool) -> Any:
        lost.append(cap)
        return CaptureResult([], False, 0)
        yield  # a plan that sends nothing

    monkeypatch.setattr(memory, "_capture_plan", vanish)
    return lost


def messages_of(agent: Any, config: dict[str, Any]) -> list[Any]:
    return list(agent.get_state(config).values["messages"])


def test_a_capture_lost_after_the_checkpoint_is_sent_by_the_next_process(
    stack: Stack, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = thread()
    config = cfg(tid, "alice")
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    turn(mode, agent, "Hello there", config, memory)  # turn 1: captured normally

    lost = lose_captures(monkeypatch, memory)
    turn(mode, agent, "What's the weather like?", config, memory)  # turn 2: a tool loop, lost
    assert len(lost) == 1
    before_crash = messages_of(agent, config)
    assert len(before_crash) == 2 + 4
    assert stack.events("alice", tid) == expected(before_crash[:2])  # turn 2 is missing
    loop = agent.get_state(config).values[LOOP_KEY]
    assert loop["captured_id"] == before_crash[-1].id  # ... although the state says handed
    assert loop["handed_from"] == before_crash[2].id
    # the process dies: the object is abandoned, never flushed or closed
    stack.memories.remove(memory)
    memory._stop_worker()

    # a new process: fresh memory, saver, store, graph and model
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    stack.ac.reset()
    stack.outbox.reset()
    turn(mode, agent, "Thanks, that is all", config, memory)  # turn 3
    assert stack.ops("ListEvents") == 1  # the check, in the background
    assert stack.ops("CreateEvent") == 2  # turn 2 re-sent, then turn 3
    # no outbox write: the forget tombstones (read because turn 2 is missing), the first
    # capture's look for an old outbox, and flush()'s
    assert sorted(stack.outbox.ops) == ["GetItem", "GetItem", "Query", "Query"]
    messages = messages_of(agent, config)
    assert len(messages) == 2 + 4 + 2
    assert stack.events("alice", tid) == expected(messages)  # every message once, in order

    stack.ac.reset()
    turn(mode, agent, "One more thing", config, memory)  # turn 4: this process sent turn 3
    assert sorted(stack.ac.ops) == ["CreateEvent", "RetrieveMemoryRecords", "RetrieveMemoryRecords"]
    assert stack.events("alice", tid) == expected(messages_of(agent, config))


@INPROCESS
def test_a_normal_restart_checks_once_and_resends_nothing(stack: Stack, mode: str) -> None:
    tid = thread()
    config = cfg(tid, "alice")
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    turn(mode, agent, "Hello there", config, memory)
    turn(mode, agent, "What's the weather like?", config, memory)
    memory.close()

    memory = stack.memory()
    agent, _ = stack.agent(memory)
    stack.ac.reset()
    turn(mode, agent, "Thanks, that is all", config, memory)
    assert stack.ops("ListEvents") == 1
    assert stack.ops("CreateEvent") == 1  # only the new turn
    stack.ac.reset()
    turn(mode, agent, "One more thing", config, memory)
    assert stack.ops("ListEvents") == 0
    assert stack.ops("CreateEvent") == 1
    assert stack.events("alice", tid) == expected(messages_of(agent, config))


@INPROCESS
def test_turns_in_one_process_never_list_events(stack: Stack, mode: str) -> None:
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    configs = [cfg(thread(), "alice"), cfg(thread(), "bob")]
    stack.ac.reset()
    for text in ("Hello", "What's the weather?", "Thanks"):
        for config in configs:  # two threads interleaved on one object
            turn(mode, agent, text, config, memory)
    assert stack.ops("ListEvents") == 0
    assert stack.ops("CreateEvent") == 6
    for config, actor in zip(configs, ("alice", "bob"), strict=True):
        tid = config["configurable"]["thread_id"]
        assert stack.events(actor, tid) == expected(messages_of(agent, config))


@INPROCESS
def test_a_failed_check_resends_and_stays_exactly_once(
    stack: Stack, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ListEvents throttled: the previous capture is re-sent; the clientToken keeps it once,
    whether it was there (thread A) or lost (thread B)."""
    kept, gone = cfg(thread(), "alice"), cfg(thread(), "alice")
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    turn(mode, agent, "Hello there", kept, memory)
    turn(mode, agent, "Hello there", gone, memory)
    lost = lose_captures(monkeypatch, memory)
    turn(mode, agent, "What's the weather like?", gone, memory)
    assert len(lost) == 1
    monkeypatch.undo()
    memory.close()

    memory = stack.memory()
    agent, _ = stack.agent(memory)
    stack.ac.reset()
    stack.twin.faults.inject("ThrottledException", operations="ListEvents", count=2)
    turn(mode, agent, "Thanks", kept, memory)
    turn(mode, agent, "Thanks", gone, memory)
    assert stack.ops("ListEvents") == 2
    assert stack.ops("CreateEvent") == 4  # each: the previous capture again, then the turn
    for config in (kept, gone):
        tid = config["configurable"]["thread_id"]
        assert stack.events("alice", tid) == expected(messages_of(agent, config))
    assert memory.pending_captures() == 0


@INPROCESS
def test_a_lost_capture_still_reaches_the_outbox_when_agentcore_is_down(
    stack: Stack, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = thread()
    config = cfg(tid, "alice")
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    lose_captures(monkeypatch, memory)
    turn(mode, agent, "I live in Lisbon", config, memory)  # lost: never sent
    monkeypatch.undo()
    stack.memories.remove(memory)
    memory._stop_worker()

    memory = stack.memory()
    agent, _ = stack.agent(memory)
    stack.twin.faults.inject("ServiceException", operations="CreateEvent", count=None)
    turn(mode, agent, "What's the weather?", config, memory)
    assert stack.events("alice", tid) == []
    assert memory.pending_captures() == 1  # one outbox item: the lost turn and this one
    assert len(stack.outbox.ops) and "PutItem" in stack.outbox.ops
    stack.twin.faults.clear()
    memory.flush()
    assert stack.events("alice", tid) == expected(messages_of(agent, config))


@INPROCESS
@pytest.mark.parametrize("edited", [False, True])
def test_a_hand_over_is_checked_only_if_it_rebuilds_to_its_token(
    stack: Stack, edited: bool
) -> None:
    """If the handed-over messages changed since (edited in place), that capture cannot be
    rebuilt: nothing is checked, and nothing re-sent under a guess."""
    memory = stack.memory()
    handed = [HumanMessage("hi", id="h1"), AIMessage("hello", id="a1")]
    token = memory.capture_token(handed, actor_id="alice", session_id="s1")
    now = [HumanMessage("hi", id="h1"), AIMessage("hello, edited" if edited else "hello", id="a1")]
    state: dict[str, Any] = {
        "messages": [*now, HumanMessage("next", id="h2"), AIMessage("ok", id="a2")],
        LOOP_KEY: {"captured_id": "a1", "handed_from": "h1", "handed_token": token},
    }
    config: Any = {"configurable": {"thread_id": "s1", "actor_id": "alice"}}
    stack.ac.reset()
    update = MemoryLoop(memory).finish_turn(state, None, config, background="sync")
    memory.flush()
    assert stack.ops("ListEvents") == (0 if edited else 1)
    assert stack.ops("CreateEvent") == (1 if edited else 2)  # never sent: re-sent first
    assert update[LOOP_KEY]["handed_from"] == "h2"
    assert update[LOOP_KEY]["captured_id"] == "a2"
    texts = [t for _, t in stack.events("alice", "s1")]
    assert texts == (["next", "ok"] if edited else ["hi", "hello", "next", "ok"])
    # the handed-over messages gone from the thread (history rewritten): nothing to rebuild
    assert MemoryLoop.handed_over(state["messages"][2:], state[LOOP_KEY]) is None


@INPROCESS
def test_a_forgotten_turn_is_not_sent_again_but_a_turn_lost_after_the_forget_is(
    stack: Stack, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = thread()
    config = cfg(tid, "alice")
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    turn(mode, agent, "I live in Lisbon", config, memory)
    turn(mode, agent, "What's the weather like?", config, memory)
    memory.close()
    control = boto3.client(
        "bedrock-agentcore-control", region_name=REGION, endpoint_url=stack.twin_url
    )
    admin = stack.memory(control_client=stack._wire_twin(None)(control))
    assert admin.forget("alice").events_deleted == 2
    assert stack.events("alice", tid) == []

    # the thread goes on in a new process: the check finds turn 2 missing, but forgotten
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    stack.ac.reset()
    turn(mode, agent, "Thanks", config, memory)
    assert stack.ops("ListEvents") == 1
    assert stack.ops("CreateEvent") == 1  # only the new turn: the forgotten one stays gone
    assert stack.events("alice", tid) == expected(messages_of(agent, config)[-2:])

    # a turn handed over after the forget and lost in a crash is still owed
    lose_captures(monkeypatch, memory)
    turn(mode, agent, "One more thing", config, memory)
    monkeypatch.undo()
    stack.memories.remove(memory)
    memory._stop_worker()
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    stack.ac.reset()
    turn(mode, agent, "Bye", config, memory)
    assert stack.ops("CreateEvent") == 2
    assert stack.events("alice", tid) == expected(messages_of(agent, config)[-6:])


@INPROCESS
@pytest.mark.parametrize("kind", ["chatbot", "react"])
def test_graphs_without_create_agent_close_the_window_too(
    stack: Stack, mode: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``capture_node`` (StateGraph chatbot) and ``post_model_hook`` (create_react_agent)
    share the middleware's bookkeeping: a lost hand-over is sent by the next process."""

    def graph(memory: AgentCoreMemory) -> Any:
        if kind == "chatbot":
            return chatbot(stack, memory, OfflineChatModel())
        return react_agent(stack, memory, model())

    tid = thread()
    config = cfg(tid, "alice")
    memory = stack.memory()
    g = graph(memory)
    turn(mode, g, "Hello there", config, memory)
    lose_captures(monkeypatch, memory)
    turn(mode, g, "What's the weather like?", config, memory)
    monkeypatch.undo()
    stack.memories.remove(memory)
    memory._stop_worker()

    memory = stack.memory()
    g = graph(memory)
    stack.ac.reset()
    turn(mode, g, "Thanks", config, memory)
    assert stack.ops("ListEvents") == 1
    assert stack.ops("CreateEvent") == 2
    assert stack.events("alice", tid) == expected(messages_of(g, config))


def test_every_event_names_its_client_token_in_metadata(stack: Stack) -> None:
    memory = stack.memory()
    msgs = [HumanMessage("x" * 150_000, id="h1")] + [
        AIMessage(f"reply {i}", id=f"a{i}") for i in range(120)
    ]
    specs, _ = plan_events(msgs, actor_id="alice", session_id="s1", timestamp_ms=1)
    assert len(specs) == 2
    for spec in specs:
        meta = spec.params("Mem-abcdefghij")["metadata"]
        assert meta == {TOKEN_METADATA_KEY: {"stringValue": spec.client_token}}
        assert len(meta) <= 15 and len(spec.client_token) <= 256  # AgentCore's MetadataMap
    memory.capture(msgs, actor_id="alice", session_id="s1")
    client = stack.ac_client(counted=False)
    events = client.list_events(
        memoryId=stack.memory_id, actorId="alice", sessionId="s1", includePayloads=False
    )["events"]
    assert sorted(event_token(e) or "" for e in events) == sorted(s.client_token for s in specs)


@INPROCESS
def test_async_core_checks_a_previous_capture_it_did_not_send(stack: Stack) -> None:
    """The core alone: ``previous=`` on a fresh object costs one ListEvents; on the object
    that sent it, none."""
    first = [HumanMessage("hi", id="h1"), AIMessage("hello", id="a1")]
    second = [HumanMessage("bye", id="h2"), AIMessage("see you", id="a2")]

    async def go() -> None:
        memory = stack.memory()
        prev_token = memory.capture_token(first, actor_id="alice", session_id="s1")
        await memory.acapture_in_background(
            second, actor_id="alice", session_id="s1", previous=first, previous_token=prev_token
        )
        await memory.aflush()

    stack.ac.reset()
    asyncio.run(go())
    assert stack.ops("ListEvents") == 1
    assert stack.ops("CreateEvent") == 2  # "first" was never sent: it goes first
    texts = [t for _, t in stack.events("alice", "s1")]
    assert texts == ["hi", "hello", "bye", "see you"]
