"""Saver fixtures for both transports: moto in-process and moto server on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.inprocess import async_client_factory
from tests.conftest import REGION, RequestCounter, sync_client, unique_table

SaverFactory = Callable[..., DynamoDBSaver]


def _wire(counter: RequestCounter | None) -> Callable[[Any], Any]:
    from langgraph_agentcore.inprocess import attach_moto

    def wire(client: Any) -> Any:
        attach_moto(client)
        if counter is not None:
            counter.attach(client)
        return client

    return wire


@pytest.fixture(params=["inprocess", "server"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_saver(
    transport: str, request: pytest.FixtureRequest, counter: RequestCounter
) -> Iterator[SaverFactory]:
    """Build savers on a fresh table over the selected transport; requests are counted."""
    if transport == "inprocess":
        mock = mock_aws()
        mock.start()
        endpoint = None
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
    table = unique_table()

    def factory(
        table_name: str | None = None,
        agent_id: str = "agent-1",
        client_config: Any = None,
        **kw: Any,
    ) -> DynamoDBSaver:
        name = table_name or table
        client = counter.attach(sync_client(endpoint, client_config))
        if endpoint is None:
            afactory = async_client_factory("dynamodb", wire=_wire(counter), region_name=REGION)
        else:
            afactory = async_client_factory(
                "dynamodb", wire=counter.attach, region_name=REGION, endpoint_url=endpoint
            )
        saver = DynamoDBSaver(name, agent_id, client=client, async_client_factory=afactory, **kw)
        return saver

    factory(table).setup()
    counter.reset()
    yield factory
    if transport == "inprocess":
        mock.stop()
