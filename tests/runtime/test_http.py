"""The example agent served by the SDK's real app in a subprocess, driven over HTTP.

Requests carry what AgentCore Runtime sends: the session id header, a bearer token whose
``sub`` names the actor, a request id. The stack (moto DynamoDB and the AgentCore Memory
twin) runs in the test process, so the tests read what was stored and decide when the
twin's long-term extraction runs.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from langgraph_agentcore.checkpoint import DynamoDBSaver
from tests.runtime.support import (
    AGENT_ID,
    EXAMPLE,
    AppProcess,
    Stack,
    headers,
    new_session,
    sse_events,
)


def _saver(stack: Stack) -> DynamoDBSaver:
    return DynamoDBSaver(
        stack.table, AGENT_ID, client=stack.client("dynamodb"), region_name=stack.local.region
    )


def _thread_texts(stack: Stack, session: str) -> list[str]:
    saver = _saver(stack)
    tup = saver.get_tuple({"configurable": {"thread_id": session}})
    assert tup is not None, f"no checkpoint for {session}"
    return [m.text for m in tup.checkpoint["channel_values"]["messages"]]


def test_sessions_threads_and_memory_across_processes(app: AppProcess, stack: Stack) -> None:
    s1 = new_session("s1")
    first = app.turn(s1, "alice", "I'm Ada and I live in Lisbon.")
    assert first == {
        "response": "Noted: name = Ada, place = Lisbon. (turn 1)",
        "thread_id": s1,
        "interrupts": [],
    }
    second = app.turn(s1, "alice", "What is my name?")
    assert second["response"].startswith("From this thread I remember that your name is Ada")
    # The turns reached AgentCore as alice's events of session s1, each message once, by
    # the time /ping says Healthy again (captures are flushed in an SDK async task).
    app.settle()
    assert stack.events()[("alice", s1)] == [
        "I'm Ada and I live in Lisbon.",
        "Noted: name = Ada, place = Lisbon. (turn 1)",
        "What is my name?",
        second["response"],
    ]

    # A new microVM: a fresh process, nothing shared but DynamoDB and AgentCore.
    other = AppProcess(EXAMPLE, stack.env)
    try:
        third = other.turn(s1, "alice", "Do you remember where I live?")
        assert third["response"] == (
            "From this thread I remember that your name is Ada and you live in Lisbon. (turn 3)"
        )
    finally:
        assert other.stop() == 0  # SIGTERM: graceful, flushes what is still queued

    # AgentCore extracts long-term records from s1 (asynchronously on AWS; here, now).
    assert stack.local.twin.run_extractions() >= 1
    s2 = new_session("s2")
    recalled = app.turn(s2, "alice", "Where do I live?")
    assert recalled["response"].startswith(
        "From long-term memory I remember: The user lives in Lisbon"
    )
    s3 = new_session("s3")
    stranger = app.turn(s3, "bob", "Where do I live?")
    assert stranger["response"] == "I don't know anything about you yet. (turn 1)"
    assert all(actor == "alice" for actor, _ in stack.events() if _ in (s1, s2))

    # Knowing alice's session id gives bob nothing: the thread is bound to its actor.
    stolen = app.invoke(s1, "bob", prompt="What is my name?")
    assert stolen.status_code == 403
    assert stolen.json()["code"] == "session_of_another_actor"
    assert "Ada" not in stolen.text


def _bad_token(kind: str) -> str:
    return {
        "not a jwt": "not-a-jwt",
        "two parts": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9",
        "bad base64": "eyJhbGciOiJIUzI1NiJ9.@@@.c2ln",
        "not json": "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
        "unsigned": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.",
        "no sub": "eyJhbGciOiJIUzI1NiJ9.eyJuYW1lIjoiYWxpY2UifQ.c2ln",
        "empty sub": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIifQ.c2ln",
    }[kind]


def test_refused_requests_run_nothing_and_store_nothing(app: AppProcess, stack: Stack) -> None:
    app.settle()
    items, events = stack.item_count(), stack.events()
    session = new_session("refused")
    cases: list[tuple[str, dict[str, str], dict[str, object], int, str]] = [
        ("no identity", headers(session), {"prompt": "hi"}, 401, "missing_identity"),
        ("no session", headers(None, "alice"), {"prompt": "hi"}, 400, "missing_session"),
        ("short session", headers("s" * 32, "alice"), {"prompt": "hi"}, 400, "invalid_session"),
        (
            "payload identity",
            headers(session),
            {"prompt": "hi", "actor_id": "alice"},
            400,
            "payload_identity_not_allowed",
        ),
        (
            "unknown key",
            headers(session, "alice"),
            {"prompt": "hi", "x": 1},
            400,
            "invalid_payload",
        ),
        ("no prompt", headers(session, "alice"), {}, 400, "invalid_payload"),
        (
            "nothing to resume",
            headers(session, "alice"),
            {"resume": "yes"},
            409,
            "nothing_to_resume",
        ),
        (
            "not bearer",
            {**headers(session), "Authorization": "Basic YWxpY2U6eA=="},
            {"prompt": "hi"},
            401,
            "malformed_token",
        ),
    ]
    for kind in ("not a jwt", "two parts", "bad base64", "not json", "unsigned"):
        cases.append(
            (
                kind,
                headers(session, token=_bad_token(kind)),
                {"prompt": "hi"},
                401,
                "malformed_token",
            )
        )
    for kind in ("no sub", "empty sub"):
        cases.append(
            (
                kind,
                headers(session, token=_bad_token(kind)),
                {"prompt": "hi"},
                401,
                "missing_identity",
            )
        )
    for name, hdrs, payload, status, code in cases:
        for stream in (False, True):
            body = {**payload, "stream": True} if stream and payload else payload
            response = app.http.post("/invocations", json=body, headers=hdrs)
            assert (response.status_code, response.json()["code"]) == (status, code), name
            assert response.json()["error"], name
    nothing = app.http.post("/invocations", json={"prompt": "hi"}, headers=headers(None))
    assert nothing.status_code == 401
    assert "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id" in nothing.json()["error"]
    assert "Authorization" in nothing.json()["error"]
    app.settle()
    assert stack.item_count() == items
    assert stack.events() == events


def test_interrupt_then_resume(app: AppProcess, stack: Stack) -> None:
    session = new_session("hitl")
    asked = app.turn(session, "carol", "Book a table for 4 at Nopa")
    assert asked["response"] == ""  # the model's turn so far is a tool call, no text
    [question] = asked["interrupts"]
    assert question["value"] == {"question": "Book a table for 4 at Nopa?", "answer": "yes or no"}
    done = app.invoke(session, "carol", resume="yes")
    assert done.status_code == 200, done.text
    assert done.json() == {
        "response": "The book_table tool says: booked a table for 4 at Nopa. (turn 1)",
        "thread_id": session,
        "interrupts": [],
    }
    again = app.invoke(session, "carol", resume="yes")
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_resume"
    assert _thread_texts(stack, session)[-2:] == [
        "booked a table for 4 at Nopa",
        done.json()["response"],
    ]


NAMES = [
    "Ada",
    "Bea",
    "Cid",
    "Dov",
    "Eli",
    "Fay",
    "Gus",
    "Hal",
    "Ivy",
    "Jon",
    "Kai",
    "Lou",
    "Max",
    "Ned",
    "Oli",
    "Pam",
    "Quin",
    "Rex",
    "Sam",
    "Tom",
]
CITIES = [
    "Lisbon",
    "Porto",
    "Madrid",
    "Paris",
    "Rome",
    "Oslo",
    "Lima",
    "Quito",
    "Cairo",
    "Dakar",
    "Delhi",
    "Hanoi",
    "Seoul",
    "Tokyo",
    "Perth",
    "Sydney",
    "Austin",
    "Denver",
    "Boston",
    "Toronto",
]


def test_twenty_sessions_at_once(app: AppProcess, stack: Stack) -> None:
    sessions = [new_session(f"many{k:02d}") for k in range(20)]

    async def run() -> list[list[dict[str, object]]]:
        async with httpx.AsyncClient(base_url=app.url, timeout=120.0) as client:

            async def conversation(k: int) -> list[dict[str, object]]:
                out = []
                for prompt in (f"I'm {NAMES[k]} and I live in {CITIES[k]}.", "Who am I?"):
                    r = await client.post(
                        "/invocations",
                        json={"prompt": prompt},
                        headers=headers(sessions[k], f"user-{k}"),
                    )
                    assert r.status_code == 200, r.text
                    out.append(r.json())
                return out

            return await asyncio.gather(*(conversation(k) for k in range(20)))

    results = asyncio.run(run())
    app.settle()
    events = stack.events()
    for k, (stated, asked) in enumerate(results):
        assert stated["thread_id"] == asked["thread_id"] == sessions[k]
        assert asked["response"] == (
            f"From this thread I remember that your name is {NAMES[k]} and you live in "
            f"{CITIES[k]}. (turn 2)"
        )
        texts = _thread_texts(stack, sessions[k])
        assert len(texts) == 4 and texts[0] == f"I'm {NAMES[k]} and I live in {CITIES[k]}."
        foreign = [n for n in NAMES if n != NAMES[k] and any(n in t for t in texts)]
        assert not foreign, (k, foreign)
        assert events[(f"user-{k}", sessions[k])] == [
            texts[0],
            str(stated["response"]),
            "Who am I?",
            str(asked["response"]),
        ]


def test_streamed_reply_is_sse_ending_with_the_final_object(app: AppProcess) -> None:
    session = new_session("stream")
    response = app.http.post(
        "/invocations",
        json={"prompt": "I'm Eve and I live in Oslo.", "stream": True},
        headers=headers(session, "eve", stream=True),
    )
    assert response.status_code == 200
    events = sse_events(response)
    tokens = [e for e in events if e.get("event") == "token"]
    updates = [e for e in events if e.get("event") == "update"]
    assert "".join(t["text"] for t in tokens) == "Noted: name = Eve, place = Oslo. (turn 1)"
    assert {t["node"] for t in tokens} == {"model"}
    # Only output channels are streamed: the memory middleware's private state (the
    # recalled block, the capture bookkeeping) never leaves the server.
    assert all(set(u["update"]) <= {"messages", "structured_response"} for u in updates)
    assert "memory_" not in response.text
    model_updates = [u for u in updates if u["node"] == "model"]
    assert (
        model_updates
        and model_updates[-1]["update"]["messages"][-1]["content"] == (tokens[-1]["text"])
    )
    assert events[-1] == {
        "response": "Noted: name = Eve, place = Oslo. (turn 1)",
        "thread_id": session,
        "interrupts": [],
    }
    # The same turn without streaming continues the same thread.
    assert app.turn(session, "eve", "Who am I?")["response"].endswith("(turn 2)")


def test_ping_is_busy_while_a_run_is_in_flight(app: AppProcess, stack: Stack) -> None:
    app.settle()  # earlier tests' captures delivered
    stack.local.twin.faults.add_latency(1.0, operations="RetrieveMemoryRecords")
    result: dict[str, object] = {}

    def slow_turn() -> None:
        result["body"] = app.turn(new_session("busy"), "dan", "Where do I live?")

    worker = threading.Thread(target=slow_turn)
    try:
        worker.start()
        seen = set()
        deadline = time.monotonic() + 10
        while worker.is_alive() and time.monotonic() < deadline:
            seen.add(app.http.get("/ping").json()["status"])
            time.sleep(0.05)
        worker.join(timeout=30)
    finally:
        stack.local.twin.faults.clear()
    assert "HealthyBusy" in seen
    assert result["body"]
    app.settle(timeout=10)  # Healthy again once the run and its capture are done


@pytest.mark.parametrize("via", ["header"])
def test_custom_actor_header_is_ignored_unless_enabled(app: AppProcess, via: str) -> None:
    response = app.http.post(
        "/invocations",
        json={"prompt": "hi"},
        headers=headers(new_session("hdr"), "mallory", via=via),
    )
    assert response.status_code == 401 and response.json()["code"] == "missing_identity"
