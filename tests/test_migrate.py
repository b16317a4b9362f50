"""Migration from langgraph-checkpoint-aws: the incumbent writes real threads to moto,
``migrate`` copies them, and our saver returns the same state, history and pending writes."""

from __future__ import annotations

import io
import operator
from collections.abc import Iterator
from typing import Annotated, Any, TypedDict

import boto3
import pytest
from langgraph.graph import START, StateGraph
from langgraph.types import Command, Send, interrupt
from langgraph_checkpoint_aws import DynamoDBSaver as IncumbentSaver
from moto import mock_aws

from langgraph_agentcore import cli
from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.migrate import (
    Migrator,
    PayloadRef,
    ProgressBar,
    SourceWrite,
    convert_versions,
    source_writes_pk,
    task_writes,
)
from tests.conftest import REGION, RequestCounter, unique_table

BIG = 420_000  # above the incumbent's 350 KB S3 threshold and our 380 KB item budget


def create_incumbent_table(client: Any, name: str) -> None:
    """The table the incumbent's docs ask for: PK/SK strings, on demand."""
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


# -- graphs the incumbent runs -----------------------------------------------------------------


class Chat(TypedDict):
    messages: Annotated[list[str], operator.add]


def chat_graph(saver: Any) -> Any:
    def reply(state: Chat) -> dict[str, list[str]]:
        return {"messages": [f"echo: {state['messages'][-1]}"]}

    g = StateGraph(Chat)
    g.add_node("reply", reply)
    g.add_edge(START, "reply")
    return g.compile(checkpointer=saver)


class Outer(TypedDict):
    log: Annotated[list[str], operator.add]


def subgraph_graph(saver: Any) -> Any:
    """A parent whose middle node is a subgraph that interrupts (checkpoints in a child ns)."""

    def sub_prepare(state: Outer) -> dict[str, list[str]]:
        return {"log": ["sub prepared"]}

    def sub_ask(state: Outer) -> dict[str, list[str]]:
        answer = interrupt({"question": "approve?"})
        return {"log": [f"sub got {answer}"]}

    sub = StateGraph(Outer)
    sub.add_node("sub_prepare", sub_prepare)
    sub.add_node("sub_ask", sub_ask)
    sub.add_edge(START, "sub_prepare")
    sub.add_edge("sub_prepare", "sub_ask")

    def prep(state: Outer) -> dict[str, list[str]]:
        return {"log": ["prep"]}

    def done(state: Outer) -> dict[str, list[str]]:
        return {"log": ["done"]}

    g = StateGraph(Outer)
    g.add_node("prep", prep)
    g.add_node("child", sub.compile())
    g.add_node("done", done)
    g.add_edge(START, "prep")
    g.add_edge("prep", "child")
    g.add_edge("child", "done")
    return g.compile(checkpointer=saver)


class Fan(TypedDict):
    items: list[str]
    results: Annotated[list[str], operator.add]


def fanout_graph(saver: Any) -> Any:
    """Parallel workers (Send); one interrupts, so the others' writes stay pending."""

    def route(state: Fan) -> list[Send]:
        return [Send("work", {"items": [item], "results": []}) for item in state["items"]]

    def work(state: Fan) -> dict[str, list[str]]:
        item = state["items"][0]
        if item == "ask":
            item = f"ask={interrupt('which?')}"
        return {"results": [item.upper()]}

    g = StateGraph(Fan)
    g.add_node("work", work)
    g.add_conditional_edges(START, route, ["work"])
    return g.compile(checkpointer=saver)


class Blob(TypedDict):
    blob: str
    note: Annotated[list[str], operator.add]


def blob_graph(saver: Any) -> Any:
    """A large value in the state and in a write: the incumbent offloads both to S3."""

    def grow(state: Blob) -> dict[str, Any]:
        return {"blob": "x" * BIG, "note": ["grown"]}

    g = StateGraph(Blob)
    g.add_node("grow", grow)
    g.add_edge(START, "grow")
    return g.compile(checkpointer=saver)


