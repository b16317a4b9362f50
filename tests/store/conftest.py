"""Store fixtures: moto (DynamoDB) and the AgentCore Memory twin, both in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from langgraph_agentcore.inprocess import async_client_factory, attach_moto
from langgraph_agentcore.store import AgentCoreMemoryStore
from langgraph_agentcore.twin import MemoryTwin
from tests.conftest import REGION, RequestCounter, unique_table

#: Fail fast when a test injects AgentCore faults (botocore would otherwise back off).
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})


def wire_twin(twin: MemoryTwin, counter: RequestCounter | None = None) -> Callable[[Any], Any]:
    """Wire a (sync or async) client to the twin, away from moto.

    Under ``mock_aws`` every client also carries moto's ``before-send`` stub, and botocore
    calls *all* ``before-send`` handlers, so moto raises NotImplementedError for
    AgentCore requests even after the twin answered (see the store report): drop it.
    """
    from moto.core.models import botocore_stubber

    def wire(client: Any) -> Any:
        client.meta.events.unregister("before-send", botocore_stubber)
        twin.attach(client)
        if counter is not None:
            counter.attach(client)
        return client

    return wire


def wire_http(counter: RequestCounter | None = None) -> Callable[[Any], Any]:
    """Let a (sync or async) client reach the twin's HTTP server: take moto's stub off."""
    from moto.core.models import botocore_stubber

    def wire(client: Any) -> Any:
        client.meta.events.unregister("before-send", botocore_stubber)
        if counter is not None:
            counter.attach(client)
        return client

    return wire


def wire_moto(counter: RequestCounter | None = None) -> Callable[[Any], Any]:
    def wire(client: Any) -> Any:
        attach_moto(client)
        if counter is not None:
            counter.attach(client)
        return client

    return wire


@dataclass
class Env:
    """moto + twin + a factory of stores on one table and memory."""

    twin: MemoryTwin
    memory_id: str
    table: str
    ddb: RequestCounter = field(default_factory=RequestCounter)
    ac: RequestCounter = field(default_factory=RequestCounter)
    stores: list[AgentCoreMemoryStore] = field(default_factory=list)

    def store(
        self,
        agent_id: str = "agent-1",
        *,
        retries: bool = False,
        memory_id: str | None = None,
        **kw: Any,
    ) -> AgentCoreMemoryStore:
        """A store with counted boto3 and aiobotocore clients of both services."""
        ddb = self.ddb.attach(boto3.client("dynamodb", region_name=REGION))
        cfg = None if retries else NO_RETRY
        ac = wire_twin(self.twin, self.ac)(
            boto3.client("bedrock-agentcore", region_name=REGION, config=cfg)
        )
        store = AgentCoreMemoryStore(
            memory_id or self.memory_id,
            self.table,
            agent_id,
            dynamodb_client=ddb,
            agentcore_client=ac,
            async_dynamodb_client_factory=async_client_factory(
                "dynamodb", wire=wire_moto(self.ddb), region_name=REGION
            ),
            async_agentcore_client_factory=async_client_factory(
                "bedrock-agentcore",
                wire=wire_twin(self.twin, self.ac),
                region_name=REGION,
                config=cfg,
            ),
            **kw,
        )
        self.stores.append(store)
        return store

    def http_store(self, url: str, agent_id: str = "agent-1", **kw: Any) -> AgentCoreMemoryStore:
        """A store whose AgentCore clients talk to the twin's loopback server at ``url``."""
        ddb = self.ddb.attach(boto3.client("dynamodb", region_name=REGION))
        ac = wire_http(self.ac)(
            boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=url, config=NO_RETRY)
        )
        store = AgentCoreMemoryStore(
            self.memory_id,
            self.table,
            agent_id,
            dynamodb_client=ddb,
            agentcore_client=ac,
            async_dynamodb_client_factory=async_client_factory(
                "dynamodb", wire=wire_moto(self.ddb), region_name=REGION
            ),
            async_agentcore_client_factory=async_client_factory(
                "bedrock-agentcore",
                wire=wire_http(self.ac),
                region_name=REGION,
                endpoint_url=url,
                config=NO_RETRY,
            ),
            **kw,
        )
        self.stores.append(store)
        return store

    def reset(self) -> None:
        self.ddb.reset()
        self.ac.reset()

    @property
    def data(self) -> Any:
        """A plain (uncounted) AgentCore data-plane client."""
        return wire_twin(self.twin)(boto3.client("bedrock-agentcore", region_name=REGION))


@pytest.fixture
def env() -> Iterator[Env]:
    with mock_aws():
        twin = MemoryTwin(extraction_delay=None)
        memory_id = twin.create_memory(
            "StoreTest", indexed_keys=[{"key": "lg_agent", "type": "STRING"}]
        )["id"]
        e = Env(twin, memory_id, unique_table())
        e.store().setup()
        e.reset()
        yield e
        twin.close()


@pytest.fixture
def store(env: Env) -> AgentCoreMemoryStore:
    return env.store()
