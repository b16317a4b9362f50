"""Small builders for checkpoint tests."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import Checkpoint, create_checkpoint, empty_checkpoint


def cfg(thread: str, ns: str = "", checkpoint_id: str | None = None) -> dict[str, Any]:
    conf: dict[str, Any] = {"thread_id": thread, "checkpoint_ns": ns}
    if checkpoint_id is not None:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def checkpoint(values: dict[str, Any] | None = None, step: int = 0) -> Checkpoint:
    """A fresh checkpoint (new time-ordered id) carrying ``values``."""
    cp = create_checkpoint(empty_checkpoint(), None, step)
    cp["channel_values"] = dict(values or {})
    cp["channel_versions"] = {k: f"{1:032}.0" for k in cp["channel_values"]}
    return cp


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a table (test inspection only)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        resp = client.scan(**kwargs)
        items += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            return items
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