def cfg(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


def write_threads(saver: Any) -> None:
    """The incumbent's threads: a chat, a subgraph interrupt, a fan-out interrupt.

    ``durability="sync"`` everywhere: in-process moto can lose concurrent first writes
    to a new partition key (see langgraph_agentcore/wsgi.py).
    """
    chat = chat_graph(saver)
    for turn in ("hello", "how are you", "bye"):
        chat.invoke({"messages": [turn]}, cfg("chat"), durability="sync")
    subgraph_graph(saver).invoke({"log": []}, cfg("sub"), durability="sync")
    fanout_graph(saver).invoke(
        {"items": ["a", "ask", "b"], "results": []}, cfg("fan"), durability="sync"
    )


GRAPHS = {"chat": chat_graph, "sub": subgraph_graph, "fan": fanout_graph}


# -- fixtures ----------------------------------------------------------------------------------


class Env:
    """moto in-process: the incumbent's table, our table, a bucket, clients and savers."""

    def __init__(self) -> None:
        self.ddb = boto3.client("dynamodb", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)
        self.source = unique_table()
        self.target = unique_table()
        self.bucket = "incumbent-offload"
        create_incumbent_table(self.ddb, self.source)
        self.s3.create_bucket(Bucket=self.bucket)
        self.incumbent = IncumbentSaver(
            self.source,
            region_name=REGION,
            s3_offload_config={"bucket_name": self.bucket, "key_prefix": "app/lg"},
        )
        self.counter = RequestCounter()

    def ours(self, **kw: Any) -> DynamoDBSaver:
        client = boto3.client("dynamodb", region_name=REGION)
        self.counter.attach(client)
        return DynamoDBSaver(self.target, "bot", client=client, **kw)

    def migrator(self, target: DynamoDBSaver | None = None, **kw: Any) -> Migrator:
        # In-process moto can lose concurrent first writes to a new partition key (see
        # langgraph_agentcore/wsgi.py), so one writer here; the moto-server test (which
        # serializes requests) runs the default pool.
        kw.setdefault("workers", 1)
        return Migrator(
            self.source,
            target or self.ours(),
            source_client=self.ddb,
            s3_client=self.s3,
            **kw,
        )

    def target_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self.ddb.get_paginator("scan").paginate(TableName=self.target):
            items += page["Items"]
        return items


@pytest.fixture
def env() -> Iterator[Env]:
    with mock_aws():
        yield Env()


def pending(saver: Any, thread_id: str, ns: str = "") -> list[tuple[str, str, Any]]:
    tup = saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ns}})
    assert tup is not None
    return sorted(tup.pending_writes, key=lambda w: (w[0], w[1], repr(w[2])))


def assert_same_threads(old: Any, new: Any, threads: dict[str, Any]) -> None:
    """State (with subgraphs), history and pending writes read back identically."""
    for thread_id, build in threads.items():
        g_old, g_new = build(old), build(new)
        assert g_new.get_state(cfg(thread_id), subgraphs=True) == g_old.get_state(
            cfg(thread_id), subgraphs=True
        )
        history_old = list(g_old.get_state_history(cfg(thread_id)))
        assert len(history_old) >= 2
        assert list(g_new.get_state_history(cfg(thread_id))) == history_old
        assert pending(new, thread_id) == pending(old, thread_id)
        # every namespace, not only the root: subgraph checkpoints and their writes
        old_all = list(old.list(cfg(thread_id)))
        new_all = list(new.list(cfg(thread_id)))
        key = lambda t: (t.config["configurable"]["checkpoint_ns"], t.checkpoint["id"])  # noqa: E731
        assert sorted(map(key, new_all)) == sorted(map(key, old_all))
        for t_old in old_all:
            t_new = new.get_tuple(t_old.config)
            assert t_new is not None
            assert t_new.checkpoint == convert_versions(t_old.checkpoint)
            assert t_new.metadata == t_old.metadata
            assert t_new.parent_config == t_old.parent_config
            assert sorted(t_new.pending_writes, key=repr) == sorted(t_old.pending_writes, key=repr)


