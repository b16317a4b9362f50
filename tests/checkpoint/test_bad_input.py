"""Bad input to DynamoDBSaver: a clear exception naming what was wrong, and nothing written.

Each rejected call must fail before any request is sent (the request counter stays at
zero, so in particular no write request), and a scan of the table afterwards must show
exactly the items that were there before. Most cases share one table on the session's
moto server (cheap per case); ``test_every_case_inprocess`` replays all of them on moto
in-process, and the key-length boundary and unknown-table cases run on both transports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from langgraph.checkpoint.base import empty_checkpoint

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.errors import TableNotFoundError
from langgraph_agentcore.inprocess import async_client_factory
from langgraph_agentcore.keys import MAX_SK_BYTES
from tests.conftest import REGION, RequestCounter, unique_table

WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
SEED = "seed-thread"


@dataclass(frozen=True)
class Case:
    """One rejected call: saver method (sync name), arguments, expected error."""

    method: str
    args: tuple[Any, ...]
    error: type[Exception]
    match: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def checkpoint(checkpoint_id: str | None = None) -> dict[str, Any]:
    """A fresh empty checkpoint, optionally with a chosen id."""
    cp = dict(empty_checkpoint())
    if checkpoint_id is not None:
        cp["id"] = checkpoint_id
    return cp


def conf(**configurable: Any) -> dict[str, Any]:
    """A RunnableConfig with the given ``configurable`` entries."""
    return {"configurable": configurable}


SEED_CP = checkpoint()
SEED_CONF = conf(thread_id=SEED, checkpoint_ns="", checkpoint_id=SEED_CP["id"])
LONG = "x" * MAX_SK_BYTES

#: Configs that name no valid thread, and what each error must say.
BAD_CONFIGS: dict[str, tuple[Any, type[Exception], str]] = {
    "not-a-dict": ("thread-1", TypeError, "config must be a dict"),
    "no-configurable": ({}, ValueError, r"\['thread_id'\] is required"),
    "configurable-not-dict": ({"configurable": ["x"]}, ValueError, "thread_id'] is required"),
    "no-thread-id": (conf(checkpoint_ns=""), ValueError, r"\['thread_id'\] is required"),
    "thread-id-none": (conf(thread_id=None), ValueError, r"\['thread_id'\] is required"),
    "thread-id-list": (conf(thread_id=["a"]), TypeError, "thread_id must be a str, got list"),
    "thread-id-bool": (conf(thread_id=True), TypeError, "thread_id must be a str, got bool"),
    "ns-int": (conf(thread_id="t", checkpoint_ns=3), TypeError, "checkpoint_ns must be a str"),
    "checkpoint-id-int": (
        conf(thread_id="t", checkpoint_ns="", checkpoint_id=7),
        TypeError,
        "checkpoint_id must be a str",
    ),
    "thread-id-too-long": (conf(thread_id=LONG), ValueError, "too long.*thread_id=1024"),
    "ns-too-long": (conf(thread_id="t", checkpoint_ns=LONG), ValueError, "checkpoint_ns=1024"),
    "multibyte-too-long": (conf(thread_id="é" * 510), ValueError, "too long.*thread_id=510"),
    "escaped-too-long": (conf(thread_id="#" * 510), ValueError, "too long.*thread_id=510"),
    "checkpoint-id-too-long": (
        conf(thread_id="t", checkpoint_ns="", checkpoint_id=LONG),
        ValueError,
        "checkpoint_id=1024",
    ),
}


def config_cases() -> dict[str, Case]:
    """Every bad config through every method that takes a config."""
    cases: dict[str, Case] = {}
    for name, (config, error, match) in BAD_CONFIGS.items():
        cases[f"get_tuple-{name}"] = Case("get_tuple", (config,), error, match)
        cases[f"list-{name}"] = Case("list", (config,), error, match)
        cases[f"put-{name}"] = Case("put", (config, checkpoint(), {}, {}), error, match)
        if isinstance(config, dict) and isinstance(config.get("configurable"), dict):
            config = {"configurable": {"checkpoint_id": SEED_CP["id"], **config["configurable"]}}
        cases[f"put_writes-{name}"] = Case("put_writes", (config, [("ch", 1)], "t"), error, match)
    return cases


CASES: dict[str, Case] = {
    **config_cases(),
    # put: checkpoint and metadata
    "put-checkpoint-not-dict": Case("put", (SEED_CONF, "cp", {}, {}), TypeError, "Checkpoint"),
    "put-checkpoint-no-id": Case("put", (SEED_CONF, {"v": 1}, {}, {}), TypeError, "str 'id'"),
    "put-checkpoint-id-long": Case(
        "put", (SEED_CONF, checkpoint(LONG), {}, {}), ValueError, "checkpoint_id=1024"
    ),
    "put-metadata-not-dict": Case(
        "put", (SEED_CONF, checkpoint(), ["step"], {}), TypeError, "metadata must be a dict"
    ),
    # put_writes: task id, task path, writes
    "put_writes-no-checkpoint-id": Case(
        "put_writes", (conf(thread_id=SEED), [("ch", 1)], "t"), ValueError, "checkpoint_id'] is"
    ),
    "put_writes-task-id-int": Case(
        "put_writes", (SEED_CONF, [("ch", 1)], 5), TypeError, "task_id must be a str"
    ),
    "put_writes-task-id-none": Case(
        "put_writes", (SEED_CONF, [("ch", 1)], None), TypeError, "task_id must be a str"
    ),
    "put_writes-task-path-int": Case(
        "put_writes", (SEED_CONF, [("ch", 1)], "t", 3), TypeError, "task_path must be a str"
    ),
    "put_writes-task-id-long": Case(
        "put_writes", (SEED_CONF, [("ch", 1)], LONG), ValueError, "too long.*task_id=1024"
    ),
    "put_writes-write-str": Case(
        "put_writes", (SEED_CONF, ["ch"], "t"), TypeError, r"writes\[0\] must be a \(channel"
    ),
    "put_writes-write-single": Case(
        "put_writes", (SEED_CONF, [("ch",)], "t"), TypeError, r"writes\[0\] must be a"
    ),
    "put_writes-write-triple-later": Case(
        "put_writes",
        (SEED_CONF, [("ok", 1), ("ch", 1, 2)], "t"),
        TypeError,
        r"writes\[1\] must be a",
    ),
    "put_writes-channel-int": Case(
        "put_writes", (SEED_CONF, [(1, "v")], "t"), TypeError, r"writes\[0\].*channel: str"
    ),
    "put_writes-writes-dict": Case(
        "put_writes",
        (SEED_CONF, {"ch": 1}, "t"),
        TypeError,
        "writes must be a sequence of \\(channel, value\\) pairs, got dict",
    ),
    # list: limit, filter, before
    "list-limit-str": Case("list", (None,), TypeError, "limit must be an int", {"limit": "3"}),
    "list-limit-float": Case("list", (None,), TypeError, "limit must be an int", {"limit": 1.5}),
    "list-limit-bool": Case("list", (None,), TypeError, "limit must be an int", {"limit": True}),
    "list-filter-list": Case(
        "list", (conf(thread_id=SEED),), TypeError, "filter must be a dict", {"filter": [("a", 1)]}
    ),
    "list-filter-str": Case("list", (None,), TypeError, "filter must be a dict", {"filter": "x"}),
    "list-before-str": Case(
        "list", (conf(thread_id=SEED),), TypeError, "before must be a config", {"before": "x"}
    ),
    "list-before-id-int": Case(
        "list",
        (conf(thread_id=SEED),),
        TypeError,
        "before.*checkpoint_id must be a str",
        {"before": conf(checkpoint_id=3)},
    ),
    # thread-level operations
    "delete_thread-list": Case(
        "delete_thread", ([SEED],), TypeError, "delete_thread: thread_id must be a str"
    ),
    "delete_thread-long": Case("delete_thread", (LONG,), ValueError, "too long.*thread_id"),
    "copy_thread-bad-target": Case(
        "copy_thread", (SEED, ["x"]), TypeError, "copy_thread: thread_id must be a str"
    ),
    "copy_thread-long-target": Case("copy_thread", (SEED, LONG), ValueError, "too long"),
    "delete_for_runs-str": Case(
        "delete_for_runs", ("run-1",), TypeError, "run_ids must be a sequence of str"
    ),
    "delete_for_runs-nested": Case(
        "delete_for_runs", ([["run-1"]],), TypeError, "run_ids must be a sequence of str"
    ),
    "put_writes-none": Case(
        "put_writes", (SEED_CONF, None, "task"), TypeError, "writes must be a sequence"
    ),
    "prune-unknown-strategy": Case(
        "prune", ([SEED],), ValueError, "unknown strategy 'oldest'", {"strategy": "oldest"}
    ),
    "prune-str": Case("prune", (SEED,), TypeError, "thread_ids must be a sequence of str"),
    "prune-bad-id-after-good": Case(
        "prune", ([SEED, ["x"]],), TypeError, "thread_id must be a str, got list"
    ),
    "prune-delete-bad-id-after-good": Case(
        "prune", ([SEED, None],), TypeError, "thread_id must be a str", {"strategy": "delete"}
    ),
}


async def call(saver: DynamoDBSaver, mode: str, method: str, *args: Any, **kw: Any) -> Any:
    """Call ``method`` (or its ``a``-prefixed twin) and drain it if it is an iterator."""
    if mode == "sync":
        result = getattr(saver, method)(*args, **kw)
        return list(result) if method == "list" else result
    result = getattr(saver, "a" + method)(*args, **kw)
    if method == "list":
        return [tup async for tup in result]
    return await result


# -- one seeded table on the moto server, shared by the per-case tests ---------------------


@dataclass
class Shared:
    """A seeded table, a counted saver on it and an uncounted client for scans."""

    saver: DynamoDBSaver
    counter: RequestCounter
    scanner: Any
    table: str
    seeded: list[dict[str, Any]] = field(default_factory=list)

    def scan(self) -> list[dict[str, Any]]:
        items = self.scanner.scan(TableName=self.table, ConsistentRead=True)["Items"]
        return sorted(items, key=lambda it: (it["pk"]["S"], it["sk"]["S"]))


def seed(saver: DynamoDBSaver) -> None:
    """One checkpoint with pending writes and a second one, so prune has work to do."""
    saver.put(conf(thread_id=SEED, checkpoint_ns=""), SEED_CP, {"source": "input"}, {})
    saver.put_writes(SEED_CONF, [("ch", "value")], "task-1")
    saver.put(SEED_CONF, checkpoint(), {"source": "loop"}, {})


@pytest.fixture(scope="module")
def shared_table(moto_endpoint: str) -> Iterator[Shared]:
    """Module-scoped, so it runs before the per-test dummy-credential fixture: pass them."""
    counter = RequestCounter()
    table = unique_table()
    kw = {
        "region_name": REGION,
        "endpoint_url": moto_endpoint,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    saver = DynamoDBSaver(
        table,
        "agent-1",
        client=counter.attach(boto3.client("dynamodb", **kw)),
        async_client_factory=async_client_factory("dynamodb", wire=counter.attach, **kw),
    )
    saver.setup()
    seed(saver)
    shared = Shared(saver, counter, boto3.client("dynamodb", **kw), table)
    shared.seeded = shared.scan()
    assert len(shared.seeded) == 3
    yield shared
    saver.close()


@pytest.fixture
async def shared(shared_table: Shared) -> AsyncIterator[Shared]:
    """The shared table, with the counter reset; the table must be unchanged afterwards."""
    shared_table.counter.reset()
    yield shared_table
    await shared_table.saver.aclose()
    assert shared_table.scan() == shared_table.seeded


async def assert_rejected(
    saver: DynamoDBSaver, counter: RequestCounter, mode: str, case: Case
) -> None:
    """The call raises the expected error and sends no request at all."""
    counter.reset()
    with pytest.raises(case.error, match=case.match):
        await call(saver, mode, case.method, *case.args, **case.kwargs)
    assert not WRITE_OPS & set(counter.ops), counter.ops
    assert counter.ops == [], f"requests sent before rejecting: {counter.ops}"


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", sorted(CASES))
async def test_rejected(shared: Shared, name: str, mode: str) -> None:
    """Each bad call, on the shared server table."""
    await assert_rejected(shared.saver, shared.counter, mode, CASES[name])


@pytest.mark.parametrize("transport", ["inprocess"])
async def test_every_case_inprocess(
    make_saver: Callable[..., DynamoDBSaver], counter: RequestCounter
) -> None:
    """All cases again, sync and async, on moto in-process (no HTTP)."""
    saver = make_saver()
    seed(saver)
    before = saver.io.client.scan(TableName=saver.table_name)["Items"]
    for mode in ("sync", "async"):
        for case in CASES.values():
            await assert_rejected(saver, counter, mode, case)
    assert saver.io.client.scan(TableName=saver.table_name)["Items"] == before
    await saver.aclose()


# -- key length: the guard matches what DynamoDB accepts ------------------------------------


def longest_accepted(saver: DynamoDBSaver, char: str) -> int:
    """The most repetitions of ``char`` accepted as task id of thread "t", checkpoint ``char``."""
    ids = {"thread_id": "t", "checkpoint_ns": "", "checkpoint_id": char}
    n = 0
    while True:
        try:
            saver.keys.check_ids(**ids, task_id=char * (n + 1))
        except ValueError:
            return n
        n += 1


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_sort_key_length_boundary(
    make_saver: Callable[..., DynamoDBSaver], counter: RequestCounter, mode: str
) -> None:
    """The longest accepted task id is stored; one more character is refused unsent."""
    saver = make_saver()
    stored = []
    for char in ("x", "é", "#"):  # 1 byte, 2 bytes, escaped to 2 bytes
        n = longest_accepted(saver, char)
        assert n > 0
        base = conf(thread_id="t", checkpoint_ns="", checkpoint_id=char)
        await call(saver, mode, "put_writes", base, [("ch", 1)], char * n)
        sk = saver.keys.writes_sk("t", "", char, char * n)
        # Not overly strict: the stored key is within a few bytes of DynamoDB's limit.
        assert MAX_SK_BYTES - 16 <= len(sk.encode()) <= MAX_SK_BYTES
        stored.append(sk)
        counter.reset()
        with pytest.raises(ValueError, match=r"too long for a DynamoDB sort key \(1024 bytes\)"):
            await call(saver, mode, "put_writes", base, [("ch", 1)], char * (n + 1))
        assert counter.ops == []
    items = saver.io.client.scan(TableName=saver.table_name)["Items"]
    assert sorted(it["sk"]["S"] for it in items) == sorted(stored)
    await saver.aclose()


# -- unknown table ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_unknown_table(
    make_saver: Callable[..., DynamoDBSaver], counter: RequestCounter, mode: str
) -> None:
    """Every operation on a missing table raises TableNotFoundError naming table and op."""
    real = make_saver()
    missing = f"missing-{unique_table()}"
    saver = make_saver(table_name=missing)
    expected_op = {
        "get_tuple": ("Query", (SEED_CONF,)),
        "list": ("Query", (conf(thread_id=SEED),)),
        "put": ("PutItem", (SEED_CONF, checkpoint(), {}, {})),
        "put_writes": ("UpdateItem", (SEED_CONF, [("ch", 1)], "t")),
        "delete_thread": ("Query", (SEED,)),
        "copy_thread": ("Query", (SEED, "copy")),
        "prune": ("Query", ([SEED],)),
    }
    for method, (op, args) in expected_op.items():
        counter.reset()
        with pytest.raises(TableNotFoundError) as info:
            await call(saver, mode, method, *args)
        err = info.value
        assert missing in str(err) and op in str(err), str(err)
        assert (err.resource, err.operation) == (missing, op)
        assert counter.ops == [op], f"{method}: {counter.ops}"  # one attempt, no retries
    tables = real.io.client.list_tables()["TableNames"]
    assert missing not in tables and real.table_name in tables
    assert real.io.client.scan(TableName=real.table_name)["Items"] == []
    await saver.aclose()
    await real.aclose()
