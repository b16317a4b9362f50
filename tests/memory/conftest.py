"""Memory-loop fixtures: the AgentCore Memory twin (in-process or over HTTP) and moto DynamoDB.

``mem_env`` is parametrized over the twin's two transports ("inprocess": botocore's
``before-send`` hook, no sockets; "http": the twin's loopback server). DynamoDB is moto
in-process in both. :meth:`MemEnv.memory` builds an :class:`AgentCoreMemory` whose sync and
async clients of all three services are counted per operation.

Reusable by other memory tests (``tests/memory/test_middleware*.py``)::

    def test_x(mem_env):
        memory = mem_env.memory()                  # facts + preferences + summaries
        memory.capture([...], actor_id="alice", session_id="s1")
        mem_env.extract()                          # run the twin's extraction now
        assert mem_env.ac.ops == ["CreateEvent"]   # requests per operation
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from langgraph_agentcore.inprocess import _AttachingClientContext, attach_moto
from langgraph_agentcore.memory import AgentCoreMemory, RetrievalConfig
from langgraph_agentcore.table import TableIO, setup_plan
from langgraph_agentcore.twin import MemoryTwin
from tests.conftest import REGION, RequestCounter, unique_table

#: Fail fast when a test injects AgentCore faults (botocore would otherwise back off).
NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})

FACTS = "/users/{actorId}/facts"
PREFERENCES = "/users/{actorId}/preferences"
SUMMARIES = "/summaries/{actorId}/{sessionId}"


_SESSIONS: dict[str, Any] = {}


def session() -> Any:
    """One boto3 session for every test: its loader caches endpoints and service models
    (a fresh default session per test reloads them, seconds on a loaded machine)."""
    if "sync" not in _SESSIONS:
        _SESSIONS["sync"] = boto3.session.Session(region_name=REGION)
    return _SESSIONS["sync"]


def async_client_factory(service: str, wire: Any, **client_kwargs: Any) -> Any:
    """Like ``inprocess.async_client_factory``, with one shared aiobotocore session."""

    def factory() -> Any:
        if "async" not in _SESSIONS:
            from aiobotocore.session import get_session

            _SESSIONS["async"] = get_session()
        return _AttachingClientContext(
            _SESSIONS["async"].create_client(service, **client_kwargs), wire
        )

    return factory


def default_retrieval() -> dict[str, RetrievalConfig]:
    """The twin's built-in strategies (semantic, user preference, summary), low thresholds."""
    return {
        FACTS: RetrievalConfig(top_k=5, relevance_score=0.0),
        PREFERENCES: RetrievalConfig(top_k=5, relevance_score=0.0),
        SUMMARIES: RetrievalConfig(top_k=3, relevance_score=0.0),
    }


def _unstub(client: Any) -> Any:
    """Take moto's ``before-send`` stub off a client (it would answer AgentCore calls too)."""
    from moto.core.models import botocore_stubber

    client.meta.events.unregister("before-send", botocore_stubber)
    return client


