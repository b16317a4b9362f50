"""Streamed output does not wait on checkpoint I/O: the order of chunks equals InMemorySaver's.

Every scenario runs on LangGraph's ``InMemorySaver`` and on a ``DynamoDBSaver`` talking to
the session's moto server over loopback, with latency added to every DynamoDB request
(a botocore ``before-send`` hook that sleeps: ``time.sleep`` for boto3,
``asyncio.sleep`` for aiobotocore), through the sync and the async API, with
``durability="async"``. The streamed chunks must be the same, in the same order.

Orders are made deterministic by *gates* instead of timing: a node or task that must
finish after another waits (bounded, liveness only) until the consumer of the stream has
*received* the other's update. If a task's streamed output waited for a sibling's or a
subgraph's checkpoint I/O, the gated node would wait in vain, give up and say so
(``"...-late"``), and the chunk lists would differ.
"""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, TypedDict

import boto3
import pytest
from langchain_core.runnables import RunnableLambda
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.func import entrypoint, task
from langgraph.graph import END, START, StateGraph

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.inprocess import async_client_factory, is_async_client
from tests.conftest import REGION, RequestCounter, sync_client, unique_table

#: Added to every DynamoDB request: longer than any node, so I/O outlasts the tasks.
LATENCY = 0.03
#: How long a gated node waits for the update it depends on (liveness bound only).
GATE_TIMEOUT = 10.0


def _sleep_sync(**_: Any) -> None:
    time.sleep(LATENCY)


async def _sleep_async(**_: Any) -> None:
    await asyncio.sleep(LATENCY)


def slow(client: Any) -> Any:
    """Delay every request of ``client`` (boto3 or aiobotocore) by LATENCY."""
    hook = _sleep_async if is_async_client(client) else _sleep_sync
    client.meta.events.register("before-send", hook)
    return client


#: One boto3 session for every saver here: service models and endpoint rules load once.
_SESSION = boto3.session.Session(region_name=REGION)

NewSaver = Callable[[], Awaitable[DynamoDBSaver]]


@pytest.fixture
def slow_saver(moto_endpoint: str) -> Iterator[NewSaver]:
    """Savers (built as users build them) on a fresh table, every request delayed."""
    table = unique_table()
    DynamoDBSaver(table, "agent-1", dynamodb_client=sync_client(moto_endpoint)).setup()
    made: list[DynamoDBSaver] = []

    async def build() -> DynamoDBSaver:
        saver = DynamoDBSaver(
            table, "agent-1", session=_SESSION, endpoint_url=moto_endpoint, region_name=REGION
        )
        slow(saver.io.client)
        slow(await saver.io.aclient())
        made.append(saver)
        return saver

    yield build
    for saver in made:
        saver.close()


class Gates:
    """Events the stream consumer opens as it receives markers; nodes wait on them."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def _event(self, marker: str) -> threading.Event:
        with self._lock:
            return self._events.setdefault(marker, threading.Event())

    def open(self, marker: str) -> None:
        self._event(marker).set()

    def wait(self, marker: str) -> bool:
        return self._event(marker).wait(GATE_TIMEOUT)

    async def await_(self, marker: str) -> bool:
        return await asyncio.to_thread(self.wait, marker)


def _markers(mode: str, data: Any) -> list[str]:
    """The markers in an ``updates`` chunk: task return values or the ``log`` entries."""
    if mode != "updates" or not isinstance(data, dict):
        return []
    found: list[str] = []
    for value in data.values():
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            found += [m for m in value.get("log", []) if isinstance(m, str)]
    return found


def _normalize(chunk: Any) -> tuple[tuple[str, ...], str, Any]:
    """``(namespace without task ids, mode, data)`` of a ``subgraphs=True`` chunk."""
    ns, mode, data = chunk
    return tuple(part.split(":")[0] for part in ns), mode, data


async def collect(
    graph: Any, inp: Any, config: dict[str, Any], gates: Gates, driver: str, **kw: Any
) -> list[tuple[tuple[str, ...], str, Any]]:
    """Stream ``graph``, opening each marker's gate as soon as its chunk arrives."""
    kw = {"subgraphs": True, "durability": "async", **kw}
    got: list[tuple[tuple[str, ...], str, Any]] = []

    def receive(chunk: Any) -> None:
        item = _normalize(chunk)
        got.append(item)
        for marker in _markers(item[1], item[2]):
            gates.open(marker)

    if driver == "sync":
        for chunk in graph.stream(inp, config, **kw):
            receive(chunk)
    else:
        async for chunk in graph.astream(inp, config, **kw):
            receive(chunk)
    return got


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Build = Callable[[BaseCheckpointSaver, Gates], Any]


