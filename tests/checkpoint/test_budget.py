"""Request budget per operation, asserted on both transports (moto in-process and server)."""

from __future__ import annotations

from typing import Any

from tests.checkpoint.helpers import cfg, checkpoint


def put(saver: Any, thread: str, values: dict[str, Any], parent: str | None = None) -> Any:
    return saver.put(cfg(thread, "", parent), checkpoint(values), {}, {})


def chain(saver: Any, n: int) -> list[str]:
    """Put ``n`` checkpoints ``{"i": 0..n-1}`` on thread "t", each the next's parent."""
    ids: list[str] = []
    for i in range(n):
        conf = put(saver, "t", {"i": i}, parent=ids[-1] if ids else None)
        ids.append(conf["configurable"]["checkpoint_id"])
    return ids


def test_request_budget_per_operation(make_saver: Any, counter: Any) -> None:
    saver = make_saver()
    c1 = put(saver, "t", {"messages": ["hi"]})
    assert counter.ops == ["PutItem"]
    counter.reset()
    saver.put_writes(c1, [("a", 1), ("b", 2), ("c", 3)], "task-1")
    assert counter.ops == ["UpdateItem"]
    counter.reset()
    tup = saver.get_tuple(cfg("t"))
    assert counter.ops == ["Query"]
    assert tup is not None and [w[1:] for w in tup.pending_writes] == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
    ]
    saver.put_writes(c1, [("a", 4)], "task-2")
    counter.reset()
    tup = saver.get_tuple(cfg("t"))  # two tasks' writes: the first page (2 items) is all writes
    assert counter.ops == ["Query", "Query"]
    assert tup is not None and len(tup.pending_writes) == 4
    put(saver, "t", {"messages": ["hi", "there"]}, parent=c1["configurable"]["checkpoint_id"])
    counter.reset()
    assert len(list(saver.list(cfg("t")))) == 2
    assert counter.ops == ["Query"]
    counter.reset()
    assert saver.get_tuple(c1) is not None
    assert counter.ops == ["Query"]


def test_list_before_reads_only_older_checkpoints(make_saver: Any, counter: Any) -> None:
    saver = make_saver()
    ids = chain(saver, 6)
    counter.reset()
    got = [
        t.checkpoint["channel_values"]["i"]
        for t in saver.list(cfg("t"), before=cfg("t", "", ids[3]))
    ]
    assert got == [2, 1, 0]
    assert counter.ops == ["Query"]


def test_list_before_never_reads_newer_checkpoints(make_saver: Any) -> None:
    saver = make_saver()
    ids = chain(saver, 6)
    scanned: list[int] = []
    saver.io.client.meta.events.register(
        "after-call.dynamodb.Query", lambda parsed, **_: scanned.append(parsed["ScannedCount"])
    )
    assert len(list(saver.list(cfg("t"), before=cfg("t", "", ids[3])))) == 3
    assert scanned == [4]  # checkpoints 0-2 and the `before` one itself, never 4 or 5


def test_get_tuple_of_a_finished_run_reads_no_older_checkpoints(make_saver: Any) -> None:
    saver = make_saver()
    parent = None
    for i in range(5):
        conf = put(saver, "t", {"blob": "x" * 20_000, "i": i}, parent=parent)
        saver.put_writes(conf, [("step", i)], "task")  # every older step has its writes
        parent = conf["configurable"]["checkpoint_id"]
    put(saver, "t", {"i": "final"}, parent=parent)  # the run's last checkpoint: no writes
    scanned: list[int] = []
    saver.io.client.meta.events.register(
        "after-call.dynamodb.Query", lambda parsed, **_: scanned.append(parsed["ScannedCount"])
    )
    tup = saver.get_tuple(cfg("t"))
    assert tup is not None and tup.checkpoint["channel_values"] == {"i": "final"}
    assert scanned == [2]  # the checkpoint and one small writes item, no older checkpoint
