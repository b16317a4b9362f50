"""Client ownership and defaults of the table I/O layer."""

from __future__ import annotations

from typing import Any

import boto3

from langgraph_agentcore.table import DEFAULT_CONFIG, TableIO


def test_owned_clients_are_closed_and_rebuilt_users_clients_are_left_alone(
    monkeypatch: Any,
) -> None:
    io = TableIO("t", region_name="us-east-1")
    first = io.client
    closed: list[Any] = []
    monkeypatch.setattr(first, "close", lambda: closed.append(first))
    io.close()
    assert closed == [first]
    assert io.client is not first  # a later use builds a fresh client

    mine = boto3.client("dynamodb", region_name="us-east-1")
    monkeypatch.setattr(mine, "close", lambda: closed.append(mine))
    user = TableIO("t", client=mine)
    user.close()
    assert mine not in closed and user.client is mine


def test_default_pool_serves_hundreds_of_concurrent_requests() -> None:
    assert DEFAULT_CONFIG.max_pool_connections >= 256
    assert TableIO("t", region_name="us-east-1").client.meta.config.max_pool_connections >= 256