async def same_stream_as_in_memory(
    build: Build,
    new_saver: NewSaver,
    driver: str,
    inp: Any,
    **kw: Any,
) -> list[tuple[tuple[str, ...], str, Any]]:
    """Run ``build``'s graph on both savers; the streamed chunks must be equal."""
    gates = Gates()
    expected = await collect(build(InMemorySaver(), gates), inp, _cfg("t"), gates, driver, **kw)
    assert not any("late" in m for _, mode, data in expected for m in _markers(mode, data))
    gates = Gates()
    got = await collect(build(await new_saver(), gates), inp, _cfg("t"), gates, driver, **kw)
    assert got == expected
    return got


def _cfg(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


# -- graphs --------------------------------------------------------------------------------


class LogState(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def gated_node(gates: Gates, name: str, after: str | None) -> RunnableLambda:
    """A node logging ``name`` once the consumer has received ``after`` (sync and async)."""

    def run(state: LogState) -> LogState:
        ok = after is None or gates.wait(after)
        return {"log": [name if ok else f"{name}-late"]}

    async def arun(state: LogState) -> LogState:
        ok = after is None or await gates.await_(after)
        return {"log": [name if ok else f"{name}-late"]}

    return RunnableLambda(run, afunc=arun, name=name)


def fan_graph(checkpointer: BaseCheckpointSaver, gates: Gates) -> Any:
    """START -> (a, b, c) -> join; b finishes after a is streamed, c after b."""
    builder = StateGraph(LogState)
    builder.add_node("a", gated_node(gates, "a", None))
    builder.add_node("b", gated_node(gates, "b", "a"))
    builder.add_node("c", gated_node(gates, "c", "b"))
    builder.add_node("join", gated_node(gates, "join", None))
    for name in ("a", "b", "c"):
        builder.add_edge(START, name)
    builder.add_edge(["a", "b", "c"], "join")
    builder.add_edge("join", END)
    return builder.compile(checkpointer=checkpointer)


def sub_graph(checkpointer: BaseCheckpointSaver, gates: Gates) -> Any:
    """START -> (sub: c1 -> c2 -> c3, plain) -> join.

    ``plain`` finishes once the subgraph's ``c1`` is streamed and ``c2`` once ``plain``
    is: each side's streamed update must reach the consumer while the other side, with
    its checkpoint I/O, is still running.
    """
    child = StateGraph(LogState)
    child.add_node("c1", gated_node(gates, "c1", None))
    child.add_node("c2", gated_node(gates, "c2", "plain"))
    child.add_node("c3", gated_node(gates, "c3", None))
    child.add_edge(START, "c1")
    child.add_edge("c1", "c2")
    child.add_edge("c2", "c3")
    child.add_edge("c3", END)
    builder = StateGraph(LogState)
    builder.add_node("sub", child.compile())
    builder.add_node("plain", gated_node(gates, "plain", "c1"))
    builder.add_node("join", gated_node(gates, "join", None))
    builder.add_edge(START, "sub")
    builder.add_edge(START, "plain")
    builder.add_edge(["sub", "plain"], "join")
    builder.add_edge("join", END)
    return builder.compile(checkpointer=checkpointer)


def functional(driver: str) -> Build:
    """An entrypoint awaiting tasks one by one, then three at once (finishing in reverse)."""

    def build(checkpointer: BaseCheckpointSaver, gates: Gates) -> Any:
        if driver == "sync":

            @task
            def step(name: str) -> str:
                get_stream_writer()(f"{name}:start")
                return name

            @task
            def gated(name: str, after: str | None) -> str:
                return name if after is None or gates.wait(after) else f"{name}-late"

            @entrypoint(checkpointer=checkpointer)
            def main(topic: str) -> list[str]:
                first = step(f"{topic}-1").result()
                second = step(f"{topic}-2").result()
                # started p3, p2, p1; p1 finishes first, p2 after p1 is streamed, p3 last
                futures = [gated("p3", "p2"), gated("p2", "p1"), gated("p1", None)]
                return [first, second, *(f.result() for f in futures)]

            return main

        @task
        async def astep(name: str) -> str:
            get_stream_writer()(f"{name}:start")
            return name

        @task
        async def agated(name: str, after: str | None) -> str:
            return name if after is None or await gates.await_(after) else f"{name}-late"

        @entrypoint(checkpointer=checkpointer)
        async def amain(topic: str) -> list[str]:
            first = await astep(f"{topic}-1")
            second = await astep(f"{topic}-2")
            futures = [agated("p3", "p2"), agated("p2", "p1"), agated("p1", None)]
            return [first, second, *[await f for f in futures]]

        return amain

    return build


# -- tests ---------------------------------------------------------------------------------


async def test_parallel_branches_stream_as_they_finish(slow_saver: Any, driver: str) -> None:
    got = await same_stream_as_in_memory(
        fan_graph, slow_saver, driver, {"log": []}, stream_mode=["updates", "values"]
    )
    updates = [m for _, mode, data in got for m in _markers(mode, data)]
    assert updates == ["a", "b", "c", "join"]


@pytest.mark.parametrize("durability", ["async", "sync"])
async def test_subgraph_and_sibling_stream_while_the_other_runs(
    slow_saver: Any, driver: str, durability: str
) -> None:
    got = await same_stream_as_in_memory(
        sub_graph,
        slow_saver,
        driver,
        {"log": []},
        # updates only: a child's after-step "values" chunk races the gated sibling's update
        stream_mode=["updates"],
        durability=durability,
    )
    updates = [(ns, m) for ns, mode, data in got for m in _markers(mode, data)]
    assert updates == [
        (("sub",), "c1"),
        ((), "plain"),
        (("sub",), "c2"),
        (("sub",), "c3"),
        ((), "c1"),  # the parent's update from the finished subgraph node
        ((), "c2"),
        ((), "c3"),
        ((), "join"),
    ]


async def test_functional_tasks_stream_in_the_same_order(slow_saver: Any, driver: str) -> None:
    got = await same_stream_as_in_memory(
        functional(driver), slow_saver, driver, "t", stream_mode=["updates", "custom"]
    )
    custom = [data for _, mode, data in got if mode == "custom"]
    assert custom == ["t-1:start", "t-2:start"]
    updates = [m for _, mode, data in got for m in _markers(mode, data)]
    assert updates[:5] == ["t-1", "t-2", "p1", "p2", "p3"]


async def test_resumed_functional_run_streams_the_same(slow_saver: Any, driver: str) -> None:
    """A second run on the same thread (previous state loaded) streams as InMemorySaver's."""

    async def twice(checkpointer: BaseCheckpointSaver) -> list[Any]:
        chunks: list[Any] = []
        for topic in ("x", "y"):
            gates = Gates()
            graph = functional(driver)(checkpointer, gates)
            chunks.append(
                await collect(graph, topic, _cfg("again"), gates, driver, stream_mode=["updates"])
            )
        return chunks

    expected = await twice(InMemorySaver())
    assert await twice(await slow_saver()) == expected


# -- option names shared with the store (issue 9) -------------------------------------------


def test_store_option_names_and_their_aliases(moto_endpoint: str) -> None:
    counter = RequestCounter()
    client = counter.attach(sync_client(moto_endpoint))
    saver = DynamoDBSaver(unique_table(), "a", dynamodb_client=client)
    assert saver.io.client is client
    saver.setup()
    assert counter.ops == ["DescribeTable", "CreateTable", "DescribeTable"]
    aliased = DynamoDBSaver(saver.table_name, "a", client=client)
    assert aliased.io.client is client

    def factory() -> Any:
        raise AssertionError("not called until an async request")

    for name in ("async_dynamodb_client_factory", "async_client_factory"):
        built = DynamoDBSaver(saver.table_name, "a", **{name: factory})
        assert built.io.dynamodb.async_client_factory is factory

    with pytest.raises(TypeError, match="dynamodb_client= or its alias client="):
        DynamoDBSaver("t", "a", dynamodb_client=client, client=client)
    with pytest.raises(
        TypeError, match="async_dynamodb_client_factory= or its alias async_client_factory="
    ):
        DynamoDBSaver("t", "a", async_dynamodb_client_factory=factory, async_client_factory=factory)


async def test_async_factory_under_the_store_name_serves_requests(moto_endpoint: str) -> None:
    counter = RequestCounter()
    table = unique_table()
    factory = async_client_factory(
        "dynamodb", wire=counter.attach, region_name=REGION, endpoint_url=moto_endpoint
    )
    saver = DynamoDBSaver(table, "a", async_dynamodb_client_factory=factory)
    await saver.asetup()
    assert await saver.aget_tuple(_cfg("none")) is None
    assert counter.ops[-1] == "Query" and "CreateTable" in counter.ops
    await saver.aclose()