# -- tests -------------------------------------------------------------------------------------


def test_migrated_threads_read_back_identically_and_resume(env: Env) -> None:
    write_threads(env.incumbent)
    assert {c.config["configurable"]["checkpoint_ns"] for c in env.incumbent.list(cfg("sub"))} > {
        ""
    }  # the subgraph wrote checkpoints of its own
    ours = env.ours()
    report = env.migrator(ours).run()
    assert report.complete and not report.dry_run
    assert report.threads == 3
    n_checkpoints = sum(len(list(env.incumbent.list(cfg(t)))) for t in GRAPHS)
    assert report.checkpoints == n_checkpoints
    assert report.writes > 0 and report.bytes > 0

    assert_same_threads(env.incumbent, ours, GRAPHS)
    # the interrupted fan-out keeps the finished workers' writes and the interrupt
    channels = [w[1] for w in pending(ours, "fan")]
    assert channels.count("results") == 2 and "__interrupt__" in channels

    # both resume the same way from the migrated state
    for thread_id, answer in (("sub", "yes"), ("fan", "x")):
        old_out = GRAPHS[thread_id](env.incumbent).invoke(
            Command(resume=answer), cfg(thread_id), durability="sync"
        )
        new_out = GRAPHS[thread_id](ours).invoke(
            Command(resume=answer), cfg(thread_id), durability="sync"
        )
        assert new_out == old_out
    assert new_out["results"] == ["A", "ASK=X", "B"]
    out = chat_graph(ours).invoke({"messages": ["again"]}, cfg("chat"), durability="sync")
    assert out["messages"][-2:] == ["again", "echo: again"] and len(out["messages"]) == 8


def test_only_the_named_threads_and_the_summary(env: Env, capsys: pytest.CaptureFixture) -> None:
    write_threads(env.incumbent)
    ours = env.ours()
    report = env.migrator(ours).run(["chat"])
    assert report.threads == 1 and report.checkpoints == len(list(env.incumbent.list(cfg("chat"))))
    assert ours.get_tuple(cfg("sub")) is None and ours.get_tuple(cfg("fan")) is None
    text = "\n".join(report.lines())
    assert f"copied 1 threads, {report.checkpoints} checkpoints, {report.writes} writes" in text
    assert report.to_dict()["complete"] is True


def test_dry_run_reads_everything_and_writes_nothing(env: Env) -> None:
    write_threads(env.incumbent)
    ours = env.ours()
    report = env.migrator(ours).run(dry_run=True)
    assert report.dry_run and report.threads == 3 and report.checkpoints > 0
    assert report.lines()[0].startswith("dry run: would copy 3 threads")
    assert set(env.counter.ops) == {"Query"}  # no CreateTable, no writes
    assert env.target not in env.ddb.list_tables()["TableNames"]
    real = env.migrator(env.ours()).run()
    assert (real.threads, real.checkpoints, real.writes, real.bytes) == (
        report.threads,
        report.checkpoints,
        report.writes,
        report.bytes,
    )


