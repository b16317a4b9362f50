"""``langgraph-agentcore threads``: list, show, history and delete against moto."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator
from typing import Annotated, Any, TypedDict

import boto3
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.types import interrupt
from moto import mock_aws

from langgraph_agentcore import cli
from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.threads import to_jsonable
from tests.conftest import REGION, unique_table


def chat_graph(saver: DynamoDBSaver) -> Any:
    def reply(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(f"echo: {state['messages'][-1].content}")]}

    g = StateGraph(MessagesState)
    g.add_node("reply", reply)
    g.add_edge(START, "reply")
    return g.compile(checkpointer=saver)


class Outer(TypedDict):
    log: Annotated[list[str], operator.add]


def approval_graph(saver: DynamoDBSaver) -> Any:
    """A subgraph that interrupts: checkpoints in two namespaces and a pending interrupt."""

    def ask(state: Outer) -> dict[str, list[str]]:
        return {"log": [f"approved={interrupt('approve?')}"]}

    sub = StateGraph(Outer)
    sub.add_node("ask", ask)
    sub.add_edge(START, "ask")
    g = StateGraph(Outer)
    g.add_node("child", sub.compile())
    g.add_edge(START, "child")
    return g.compile(checkpointer=saver)


def cfg(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


class Env:
    def __init__(self) -> None:
        self.table = unique_table()
        self.client = boto3.client("dynamodb", region_name=REGION)
        self.saver = DynamoDBSaver(self.table, "ops-bot", client=self.client)
        self.saver.setup()
        chat = chat_graph(self.saver)
        for text in ("hello", "bye"):
            chat.invoke({"messages": [HumanMessage(text)]}, cfg("chat-1"), durability="sync")
        approval_graph(self.saver).invoke({"log": []}, cfg("needs-approval"), durability="sync")
        other = DynamoDBSaver(self.table, "other-bot", client=self.client)
        chat_graph(other).invoke(
            {"messages": [HumanMessage("private")]}, cfg("other-thread"), durability="sync"
        )

    def args(self, command: str, *rest: str, agent: str = "ops-bot") -> list[str]:
        return ["threads", command, *rest, "--table", self.table, "--agent-id", agent]


@pytest.fixture
def env() -> Iterator[Env]:
    with mock_aws():
        yield Env()


def test_list_shows_the_agents_threads_only(env: Env, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(env.args("list")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["chat-1", "needs-approval"]  # key order
    chat_checkpoints = len(list(env.saver.list(cfg("chat-1"))))
    assert f"{chat_checkpoints} checkpoints" in lines[0] and "1 ns" in lines[0]
    assert "2 ns" in lines[1]  # the subgraph's namespace is counted

    assert cli.main([*env.args("list"), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["thread_id"]: r["checkpoints"] for r in rows}["chat-1"] == chat_checkpoints
    assert all(r["updated_at"].endswith("Z") for r in rows)

    assert cli.main(env.args("list", agent="nobody")) == 0
    assert "no threads for agent 'nobody'" in capsys.readouterr().out


def test_show_prints_the_latest_state_as_json(env: Env, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(env.args("show", "chat-1")) == 0
    doc = json.loads(capsys.readouterr().out)
    state = chat_graph(env.saver).get_state(cfg("chat-1"))
    assert doc["checkpoint_id"] == state.config["configurable"]["checkpoint_id"]
    assert [m["content"] for m in doc["values"]["messages"]] == [
        "hello",
        "echo: hello",
        "bye",
        "echo: bye",
    ]
    assert doc["values"]["messages"][1]["type"] == "ai"
    assert doc["metadata"]["step"] == state.metadata["step"]
    assert doc["parent_checkpoint_id"] == state.parent_config["configurable"]["checkpoint_id"]
    assert doc["pending_writes"] == []

    assert cli.main(env.args("show", "needs-approval")) == 0
    doc = json.loads(capsys.readouterr().out)
    interrupts = [w for w in doc["pending_writes"] if w["channel"] == "__interrupt__"]
    assert interrupts and interrupts[0]["value"][0]["value"] == "approve?"

    first = list(env.saver.list(cfg("chat-1")))[-1]
    first_id = first.config["configurable"]["checkpoint_id"]
    assert cli.main(env.args("show", "chat-1", "--checkpoint-id", first_id)) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["checkpoint_id"] == first_id and doc["parent_checkpoint_id"] is None


def test_history_lists_checkpoints_newest_first(env: Env, capsys: pytest.CaptureFixture) -> None:
    history = list(chat_graph(env.saver).get_state_history(cfg("chat-1")))
    assert cli.main(env.args("history", "chat-1")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        s.config["configurable"]["checkpoint_id"] for s in history
    ]
    assert "source=loop" in lines[0] and "step=-1" in lines[-1].replace(" ", "")

    assert cli.main([*env.args("history", "chat-1"), "--limit", "2", "--json"]) == 0
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["checkpoint_id"] for d in docs] == [
        s.config["configurable"]["checkpoint_id"] for s in history[:2]
    ]

    assert cli.main(env.args("history", "needs-approval")) == 0
    every_ns = capsys.readouterr().out.splitlines()
    assert any("ns=child:" in line for line in every_ns)
    assert cli.main([*env.args("history", "needs-approval"), "--ns", ""]) == 0
    root = capsys.readouterr().out.splitlines()
    assert root and not any("ns=" in line for line in root) and len(root) < len(every_ns)
    assert any("pending=" in line for line in root)


def test_delete_asks_first_and_removes_every_item(
    env: Env, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli.main(env.args("delete", "needs-approval")) == 2
    assert "refusing to delete without --yes" in capsys.readouterr().err
    assert env.saver.get_tuple(cfg("needs-approval")) is not None

    assert cli.main([*env.args("delete", "needs-approval"), "--yes"]) == 0
    assert "deleted thread 'needs-approval'" in capsys.readouterr().out
    assert list(env.saver.list(cfg("needs-approval"))) == []
    assert cli.main(env.args("list")) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["chat-1"]
    other = DynamoDBSaver(env.table, "other-bot", client=env.client)
    assert other.get_tuple(cfg("other-thread")) is not None  # another agent's thread stays

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli.main(env.args("delete", "chat-1")) == 1
    assert env.saver.get_tuple(cfg("chat-1")) is not None


def test_missing_threads_and_tables_are_clear_errors(
    env: Env, capsys: pytest.CaptureFixture
) -> None:
    for command in ("show", "history", "delete"):
        assert cli.main(env.args(command, "nope")) == 1
        assert "no thread 'nope' for agent 'ops-bot'" in capsys.readouterr().err
    assert cli.main(["threads", "list", "--table", "missing", "--agent-id", "a"]) == 1
    assert "'missing' not found" in capsys.readouterr().err


def test_to_jsonable_renders_what_checkpoints_hold() -> None:
    assert to_jsonable({"b": b"\x00\x01", "s": {2, 1}, "t": (1, "x")}) == {
        "b": {"base64": "AAE="},
        "s": [1, 2],
        "t": [1, "x"],
    }
    assert to_jsonable(HumanMessage("hi"))["content"] == "hi"
    assert to_jsonable(object()).startswith("<object object")
