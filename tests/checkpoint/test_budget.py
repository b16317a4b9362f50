"""Request budget per operation, asserted on both transports (moto in-process and server)."""

from __future__ import annotations

from typing import Any

from tests.checkpoint.helpers import cfg, checkpoint


def put(saver: Any, thread: str, values: dict[str, Any], parent: str | None = None) -> Any:
    return saver.put(cfg(thread, "", parent), checkpoint(values), {}, {})


def test_request_budget_per_operation(make_saver: Any, counter: Any) -> None:
    saver = make_saver()
    c1 = put(saver, "t", {"messages": ["hi"]})
    assert counter.ops == ["PutItem"]
    counter.reset()
    saver.put_writes(c1, [("a", 1), ("b", 2), ("c", 3)], "task-1")
    assert counter.ops == ["UpdateItem"]
    saver.put_writes(c1, [("a", 4)], "task-2")
    counter.reset()
    tup = saver.get_tuple(cfg("t"))
    assert counter.ops == ["Query"]
    assert tup is not None and [w[1:] for w in tup.pending_writes] == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
        ("a", 4),
    ]
    put(saver, "t", {"messages": ["hi", "there"]}, parent=c1["configurable"]["checkpoint_id"])
    counter.reset()
    assert len(list(saver.list(cfg("t")))) == 2
    assert counter.ops == ["Query"]
    counter.reset()
    assert saver.get_tuple(c1) is not None
    assert counter.ops == ["Query"]
