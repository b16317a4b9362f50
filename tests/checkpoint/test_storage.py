"""DynamoDBSaver storage behaviour the conformance suite does not cover.

Request budgets, pagination past 1 MB, the 400 KB item limit, 10 MB state, namespace and
id isolation, concurrency, TTL, shards, retries of throttling and unprocessed items, and
a crash in the middle of a large write.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from langgraph_agentcore import items as codec
from langgraph_agentcore.checkpoint import DynamoDBSaver
from tests.checkpoint.helpers import cfg, checkpoint, scan


@pytest.fixture
def transport() -> str:
    """Storage edge cases run on moto in-process (the budget test also runs on the server)."""
    return "inprocess"


def put(
    saver: DynamoDBSaver,
    thread: str,
    values: dict[str, Any],
    ns: str = "",
    parent: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return saver.put(cfg(thread, ns, parent), checkpoint(values), metadata or {}, {})


# -- request budget ---------------------------------------------------------------------


async def test_async_request_budget(make_saver: Any, counter: Any) -> None:
    saver = make_saver()
    c1 = await saver.aput(cfg("t"), checkpoint({"x": 1}), {}, {})
    await saver.aput_writes(c1, [("x", 2)], "task")
    await saver.aget_tuple(cfg("t"))
    assert counter.ops == ["PutItem", "UpdateItem", "Query"]
    await saver.aclose()


def test_get_tuple_with_many_parallel_tasks_pages_but_finds_everything(
    make_saver: Any, counter: Any
) -> None:
    saver = make_saver()
    old = put(saver, "t", {"v": "old"})
    saver.put_writes(old, [("stale", 0)], "old-task")
    new = put(saver, "t", {"v": "new"}, parent=old["configurable"]["checkpoint_id"])
    for i in range(20):
        saver.put_writes(new, [("ch", i)], f"task-{i:02d}")
    counter.reset()
    tup = saver.get_tuple(cfg("t"))
    assert tup is not None and tup.checkpoint["channel_values"] == {"v": "new"}
    assert sorted(w[2] for w in tup.pending_writes) == list(range(20))
    assert counter.ops == ["Query", "Query", "Query"]  # pages of 2, 8 and 32 items


# -- pagination, item limit and large state -----------------------------------------------


def test_list_pages_past_one_megabyte(make_saver: Any, counter: Any) -> None:
    saver = make_saver()
    parent = None
    ids = []
    for i in range(25):
        conf = put(saver, "big", {"blob": os.urandom(100_000), "i": i}, parent=parent)
        parent = conf["configurable"]["checkpoint_id"]
        ids.append(parent)
    counter.reset()
    listed = [t.checkpoint["channel_values"]["i"] for t in saver.list(cfg("big"))]
    assert listed == list(range(24, -1, -1))
    assert counter.ops.count("Query") >= 3  # 2.5 MB at <= 1 MB per page
    assert set(counter.ops) == {"Query"}
    counter.reset()
    assert [
        t.config["configurable"]["checkpoint_id"] for t in saver.list(cfg("big"), limit=2)
    ] == ids[::-1][:2]
    assert counter.ops == ["Query"]


@pytest.mark.parametrize(
    "size, chunked", [(360_000, False), (390_000, True), (399_000, True), (401_000, True)]
)
def test_items_around_the_400kb_limit(
    make_saver: Any, counter: Any, size: int, chunked: bool
) -> None:
    saver = make_saver()
    blob = os.urandom(size)
    conf = put(saver, "t", {"blob": blob})
    assert (counter.ops != ["PutItem"]) == chunked
    counter.reset()
    tup = saver.get_tuple(cfg("t"))
    assert tup is not None and tup.checkpoint["channel_values"]["blob"] == blob
    assert counter.ops == (["Query", "BatchGetItem"] if chunked else ["Query"])
    saver.put_writes(conf, [("w", blob)], "task")
    tup = saver.get_tuple(conf)
    assert tup is not None and tup.pending_writes == [("task", "w", blob)]


@pytest.mark.parametrize("compression", [False, True])
def test_ten_megabyte_state_and_writes(make_saver: Any, counter: Any, compression: bool) -> None:
    saver = make_saver(compression=compression)
    state = {"doc": os.urandom(5_000_000), "text": "lorem ipsum " * 450_000}
    conf = put(saver, "huge", state)
    # 10.4 MB in 380 KB chunks: 2 BatchWriteItem requests (25 chunks each) + the head
    assert counter.ops.count("PutItem") == 1 and counter.ops[-1] == "PutItem"
    saver.put_writes(conf, [("doc", state["doc"]), ("small", 1)], "t1")
    counter.reset()
    tup = saver.get_tuple(cfg("huge"))
    assert tup is not None
    assert tup.checkpoint["channel_values"] == state
    assert tup.pending_writes == [("t1", "doc", state["doc"]), ("t1", "small", 1)]
    assert counter.ops[0] == "Query" and set(counter.ops[1:]) == {"BatchGetItem"}
    assert [t.checkpoint["channel_values"] == state for t in saver.list(None)] == [True]
    saver.delete_thread("huge")
    assert scan(saver.io.client, saver.table_name) == []


# -- isolation of ids, namespaces and agents -------------------------------------------------


def test_root_latest_is_never_a_subgraph_checkpoint(make_saver: Any) -> None:
    saver = make_saver()
    root = put(saver, "t", {"who": "root"})
    put(saver, "t", {"who": "child"}, ns="child:1")
    put(saver, "t", {"who": "grandchild"}, ns="child:1|inner:2")
    tup = saver.get_tuple(cfg("t"))
    assert tup is not None and tup.checkpoint["channel_values"] == {"who": "root"}
    assert tup.config == root
    assert [t.checkpoint["channel_values"]["who"] for t in saver.list(cfg("t", "child:1"))] == [
        "child"
    ]
    every_ns = {"root", "child", "grandchild"}
    assert {
        t.checkpoint["channel_values"]["who"]
        for t in saver.list({"configurable": {"thread_id": "t"}})
    } == every_ns


TRICKY = ["a", "a#", "a#b", "ab", "a:b", "a/b", "a$", "a$b", "", "ü", "日本語", "a\x00", "a b"]


def test_tricky_ids_never_touch_each_other(make_saver: Any) -> None:
    saver = make_saver()
    for t in TRICKY:
        for ns in TRICKY[:4]:
            conf = put(saver, t, {"t": t, "ns": ns}, ns=ns)
            saver.put_writes(conf, [("w", [t, ns])], "task")
    for t in TRICKY:
        for ns in TRICKY[:4]:
            tup = saver.get_tuple(cfg(t, ns))
            assert tup is not None
            assert tup.checkpoint["channel_values"] == {"t": t, "ns": ns}
            assert tup.pending_writes == [("task", "w", [t, ns])]
        assert len(list(saver.list({"configurable": {"thread_id": t}}))) == 4
    saver.delete_thread("a")
    assert all(saver.get_tuple(cfg("a", ns)) is None for ns in TRICKY[:4])
    for t in TRICKY[1:]:
        assert all(saver.get_tuple(cfg(t, ns)) is not None for ns in TRICKY[:4]), t
    assert len(list(saver.list(None))) == (len(TRICKY) - 1) * 4


def test_agents_share_a_table_without_seeing_each_other(make_saver: Any) -> None:
    a, b = make_saver(agent_id="alice"), make_saver(agent_id="alice#2")
    put(a, "t", {"who": "alice"})
    put(b, "t", {"who": "alice#2"})
    assert a.get_tuple(cfg("t")).checkpoint["channel_values"] == {"who": "alice"}  # type: ignore[union-attr]
    assert [t.checkpoint["channel_values"]["who"] for t in b.list(None)] == ["alice#2"]
    a.delete_thread("t")
    assert b.get_tuple(cfg("t")) is not None


# -- concurrency -----------------------------------------------------------------------------


def test_concurrent_writers_on_one_thread(make_saver: Any) -> None:
    saver = make_saver()
    conf = put(saver, "t", {"v": 0})
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda i: saver.put_writes(conf, [("ch", i), ("other", -i)], f"task-{i:03d}"),
                range(64),
            )
        )
        # the same task retried concurrently keeps its first regular write
        list(pool.map(lambda i: saver.put_writes(conf, [("ch", 1000 + i)], "task-000"), range(8)))
    tup = saver.get_tuple(conf)
    assert tup is not None
    writes = {(w[0], w[1]): w[2] for w in tup.pending_writes}
    assert len(tup.pending_writes) == 128
    assert all(writes[(f"task-{i:03d}", "ch")] == i for i in range(64))


async def test_concurrent_async_threads_on_one_agent(make_saver: Any) -> None:
    saver = make_saver()

    async def run(i: int) -> None:
        parent = None
        for step in range(3):
            conf = await saver.aput(
                cfg(f"thread-{i}", "", parent),
                checkpoint({"i": i, "step": step}),
                {"step": step},
                {},
            )
            await saver.aput_writes(conf, [("ch", step)], "task")
            parent = conf["configurable"]["checkpoint_id"]

    await asyncio.gather(*(run(i) for i in range(30)))
    latest = await asyncio.gather(*(saver.aget_tuple(cfg(f"thread-{i}")) for i in range(30)))
    assert [t.checkpoint["channel_values"] for t in latest] == [
        {"i": i, "step": 2} for i in range(30)
    ]
    assert len([t async for t in saver.alist(None)]) == 90
    await saver.aclose()


# -- TTL -------------------------------------------------------------------------------------


def test_expired_items_are_never_returned(make_saver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    saver = make_saver(ttl_seconds=60)
    saver.setup()
    desc = saver.io.client.describe_time_to_live(TableName=saver.table_name)
    assert desc["TimeToLiveDescription"]["AttributeName"] == "ttl"
    conf = put(saver, "t", {"v": 1})
    saver.put_writes(conf, [("w", 1)], "task")
    item = next(
        i for i in scan(saver.io.client, saver.table_name) if i["entityType"]["S"] == "checkpoint"
    )
    assert 50 < int(item["ttl"]["N"]) - codec.time.time() <= 60
    real = codec.time.time
    monkeypatch.setattr(codec.time, "time", lambda: real() + 120)
    assert saver.get_tuple(cfg("t")) is None
    assert saver.get_tuple(conf) is None
    assert list(saver.list(None)) == []


# -- shards ----------------------------------------------------------------------------------


def test_shards_spread_threads_and_keep_each_thread_on_one_key(
    make_saver: Any, counter: Any
) -> None:
    saver = make_saver(shards=4)
    for i in range(24):
        conf = put(saver, f"t{i}", {"i": i})
        saver.put_writes(conf, [("w", i)], "task")
    pks = {it["pk"]["S"] for it in scan(saver.io.client, saver.table_name)}
    assert pks == set(saver.keys.partition_keys()) and len(pks) == 4
    counter.reset()
    tup = saver.get_tuple(cfg("t7"))
    assert tup is not None and tup.checkpoint["channel_values"] == {"i": 7}
    assert counter.ops == ["Query"]
    counter.reset()
    assert sorted(t.checkpoint["channel_values"]["i"] for t in saver.list(None)) == list(range(24))
    assert counter.ops == ["Query"] * 4
    saver.copy_thread("t7", "copy")
    assert saver.get_tuple(cfg("copy")).pending_writes == [("task", "w", 7)]  # type: ignore[union-attr]


# -- retries ----------------------------------------------------------------------------------


def _throttle(times: int, op: str) -> Any:
    state = {"left": times}

    def handler(request: Any, event_name: str = "", **_: Any) -> AWSResponse | None:
        if event_name.endswith(op) and state["left"] > 0:
            state["left"] -= 1
            body = (
                b'{"__type":"com.amazonaws.dynamodb.v20120810#'
                b'ProvisionedThroughputExceededException","message":"slow down"}'
            )
            return AWSResponse(request.url, 400, {"x-amzn-requestid": "x"}, _Raw(body))
        return None

    return handler


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def test_throttling_is_retried_with_backoff(make_saver: Any, counter: Any) -> None:
    saver = make_saver()
    saver.io.client.meta.events.register_first("before-send", _throttle(3, "PutItem"))
    counter.reset()
    put(saver, "t", {"v": 1})
    assert counter.ops == ["PutItem"] * 4
    assert saver.get_tuple(cfg("t")) is not None


def test_throttling_that_never_ends_raises_a_clear_error(make_saver: Any) -> None:
    from botocore.config import Config

    from langgraph_agentcore.errors import AgentCoreStorageError

    saver = make_saver(client_config=Config(retries={"mode": "standard", "max_attempts": 3}))
    saver.io.client.meta.events.register_first("before-send", _throttle(100, "Query"))
    with pytest.raises(
        AgentCoreStorageError, match=r"Query on table 't-.*ProvisionedThroughputExceeded"
    ):
        saver.get_tuple(cfg("t"))


class Unprocessed:
    """A client proxy that processes only part of each batch, like a throttled DynamoDB."""

    def __init__(self, client: Any, keep: int) -> None:
        self._client = client
        self.keep = keep
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("BatchWriteItem")
        ((table, reqs),) = RequestItems.items()
        self._client.batch_write_item(RequestItems={table: reqs[: self.keep]})
        rest = reqs[self.keep :]
        return {"UnprocessedItems": {table: rest} if rest else {}}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("BatchGetItem")
        ((table, spec),) = RequestItems.items()
        keys = spec["Keys"]
        resp = self._client.batch_get_item(
            RequestItems={table: {**spec, "Keys": keys[: self.keep]}}
        )
        rest = keys[self.keep :]
        resp["UnprocessedKeys"] = {table: {**spec, "Keys": rest}} if rest else {}
        return resp  # type: ignore[no-any-return]


def test_unprocessed_items_and_keys_are_retried_until_nothing_is_lost(
    make_saver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    saver = make_saver()
    monkeypatch.setattr("langgraph_agentcore.table.BACKOFF_BASE", 0.001)
    proxy = Unprocessed(saver.io.client, keep=2)
    saver.io.client = proxy
    state = {"blob": os.urandom(3_000_000)}  # 8 chunks -> 4 rounds of 2
    conf = put(saver, "t", state)
    assert proxy.calls == ["BatchWriteItem"] * 4
    proxy.calls.clear()
    tup = saver.get_tuple(conf)
    assert tup is not None and tup.checkpoint["channel_values"] == state
    assert proxy.calls == ["BatchGetItem"] * 4
    saver.delete_thread("t")
    assert scan(proxy, saver.table_name) == []


# -- crash in the middle of a large write ------------------------------------------------------


class Crash(BaseException):
    """Stands in for the process dying between two requests."""


def test_crash_between_chunks_and_head_leaves_nothing_visible(make_saver: Any) -> None:
    saver = make_saver()
    first = put(saver, "t", {"v": "small"})
    client = saver.io.client

    class DiesOnPut:
        def __getattr__(self, name: str) -> Any:
            return getattr(client, name)

        def put_item(self, **_: Any) -> Any:
            raise Crash()

    saver.io.client = DiesOnPut()
    with pytest.raises(Crash):
        put(saver, "t", {"v": os.urandom(1_000_000)}, parent=first["configurable"]["checkpoint_id"])
    fresh = make_saver()  # a new process
    chunks = [i for i in scan(client, fresh.table_name) if i["entityType"]["S"] == "chunk"]
    assert len(chunks) == 3
    tup = fresh.get_tuple(cfg("t"))
    assert tup is not None and tup.checkpoint["channel_values"] == {"v": "small"}
    assert [t.config for t in fresh.list(None)] == [first]
    fresh.prune(["t"])  # within the grace period an in-flight write may still need them
    assert len([i for i in scan(client, fresh.table_name) if i["entityType"]["S"] == "chunk"]) == 3
    make_saver(orphan_grace_seconds=0).prune(["t"])
    assert [i["entityType"]["S"] for i in scan(client, fresh.table_name)] == ["checkpoint"]
    assert fresh.get_tuple(cfg("t")).config == first  # type: ignore[union-attr]


def test_crash_leftovers_are_removed_by_delete_thread(make_saver: Any) -> None:
    saver = make_saver()
    client = saver.io.client

    class DiesOnUpdate:
        def __getattr__(self, name: str) -> Any:
            return getattr(client, name)

        def update_item(self, **_: Any) -> Any:
            raise Crash()

    conf = put(saver, "t", {"v": 1})
    saver.io.client = DiesOnUpdate()
    with pytest.raises(Crash):
        saver.put_writes(conf, [("big", os.urandom(800_000))], "task")
    saver.io.client = client
    assert saver.get_tuple(conf).pending_writes == []  # type: ignore[union-attr]
    saver.delete_thread("t")
    assert scan(client, saver.table_name) == []


def test_prune_keeps_latest_per_namespace_and_gcs_replaced_chunks(make_saver: Any) -> None:
    saver = make_saver(orphan_grace_seconds=0)
    c1 = put(saver, "t", {"blob": os.urandom(500_000)})
    saver.put_writes(c1, [("x", 1)], "task")
    c2 = put(saver, "t", {"blob": b"small"}, parent=c1["configurable"]["checkpoint_id"])
    saver.put_writes(c2, [("__error__", os.urandom(500_000))], "task")
    saver.put_writes(c2, [("__error__", "replaced")], "task")  # special writes upsert
    put(saver, "t", {"child": True}, ns="sub:1")
    saver.prune(["t"])
    kinds = sorted(i["entityType"]["S"] for i in scan(saver.io.client, saver.table_name))
    assert kinds == ["checkpoint", "checkpoint", "writes"]
    assert saver.get_tuple(cfg("t")).pending_writes == [("task", "__error__", "replaced")]  # type: ignore[union-attr]
