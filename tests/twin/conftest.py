"""Fixtures of the AgentCore Memory contract suite.

Every contract test gets an ``env`` (:class:`tests.twin.support.Env`): boto3 clients of
both planes and a memory id, against the in-process twin, the twin's HTTP server on
loopback, or a real AgentCore Memory when ``AGENTCORE_MEMORY_ID`` and AWS credentials
are set (marked ``aws``, skipped otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from langgraph_agentcore.twin import MemoryTwin
from tests.twin.support import AWS_MEMORY_ID, DUMMY_ENV, INDEXED_KEYS, Env, aws_ready


@pytest.fixture
def dummy_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region, and no endpoint overrides from the environment."""
    for key, value in DUMMY_ENV.items():
        monkeypatch.setenv(key, value)
    for key in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE",
        "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL",
    ):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def twin(dummy_aws: None) -> Iterator[MemoryTwin]:
    """A fresh in-process twin with manual extraction and a short CREATING phase."""
    with MemoryTwin(extraction_delay=None, activation_delay=0.05) as t:
        yield t


@pytest.fixture
def twin_memory(twin: MemoryTwin) -> str:
    """An ACTIVE memory with the built-in strategies and two indexed keys."""
    return str(twin.create_memory("Contract", indexed_keys=INDEXED_KEYS)["id"])


@pytest.fixture(
    params=["inprocess", "http", pytest.param("aws", marks=pytest.mark.aws)],
)
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    """The contract target (see module docstring)."""
    kind = request.param
    if kind == "aws":
        if not aws_ready():
            pytest.skip("set AGENTCORE_MEMORY_ID and AWS credentials to run against AWS")
        yield Env(
            kind,
            boto3.client("bedrock-agentcore"),
            boto3.client("bedrock-agentcore-control"),
            str(AWS_MEMORY_ID),
        )
        return
    request.getfixturevalue("dummy_aws")
    twin: MemoryTwin = request.getfixturevalue("twin")
    memory_id: str = request.getfixturevalue("twin_memory")
    if kind == "inprocess":
        yield Env(
            kind,
            twin.client("bedrock-agentcore"),
            twin.client("bedrock-agentcore-control"),
            memory_id,
            twin,
        )
        return
    server = twin.serve()
    try:
        url = server.endpoint_url
        yield Env(
            kind,
            boto3.client("bedrock-agentcore", endpoint_url=url),
            boto3.client("bedrock-agentcore-control", endpoint_url=url),
            memory_id,
            twin,
            url,
        )
    finally:
        server.stop()