def test_an_interrupted_migration_resumes_without_duplicates(env: Env) -> None:
    write_threads(env.incumbent)
    # reference: one uninterrupted migration into another table
    reference = env.migrator(DynamoDBSaver(unique_table(), "bot", client=env.ddb)).run()
    reference_items = len(env.ddb.scan(TableName=reference.target_table)["Items"])

    class Stop(Exception):
        pass

    def stop_after(n: int) -> Any:
        def on_progress(done: int, total: int) -> None:
            if done == n:
                raise Stop

        return on_progress

    ours = env.ours()
    with pytest.raises(Stop):  # one writer, so exactly 4 checkpoints are in
        env.migrator(ours).run(on_progress=stop_after(4))
    # and once more between a checkpoint's writes and its checkpoint item
    calls = {"n": 0}

    def fail_second_put(**_: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Stop

    ours.io.client.meta.events.register("before-send.dynamodb.PutItem", fail_second_put)
    with pytest.raises(Stop):
        env.migrator(ours).run()
    ours.io.client.meta.events.unregister("before-send.dynamodb.PutItem", fail_second_put)

    env.counter.reset()
    rest = env.migrator(env.ours()).run()
    assert rest.already_migrated == 5  # 4, then 1 more before the failed PutItem
    assert rest.checkpoints + rest.already_migrated == reference.checkpoints
    assert env.counter.ops.count("PutItem") == reference.checkpoints - 5  # nothing copied twice
    assert len(env.target_items()) == reference_items  # no duplicate items
    assert_same_threads(env.incumbent, env.ours(), GRAPHS)
    again = env.migrator(env.ours()).run()  # a third run has nothing left to do
    assert again.checkpoints == 0 and again.already_migrated == reference.checkpoints


def test_values_offloaded_to_s3_are_migrated_when_the_bucket_is_given(env: Env) -> None:
    blob_graph(env.incumbent).invoke({"blob": "", "note": []}, cfg("big"), durability="sync")
    offloaded = [
        it for it in env.ddb.scan(TableName=env.source)["Items"] if it.get("ref_loc") == {"S": "S3"}
    ]
    assert offloaded  # the incumbent really offloaded (checkpoint and write values)
    assert env.s3.list_objects_v2(Bucket=env.bucket, Prefix="app/lg/")["KeyCount"] >= 2

    ours = env.ours()
    skipped = env.migrator(ours).run()  # no bucket configured
    assert not skipped.complete
    reasons = {s.reason for s in skipped.skipped}
    assert all("no S3 bucket configured" in r for r in reasons)
    assert any("--s3-bucket" in line for line in skipped.lines())
    latest = env.incumbent.get_tuple(cfg("big"))
    assert latest is not None
    assert (latest.config["configurable"]["checkpoint_id"]) in {
        s.checkpoint_id for s in skipped.skipped
    }

    done = env.migrator(ours, s3_bucket=env.bucket, s3_key_prefix="app/lg").run()
    assert done.complete and done.already_migrated == skipped.checkpoints
    assert done.checkpoints == len(skipped.skipped) and done.bytes > BIG
    state = blob_graph(ours).get_state(cfg("big"))
    assert state == blob_graph(env.incumbent).get_state(cfg("big"))
    assert len(state.values["blob"]) == BIG
    assert list(blob_graph(ours).get_state_history(cfg("big"))) == list(
        blob_graph(env.incumbent).get_state_history(cfg("big"))
    )
    assert any(it["entityType"]["S"] == "chunk" for it in env.target_items())  # ours chunks it


def test_bad_input_is_rejected_before_any_write(env: Env) -> None:
    with pytest.raises(ValueError, match="must be different tables"):
        Migrator(env.source, DynamoDBSaver(env.source, "bot", client=env.ddb))
    with pytest.raises(TypeError, match="not a str"):
        env.migrator().run("chat")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="thread_id must be a str"):
        env.migrator().run([7])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        env.migrator(workers=0)
    assert env.target not in env.ddb.list_tables()["TableNames"]


def test_task_writes_keeps_order_and_puts_special_channels_last() -> None:
    ref = PayloadRef("DYNAMODB", "k", "msgpack")
    w = lambda task, idx, ch: SourceWrite(task, "p", idx, ch, ref)  # noqa: E731
    grouped = task_writes(
        [
            (w("t2", 0, "a"), 1),
            (w("t1", -3, "__interrupt__"), "i"),
            (w("t1", 10, "late"), 3),
            (w("t1", 2, "early"), 2),
        ]
    )
    assert grouped == [
        ("t1", "p", [("early", 2), ("late", 3), ("__interrupt__", "i")]),
        ("t2", "p", [("a", 1)]),
    ]
    assert source_writes_pk("t#1", "child:x", "c1") == "WRITES_t#1#child:x#c1"


