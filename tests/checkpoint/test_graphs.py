"""Compiled LangGraph graphs end to end on DynamoDBSaver, through the sync and async APIs.

Every case runs once with ``invoke``/``get_state``/... and once with ``ainvoke``/
``aget_state``/... (the ``driver`` parameter). Where it helps, the same scenario is run on
LangGraph's ``InMemorySaver`` and must give the same values and history length.
"""

from __future__ import annotations

import operator
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Command, StateSnapshot, interrupt

from langgraph_agentcore.checkpoint import DynamoDBSaver

Graph = Any  # a CompiledStateGraph

#: The heaviest cases run on moto in-process only (the loopback server is much slower);
#: the lighter ones below also run over HTTP through the session's moto server.
inprocess_only = pytest.mark.parametrize("transport", ["inprocess"])


class Driver:
    """Drives a compiled graph through either its sync or its async API."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    async def invoke(self, graph: Graph, inp: Any, config: dict[str, Any]) -> Any:
        if self.mode == "sync":
            return graph.invoke(inp, config)
        return await graph.ainvoke(inp, config)

    async def stream(self, graph: Graph, inp: Any, config: dict[str, Any], **kw: Any) -> list:
        if self.mode == "sync":
            return list(graph.stream(inp, config, **kw))
        return [chunk async for chunk in graph.astream(inp, config, **kw)]

    async def state(
        self, graph: Graph, config: dict[str, Any], *, subgraphs: bool = False
    ) -> StateSnapshot:
        if self.mode == "sync":
            return graph.get_state(config, subgraphs=subgraphs)
        return await graph.aget_state(config, subgraphs=subgraphs)

    async def history(self, graph: Graph, config: dict[str, Any]) -> list[StateSnapshot]:
        if self.mode == "sync":
            return list(graph.get_state_history(config))
        return [s async for s in graph.aget_state_history(config)]

    async def update(
        self, graph: Graph, config: dict[str, Any], values: Any, as_node: str | None = None
    ) -> dict[str, Any]:
        if self.mode == "sync":
            return graph.update_state(config, values, as_node=as_node)
        return await graph.aupdate_state(config, values, as_node=as_node)


@pytest.fixture(params=["sync", "async"])
def driver(request: pytest.FixtureRequest) -> Driver:
    return Driver(str(request.param))


@pytest.fixture
async def new_saver(make_saver: Callable[..., DynamoDBSaver]) -> AsyncIterator[Any]:
    """``make_saver`` that also closes every saver's clients at the end of the test."""
    made: list[DynamoDBSaver] = []

    def build(**kw: Any) -> DynamoDBSaver:
        saver = make_saver(**kw)
        made.append(saver)
        return saver

    yield build
    for saver in made:
        await saver.aclose()
        saver.close()


def cfg(thread_id: str, **extra: Any) -> dict[str, Any]:
    """A RunnableConfig for ``thread_id``."""
    return {"configurable": {"thread_id": thread_id, **extra}}


def cid(config: dict[str, Any]) -> str:
    """The checkpoint id of a config."""
    return str(config["configurable"]["checkpoint_id"])


Scenario = Callable[[Callable[[], BaseCheckpointSaver], Driver], Awaitable[Any]]


async def same_as_in_memory(
    scenario: Scenario, new_saver: Callable[[], DynamoDBSaver], driver: Driver
) -> Any:
    """Run ``scenario`` on DynamoDB and on InMemorySaver; their summaries must be equal."""
    memory = InMemorySaver()
    expected = await scenario(lambda: memory, driver)
    got = await scenario(new_saver, driver)
    assert got == expected
    return got


# -- multi-turn chat ---------------------------------------------------------------------


