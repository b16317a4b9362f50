"""forget(): a user's events, long-term records and outbox items go; other users stay."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage

from langgraph_agentcore.namespaces import actor_id as enc
from tests.memory.conftest import MemEnv

ALICE = "alice@example.com"


def turn(text: str, n: int) -> list[Any]:
    return [HumanMessage(text, id=f"h{n}"), AIMessage(f"reply {n}", id=f"a{n}")]


def populate(env: MemEnv) -> Any:
    memory = env.memory()
    for actor, city in ((ALICE, "Lisbon"), ("bob", "Oslo")):
        memory.capture(turn(f"I live in {city}.", 1), actor_id=actor, session_id="s1")
        memory.capture(turn("I'm vegetarian.", 2), actor_id=actor, session_id="s1")
        memory.capture(turn("I prefer trains.", 3), actor_id=actor, session_id="s2")
    env.extract()
    # One queued capture each, in the outbox.
    env.twin.faults.inject("ServiceException", operations="CreateEvent", count=2)
    assert memory.capture(turn("I have a dog.", 4), actor_id=ALICE, session_id="s3").queued
    assert memory.capture(turn("I have a cat.", 4), actor_id="bob", session_id="s3").queued
    return memory


def test_forget_alice_leaves_bob_untouched(mem_env: MemEnv) -> None:
    memory = populate(mem_env)
    bob_before = [r.text for r in memory.recall("where do I live", actor_id="bob")]
    assert memory.recall("where do I live", actor_id=ALICE)
    report = memory.forget(ALICE)
    assert report.actor_id == enc(ALICE) and report.session_id is None
    assert report.sessions == 2 and report.events_deleted == 3
    assert report.records_deleted >= 3 and report.outbox_deleted == 1
    assert f"/summaries/{enc(ALICE)}" in report.namespaces
    assert memory.recall("where do I live", actor_id=ALICE) == []
    for session in ("s1", "s2", "s3"):
        assert mem_env.events(enc(ALICE), session) == []
    # Bob: same records, same events, his outbox item still queued and deliverable.
    assert [r.text for r in memory.recall("where do I live", actor_id="bob")] == bob_before
    assert len(mem_env.events("bob", "s1")) == 2 and len(mem_env.events("bob", "s2")) == 1
    assert memory.flush() == 1
    assert mem_env.events(enc(ALICE), "s3") == [] and len(mem_env.events("bob", "s3")) == 1


def test_forget_one_session(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = populate(env)
    report = memory.forget(ALICE, session_id="s1")
    assert report.sessions == 1 and report.events_deleted == 2 and report.outbox_deleted == 0
    assert report.namespaces == (f"/summaries/{enc(ALICE)}/s1",)
    assert env.events(enc(ALICE), "s1") == [] and len(env.events(enc(ALICE), "s2")) == 1
    left = memory.recall("where do I live", actor_id=ALICE)
    assert any("Lisbon" in r.text for r in left)  # actor-wide facts stay
    assert not any(r.namespace.endswith("/s1") for r in left)


async def test_aforget(mem_env: MemEnv) -> None:
    memory = populate(mem_env)
    report = await memory.aforget(ALICE)
    assert report.events_deleted == 3 and report.outbox_deleted == 1
    assert await memory.arecall("where do I live", actor_id=ALICE) == []
    assert await memory.arecall("where do I live", actor_id="bob")
    await memory.aclose()


def test_forget_an_unknown_user_deletes_nothing(mem_env_inprocess: MemEnv) -> None:
    memory = mem_env_inprocess.memory()
    report = memory.forget("nobody")
    assert (report.sessions, report.events_deleted, report.records_deleted) == (0, 0, 0)
    assert report.outbox_deleted == 0
