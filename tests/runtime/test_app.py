"""create_app in-process: identity rules, payload mapping, context coercion, flush coalescing.

The SDK's real ``BedrockAgentCoreApp`` answers through httpx's ASGI transport (its worker
loop and thread pool as in production); graphs are small StateGraphs on InMemorySaver.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import re
import time
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import BaseModel

from langgraph_agentcore import runtime
from langgraph_agentcore.runtime import (
    ACTOR_HEADER,
    IdentityPolicy,
    InvocationError,
    _Coalescing,
    create_app,
    decode_jwt_claims,
    graph_input,
)
from langgraph_agentcore.serve import iter_sse, local_token, runtime_headers

SESSION = "session-" + "0" * 32


def _b64(obj: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _token(claims: dict[str, Any], alg: str = "RS256", sig: str = "c2ln") -> str:
    return f"{_b64({'alg': alg})}.{_b64(claims)}.{sig}"


# ---------------------------------------------------------------- tokens


def test_decode_reads_claims_without_verifying() -> None:
    assert decode_jwt_claims(_token({"sub": "alice", "aud": "x"})) == {"sub": "alice", "aud": "x"}
    assert decode_jwt_claims(local_token("bob"))["sub"] == "bob"


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "a.b",
        "a.b.c.d",
        f"{_b64({'alg': 'RS256'})}.!!!.c2ln",
        f"{_b64({'alg': 'RS256'})}.{_b64(['a list'])}.c2ln",
        f"{_b64(['x'])}.{_b64({'sub': 'a'})}.c2ln",
        _token({"sub": "a"}, alg="none"),
        _token({"sub": "a"}, alg="None"),
        _token({"sub": "a"}, sig=""),
        _token({"sub": "a"}, sig="a+b/c"),
        f"{_b64({'alg': 'RS256'})}.bm90IGpzb24.c2ln",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvocationError) as info:
        decode_jwt_claims(token)
    assert (info.value.status, info.value.code) == (401, "malformed_token")


def _resolve(policy: IdentityPolicy, headers: dict[str, str], payload: Any = None) -> Any:
    lower = {k.lower(): v for k, v in headers.items()}
    return asyncio.run(policy.resolve(lower, payload or {}))


def test_identity_sources_and_conflicts() -> None:
    bearer = {"Authorization": "Bearer " + _token({"sub": "alice", "email": "a@x.io"})}
    assert _resolve(IdentityPolicy(), bearer)[:2] == ("alice", "token")
    assert _resolve(IdentityPolicy(actor_claim="email"), bearer)[:2] == ("a@x.io", "token")
    with pytest.raises(InvocationError, match="'tenant' claim"):
        _resolve(IdentityPolicy(actor_claim="tenant"), bearer)
    header = IdentityPolicy(actor_header=ACTOR_HEADER)
    assert _resolve(header, {ACTOR_HEADER: "bob"})[:2] == ("bob", "header")
    assert _resolve(header, {**bearer, ACTOR_HEADER: "alice"})[:2] == ("alice", "token")
    with pytest.raises(InvocationError) as info:
        _resolve(header, {**bearer, ACTOR_HEADER: "bob"})
    assert info.value.code == "conflicting_identity"
    with pytest.raises(InvocationError) as info:
        _resolve(header, {ACTOR_HEADER: "  "})
    assert info.value.code == "missing_identity"
    # Disabled sources are ignored (the header) or refused (the payload), never trusted.
    with pytest.raises(InvocationError) as info:
        _resolve(IdentityPolicy(), {ACTOR_HEADER: "bob"})
    assert info.value.code == "missing_identity" and ACTOR_HEADER not in str(info.value)
    with pytest.raises(InvocationError) as info:
        _resolve(IdentityPolicy(), {}, {"actor_id": "bob"})
    assert (info.value.status, info.value.code) == (400, "payload_identity_not_allowed")
    trusted = IdentityPolicy(allow_payload_actor=True)
    assert _resolve(trusted, {}, {"actor_id": "svc-user"})[:2] == ("svc-user", "payload")
    # A malformed token is never skipped in favour of another source.
    with pytest.raises(InvocationError) as info:
        _resolve(header, {"Authorization": "Bearer junk", ACTOR_HEADER: "bob"})
    assert info.value.code == "malformed_token"


def test_verifier_hook_replaces_the_unverified_decode() -> None:
    seen: list[str] = []

    def verify(token: str) -> dict[str, Any]:
        seen.append(token)
        if token != "good":
            raise ValueError("bad signature")
        return {"sub": "verified-user"}

    async def averify(token: str) -> dict[str, Any]:
        return verify(token)

    for hook in (verify, averify):
        policy = IdentityPolicy(verify_token=hook)
        assert _resolve(policy, {"Authorization": "Bearer good"})[0] == "verified-user"
        with pytest.raises(InvocationError, match="bad signature") as info:
            _resolve(policy, {"Authorization": "Bearer " + _token({"sub": "x"})})
        assert info.value.code == "invalid_token"
    assert seen[0] == "good"


# ---------------------------------------------------------------- payloads


def test_payload_mapping() -> None:
    data, stream = graph_input({"prompt": "hi"})
    assert not stream and [m.text for m in data["messages"]] == ["hi"]
    assert isinstance(data["messages"][0], HumanMessage)
    resume, stream = graph_input({"resume": {"approved": True}, "stream": True})
    assert stream and isinstance(resume, Command) and resume.resume == {"approved": True}

    def mapper(payload: Any) -> dict[str, Any]:
        if "city" not in payload:
            raise ValueError("city is required")
        return {"city": payload["city"]}

    mapped, _ = graph_input({"prompt": "hi", "city": "Oslo"}, mapper)
    assert mapped["city"] == "Oslo"
    command, _ = graph_input({"resume": "yes", "city": "Oslo"}, mapper)
    assert command.update == {"city": "Oslo"}
    for bad, mapper_or_none, needle in [
        ([1], None, "JSON object"),
        ({"prompt": "hi", "city": "Oslo"}, None, "unexpected payload keys ['city']"),
        ({"prompt": ""}, None, "non-empty"),
        ({"prompt": 3}, None, "non-empty"),
        ({"prompt": "a", "resume": "b"}, None, "not both"),
        ({"resume": None}, None, "null"),
        ({"prompt": "a", "stream": "yes"}, None, "true or false"),
        ({}, None, "needs 'prompt'"),
        ({"prompt": "hi"}, mapper, "city is required"),
    ]:
        with pytest.raises(InvocationError, match=re.escape(needle)) as info:
            graph_input(bad, mapper_or_none)
        assert info.value.status == 400


# ---------------------------------------------------------------- the app in-process


def _echo_graph(context_schema: Any = None) -> Any:
    def chat(state: MessagesState, runtime: Runtime[Any]) -> dict[str, Any]:
        ctx = runtime.context
        actor = ctx["actor_id"] if isinstance(ctx, dict) else getattr(ctx, "actor_id", None)
        return {"messages": [AIMessage(f"{state['messages'][-1].text} from {actor}")]}

    builder = StateGraph(MessagesState, context_schema=context_schema)
    builder.add_node("chat", chat)
    builder.add_edge(START, "chat")
    return builder.compile(checkpointer=InMemorySaver())


def _post(app: Any, requests: list[tuple[dict[str, Any], dict[str, str]]]) -> list[Any]:
    async def go() -> list[Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return list(
                await asyncio.gather(
                    *(client.post("/invocations", json=p, headers=h) for p, h in requests)
                )
            )

    return asyncio.run(go())


def test_create_app_rejects_bad_configuration() -> None:
    builder = StateGraph(MessagesState)
    builder.add_node("n", lambda s: {})
    builder.add_edge(START, "n")
    with pytest.raises(ValueError, match="no checkpointer"):
        create_app(builder.compile())
    with pytest.raises(ValueError, match="not a header AgentCore Runtime forwards"):
        create_app(_echo_graph(), actor_header="Content-Type")
    with pytest.raises(ValueError, match="flush must be"):
        create_app(_echo_graph(), flush="later")  # type: ignore[arg-type]

    @dataclasses.dataclass
    class NeedsTenant:
        tenant: str
        actor_id: str = ""

    with pytest.raises(ValueError, match=r"requires \['tenant'\].*context_factory"):
        create_app(_echo_graph(NeedsTenant))


@dataclasses.dataclass
class DataContext:
    actor_id: str = ""
    locale: str = "en"


class ModelContext(BaseModel):
    actor_id: str
    session_id: str


@pytest.mark.parametrize("schema", [None, DataContext, ModelContext])
def test_actor_reaches_the_graph_context(schema: Any) -> None:
    app = create_app(_echo_graph(schema))
    [response] = _post(app, [({"prompt": "hi"}, runtime_headers(SESSION, actor="alice"))])
    assert response.status_code == 200, response.text
    assert response.json()["response"] == "hi from alice"


def test_header_identity_when_enabled_and_duplicates_refused() -> None:
    app = create_app(_echo_graph(), actor_header=ACTOR_HEADER)
    ok, dup = _post(
        app,
        [
            ({"prompt": "hi"}, runtime_headers(SESSION, actor="erin", via="header")),
            ({"prompt": "hi"}, runtime_headers("s" * 40, actor="erin", via="header")),
        ],
    )
    assert ok.json()["response"] == "hi from erin"

    async def twice() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            hdrs = httpx.Headers(runtime_headers("t" * 40, actor="erin", via="header"))
            hdrs = httpx.Headers([*hdrs.multi_items(), (ACTOR_HEADER, "mallory")])
            return await client.post("/invocations", json={"prompt": "hi"}, headers=hdrs)

    refused = asyncio.run(twice())
    assert refused.status_code == 401 and refused.json()["code"] == "ambiguous_identity"

    async def two_tokens() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            hdrs = httpx.Headers(runtime_headers("u" * 40, actor="erin"))
            extra = ("Authorization", "Bearer " + local_token("mallory"))
            return await client.post(
                "/invocations",
                json={"prompt": "hi"},
                headers=httpx.Headers([*hdrs.multi_items(), extra]),
            )

    refused = asyncio.run(two_tokens())
    assert refused.status_code == 401 and refused.json()["code"] == "ambiguous_identity"
    assert dup.status_code == 200


def test_streamed_interrupt_and_resume_in_process() -> None:
    from langgraph.types import interrupt

    def ask(state: MessagesState) -> dict[str, Any]:
        answer = interrupt({"confirm": state["messages"][-1].text})
        return {"messages": [AIMessage(f"answer={answer}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    app = create_app(builder.compile(checkpointer=InMemorySaver()))
    hdrs = runtime_headers(SESSION, actor="fay", stream=True)
    [asked] = _post(app, [({"prompt": "go?", "stream": True}, hdrs)])
    events = list(iter_sse(iter(asked.content.splitlines(keepends=True))))
    assert events[-1]["response"] is None
    assert [i["value"] for i in events[-1]["interrupts"]] == [{"confirm": "go?"}]
    [done] = _post(app, [({"resume": "yes", "stream": True}, hdrs)])
    final = list(iter_sse(iter(done.content.splitlines(keepends=True))))[-1]
    assert final == {"response": "answer=yes", "thread_id": SESSION, "interrupts": []}


# ---------------------------------------------------------------- flushing


class CountingMemory:
    """Stands in for AgentCoreMemory: a capture stays in flight for ``capture_s`` after each
    run; ``stuck`` captures are left in the outbox (pending until ``aflush``)."""

    def __init__(self, capture_s: float = 0.0, stuck: int = 0, flush_s: float = 0.2) -> None:
        self.capture_s, self.stuck, self.flush_s = capture_s, stuck, flush_s
        self.flushes = 0
        self.done_at = 0.0

    def captured(self) -> None:  # what the middleware's after_agent would start
        self.done_at = time.monotonic() + self.capture_s

    async def aflush(self, timeout: float | None = None) -> int:
        self.flushes += 1
        await asyncio.sleep(self.flush_s)
        delivered, self.stuck = self.stuck, 0
        return delivered

    def flush(self, timeout: float | None = None) -> int:
        return 0

    def pending_captures(self) -> int:
        return self.stuck + (time.monotonic() < self.done_at)


def _capturing_graph(memory: CountingMemory) -> Any:
    def chat(state: MessagesState) -> dict[str, Any]:
        memory.captured()
        return {"messages": [AIMessage(f"{state['messages'][-1].text} ok")]}

    builder = StateGraph(MessagesState)
    builder.add_node("chat", chat)
    builder.add_edge(START, "chat")
    return builder.compile(checkpointer=InMemorySaver())


def test_delivered_captures_need_no_flush_request() -> None:
    memory = CountingMemory(capture_s=0.3)
    app = create_app(_capturing_graph(memory), memory=memory, flush="before_response")
    started = time.monotonic()
    [r] = _post(app, [({"prompt": "hi"}, runtime_headers(SESSION, actor="joe"))])
    assert r.json()["response"] == "hi ok"
    assert time.monotonic() - started >= 0.3  # answered after the capture finished
    assert memory.flushes == 0  # and without reading the outbox


def test_concurrent_turns_share_flushes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "FLUSH_SETTLE_SECONDS", 0.05)
    memory = CountingMemory(stuck=1)  # an outbox item to deliver: every turn must flush
    app = create_app(_echo_graph(), memory=memory, flush="before_response")
    requests = [
        ({"prompt": f"m{k}"}, runtime_headers(f"{k:02d}-" + "x" * 40, actor=f"u{k}"))
        for k in range(20)
    ]
    responses = _post(app, requests)
    assert [r.json()["response"] for r in responses] == [f"m{k} from u{k}" for k in range(20)]
    assert 1 <= memory.flushes <= 3  # not 20: waiters share the next flush
    assert memory.stuck == 0


def test_background_flush_keeps_ping_busy_until_done() -> None:
    memory = CountingMemory(capture_s=0.5)
    app = create_app(_capturing_graph(memory), memory=memory)  # flush="background"

    async def go() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            r = await client.post(
                "/invocations", json={"prompt": "hi"}, headers=runtime_headers(SESSION, actor="ivy")
            )
            assert r.json()["response"] == "hi ok"  # answered before the capture ended
            statuses = [(await client.get("/ping")).json()["status"]]
            await asyncio.sleep(0.8)
            statuses.append((await client.get("/ping")).json()["status"])
            return statuses

    assert asyncio.run(go()) == ["HealthyBusy", "Healthy"]
    assert memory.flushes == 0


def test_coalescing_covers_requests_made_during_a_run() -> None:
    calls: list[int] = []

    async def main() -> None:
        gate = asyncio.Event()

        async def job() -> None:
            calls.append(len(calls))
            await gate.wait()

        c = _Coalescing(job)
        first = asyncio.create_task(c.run())
        await asyncio.sleep(0)
        later = [asyncio.create_task(c.run()) for _ in range(5)]
        await asyncio.sleep(0)
        assert calls == [0]  # the five wait for a run that starts after them
        gate.set()
        await asyncio.gather(first, *later)

    asyncio.run(main())
    assert calls == [0, 1]


def test_session_owner_is_read_once_per_session_and_process() -> None:
    graph = _echo_graph()
    reads: list[str] = []
    original = graph.checkpointer.aget_tuple

    async def spy(config: Any) -> Any:
        reads.append(config["configurable"]["thread_id"])
        return await original(config)

    graph.checkpointer.aget_tuple = spy
    app = create_app(graph)
    for _ in range(3):
        [r] = _post(app, [({"prompt": "hi"}, runtime_headers(SESSION, actor="gil"))])
        assert r.status_code == 200
    # LangGraph reads the thread once per run; the owner check adds one read, once.
    assert reads == [SESSION] * 4
    [stolen] = _post(app, [({"prompt": "hi"}, runtime_headers(SESSION, actor="hal"))])
    assert stolen.status_code == 403 and reads == [SESSION] * 5
    other = create_app(graph)  # a new process: checks again, and refuses too
    [again] = _post(other, [({"prompt": "hi"}, runtime_headers(SESSION, actor="hal"))])
    assert again.status_code == 403


def test_actor_keys_put_the_actor_in_configurable() -> None:
    from langchain_core.runnables import RunnableConfig

    def chat(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
        conf = config["configurable"]
        return {"messages": [AIMessage(f"{conf['actor_id']}/{conf['langgraph_user_id']}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("chat", chat)
    builder.add_edge(START, "chat")
    graph = builder.compile(checkpointer=InMemorySaver())
    app = create_app(graph, actor_keys=("langgraph_user_id",))
    [r] = _post(app, [({"prompt": "hi"}, runtime_headers(SESSION, actor="kay"))])
    assert r.json()["response"] == "kay/kay"
    with pytest.raises(ValueError, match="actor_keys"):
        create_app(graph, actor_keys="langgraph_user_id")  # type: ignore[arg-type]


@pytest.mark.parametrize("stream", [False, True])
def test_two_actors_racing_for_a_new_session_get_one_thread_each_or_a_refusal(
    stream: bool,
) -> None:
    app = create_app(_echo_graph())
    session = "race-" + "r" * 40
    payload = {"prompt": "mine", "stream": stream}
    first, second = _post(
        app,
        [
            (payload, runtime_headers(session, actor="lea", stream=stream)),
            (payload, runtime_headers(session, actor="max", stream=stream)),
        ],
    )

    def outcome(r: httpx.Response) -> str:
        if not stream:
            return "ok" if r.status_code == 200 else r.json()["code"]
        last = list(iter_sse(iter(r.content.splitlines(keepends=True))))[-1]
        return "ok" if "thread_id" in last else last["code"]

    assert sorted([outcome(first), outcome(second)]) == ["ok", "session_of_another_actor"]


def test_interrupts_in_subgraphs_and_parallel_branches() -> None:
    from langgraph.types import interrupt

    def ask(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(f"inner: {interrupt({'sub': 'ok?'})}")]}

    inner = StateGraph(MessagesState)
    inner.add_node("ask", ask)
    inner.add_edge(START, "ask")

    def side(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(f"side: {interrupt({'side': 'ok?'})}")]}

    outer = StateGraph(MessagesState)
    outer.add_node("inner", inner.compile())
    outer.add_node("side", side)
    outer.add_edge(START, "inner")
    outer.add_edge(START, "side")
    app = create_app(outer.compile(checkpointer=InMemorySaver()))
    hdrs = runtime_headers(SESSION, actor="lou")
    [asked] = _post(app, [({"prompt": "go"}, hdrs)])
    interrupts = {json.dumps(i["value"]): i["id"] for i in asked.json()["interrupts"]}
    assert set(interrupts) == {'{"sub": "ok?"}', '{"side": "ok?"}'}
    answers = {interrupts['{"sub": "ok?"}']: "yes", interrupts['{"side": "ok?"}']: "no"}
    [done] = _post(app, [({"resume": answers}, hdrs)])
    assert done.json()["interrupts"] == []
    assert done.json()["response"] in ("inner: yes", "side: no")  # the later of the two
    state = app.state.langgraph.get_state({"configurable": {"thread_id": SESSION}})
    assert sorted(m.text for m in state.values["messages"][1:]) == ["inner: yes", "side: no"]
    [again] = _post(app, [({"resume": answers}, hdrs)])
    assert again.status_code == 409


def test_a_failing_run_is_an_error_and_frees_the_session() -> None:
    calls: list[str] = []

    def flaky(state: MessagesState) -> dict[str, Any]:
        calls.append(state["messages"][-1].text)
        if state["messages"][-1].text == "boom":
            raise RuntimeError("the model is down")
        return {"messages": [AIMessage("fine")]}

    builder = StateGraph(MessagesState)
    builder.add_node("flaky", flaky)
    builder.add_edge(START, "flaky")
    app = create_app(builder.compile(checkpointer=InMemorySaver()))
    hdrs = runtime_headers(SESSION, actor="mia")
    failed, streamed = _post(app, [({"prompt": "boom"}, hdrs)]) + _post(
        app, [({"prompt": "boom", "stream": True}, hdrs)]
    )
    assert failed.status_code == 500 and "the model is down" in failed.json()["error"]
    last = list(iter_sse(iter(streamed.content.splitlines(keepends=True))))[-1]
    assert last["event"] == "error" and last["error_type"] == "RuntimeError"
    [ok] = _post(app, [({"prompt": "again"}, hdrs)])  # the session's lock was released
    assert ok.json()["response"] == "fine"

    async def ping() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return str((await client.get("/ping")).json()["status"])

    assert asyncio.run(ping()) == "Healthy"  # no task left behind by the failures
