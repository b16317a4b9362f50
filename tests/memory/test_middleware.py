"""AgentCoreMemoryMiddleware on LangChain's real ``create_agent``.

Real peers: DynamoDBSaver and the capture outbox on moto, AgentCoreMemoryStore and
AgentCoreMemory on the AgentCore Memory twin, in-process and over HTTP on loopback; the
model is the offline ScriptedToolModel (binds tools, records every request it is sent).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from langchain.agents import create_agent
from langchain_core.messages import AnyMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.types import Command, interrupt
from moto import mock_aws

from langgraph_agentcore import namespaces
from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.errors import MemoryIdentityError
from langgraph_agentcore.events import message_role, message_text
from langgraph_agentcore.inprocess import _AttachingClientContext, attach_moto
from langgraph_agentcore.memory import AgentCoreMemory, RetrievalConfig
from langgraph_agentcore.middleware import AgentCoreMemoryMiddleware
from langgraph_agentcore.offline import ScriptedToolModel, ToolRule
from langgraph_agentcore.store import AgentCoreMemoryStore
from langgraph_agentcore.twin import MemoryTwin
from tests.conftest import REGION, RequestCounter, unique_table

#: Fail fast when a test injects AgentCore faults (botocore would otherwise back off).
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
RETRIEVAL = {
    "/users/{actorId}/facts": RetrievalConfig(top_k=5, relevance_score=0.0),
    "/users/{actorId}/preferences": RetrievalConfig(top_k=5, relevance_score=0.0),
}
SYSTEM = "You are a helpful assistant."
BLOCK = "<user_context>"


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny and 24C in {city}"


@tool
def book_table(restaurant: str) -> str:
    """Book a table (asks a human to approve first)."""
    answer = interrupt({"approve": restaurant})
    return f"booked {restaurant}: {answer}"


TOOLS = [get_weather, book_table]
RULES = [
    ToolRule(r"weather", "get_weather", {"city": "Lisbon"}),
    ToolRule(r"\bbook\b", "book_table", {"restaurant": "Ao 26"}),
]


_SESSION: Any = None


def async_client_factory(
    service: str, wire: Callable[[Any], Any], **client_kwargs: Any
) -> Callable[[], Any]:
    """Like ``inprocess.async_client_factory``, over one shared aiobotocore session: each
    ``asyncio.run`` makes new clients, and a session per client would load botocore's JSON
    models again every time (most of an async test's run time)."""
    from aiobotocore.session import get_session

    def factory() -> Any:
        global _SESSION
        if _SESSION is None:
            _SESSION = get_session()
        return _AttachingClientContext(_SESSION.create_client(service, **client_kwargs), wire)

    return factory


def model() -> ScriptedToolModel:
    return ScriptedToolModel(rules=RULES)


@dataclass
class Stack:
    """moto (DynamoDB) + the AgentCore twin, in-process or over loopback HTTP.

    Builds fresh AgentCoreMemory / DynamoDBSaver / AgentCoreMemoryStore objects on one
    table and one memory, as a new process would; counts every request per service.
    """

    kind: str
    twin: MemoryTwin
    memory_id: str
    table: str
    moto_url: str | None = None
    twin_url: str | None = None
    ac: RequestCounter = field(default_factory=RequestCounter)
    ddb: RequestCounter = field(default_factory=RequestCounter)
    #: DynamoDB requests of the AgentCoreMemory objects alone (the outbox)
    outbox: RequestCounter = field(default_factory=RequestCounter)
    memories: list[AgentCoreMemory] = field(default_factory=list)

    # -- clients ---------------------------------------------------------------------------

    def _wire_twin(self, counter: RequestCounter | None) -> Callable[[Any], Any]:
        def wire(client: Any) -> Any:
            if self.kind == "inprocess":
                self.twin.attach(client)  # also takes moto's stub off this client
            if counter is not None:
                counter.attach(client)
            return client

        return wire

    def _wire_ddb(self, counter: RequestCounter | None) -> Callable[[Any], Any]:
        def wire(client: Any) -> Any:
            if self.kind == "inprocess":
                attach_moto(client)
            if counter is not None:
                counter.attach(client)
            return client

        return wire

    def ac_client(self, *, counted: bool = True, retries: bool = False) -> Any:
        client = boto3.client(
            "bedrock-agentcore",
            region_name=REGION,
            endpoint_url=self.twin_url,
            config=None if retries else NO_RETRY,
        )
        return self._wire_twin(self.ac if counted else None)(client)

    def ddb_client(self, counter: RequestCounter | None = None) -> Any:
        client = boto3.client("dynamodb", region_name=REGION, endpoint_url=self.moto_url)
        return (counter or self.ddb).attach(client)

    def ddb_factory(self, counter: RequestCounter | None = None) -> Callable[[], Any]:
        return async_client_factory(
            "dynamodb",
            wire=self._wire_ddb(counter or self.ddb),
            region_name=REGION,
            endpoint_url=self.moto_url,
        )

    def ac_factory(self, *, retries: bool = False) -> Callable[[], Any]:
        return async_client_factory(
            "bedrock-agentcore",
            wire=self._wire_twin(self.ac),
            region_name=REGION,
            endpoint_url=self.twin_url,
            config=None if retries else NO_RETRY,
        )

    # -- the pieces ------------------------------------------------------------------------

    def memory(self, *, retries: bool = False, **kw: Any) -> AgentCoreMemory:
        memory = AgentCoreMemory(
            self.memory_id,
            retrieval=kw.pop("retrieval", RETRIEVAL),
            table_name=self.table,
            agent_id="agent-1",
            region_name=REGION,
            dynamodb_client=self.ddb_client(self.outbox),
            agentcore_client=self.ac_client(retries=retries),
            async_dynamodb_client_factory=self.ddb_factory(self.outbox),
            async_agentcore_client_factory=self.ac_factory(retries=retries),
            **kw,
        )
        self.memories.append(memory)
        return memory

    def saver(self) -> DynamoDBSaver:
        return DynamoDBSaver(
            self.table,
            "agent-1",
            region_name=REGION,
            client=self.ddb_client(),
            async_client_factory=self.ddb_factory(),
        )

    def store(self) -> AgentCoreMemoryStore:
        return AgentCoreMemoryStore(
            self.memory_id,
            self.table,
            "agent-1",
            region_name=REGION,
            dynamodb_client=self.ddb_client(),
            agentcore_client=self.ac_client(),
            async_dynamodb_client_factory=self.ddb_factory(),
            async_agentcore_client_factory=self.ac_factory(),
        )

    def agent(
        self, memory: AgentCoreMemory, chat: ScriptedToolModel | None = None, **mw: Any
    ) -> tuple[Any, ScriptedToolModel]:
        """A fresh create_agent graph (fresh saver and store) with the middleware."""
        chat = chat or model()
        agent = create_agent(
            chat,
            TOOLS,
            system_prompt=SYSTEM,
            middleware=[AgentCoreMemoryMiddleware(memory, **mw)],
            checkpointer=self.saver(),
            store=self.store(),
        )
        return agent, chat

    # -- what AgentCore holds --------------------------------------------------------------

    def events(self, actor: str, session: str) -> list[tuple[str, str]]:
        """(role, text) of every conversational item of the session, oldest first."""
        client = self.ac_client(counted=False, retries=True)
        pages = client.get_paginator("list_events").paginate(
            memoryId=self.memory_id,
            actorId=namespaces.actor_id(actor),
            sessionId=namespaces.session_id(session),
            includePayloads=True,
        )
        items: list[tuple[str, str]] = []
        for event in reversed([e for page in pages for e in page["events"]]):
            for item in event["payload"]:
                conv = item["conversational"]
                items.append((conv["role"], conv["content"]["text"]))
        return items

    def ops(self, name: str) -> int:
        return self.ac.ops.count(name)


def expected(messages: list[AnyMessage]) -> list[tuple[str, str]]:
    return [(message_role(m), message_text(m)) for m in messages]


#: Run a test on the in-process stack only (the transport is covered end to end elsewhere).
INPROCESS = pytest.mark.parametrize("stack", ["inprocess"], indirect=True)


def cfg(thread: str, actor: str | None = None) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": thread}
    if actor is not None:
        configurable["actor_id"] = actor
    return {"configurable": configurable}


def thread() -> str:
    return f"thread-{uuid.uuid4().hex[:10]}"


def build(kind: str, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A Stack of ``kind``: "inprocess" (moto and the twin in-process) or "http" (both on
    loopback: moto's server and the twin's)."""
    if kind == "inprocess":
        with mock_aws(), MemoryTwin(extraction_delay=None) as twin:
            s = Stack("inprocess", twin, str(twin.create_memory("Loop")["id"]), unique_table())
            s.saver().setup()
            yield s
            for m in s.memories:
                m.close()
        return
    moto_url: str = request.getfixturevalue("moto_endpoint")
    with MemoryTwin(extraction_delay=None) as twin, twin.serve() as server:
        s = Stack(
            "http",
            twin,
            str(twin.create_memory("Loop")["id"]),
            unique_table(),
            moto_url=moto_url,
            twin_url=server.endpoint_url,
        )
        s.saver().setup()
        yield s
        for m in s.memories:
            m.close()


@pytest.fixture(params=["inprocess", "http"])
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The twin in-process and over HTTP: the end-to-end scenarios run on both; tests of
    identity, options and faults run in-process (``INPROCESS``)."""
    yield from build(request.param, request)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(mode: str, agent: Any, payload: Any, config: dict[str, Any], **kw: Any) -> Any:
    """invoke or ainvoke (on a fresh event loop, awaiting background captures at its end)."""
    if mode == "sync":
        return agent.invoke(payload, config, **kw)

    async def go() -> Any:
        try:
            return await agent.ainvoke(payload, config, **kw)
        finally:
            await asyncio.sleep(0)  # let the capture task start before the loop may close

    return asyncio.run(go())


def settle(mode: str, memory: AgentCoreMemory) -> None:
    """Wait for background captures (and deliver the outbox) before looking at AgentCore."""
    if mode == "sync":
        memory.flush()
    else:
        asyncio.run(memory.aflush())


def turn(mode: str, agent: Any, text: str, config: dict[str, Any], memory: AgentCoreMemory) -> Any:
    """One user turn, in sync or async, with its background capture settled in the same loop."""
    if mode == "sync":
        out = agent.invoke({"messages": [HumanMessage(text)]}, config)
        memory.flush()
        return out

    async def go() -> Any:
        out = await agent.ainvoke({"messages": [HumanMessage(text)]}, config)
        await memory.aflush()
        return out

    return asyncio.run(go())


def resume(
    mode: str, agent: Any, value: Any, config: dict[str, Any], memory: AgentCoreMemory
) -> Any:
    if mode == "sync":
        out = agent.invoke(Command(resume=value), config)
        memory.flush()
        return out

    async def go() -> Any:
        out = await agent.ainvoke(Command(resume=value), config)
        await memory.aflush()
        return out

    return asyncio.run(go())


def block_of(prompt: str) -> str:
    """The <user_context> block of a system prompt ('' if none)."""
    start = prompt.find(BLOCK)
    return (
        prompt[start : prompt.find("</user_context>") + len("</user_context>")]
        if start >= 0
        else ""
    )


def teach_alice(stack: Stack, mode: str) -> None:
    """Session A: alice says two facts; the twin extracts them."""
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    turn(mode, agent, "I'm vegetarian and I live in Lisbon", cfg(thread(), "alice"), memory)
    assert stack.twin.run_extractions() >= 2


# -- recall across threads, per user -------------------------------------------------------------


def test_facts_from_one_session_reach_a_new_thread_of_the_same_user_only(
    stack: Stack, mode: str
) -> None:
    teach_alice(stack, mode)
    memory = stack.memory()
    agent, chat = stack.agent(memory)
    out = turn(mode, agent, "What should I cook tonight?", cfg(thread(), "alice"), memory)
    prompt = chat.last_system_prompt
    assert prompt.startswith(SYSTEM)  # the block is appended: the static prompt stays a prefix
    block = block_of(prompt)
    assert "vegetarian" in block and "Lisbon" in block
    assert "vegetarian" in out["messages"][-1].content  # the offline model used the context

    bob_agent, bob_chat = stack.agent(memory)
    turn(mode, bob_agent, "What should I cook tonight?", cfg(thread(), "bob"), memory)
    assert bob_chat.last_system_prompt == SYSTEM
    assert "vegetarian" not in str(bob_chat.requests) and "Lisbon" not in str(bob_chat.requests)


@INPROCESS
def test_actor_id_from_the_context_object_or_a_resolver(stack: Stack) -> None:
    teach_alice(stack, "sync")
    memory = stack.memory()

    @dataclass
    class Ctx:
        actor_id: str

    agent, chat = stack.agent(memory)
    agent.invoke({"messages": [HumanMessage("Any tips?")]}, cfg(thread()), context=Ctx("alice"))
    assert "vegetarian" in block_of(chat.last_system_prompt)

    agent, chat = stack.agent(
        memory, actor_id_resolver=lambda context, config: config["configurable"]["user"]
    )
    config = {"configurable": {"thread_id": thread(), "user": "alice"}}
    agent.invoke({"messages": [HumanMessage("Any tips?")]}, config)
    assert "Lisbon" in block_of(chat.last_system_prompt)


# -- a long thread: every message captured exactly once ------------------------------------------


def test_every_message_is_captured_once_over_turns_tools_interrupts_and_restarts(
    stack: Stack, mode: str
) -> None:
    teach_alice(stack, mode)
    tid = thread()
    config = cfg(tid, "alice")
    namespaces_per_recall = len(RETRIEVAL)

    memory = stack.memory()
    agent, chat = stack.agent(memory)
    stack.ac.reset()
    turn(mode, agent, "Hello there", config, memory)  # turn 1: plain
    assert stack.ops("RetrieveMemoryRecords") == namespaces_per_recall
    assert stack.ops("CreateEvent") == 1

    stack.ac.reset()
    calls_before = len(chat.requests)
    turn(mode, agent, "What's the weather like?", config, memory)  # turn 2: a tool loop
    assert len(chat.requests) - calls_before == 2  # two model calls ...
    assert stack.ops("RetrieveMemoryRecords") == namespaces_per_recall  # ... one recall
    assert all("vegetarian" in block_of(p) for p in chat.system_prompts[calls_before:])
    assert stack.ops("CreateEvent") == 1

    # turn 3: a tool that calls interrupt(); the process "dies" while it waits
    stack.ac.reset()
    out = turn(mode, agent, "Please book a table for dinner", config, memory)
    assert out["__interrupt__"][0].value == {"approve": "Ao 26"}
    assert stack.ops("RetrieveMemoryRecords") == namespaces_per_recall
    assert stack.ops("CreateEvent") == 0  # the turn is not over: nothing captured yet
    memory.close()

    # a new process: fresh memory, saver, store, graph and model; resume with no context
    stack.ac.reset()
    memory = stack.memory()
    agent, chat = stack.agent(memory)
    out = resume(mode, agent, "yes", config, memory)
    assert "booked Ao 26: yes" in out["messages"][-1].content
    assert stack.ops("RetrieveMemoryRecords") == 0  # the turn's block came from the checkpoint
    assert "vegetarian" in block_of(chat.last_system_prompt)
    assert stack.ops("CreateEvent") == 1

    stack.ac.reset()
    turn(mode, agent, "Thanks, that is all", config, memory)  # turn 4, after the restart
    assert stack.ops("RetrieveMemoryRecords") == namespaces_per_recall
    assert stack.ops("CreateEvent") == 1

    state = agent.get_state(config)
    messages = state.values["messages"]
    assert len(messages) == 2 + 4 + 4 + 2
    assert stack.events("alice", tid) == expected(messages)

    # the checkpoints never held the memory block in messages, at any step
    for snapshot in agent.get_state_history(config):
        assert all(BLOCK not in str(m.content) for m in snapshot.values.get("messages", []))
    assert state.values.get("memory_context") is None  # cleared at the end of the turn


@INPROCESS
def test_the_memory_block_never_enters_the_thread(stack: Stack) -> None:
    teach_alice(stack, "sync")
    memory = stack.memory()
    agent, chat = stack.agent(memory)
    config = cfg(thread(), "alice")
    for text in ("What's the weather?", "And tomorrow's weather?", "Where do I live?"):
        out = agent.invoke({"messages": [HumanMessage(text)]}, config)
        assert "memory_context" not in out and "memory_loop" not in out  # private fields
    assert sum(BLOCK in p for p in chat.system_prompts) == len(chat.requests) == 5
    saver = stack.saver()
    for tup in saver.list(config):
        values = tup.checkpoint["channel_values"]
        assert all(BLOCK not in str(m.content) for m in values.get("messages", []))
        context = values.get("memory_context")
        assert context is None or context.count(BLOCK) == 1  # one overwritten field


@INPROCESS
def test_request_budget_per_turn(stack: Stack, mode: str) -> None:
    """Per user turn: one RetrieveMemoryRecords per namespace, one CreateEvent, and no
    DynamoDB request of the memory (the outbox) while AgentCore takes the captures."""
    teach_alice(stack, mode)
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    config = cfg(thread(), "alice")
    turn(mode, agent, "Hello", config, memory)  # the first capture looks for an old outbox

    for text in ("Hello again", "What's the weather?"):  # a plain turn, a tool loop
        stack.ac.reset()
        stack.outbox.reset()
        if mode == "sync":
            agent.invoke({"messages": [HumanMessage(text)]}, config)
            while memory.pending_captures():
                time.sleep(0.01)
        else:

            async def go(text: str = text) -> None:
                await agent.ainvoke({"messages": [HumanMessage(text)]}, config)
                while memory.pending_captures():
                    await asyncio.sleep(0.01)

            asyncio.run(go())
        assert sorted(stack.ac.ops) == ["CreateEvent"] + ["RetrieveMemoryRecords"] * len(RETRIEVAL)
        assert stack.outbox.ops == []


# -- identity fails closed -----------------------------------------------------------------------


@INPROCESS
def test_no_actor_id_raises_before_any_request(stack: Stack, mode: str) -> None:
    memory = stack.memory()
    agent, chat = stack.agent(memory)
    stack.ac.reset()
    with pytest.raises(MemoryIdentityError, match="actor id"):
        run(mode, agent, {"messages": [HumanMessage("I live in Lisbon")]}, cfg(thread()))
    with pytest.raises(MemoryIdentityError):
        run(
            mode,
            agent,
            {"messages": [HumanMessage("hi")]},
            cfg(thread()),
            context={"actor_id": "  "},
        )
    with pytest.raises(
        MemoryIdentityError, match=r'\["actor_id"\] must be a non-empty string, got int'
    ):
        run(mode, agent, {"messages": [HumanMessage("hi")]}, cfg(thread(), 42))  # type: ignore[arg-type]
    settle(mode, memory)
    assert stack.ac.total == 0 and chat.requests == []


@INPROCESS
def test_skip_runs_the_turn_without_memory(stack: Stack, mode: str) -> None:
    memory = stack.memory()
    agent, chat = stack.agent(memory, on_missing_identity="skip")
    stack.ac.reset()
    tid = thread()
    out = run(mode, agent, {"messages": [HumanMessage("I live in Lisbon")]}, cfg(tid))
    settle(mode, memory)
    assert out["messages"][-1].content.startswith("Noted")
    assert stack.ac.total == 0 and chat.last_system_prompt == SYSTEM

    # the same thread later with an identity: the anonymous turn is never attributed to it
    out = turn(mode, agent, "Hello", cfg(tid, "alice"), memory)
    assert stack.events("alice", tid) == expected(out["messages"][2:])


def test_bad_options_are_rejected() -> None:
    memory: Any = object()
    with pytest.raises(ValueError, match="on_missing_identity"):
        AgentCoreMemoryMiddleware(memory, on_missing_identity="default")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tag"):
        AgentCoreMemoryMiddleware(memory, tag="user context>")
    with pytest.raises(ValueError, match="recall_timeout"):
        AgentCoreMemoryMiddleware(memory, recall_timeout=0)


@INPROCESS
def test_tag_and_formatter_are_configurable(stack: Stack) -> None:
    teach_alice(stack, "sync")
    memory = stack.memory()
    agent, chat = stack.agent(
        memory,
        tag="memories",
        formatter=lambda records: "\n".join(f"* {r.text} ({r.namespace})" for r in records),
    )
    agent.invoke({"messages": [HumanMessage("What should I cook?")]}, cfg(thread(), "alice"))
    prompt = chat.last_system_prompt
    assert "<memories>\n* " in prompt and "(/users/alice/" in prompt
    assert prompt.endswith("</memories>") and BLOCK not in prompt


# -- fail soft -----------------------------------------------------------------------------------


THROTTLED = {"error": "ThrottledException", "count": None}
FAILING = {"error": "ServiceException", "count": None}
SLOW = {"latency": 1.0}


@pytest.mark.parametrize(
    ("stack", "mode", "fault"),
    [
        ("inprocess", "sync", THROTTLED),
        ("inprocess", "async", THROTTLED),
        ("inprocess", "sync", FAILING),
        ("inprocess", "async", FAILING),
        ("inprocess", "sync", SLOW),
        # in-process, the twin's latency sleeps on the event loop's own thread, so no
        # asyncio timeout could fire: the async slow case runs over HTTP
        ("http", "async", SLOW),
    ],
    ids=[
        "throttled-sync",
        "throttled-async",
        "failing-sync",
        "failing-async",
        "slow-sync",
        "slow-async-http",
    ],
    indirect=["stack", "mode"],
)
def test_recall_faults_degrade_to_no_context_with_a_warning(
    stack: Stack, mode: str, fault: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    teach_alice(stack, mode)
    memory = stack.memory()
    agent, chat = stack.agent(memory, recall_timeout=0.3)
    if "latency" in fault:
        stack.twin.faults.add_latency(fault["latency"], operations="RetrieveMemoryRecords")
    else:
        stack.twin.faults.inject(
            fault["error"], operations="RetrieveMemoryRecords", count=fault["count"]
        )
    with caplog.at_level(logging.WARNING, logger="langgraph_agentcore"):
        out = turn(mode, agent, "What should I cook tonight?", cfg(thread(), "alice"), memory)
    stack.twin.faults.clear()
    assert out["messages"][-1].content  # the turn completed ...
    assert chat.last_system_prompt == SYSTEM  # ... without context
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("recall failed" in r.getMessage() for r in warnings)


@INPROCESS
def test_a_failed_capture_goes_to_the_outbox_and_is_delivered_once(stack: Stack, mode: str) -> None:
    memory = stack.memory()
    agent, _ = stack.agent(memory)
    tid = thread()
    config = cfg(tid, "alice")
    stack.twin.faults.inject("ServiceException", operations="CreateEvent", count=None)
    stack.ddb.reset()
    turn(mode, agent, "I live in Lisbon", config, memory)  # flush fails to deliver, keeps it
    assert memory.pending_captures() == 1
    assert "PutItem" in stack.outbox.ops  # durably queued in the table
    assert stack.events("alice", tid) == []
    stack.twin.faults.clear()

    out = turn(mode, agent, "What's the weather?", config, memory)  # delivers both
    assert memory.pending_captures() == 0
    assert stack.events("alice", tid) == expected(out["messages"])
    settle(mode, memory)  # a second flush delivers nothing twice
    assert stack.events("alice", tid) == expected(out["messages"])


@INPROCESS
def test_recall_and_capture_can_be_switched_off(stack: Stack) -> None:
    teach_alice(stack, "sync")
    memory = stack.memory()
    agent, chat = stack.agent(memory, recall=False)
    tid = thread()
    stack.ac.reset()
    agent.invoke({"messages": [HumanMessage("What should I cook?")]}, cfg(tid, "alice"))
    memory.flush()
    assert stack.ops("RetrieveMemoryRecords") == 0 and stack.ops("CreateEvent") == 1
    assert chat.last_system_prompt == SYSTEM

    agent, chat = stack.agent(memory, capture=False)
    stack.ac.reset()
    agent.invoke({"messages": [HumanMessage("What should I cook?")]}, cfg(thread(), "alice"))
    memory.flush()
    assert stack.ops("CreateEvent") == 0 and "vegetarian" in block_of(chat.last_system_prompt)


def test_the_base_package_imports_without_langchain() -> None:
    """``langchain`` is an extra: the package, the nodes and the offline models import
    without it; the middleware says which extra to install."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['langchain'] = None\n"
        "import langgraph_agentcore, langgraph_agentcore.nodes, langgraph_agentcore.offline\n"
        "try:\n"
        "    langgraph_agentcore.AgentCoreMemoryMiddleware\n"
        "except ImportError as exc:\n"
        "    print('ImportError:', exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "langgraph-agentcore[langchain]" in proc.stdout


@INPROCESS
def test_capture_stays_exactly_once_when_summarization_rewrites_the_history(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    """SummarizationMiddleware replaces old messages (the last captured one among them)
    with a summary: capture falls back to the turn's own messages, never re-sends old
    ones and never captures the summary."""
    from langchain.agents.middleware import SummarizationMiddleware

    from langgraph_agentcore.offline import OfflineChatModel

    memory = stack.memory()
    chat = model()
    agent = create_agent(
        chat,
        TOOLS,
        system_prompt=SYSTEM,
        middleware=[
            AgentCoreMemoryMiddleware(memory),
            SummarizationMiddleware(
                OfflineChatModel(), trigger=("messages", 5), keep=("messages", 1)
            ),
        ],
        checkpointer=stack.saver(),
    )
    tid = thread()
    config = cfg(tid, "alice")
    want: list[tuple[str, str]] = []
    for i in range(5):
        text = f"Message number {i}."
        out = turn("sync", agent, text, config, memory)
        want += [("USER", text), ("ASSISTANT", message_text(out["messages"][-1]))]
    messages = agent.get_state(config).values["messages"]
    assert len(messages) < 10  # the history was rewritten
    assert stack.events("alice", tid) == want


@INPROCESS
def test_actor_ids_that_need_encoding_stay_apart(stack: Stack) -> None:
    """Ids with '@', '.', '/', spaces and unicode reach AgentCore encoded, without collisions:
    each user's turn is captured under, and recalls from, that user only."""
    users = ["ana maría@example.com", "ana.maría/example.com", "ana_mar_a_example_com"]
    memory = stack.memory()
    statements = {
        users[0]: "I live in Lisbon",
        users[1]: "I live in Porto",
        users[2]: "I live in Braga",
    }
    for user, text in statements.items():
        agent, _ = stack.agent(memory)
        turn("sync", agent, text, cfg(thread(), user), memory)
    assert stack.twin.run_extractions() >= 3
    for user, text in statements.items():
        agent, chat = stack.agent(memory)
        turn("sync", agent, "Where do I live?", cfg(thread(), user), memory)
        block = block_of(chat.last_system_prompt)
        city = text.rsplit(" ", 1)[1]
        assert city in block
        assert [c for c in ("Lisbon", "Porto", "Braga") if c in block] == [city]


@INPROCESS
@pytest.mark.parametrize("sub_checkpointer", [None, True], ids=["stateless", "stateful"])
def test_agent_as_a_streamed_subgraph_captures_each_message_once(
    stack: Stack, sub_checkpointer: bool | None
) -> None:
    """create_agent as a node of a parent graph, streamed with subgraphs=True. A stateless
    subgraph forgets its private fields between runs, so a capture there starts at the
    turn's user message; a stateful one (checkpointer=True) keeps them."""
    from langgraph.graph import START, MessagesState, StateGraph

    memory = stack.memory()
    chat = model()
    agent = create_agent(
        chat,
        TOOLS,
        system_prompt=SYSTEM,
        middleware=[AgentCoreMemoryMiddleware(memory)],
        checkpointer=sub_checkpointer,
    )
    builder = StateGraph(MessagesState)
    builder.add_node("assistant", agent)
    builder.add_edge(START, "assistant")
    graph = builder.compile(checkpointer=stack.saver())
    tid = thread()
    config = cfg(tid, "alice")
    stack.ac.reset()
    for text in ("Hello", "What's the weather?", "Thanks"):
        chunks = list(
            graph.stream(
                {"messages": [HumanMessage(text)]}, config, stream_mode="updates", subgraphs=True
            )
        )
        assert any(ns for ns, _ in chunks)  # the agent's own steps were streamed
        memory.flush()
    assert stack.ops("RetrieveMemoryRecords") == 3 * len(RETRIEVAL)
    messages = graph.get_state(config).values["messages"]
    assert len(messages) == 2 + 4 + 2
    assert stack.events("alice", tid) == expected(messages)


@INPROCESS
def test_human_in_the_loop_approval_is_one_turn_captured_once(stack: Stack, mode: str) -> None:
    """HumanInTheLoopMiddleware interrupts after the model (not in a tool): the resume
    neither recalls again nor captures anything twice."""
    from langchain.agents.middleware import HumanInTheLoopMiddleware

    teach_alice(stack, mode)
    memory = stack.memory()
    chat = model()
    agent = create_agent(
        chat,
        TOOLS,
        system_prompt=SYSTEM,
        middleware=[
            AgentCoreMemoryMiddleware(memory),
            HumanInTheLoopMiddleware(interrupt_on={"get_weather": True}),
        ],
        checkpointer=stack.saver(),
    )
    tid = thread()
    config = cfg(tid, "alice")
    stack.ac.reset()
    out = turn(mode, agent, "What's the weather?", config, memory)
    assert out["__interrupt__"] and stack.ops("CreateEvent") == 0
    out = resume(mode, agent, {"decisions": [{"type": "approve"}]}, config, memory)
    assert "sunny" in out["messages"][-1].content
    assert stack.ops("RetrieveMemoryRecords") == len(RETRIEVAL)
    assert stack.ops("CreateEvent") == 1
    assert "vegetarian" in block_of(chat.last_system_prompt)
    assert stack.events("alice", tid) == expected(agent.get_state(config).values["messages"])
