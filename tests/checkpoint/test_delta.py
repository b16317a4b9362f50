"""DeltaChannel support: history in one Query scan, and prune that keeps what it needs."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

import pytest
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, StateGraph


def extend(state: list[str], writes: list[Any]) -> list[str]:
    out = list(state)
    for w in writes:
        out.extend(w if isinstance(w, list) else [w])
    return out


class State(TypedDict):
    items: Annotated[list[str], DeltaChannel(extend, snapshot_frequency=3)]
    last: str


def build(saver: Any) -> Any:
    def step(state: State) -> dict[str, Any]:
        n = len(state.get("items") or [])
        return {"items": [f"x{n}"], "last": f"x{n}"}

    g = StateGraph(State)
    g.add_node("step", step)
    g.add_edge(START, "step")
    return g.compile(checkpointer=saver)


@pytest.fixture
def transport() -> str:
    return "inprocess"


def run_turns(graph: Any, config: dict[str, Any], turns: int) -> None:
    for i in range(turns):
        graph.invoke({"items": [f"in{i}"]}, config)


def test_delta_state_matches_in_memory_saver_and_history_is_one_scan(
    make_saver: Any, counter: Any
) -> None:
    saver = make_saver()
    config = {"configurable": {"thread_id": "delta"}}
    run_turns(build(saver), config, 7)
    reference = build(InMemorySaver())
    run_turns(reference, config, 7)
    expected = reference.get_state(config).values
    assert build(make_saver()).get_state(config).values == expected

    latest = saver.get_tuple(config)
    assert latest is not None
    counter.reset()
    ours = saver.get_delta_channel_history(config=latest.config, channels=["items", "last"])
    our_requests = counter.total
    counter.reset()
    base = BaseCheckpointSaver.get_delta_channel_history(
        saver, config=latest.config, channels=["items", "last"]
    )
    assert ours == base
    assert our_requests == 1 < counter.total
    assert saver.get_delta_channel_history(config=config, channels=[]) == {}


async def test_async_delta_history_matches(make_saver: Any) -> None:
    saver = make_saver()
    config = {"configurable": {"thread_id": "delta-async"}}
    graph = build(saver)
    for i in range(5):
        await graph.ainvoke({"items": [f"in{i}"]}, config)
    latest = await saver.aget_tuple(config)
    assert latest is not None
    ours = await saver.aget_delta_channel_history(config=latest.config, channels=["items"])
    base = await BaseCheckpointSaver.aget_delta_channel_history(
        saver, config=latest.config, channels=["items"]
    )
    assert ours == base
    await saver.aclose()


def test_prune_keep_latest_keeps_the_delta_chain(make_saver: Any) -> None:
    saver = make_saver()
    config = {"configurable": {"thread_id": "delta"}}
    graph = build(saver)
    run_turns(graph, config, 7)
    before = graph.get_state(config).values
    total = len(list(saver.list(config)))
    saver.prune(["delta"])
    kept = len(list(saver.list(config)))
    assert 1 < kept < total  # the chain back to the last snapshot survives, no more
    assert build(make_saver()).get_state(config).values == before
    graph.invoke({"items": ["after"]}, config)
    assert graph.get_state(config).values["items"][-2:] == ["after", "x15"]


def test_prune_without_delta_channels_keeps_one(make_saver: Any) -> None:
    from langgraph.graph import MessagesState

    saver = make_saver()
    g = StateGraph(MessagesState)
    g.add_node("n", lambda s: {"messages": [("ai", "ok")]})
    g.add_edge(START, "n")
    graph = g.compile(checkpointer=saver)
    config = {"configurable": {"thread_id": "plain"}}
    for _ in range(3):
        graph.invoke({"messages": [("user", "hi")]}, config)
    saver.prune(["plain"])
    assert len(list(saver.list(config))) == 1
    assert len(graph.get_state(config).values["messages"]) == 6