def chat_graph(checkpointer: BaseCheckpointSaver) -> Graph:
    """A one-node chat bot whose reply depends on the whole history."""

    def bot(state: MessagesState) -> dict[str, list[AnyMessage]]:
        humans = [m.content for m in state["messages"] if isinstance(m, HumanMessage)]
        return {"messages": [AIMessage(content=f"reply {len(humans)}: {' | '.join(humans)}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("bot", bot)
    builder.add_edge(START, "bot")
    builder.add_edge("bot", END)
    return builder.compile(checkpointer=checkpointer)


def contents(values: dict[str, Any]) -> list[str]:
    return [str(m.content) for m in values["messages"]]


async def chat_scenario(new: Callable[[], BaseCheckpointSaver], driver: Driver) -> Any:
    """Two turns, then a new runtime session (fresh saver and graph) takes a third."""
    config = cfg("chat-1")
    graph = chat_graph(new())
    out1 = await driver.invoke(graph, {"messages": [HumanMessage("hi")]}, config)
    assert contents(out1) == ["hi", "reply 1: hi"]
    chunks = await driver.stream(
        graph, {"messages": [HumanMessage("how are you")]}, config, stream_mode="values"
    )
    assert contents(chunks[-1])[-1] == "reply 2: hi | how are you"
    ids = [m.id for m in chunks[-1]["messages"]]

    session2 = chat_graph(new())
    resumed = await driver.state(session2, config)
    assert [m.id for m in resumed.values["messages"]] == ids  # ids survive a round trip
    assert resumed.next == ()
    out3 = await driver.invoke(session2, {"messages": [HumanMessage("bye")]}, config)
    history = await driver.history(session2, config)
    assert [s.metadata["step"] for s in history] == sorted(
        (s.metadata["step"] for s in history), reverse=True
    )
    assert history[0].values == out3
    return contents(out3), len(history), [s.next for s in history]


@inprocess_only
async def test_chat_history_survives_new_session(new_saver: Any, driver: Driver) -> None:
    got = await same_as_in_memory(chat_scenario, new_saver, driver)
    assert got[0] == [
        "hi",
        "reply 1: hi",
        "how are you",
        "reply 2: hi | how are you",
        "bye",
        "reply 3: hi | how are you | bye",
    ]
    assert got[1] == 9  # 3 turns x (input, after input, after bot)


async def test_one_saver_serves_sync_and_async(new_saver: Any) -> None:
    saver = new_saver()
    graph = chat_graph(saver)
    config = cfg("mixed")
    graph.invoke({"messages": [HumanMessage("sync turn")]}, config)
    out = await graph.ainvoke({"messages": [HumanMessage("async turn")]}, config)
    assert contents(out)[-1] == "reply 2: sync turn | async turn"
    sync_state, async_state = graph.get_state(config), await graph.aget_state(config)
    assert sync_state.values == async_state.values == out
    assert sync_state.config == async_state.config
    sync_hist = [s.config for s in graph.get_state_history(config)]
    async_hist = [s.config async for s in graph.aget_state_history(config)]
    assert sync_hist == async_hist and len(sync_hist) == 6
    limited = [s.config async for s in graph.aget_state_history(config, limit=2)]
    assert limited == sync_hist[:2]


# -- parallel branches --------------------------------------------------------------------


class FanState(TypedDict, total=False):
    results: Annotated[list[str], operator.add]


def fan_graph(checkpointer: BaseCheckpointSaver, calls: Counter[str], fail_b: bool) -> Graph:
    """START -> (a, b) -> join; ``b`` fails (after ``a`` finished) when ``fail_b``."""
    a_done = threading.Event()

    def a(state: FanState) -> FanState:
        calls["a"] += 1
        a_done.set()
        return {"results": ["a"]}

    def b(state: FanState) -> FanState:
        calls["b"] += 1
        if fail_b:
            a_done.wait(10)
            raise RuntimeError("branch b failed")
        return {"results": ["b"]}

    def join(state: FanState) -> FanState:
        calls["join"] += 1
        return {"results": ["join:" + "+".join(sorted(state["results"]))]}

    builder = StateGraph(FanState)
    builder.add_node("a", a)
    builder.add_node("b", b)
    builder.add_node("join", join)
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    builder.add_edge(["a", "b"], "join")
    builder.add_edge("join", END)
    return builder.compile(checkpointer=checkpointer)


async def fan_scenario(new: Callable[[], BaseCheckpointSaver], driver: Driver) -> Any:
    """Branch b fails once; a retry from a new saver resumes without re-running a."""
    calls: Counter[str] = Counter()
    config = cfg("fan")
    saver = new()
    with pytest.raises(RuntimeError, match="branch b failed"):
        await driver.invoke(fan_graph(saver, calls, fail_b=True), {"results": []}, config)
    assert calls == {"a": 1, "b": 1}
    failed = await driver.state(fan_graph(saver, calls, fail_b=True), config)
    assert failed.next == ("b",)
    tasks = {t.name: t for t in failed.tasks}
    assert tasks["a"].result == {"results": ["a"]} and tasks["a"].error is None
    assert "branch b failed" in str(tasks["b"].error)
    tup = saver.get_tuple(config)
    assert tup is not None
    assert ("results", ["a"]) in [(ch, v) for _, ch, v in tup.pending_writes]
    assert any(ch == "__error__" and "branch b failed" in v for _, ch, v in tup.pending_writes)

    retry = fan_graph(new(), calls, fail_b=False)
    out = await driver.invoke(retry, None, config)
    assert out == {"results": ["a", "b", "join:a+b"]}
    assert calls == {"a": 1, "b": 2, "join": 1}
    history = await driver.history(retry, config)
    return out, dict(calls), len(history), [s.next for s in history]


@inprocess_only
async def test_parallel_branches_keep_pending_writes(new_saver: Any, driver: Driver) -> None:
    got = await same_as_in_memory(fan_scenario, new_saver, driver)
    assert got[2] == 4  # input, fan-out step, join step, end


# -- interrupt and resume ------------------------------------------------------------------


class AskState(TypedDict, total=False):
    topic: str
    answer: str
    greeting: str


def ask_graph(checkpointer: BaseCheckpointSaver | None, calls: Counter[str]) -> Any:
    """START -> ask (interrupts for a name) -> greet."""

    def ask(state: AskState) -> AskState:
        calls["ask"] += 1
        answer = interrupt({"question": f"name for {state['topic']}?"})
        return {"answer": answer}

    def greet(state: AskState) -> AskState:
        calls["greet"] += 1
        return {"greeting": f"hello {state['answer']}"}

    builder = StateGraph(AskState)
    builder.add_node("ask", ask)
    builder.add_node("greet", greet)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", "greet")
    builder.add_edge("greet", END)
    return builder.compile(checkpointer=checkpointer)


async def test_interrupt_and_resume_in_new_session(new_saver: Any, driver: Driver) -> None:
    calls: Counter[str] = Counter()
    config = cfg("ask")
    out = await driver.invoke(ask_graph(new_saver(), calls), {"topic": "cat"}, config)
    assert [i.value for i in out["__interrupt__"]] == [{"question": "name for cat?"}]
    assert calls == {"ask": 1}

    graph = ask_graph(new_saver(), calls)  # a new runtime session
    paused = await driver.state(graph, config)
    assert paused.next == ("ask",)
    assert paused.values == {"topic": "cat"}
    assert [i.value for t in paused.tasks for i in t.interrupts] == [{"question": "name for cat?"}]
    done = await driver.invoke(graph, Command(resume="Tom"), config)
    assert done == {"topic": "cat", "answer": "Tom", "greeting": "hello Tom"}
    assert calls == {"ask": 2, "greet": 1}  # ask re-runs up to interrupt(), greet once
    final = await driver.state(graph, config)
    assert final.next == () and final.tasks == ()


# -- subgraphs ------------------------------------------------------------------------------


class ChildState(TypedDict, total=False):
    trail: Annotated[list[str], operator.add]
    answer: str


class NestState(ChildState, total=False):
    log: Annotated[list[str], operator.add]


def nested_graph(checkpointer: BaseCheckpointSaver, calls: Counter[str], ask: bool) -> Graph:
    """p1 -> child (compiled subgraph: c1 -> c2, c2 may interrupt) -> p2."""

    def node(name: str) -> Callable[[NestState], NestState]:
        def run(state: NestState) -> NestState:
            calls[name] += 1
            update: NestState = {"trail" if name[0] == "c" else "log": [name]}
            if name == "c2" and ask:
                update["answer"] = interrupt("child question")
            return update

        return run

    child = StateGraph(ChildState)
    child.add_node("c1", node("c1"))
    child.add_node("c2", node("c2"))
    child.add_edge(START, "c1")
    child.add_edge("c1", "c2")
    child.add_edge("c2", END)
    parent = StateGraph(NestState)
    parent.add_node("p1", node("p1"))
    parent.add_node("child", child.compile())
    parent.add_node("p2", node("p2"))
    parent.add_edge(START, "p1")
    parent.add_edge("p1", "child")
    parent.add_edge("child", "p2")
    parent.add_edge("p2", END)
    return parent.compile(checkpointer=checkpointer)


async def subgraph_scenario(new: Callable[[], BaseCheckpointSaver], driver: Driver) -> Any:
    """Run the nested graph to the end; root and child checkpoints stay apart."""
    calls: Counter[str] = Counter()
    config = cfg("nest")
    saver = new()
    graph = nested_graph(saver, calls, ask=False)
    chunks = await driver.stream(graph, {"log": []}, config, stream_mode="updates", subgraphs=True)
    namespaces = {ns[0].split(":")[0] if ns else "" for ns, _ in chunks}
    assert namespaces == {"", "child"}
    state = await driver.state(graph, config, subgraphs=True)
    assert state.values == {"log": ["p1", "p2"], "trail": ["c1", "c2"]}
    assert state.next == () and state.tasks == ()
    everything = list(saver.list(config))
    child_ns = {t.config["configurable"]["checkpoint_ns"] for t in everything} - {""}
    assert len(child_ns) == 1 and next(iter(child_ns)).startswith("child:")
    root = saver.get_tuple(config)
    assert root is not None and root.config["configurable"]["checkpoint_ns"] == ""
    assert cid(root.config) == cid(state.config)
    history = await driver.history(graph, config)
    assert all(s.config["configurable"]["checkpoint_ns"] == "" for s in history)
    roots = [t for t in everything if t.config["configurable"]["checkpoint_ns"] == ""]
    assert [cid(s.config) for s in history] == [cid(t.config) for t in roots]
    return state.values, len(history), len(everything) - len(roots), dict(calls)


@inprocess_only
async def test_subgraph_namespaces(new_saver: Any, driver: Driver) -> None:
    got = await same_as_in_memory(subgraph_scenario, new_saver, driver)
    assert got[3] == {"p1": 1, "c1": 1, "c2": 1, "p2": 1}


async def subgraph_interrupt_scenario(
    new: Callable[[], BaseCheckpointSaver], driver: Driver
) -> Any:
    """``c2`` inside the subgraph interrupts; a new session sees and resumes it."""
    calls: Counter[str] = Counter()
    config = cfg("nest-ask")
    saver = new()
    out = await driver.invoke(nested_graph(saver, calls, ask=True), {"log": []}, config)
    assert [i.value for i in out["__interrupt__"]] == ["child question"]

    graph = nested_graph(new(), calls, ask=True)
    state = await driver.state(graph, config, subgraphs=True)
    assert state.next == ("child",)
    (task,) = state.tasks
    child = task.state
    assert isinstance(child, StateSnapshot)
    child_ns = child.config["configurable"]["checkpoint_ns"]
    assert child_ns.startswith("child:")
    assert child.next == ("c2",)
    assert [i.value for t in child.tasks for i in t.interrupts] == ["child question"]
    # The child's checkpoint is newer than the root's, yet the root's latest stays root.
    root = saver.get_tuple(config)
    assert root is not None and root.config["configurable"]["checkpoint_ns"] == ""
    assert cid(root.config) == cid(state.config) < cid(child.config)
    newest_child = saver.get_tuple(cfg("nest-ask", checkpoint_ns=child_ns))
    assert newest_child is not None and cid(newest_child.config) == cid(child.config)

    done = await driver.invoke(graph, Command(resume="42"), config)
    assert done == {"log": ["p1", "p2"], "trail": ["c1", "c2"], "answer": "42"}
    assert calls == {"p1": 1, "c1": 1, "c2": 2, "p2": 1}
    history = await driver.history(graph, config)
    return state.values, child.values, len(history)


@inprocess_only
async def test_interrupt_inside_subgraph(new_saver: Any, driver: Driver) -> None:
    parent, child, _ = await same_as_in_memory(subgraph_interrupt_scenario, new_saver, driver)
    assert parent["log"] == ["p1"] and child["trail"] == ["c1"]


# -- history, update_state, time travel -------------------------------------------------------


class LineState(TypedDict, total=False):
    value: int
    log: Annotated[list[str], operator.add]


def line_graph(checkpointer: BaseCheckpointSaver, calls: Counter[str], **compile_kw: Any) -> Graph:
    """START -> double -> inc -> square, each logging itself."""
    steps: dict[str, Callable[[int], int]] = {
        "double": lambda v: v * 2,
        "inc": lambda v: v + 1,
        "square": lambda v: v * v,
    }
    builder = StateGraph(LineState)
    for name, fn in steps.items():

        def run(state: LineState, name: str = name, fn: Callable[[int], int] = fn) -> LineState:
            calls[name] += 1
            return {"value": fn(state["value"]), "log": [name]}

        builder.add_node(name, run)
    builder.add_edge(START, "double")
    builder.add_edge("double", "inc")
    builder.add_edge("inc", "square")
    builder.add_edge("square", END)
    return builder.compile(checkpointer=checkpointer, **compile_kw)


async def test_history_order_and_length(new_saver: Any, driver: Driver) -> None:
    calls: Counter[str] = Counter()
    config = cfg("line")
    graph = line_graph(new_saver(), calls)
    assert await driver.history(graph, config) == []
    out = await driver.invoke(graph, {"value": 3, "log": []}, config)
    assert out == {"value": 49, "log": ["double", "inc", "square"]}
    history = await driver.history(graph, config)
    assert [s.metadata["step"] for s in history] == [3, 2, 1, 0, -1]
    assert [s.next for s in history] == [(), ("square",), ("inc",), ("double",), ("__start__",)]
    assert [s.values.get("value") for s in history] == [49, 7, 6, 3, None]
    assert [s.metadata["source"] for s in history] == ["loop"] * 4 + ["input"]
    for newer, older in zip(history, history[1:], strict=False):
        assert newer.parent_config is not None
        assert cid(newer.parent_config) == cid(older.config) < cid(newer.config)
    assert history[-1].parent_config is None


async def update_scenario(new: Callable[[], BaseCheckpointSaver], driver: Driver) -> Any:
    """Stop before ``inc``, change the value with update_state, then continue."""
    calls: Counter[str] = Counter()
    config = cfg("upd")
    graph = line_graph(new(), calls, interrupt_before=["inc"])
    await driver.invoke(graph, {"value": 3, "log": []}, config)
    paused = await driver.state(graph, config)
    assert paused.next == ("inc",) and paused.values["value"] == 6
    new_config = await driver.update(graph, config, {"value": 10, "log": ["edit"]})
    edited = await driver.state(graph, config)
    assert cid(edited.config) == cid(new_config)
    assert edited.parent_config is not None
    assert cid(edited.parent_config) == cid(paused.config)
    assert edited.metadata["source"] == "update" and edited.next == ("inc",)
    out = await driver.invoke(line_graph(new(), calls, interrupt_before=["inc"]), None, config)
    assert out == {"value": 121, "log": ["double", "edit", "inc", "square"]}
    history = await driver.history(graph, config)
    return out, dict(calls), [(s.metadata["source"], s.next) for s in history]


@inprocess_only
async def test_update_state_then_continue(new_saver: Any, driver: Driver) -> None:
    got = await same_as_in_memory(update_scenario, new_saver, driver)
    assert got[1] == {"double": 1, "inc": 1, "square": 1}


async def time_travel_scenario(new: Callable[[], BaseCheckpointSaver], driver: Driver) -> Any:
    """Replay from the checkpoint before ``inc``, then fork it with update_state."""
    calls: Counter[str] = Counter()
    config = cfg("travel")
    graph = line_graph(new(), calls)
    original = await driver.invoke(graph, {"value": 3, "log": []}, config)
    first = await driver.history(graph, config)
    (before_inc,) = [s for s in first if s.next == ("inc",)]

    replayed = await driver.invoke(graph, None, before_inc.config)
    assert replayed == original
    assert calls == {"double": 1, "inc": 2, "square": 2}  # only the steps after it re-run
    after_replay = await driver.history(graph, config)
    # Replay copies the chosen checkpoint (source "fork"), then runs inc and square.
    assert len(after_replay) == len(first) + 3
    copy = after_replay[2]
    assert copy.metadata["source"] == "fork" and copy.values == before_inc.values
    assert cid(copy.parent_config) == cid(before_inc.config)
    old_final = await driver.state(graph, first[0].config)
    assert old_final.values == original  # the original branch is still readable

    fork_config = await driver.update(graph, before_inc.config, {"value": 100})
    fork = await driver.state(graph, fork_config)
    assert fork.values["value"] == 100 and fork.next == ("inc",)
    assert cid(fork.parent_config) == cid(before_inc.config)
    forked = await driver.invoke(line_graph(new(), calls), None, fork_config)
    assert forked == {"value": 101 * 101, "log": ["double", "inc", "square"]}
    latest = await driver.state(graph, config)
    assert latest.values == forked
    history = await driver.history(graph, config)
    # Walk the newest branch back to the root: it passes through the fork, not the replay.
    by_id = {cid(s.config): s for s in history}
    chain = [history[0]]
    while chain[-1].parent_config is not None:
        chain.append(by_id[cid(chain[-1].parent_config)])
    chain_ids = [cid(s.config) for s in chain]
    assert cid(fork_config) in chain_ids and cid(before_inc.config) in chain_ids
    assert cid(after_replay[0].config) not in chain_ids
    return forked, dict(calls), len(history), [s.values.get("value") for s in history]


@inprocess_only
async def test_time_travel_replay_and_fork(new_saver: Any, driver: Driver) -> None:
    got = await same_as_in_memory(time_travel_scenario, new_saver, driver)
    assert got[1] == {"double": 1, "inc": 3, "square": 3}
    assert got[2] == 5 + 3 + 3  # original run, replay (copy + 2 steps), fork (update + 2)
