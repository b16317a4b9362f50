"""Identity fails closed; odd ids round-trip without collisions; store and recall agree."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langgraph_agentcore import AgentCoreMemoryStore, MemoryIdentityError, RetrievalConfig
from langgraph_agentcore.namespaces import actor_id as enc_actor
from langgraph_agentcore.namespaces import decode_label
from langgraph_agentcore.namespaces import session_id as enc_session
from tests.memory.conftest import FACTS, MemEnv, session

ODD_ACTORS = [
    "alice@example.com",
    "alice.example.com",
    "alice example com",
    "alice/example/com",
    "alice:40example:2Ecom",  # looks like an encoded id: must not collide with the email
    "Zoë Ünicode 日本",
    "-leading-dash",
    "a" * 300,
]


def msgs(text: str) -> list[Any]:
    return [HumanMessage(text, id="h1"), AIMessage("ok", id="a1")]


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_no_actor_id_fails_closed_before_any_request(
    mem_env_inprocess: MemEnv, missing: Any
) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    with pytest.raises(MemoryIdentityError, match="actor id"):
        memory.recall("hello", actor_id=missing)
    with pytest.raises(MemoryIdentityError):
        memory.capture(msgs("hi"), actor_id=missing, session_id="s1")
    with pytest.raises(MemoryIdentityError):
        memory.capture_in_background(msgs("hi"), actor_id=missing, session_id="s1")
    with pytest.raises(MemoryIdentityError):
        memory.forget(missing)
    with pytest.raises(MemoryIdentityError, match="session id"):
        memory.capture(msgs("hi"), actor_id="alice", session_id=missing)
    with pytest.raises(MemoryIdentityError):
        memory.recall("hello", actor_id=42)  # type: ignore[arg-type]
    assert env.ac.total == 0 and env.ctl.total == 0 and env.ddb.total == 0
    assert memory.pending_captures() == 0


async def test_no_actor_id_fails_closed_async(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    memory = env.memory()
    with pytest.raises(MemoryIdentityError):
        await memory.arecall("hello", actor_id=None)
    with pytest.raises(MemoryIdentityError):
        await memory.acapture(msgs("hi"), actor_id=None, session_id="s1")
    with pytest.raises(MemoryIdentityError):
        memory.acapture_in_background(msgs("hi"), actor_id=None, session_id="s1")
    with pytest.raises(MemoryIdentityError):
        await memory.aforget("")
    with pytest.raises(MemoryIdentityError):
        await memory.arecall("hello", actor_id=None, timeout=1.0)
    with pytest.raises(MemoryIdentityError):
        memory.recall("hello", actor_id=None, timeout=1.0)
    assert env.ac.total == 0 and env.ctl.total == 0 and env.ddb.total == 0


def test_odd_ids_encode_injectively_and_round_trip() -> None:
    encoded = [enc_actor(a) for a in ODD_ACTORS]
    assert len(set(encoded)) == len(ODD_ACTORS)
    for raw, e in zip(ODD_ACTORS, encoded, strict=True):
        assert len(e) <= 255
        if not e.startswith("lgh-"):
            assert decode_label(e) == raw
    assert enc_actor("alice") == "alice" and enc_actor("user-42_x") == "user-42_x"
    long_thread = "thread-" + "x" * 200
    assert enc_session("thread-1") == "thread-1"
    assert enc_session(long_thread) != enc_session(long_thread + "y")
    assert len(enc_session(long_thread)) <= 100


def test_odd_actor_ids_capture_and_recall_their_own_records(mem_env: MemEnv) -> None:
    memory = mem_env.memory()
    for i, actor in enumerate(ODD_ACTORS):
        memory.capture(
            msgs(f"I live in City{i}."), actor_id=actor, session_id="thread/with spaces.and@"
        )
    mem_env.extract()
    for i, actor in enumerate(ODD_ACTORS):
        texts = [r.text for r in memory.recall("where do I live", actor_id=actor)]
        assert any(f"City{i}" in t for t in texts), (actor, texts)
        assert not any(f"City{j}" in t for t in texts for j in range(len(ODD_ACTORS)) if j != i)
        events = mem_env.events(enc_actor(actor), enc_session("thread/with spaces.and@"))
        assert len(events) == 1


def test_store_and_recall_see_the_same_records_for_the_same_user(mem_env_inprocess: MemEnv) -> None:
    env = mem_env_inprocess
    ddb = session().client("dynamodb")
    store = AgentCoreMemoryStore(
        env.memory_id,
        env.table,
        "agent-1",
        dynamodb_client=ddb,
        agentcore_client=env.agentcore_client(counted=False),
        index={"fields": ["text"]},
    )
    user = "Zoë Smith@home/42"  # LangGraph labels may not hold "."
    store.put(("users", user, "facts"), "k1", {"text": "The user is allergic to peanuts."})
    store.put(("users", "bob", "facts"), "k1", {"text": "The user is allergic to cats."})
    memory = env.memory({FACTS: RetrievalConfig(relevance_score=0.0)})
    records = memory.recall("what is the user allergic to", actor_id=user)
    assert [r.text for r in records] == ["The user is allergic to peanuts."]
    assert records[0].namespace == f"/users/{enc_actor(user)}/facts"
    # ... and what the loop extracted for that user is what the store finds for them.
    memory.capture(msgs("I live in Porto."), actor_id=user, session_id="s1")
    env.extract()
    found = store.search(("users", user, "facts"), query="where does the user live")
    assert any("Porto" in str(it.value) for it in found)
