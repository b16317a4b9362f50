"""Shared fixtures: dummy AWS credentials, moto in-process and on loopback, savers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach real AWS: dummy credentials, a fixed region, no endpoints."""
    for var in list(os.environ):
        if var.startswith("AWS_") and not var.startswith("AWS_TEST_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on loopback (ephemeral port) for the whole test session."""
    from moto.server import ThreadedMotoServer

    from langgraph_agentcore.wsgi import serialize_moto

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    serialize_moto(server)  # moto's backend loses concurrent first writes to a new partition
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def unique_table() -> str:
    """A fresh table name, so tests sharing a moto server never collide."""
    return f"t-{uuid.uuid4().hex[:12]}"


class RequestCounter:
    """Counts HTTP requests per operation through botocore's ``before-send`` event."""

    def __init__(self) -> None:
        self.ops: list[str] = []

    def __call__(self, event_name: str = "", **_: Any) -> None:
        self.ops.append(event_name.rsplit(".", 1)[-1])

    def attach(self, client: Any) -> Any:
        client.meta.events.register_first("before-send", self)
        return client

    def reset(self) -> None:
        self.ops.clear()

    @property
    def total(self) -> int:
        return len(self.ops)


@pytest.fixture
def counter() -> RequestCounter:
    return RequestCounter()


def sync_client(endpoint_url: str | None = None, config: Any = None) -> Any:
    """A boto3 DynamoDB client (in-process under mock_aws when endpoint_url is None)."""
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint_url, config=config)
