"""No checkpoint goes missing from history on the local engine (issue 10, part 4).

The cause of the once-in-twenty missing input checkpoint was moto, not the saver: its
DynamoDB backend creates a new partition key's item dict with an unlocked
check-then-insert, so two concurrent first writes to a fresh partition can lose one item
(see :mod:`langgraph_agentcore.wsgi`). With ``durability="async"`` the saver's first
PutItem (the input checkpoint) and UpdateItem (the input writes) of a fresh table are
exactly such a pair. The loopback servers therefore handle one request at a time.

The fast tests widen moto's race window (a 2 ms pause between its check and its insert)
so that an unserialized server loses items nearly every time; the serialized one must
keep them all. The stress test (``pytest -m stress``) runs the demo's sync-then-async
flow (:func:`demo_flow`) 200 times against the tests' moto server, each time on a fresh
table like the demo's embedded engine, and checks the whole history every time.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph

from langgraph_agentcore.checkpoint import DynamoDBSaver
from tests.conftest import REGION, sync_client, unique_table

#: Steps and sources of a three-turn chat thread, newest first (three per turn).
EXPECTED = [(s, "input" if s in (-1, 2, 5) else "loop") for s in range(7, -2, -1)]


class _SlowInsertDict(defaultdict):  # type: ignore[type-arg]
    """moto's ``Table.items`` with its check-then-insert on a new key stretched to 2 ms."""

    def __missing__(self, key: Any) -> Any:
        value = self.default_factory()  # type: ignore[misc]
        time.sleep(0.002)
        self[key] = value
        return value


@pytest.fixture
def wide_race(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables created from now on widen moto's new-partition race window."""
    from moto.dynamodb.models.table import Table

    original = Table.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.items = _SlowInsertDict(dict)

    monkeypatch.setattr(Table, "__init__", init)


def _fresh_table(endpoint: str) -> str:
    table = unique_table()
    DynamoDBSaver(table, "agent", dynamodb_client=sync_client(endpoint)).setup()
    return table


@pytest.fixture(params=["tests", "local-stack"])
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """The tests' moto server, or the one ``LocalStack`` (``demo``, ``local``) runs."""
    if request.param == "tests":
        yield request.getfixturevalue("moto_endpoint")
        return
    from langgraph_agentcore.local import LOOPBACK, MotoDynamoDB

    server = MotoDynamoDB(LOOPBACK, 0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_concurrent_first_writes_to_new_partitions_are_all_kept(
    engine: str, wide_race: None
) -> None:
    table = _fresh_table(engine)
    client = sync_client(engine)
    partitions = [f"agent#{uuid.uuid4().hex[:8]}" for _ in range(6)]
    for pk in partitions:
        barrier = threading.Barrier(2)

        def put(pk: str = pk, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "checkpoint"}})

        def update(pk: str = pk, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            client.update_item(
                TableName=table,
                Key={"pk": {"S": pk}, "sk": {"S": "checkpoint#writes"}},
                UpdateExpression="SET w0 = :v",
                ExpressionAttributeValues={":v": {"S": "x"}},
            )

        threads = [threading.Thread(target=put), threading.Thread(target=update)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for pk in partitions:
        resp = client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )
        assert sorted(i["sk"]["S"] for i in resp["Items"]) == ["checkpoint", "checkpoint#writes"]


def _chat_graph(saver: DynamoDBSaver) -> Any:
    def chat(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(f"reply {len(state['messages'])}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("chat", chat)
    builder.add_edge(START, "chat")
    return builder.compile(checkpointer=saver)


def _history(endpoint: str, table: str, agent_id: str, thread_id: str) -> list[Any]:
    """The thread's root-namespace history from a fresh saver (as the demo prints it)."""
    with DynamoDBSaver(table, agent_id, endpoint_url=endpoint, region_name=REGION) as saver:
        return list(saver.list({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}))


def _check(history: list[Any]) -> None:
    steps = [(t.metadata["step"], t.metadata["source"]) for t in history]
    assert steps == EXPECTED
    for newer, older in zip(history, history[1:], strict=False):
        assert newer.parent_config == older.config
    assert history[-1].parent_config is None


def demo_flow(endpoint: str, table: str) -> list[Any]:
    """The demo's flow on ``table``; returns the thread's history from a fresh saver.

    As in ``langgraph-agentcore demo``: runtime session 1 takes two turns with sync
    ``graph.invoke`` (``durability="async"``, LangGraph's default) and closes its saver;
    session 2, a fresh saver and graph, takes a third turn with ``ainvoke`` in its own
    ``asyncio.run``; then a fresh saver reads the history.
    """
    config = {"configurable": {"thread_id": "t"}}
    with DynamoDBSaver(table, "demo-agent", endpoint_url=endpoint, region_name=REGION) as first:
        graph = _chat_graph(first)
        for text in ("Hi, I'm Ada.", "I live in Lisbon."):
            graph.invoke({"messages": [HumanMessage(text)]}, config)

    async def second_session() -> None:
        saver = DynamoDBSaver(table, "demo-agent", endpoint_url=endpoint, region_name=REGION)
        try:
            question = HumanMessage("Do you remember who I am?")
            await _chat_graph(saver).ainvoke({"messages": [question]}, config)
        finally:
            await saver.aclose()

    asyncio.run(second_session())
    return _history(endpoint, table, "demo-agent", "t")


def test_sync_then_async_flow_keeps_the_input_checkpoint(
    moto_endpoint: str, wide_race: None
) -> None:
    """On a fresh table (a new partition: the race is open) with moto's window widened."""
    _check(demo_flow(moto_endpoint, _fresh_table(moto_endpoint)))


@pytest.mark.stress
def test_demo_flow_200_times_keeps_the_whole_history(moto_endpoint: str) -> None:
    """The demo's sync-then-async flow 200 times, each on a fresh table as the demo's."""
    bad: list[tuple[int, list[tuple[int, str]]]] = []
    for run in range(200):
        history = demo_flow(moto_endpoint, _fresh_table(moto_endpoint))
        got = [(t.metadata["step"], t.metadata["source"]) for t in history]
        if got != EXPECTED:
            bad.append((run, got))
            continue
        _check(history)
    assert bad == []