@dataclass
class MemEnv:
    """A twin memory with the built-in strategies, a moto table, counters, a factory."""

    kind: str
    twin: MemoryTwin
    memory_id: str
    table: str
    endpoint_url: str | None = None
    ddb: RequestCounter = field(default_factory=RequestCounter)
    ac: RequestCounter = field(default_factory=RequestCounter)
    ctl: RequestCounter = field(default_factory=RequestCounter)
    memories: list[AgentCoreMemory] = field(default_factory=list)
    _data: Any = None
    _ddb: Any = None

    # -- clients --------------------------------------------------------------------------

    def _wire_agentcore(self, counter: RequestCounter | None) -> Any:
        def wire(client: Any) -> Any:
            _unstub(client)
            if self.endpoint_url is None:
                self.twin.attach(client)
            if counter is not None:
                counter.attach(client)
            return client

        return wire

    def _wire_ddb(self, counter: RequestCounter | None) -> Any:
        def wire(client: Any) -> Any:
            attach_moto(client)
            if counter is not None:
                counter.attach(client)
            return client

        return wire

    def agentcore_client(
        self,
        service: str = "bedrock-agentcore",
        *,
        config: Config | None = None,
        counted: bool = True,
    ) -> Any:
        """A boto3 client of one AgentCore plane (counted into ``ac`` / ``ctl``)."""
        counter = (self.ac if service == "bedrock-agentcore" else self.ctl) if counted else None
        client = session().client(
            service, region_name=REGION, endpoint_url=self.endpoint_url, config=config
        )
        return self._wire_agentcore(counter)(client)

    @property
    def data(self) -> Any:
        """An uncounted data-plane client (for assertions: ListEvents, ...)."""
        if self._data is None:
            self._data = self.agentcore_client(counted=False)
        return self._data

    def memory(
        self,
        retrieval: Mapping[str, RetrievalConfig] | None = None,
        *,
        table: bool = True,
        retries: bool = False,
        **kw: Any,
    ) -> AgentCoreMemory:
        """An AgentCoreMemory on this env (``table=False``: no outbox table).

        ``retries=False`` (default) makes AgentCore failures surface at once.
        """
        cfg = None if retries else NO_RETRY
        ac_kw: dict[str, Any] = {"region_name": REGION, "endpoint_url": self.endpoint_url}
        if cfg is not None:
            ac_kw["config"] = cfg
        memory = AgentCoreMemory(
            self.memory_id,
            retrieval=default_retrieval() if retrieval is None else retrieval,
            table_name=self.table if table else None,
            agent_id="agent-1",
            dynamodb_client=self._wire_ddb(self.ddb)(session().client("dynamodb")),
            agentcore_client=self.agentcore_client(config=cfg),
            control_client=self.agentcore_client("bedrock-agentcore-control", config=cfg),
            async_dynamodb_client_factory=async_client_factory(
                "dynamodb", wire=self._wire_ddb(self.ddb), region_name=REGION
            ),
            async_agentcore_client_factory=async_client_factory(
                "bedrock-agentcore", wire=self._wire_agentcore(self.ac), **ac_kw
            ),
            async_control_client_factory=async_client_factory(
                "bedrock-agentcore-control", wire=self._wire_agentcore(self.ctl), **ac_kw
            ),
            **kw,
        )
        self.memories.append(memory)
        return memory

    # -- helpers --------------------------------------------------------------------------

    def extract(self) -> int:
        """Run the twin's pending extractions now (AWS does it asynchronously)."""
        return self.twin.run_extractions()

    def reset(self) -> None:
        self.ddb.reset()
        self.ac.reset()
        self.ctl.reset()

    def events(self, actor: str, session: str) -> list[dict[str, Any]]:
        """Every event of one AgentCore actor/session (ids already encoded), oldest first."""
        pages = self.data.get_paginator("list_events").paginate(
            memoryId=self.memory_id, actorId=actor, sessionId=session, includePayloads=True
        )
        return [e for page in pages for e in page["events"]][::-1]

    def texts(self, actor: str, session: str) -> list[str]:
        """The conversational texts of one session's events, in order."""
        return [
            item["conversational"]["content"]["text"]
            for e in self.events(actor, session)
            for item in e["payload"]
            if "conversational" in item
        ]

    def outbox_items(self) -> list[dict[str, Any]]:
        """The table's outbox items (uncounted)."""
        if self._ddb is None:
            self._ddb = attach_moto(session().client("dynamodb"))
        resp = self._ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues={":pk": {"S": "agent#agent-1"}, ":p": {"S": "outbox#"}},
            ConsistentRead=True,
        )
        return list(resp["Items"])


def _make_env(kind: str) -> Iterator[MemEnv]:
    with mock_aws():
        twin = MemoryTwin(extraction_delay=None)
        memory_id = twin.create_memory("MemoryLoop")["id"]
        table = unique_table()
        io = TableIO(table, client=session().client("dynamodb"))
        io.run(setup_plan(table, "pk", "sk", None))
        server = twin.serve() if kind == "http" else None
        env = MemEnv(kind, twin, memory_id, table, server.endpoint_url if server else None)
        try:
            yield env
        finally:
            for m in env.memories:
                m._stop_worker()
            if server is not None:
                server.stop()
            twin.close()


@pytest.fixture(params=["inprocess", "http"])
def mem_env(request: pytest.FixtureRequest) -> Iterator[MemEnv]:
    """The memory-loop environment on both twin transports."""
    yield from _make_env(request.param)


@pytest.fixture
def mem_env_inprocess() -> Iterator[MemEnv]:
    """The in-process environment only (faults, counting corner cases)."""
    yield from _make_env("inprocess")


@pytest.fixture
def mem_env_http() -> Iterator[MemEnv]:
    """The HTTP environment only (timeouts: in-process latency blocks the event loop)."""
    yield from _make_env("http")
