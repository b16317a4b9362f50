"""Faults: recall errors and timeouts; capture outbox, delivery exactly once, restarts."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langgraph_agentcore import AgentCoreMemoryError, AgentCoreUnavailableError, TableNotFoundError
from langgraph_agentcore.outbox import decode_entry
from tests.memory.conftest import MemEnv


def turn(text: str, n: int = 1) -> list[Any]:
    return [HumanMessage(text, id=f"h{n}"), AIMessage(f"reply {n}", id=f"a{n}")]


# -- recall ---------------------------------------------------------------------------------


@pytest.mark.parametrize("error", ["ThrottledException", "ServiceException"])
def test_recall_throttled_or_failing_raises_unavailable(mem_env: MemEnv, error: str) -> None:
    memory = mem_env.memory()
    mem_env.twin.faults.inject(error, operations="RetrieveMemoryRecords", count=None)
    with pytest.raises(AgentCoreUnavailableError, match=error):
        memory.recall("hello", actor_id="alice")


async def test_arecall_throttled_raises_unavailable(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    mem_env.twin.faults.inject("ThrottledException", operations="RetrieveMemoryRecords", count=None)
    with pytest.raises(AgentCoreUnavailableError):
        await memory.arecall("hello", actor_id="alice")


def test_slow_recall_times_out(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    mem_env.twin.faults.add_latency(3.0, operations="RetrieveMemoryRecords")
    start = time.monotonic()
    with pytest.raises(AgentCoreUnavailableError, match="timed out"):
        memory.recall("hello", actor_id="alice", timeout=0.2)
    assert time.monotonic() - start < 2.0  # did not wait for the slow calls


async def test_slow_arecall_times_out(mem_env_http: MemEnv) -> None:
    # Over HTTP: in-process, the twin's injected latency sleeps inside botocore's hook
    # and blocks the event loop, which no asyncio timeout can interrupt.
    memory = mem_env_http.memory()
    mem_env_http.twin.faults.add_latency(3.0, operations="RetrieveMemoryRecords")
    start = time.monotonic()
    with pytest.raises(AgentCoreUnavailableError, match="timed out"):
        await memory.arecall("hello", actor_id="alice", timeout=0.2)
    assert time.monotonic() - start < 2.0


# -- capture: the outbox --------------------------------------------------------------------


def test_failed_capture_goes_to_the_outbox_then_next_capture_delivers_once(
    mem_env: MemEnv,
) -> None:
    memory = mem_env.memory()
    memory.capture(turn("warm up", 0), actor_id="alice", session_id="s1")  # outbox checked
    mem_env.reset()
    mem_env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    result = memory.capture(turn("I live in Lisbon."), actor_id="alice", session_id="s1")
    assert result.queued is True and result.event_ids == [] and result.messages == 2
    assert mem_env.ac.ops == ["CreateEvent"] and mem_env.ddb.ops == ["PutItem"]
    assert len(mem_env.outbox_items()) == 1 and memory.pending_captures() == 1
    mem_env.reset()
    memory.capture(turn("I work as a nurse.", 2), actor_id="alice", session_id="s1")
    assert mem_env.ac.ops == ["CreateEvent", "CreateEvent"]
    assert mem_env.ddb.ops == ["Query", "DeleteItem"]
    assert mem_env.outbox_items() == [] and memory.pending_captures() == 0
    assert mem_env.texts("alice", "s1") == [
        "warm up",
        "reply 0",
        "I live in Lisbon.",
        "reply 1",
        "I work as a nurse.",
        "reply 2",
    ]
    # Nothing is delivered twice by later flushes.
    assert memory.flush() == 0
    assert len(mem_env.events("alice", "s1")) == 3


async def test_async_failed_capture_then_aflush_delivers_once(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    mem_env.twin.faults.inject("ThrottledException", operations="CreateEvent", count=1)
    result = await memory.acapture(turn("I live in Lisbon."), actor_id="alice", session_id="s1")
    assert result.queued is True and memory.pending_captures() == 1
    assert await memory.aflush() == 1
    assert await memory.aflush() == 0
    assert mem_env.texts("alice", "s1") == ["I live in Lisbon.", "reply 1"]
    assert mem_env.outbox_items() == [] and memory.pending_captures() == 0
    await memory.aclose()


def test_crash_after_the_outbox_write_delivers_after_restart(mem_env: MemEnv) -> None:
    crashed = mem_env.memory()
    mem_env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    assert crashed.capture(turn("I live in Lisbon."), actor_id="alice", session_id="s1").queued
    del crashed  # the process dies: nothing of it survives but the table
    mem_env.memories.clear()
    fresh = mem_env.memory()
    mem_env.reset()
    # Its first capture looks for old outbox items once, and delivers them.
    fresh.capture(turn("Hello again.", 2), actor_id="alice", session_id="s1")
    assert mem_env.ddb.ops == ["Query", "DeleteItem"]
    assert mem_env.texts("alice", "s1") == [
        "I live in Lisbon.",
        "reply 1",
        "Hello again.",
        "reply 2",
    ]
    assert mem_env.outbox_items() == []


def test_crash_after_delivery_before_the_outbox_delete_is_never_twice(mem_env: MemEnv) -> None:
    crashed = mem_env.memory()
    mem_env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    assert crashed.capture(turn("I live in Lisbon."), actor_id="alice", session_id="s1").queued
    (item,) = mem_env.outbox_items()
    # The crashed process had delivered the event, but died before deleting the item.
    for spec in decode_entry(crashed.keys, item).specs:
        mem_env.data.create_event(**spec.params(mem_env.memory_id))
    assert len(mem_env.events("alice", "s1")) == 1
    fresh = mem_env.memory()
    assert fresh.flush() == 1
    assert len(mem_env.events("alice", "s1")) == 1  # the clientToken made it exactly once
    assert mem_env.outbox_items() == []


def test_delivery_deferred_while_agentcore_is_still_down(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    env.twin.faults.inject("ServiceException", operations="CreateEvent", count=None)
    assert memory.capture(turn("one"), actor_id="alice", session_id="s1").queued
    assert memory.capture(turn("two", 2), actor_id="alice", session_id="s1").queued
    assert memory.flush() == 0 and memory.pending_captures() == 2
    assert len(env.outbox_items()) == 2
    env.twin.faults.clear()
    assert memory.flush() == 2
    assert env.texts("alice", "s1") == ["one", "reply 1", "two", "reply 2"]


def test_non_retryable_error_raises_and_queues_nothing(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    env.twin.faults.inject("AccessDeniedException", operations="CreateEvent", count=1)
    with pytest.raises(AgentCoreMemoryError, match="AccessDenied") as info:
        memory.capture(turn("hi"), actor_id="alice", session_id="s1")
    assert not isinstance(info.value, AgentCoreUnavailableError)
    assert memory.pending_captures() == 0 and env.outbox_items() == []


def test_without_a_table_the_capture_is_kept_in_process_with_a_warning(
    mem_env_inprocess: MemEnv, caplog: pytest.LogCaptureFixture
) -> None:
    env = mem_env_inprocess
    memory = env.memory(table=False)
    env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    with caplog.at_level(logging.WARNING, logger="langgraph_agentcore.memory"):
        assert memory.capture(turn("hi"), actor_id="alice", session_id="s1").queued
    assert "NOT durable" in caplog.text
    assert memory.pending_captures() == 1 and env.ddb.total == 0
    memory.capture(turn("again", 2), actor_id="alice", session_id="s1")  # delivers it
    assert memory.pending_captures() == 0
    assert env.texts("alice", "s1") == ["hi", "reply 1", "again", "reply 2"]


def test_outbox_table_failing_too_keeps_the_capture_in_process(
    mem_env_inprocess: MemEnv, caplog: pytest.LogCaptureFixture
) -> None:
    env = mem_env_inprocess
    env.table = "no-such-table"
    memory = env.memory()
    env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    with caplog.at_level(logging.WARNING, logger="langgraph_agentcore.memory"):
        assert memory.capture(turn("hi"), actor_id="alice", session_id="s1").queued
    assert "outbox write failed" in caplog.text and "NOT durable" in caplog.text
    assert memory.pending_captures() == 1
    # The next capture delivers the in-process entry (its look at the table fails: logged).
    memory.capture(turn("again", 2), actor_id="alice", session_id="s1")
    assert env.texts("alice", "s1") == ["hi", "reply 1", "again", "reply 2"]
    assert memory.pending_captures() == 0
    with pytest.raises(TableNotFoundError):
        memory.flush()  # a missing table is a configuration error: flush says so


# -- background capture ---------------------------------------------------------------------


def test_capture_in_background_returns_at_once_and_flush_waits(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory(check_outbox_on_start=False)
    env.twin.faults.add_latency(0.5, operations="CreateEvent")
    assert memory.capture_in_background(turn("hi"), actor_id="alice", session_id="s1") is None
    assert memory.pending_captures() == 1
    assert env.texts("alice", "s1") == []  # still in flight
    assert memory.flush() == 0
    assert memory.pending_captures() == 0
    assert env.texts("alice", "s1") == ["hi", "reply 1"]
    assert env.ac.ops == ["CreateEvent"] and env.ddb.ops == ["Query"]  # flush reads the outbox


def test_background_failure_goes_to_the_outbox(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    memory.capture_in_background(turn("hi"), actor_id="alice", session_id="s1")
    memory._wait_idle(5)
    assert len(env.outbox_items()) == 1 and memory.pending_captures() == 1
    assert memory.flush() == 1
    assert env.texts("alice", "s1") == ["hi", "reply 1"]


def test_background_non_retryable_error_is_queued_not_lost(
    mem_env_inprocess: MemEnv, caplog: pytest.LogCaptureFixture
) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    env.twin.faults.inject("AccessDeniedException", operations="CreateEvent", count=1)
    with caplog.at_level(logging.ERROR, logger="langgraph_agentcore.memory"):
        memory.capture_in_background(turn("hi"), actor_id="alice", session_id="s1")
        memory._wait_idle(5)
    assert "AccessDenied" in caplog.text and len(env.outbox_items()) == 1
    assert memory.flush() == 1 and env.texts("alice", "s1") == ["hi", "reply 1"]


async def test_acapture_in_background_is_a_tracked_task(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    task = memory.acapture_in_background(turn("hi"), actor_id="alice", session_id="s1")
    assert memory.pending_captures() == 1
    assert await memory.aflush() == 0
    assert task.done() and len(task.result().event_ids) == 1
    assert memory.pending_captures() == 0
    assert mem_env.texts("alice", "s1") == ["hi", "reply 1"]
    mem_env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    failed = memory.acapture_in_background(turn("two", 2), actor_id="alice", session_id="s1")
    assert (await failed).queued is True
    assert await memory.aflush() == 1
    assert mem_env.texts("alice", "s1") == ["hi", "reply 1", "two", "reply 2"]
    await memory.aclose()


def test_a_failing_start_up_outbox_look_is_not_repeated_per_capture(
    mem_env_inprocess: MemEnv, caplog: pytest.LogCaptureFixture
) -> None:
    env = mem_env_inprocess
    env.table = "no-such-table"
    memory = env.memory()
    with caplog.at_level(logging.WARNING, logger="langgraph_agentcore.memory"):
        assert not memory.capture(turn("one"), actor_id="alice", session_id="s1").queued
    assert env.ddb.ops == ["Query"] and "outbox delivery after a capture failed" in caplog.text
    env.reset()
    memory.capture(turn("two", 2), actor_id="alice", session_id="s1")
    assert env.ac.ops == ["CreateEvent"] and env.ddb.ops == []


def test_a_capture_too_big_for_one_outbox_item_is_queued_in_parts(
    mem_env_inprocess: MemEnv,
) -> None:
    import os

    env = mem_env_inprocess
    memory = env.memory(check_outbox_on_start=False)
    noise = os.urandom(450_000).hex()  # ~450 KB once compressed: two part items
    msgs = [HumanMessage(noise[i : i + 90_000], id=f"m{i}") for i in range(0, 900_000, 90_000)]
    env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    assert memory.capture(msgs, actor_id="alice", session_id="s1").queued
    assert env.ddb.ops == ["TransactWriteItems"] and len(env.outbox_items()) == 2
    assert memory.pending_captures() == 1
    env.reset()
    assert memory.flush() == 1
    assert env.ddb.ops == ["Query", "TransactWriteItems"] and env.outbox_items() == []
    assert "".join(env.texts("alice", "s1")) == noise


def test_a_background_task_cancelled_with_its_loop_is_kept_and_flushed(
    mem_env_inprocess: MemEnv,
) -> None:
    import asyncio

    env = mem_env_inprocess
    memory = env.memory(check_outbox_on_start=False)

    async def cancelled_before_it_ran() -> None:
        task = memory.acapture_in_background(turn("one"), actor_id="alice", session_id="s1")
        task.cancel()
        await asyncio.sleep(0.01)

    asyncio.run(cancelled_before_it_ran())
    assert env.ac.total == 0 and memory.pending_captures() == 1
    assert memory.flush() == 1

    async def returns_at_once() -> None:  # asyncio.run cancels what is still pending
        memory.acapture_in_background(turn("two", 2), actor_id="alice", session_id="s1")

    asyncio.run(returns_at_once())
    memory.flush()
    assert env.texts("alice", "s1") == ["one", "reply 1", "two", "reply 2"]  # each once
    assert memory.pending_captures() == 0


def test_exit_hook_delivers_what_only_this_process_holds(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory(table=False)
    env.twin.faults.inject("ServiceException", operations="CreateEvent", count=1)
    assert memory.capture(turn("hi"), actor_id="alice", session_id="s1").queued
    memory._at_exit()  # what atexit runs
    assert memory.pending_captures() == 0 and env.texts("alice", "s1") == ["hi", "reply 1"]