def test_progress_bar_on_a_terminal_and_in_a_log() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = ProgressBar(tty, width=10)
    for done in range(0, 5):
        bar(done, 4)
    assert tty.getvalue().startswith("\r[..........] 0/4 checkpoints\r[##........] 1/4")
    assert tty.getvalue().endswith("\r[##########] 4/4 checkpoints\n")
    log = io.StringIO()
    bar = ProgressBar(log)
    for done in range(0, 101):
        bar(done, 100)
    lines = log.getvalue().splitlines()
    assert len(lines) == 11 and lines[-1] == "migrate: 100/100 checkpoints (100%)"


def test_the_command_against_a_moto_server(
    moto_endpoint: str, capsys: pytest.CaptureFixture
) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_endpoint)
    source, target = unique_table(), unique_table()
    create_incumbent_table(ddb, source)
    incumbent = IncumbentSaver(source, region_name=REGION, endpoint_url=moto_endpoint)
    write_threads(incumbent)
    base = ["migrate", "--from-table", source, "--to-table", target, "--agent-id", "bot"]
    base += ["--endpoint-url", moto_endpoint, "--region", REGION, "--no-progress"]

    assert cli.main([*base, "--dry-run", "--thread", "chat", "--thread", "fan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("dry run: would copy 2 threads")
    assert target not in ddb.list_tables()["TableNames"]

    assert cli.main([*base, "--thread", "chat"]) == 0
    assert "copied 1 threads" in capsys.readouterr().out
    assert cli.main([*base, "--json", "--workers", "4"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    assert summary["threads"] == 2 and summary["complete"] is True
    assert summary["already_migrated"] == len(list(incumbent.list(cfg("chat"))))
    ours = DynamoDBSaver(target, "bot", client=ddb)
    assert_same_threads(incumbent, ours, GRAPHS)

    assert cli.main([*base[:2], "nope-" + source, *base[3:]]) == 1
    assert "not found" in capsys.readouterr().err


def test_ctrl_c_says_how_to_resume(
    env: Env, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: Migrator, *args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Migrator, "run", interrupted)
    argv = ["migrate", "--from-table", env.source, "--to-table", env.target, "--agent-id", "a"]
    assert cli.main(argv) == 130
    assert "interrupted; run the same command again to resume" in capsys.readouterr().err


def test_progress_bar_ends_its_line_before_a_message() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    bar = ProgressBar(tty, width=4)
    bar(1, 4)
    bar.break_line()
    bar.break_line()  # only once
    assert tty.getvalue() == "\r[#...] 1/4 checkpoints\n"


def test_gzip_payloads_and_thread_ids_with_separators(env: Env) -> None:
    incumbent = IncumbentSaver(env.source, region_name=REGION, enable_checkpoint_compression=True)
    odd = "user#7 ü/é:x"
    chat_graph(incumbent).invoke({"messages": ["long " * 600]}, cfg(odd), durability="sync")
    short = "user#7"  # a prefix of the odd id
    chat_graph(incumbent).invoke({"messages": ["short"]}, cfg(short), durability="sync")
    items = env.ddb.scan(TableName=env.source)["Items"]
    assert any(it.get("compression") == {"S": "gzip"} for it in items)
    ours = env.ours()
    report = env.migrator(ours).run([odd, "user#7", odd])
    assert report.complete and report.threads == 2
    assert_same_threads(incumbent, ours, {odd: chat_graph, "user#7": chat_graph})
    assert chat_graph(ours).get_state(cfg(odd)).values["messages"][0] == "long " * 600
