"""Helpers of the AgentCore Memory contract suite (the fixtures live in conftest.py).

Every contract test gets a :class:`Env`: boto3 clients of both planes and a memory id.
It runs against (1) the twin in-process, (2) the twin's HTTP server on loopback and
(3) a real AgentCore Memory when ``AGENTCORE_MEMORY_ID`` and AWS credentials are set.
The memory has the built-in strategies (facts, preferences, summaries) and indexed
keys ``topic`` (STRING) and ``priority`` (NUMBER).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config

from langgraph_agentcore.twin import MemoryTwin

AWS_MEMORY_ID = os.environ.get("AGENTCORE_MEMORY_ID")
INDEXED_KEYS = [{"key": "topic", "type": "STRING"}, {"key": "priority", "type": "NUMBER"}]
DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def aws_ready() -> bool:
    if not AWS_MEMORY_ID:
        return False
    return boto3.session.Session().get_credentials() is not None


@dataclass
class Env:
    """One contract target: clients of both planes, a ready memory, and helpers."""

    kind: str
    data: Any
    control: Any
    memory_id: str
    twin: MemoryTwin | None = None
    endpoint_url: str | None = None
    _clock: list[float] = field(default_factory=lambda: [0.0])

    @property
    def is_twin(self) -> bool:
        return self.twin is not None

    def require_twin(self) -> MemoryTwin:
        """Skip on real AWS (for behaviour only the twin can be driven to)."""
        if self.twin is None:
            pytest.skip("needs the twin (controls time, faults or extraction)")
        return self.twin

    def ts(self) -> datetime:
        """Strictly increasing event timestamps (1 ms apart) starting now."""
        self._clock[0] += 1
        return datetime.now(timezone.utc) + timedelta(milliseconds=self._clock[0])

    def data_client(self, **config: Any) -> Any:
        """Another data-plane client with a botocore Config (e.g. retries)."""
        cfg = Config(**config)
        if self.twin is not None and self.endpoint_url is None:
            return self.twin.client("bedrock-agentcore", config=cfg)
        kwargs: dict[str, Any] = {"config": cfg}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        return boto3.client("bedrock-agentcore", **kwargs)

    def extract(self, until: Callable[[], bool] | None = None, timeout: float = 180.0) -> None:
        """Make long-term extraction happen: at once on the twin, by polling on AWS."""
        if self.twin is not None:
            self.twin.run_extractions()
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until is not None and until():
                return
            time.sleep(5)
        if until is None:
            return
        raise AssertionError("extraction did not produce the expected records in time")

    def say(self, actor: str, session: str, *turns: tuple[str, str], **extra: Any) -> dict:
        """CreateEvent with conversational turns ``(role, text)``; returns the event."""
        payload = [
            {"conversational": {"role": role, "content": {"text": text}}} for role, text in turns
        ]
        return self.data.create_event(
            memoryId=self.memory_id,
            actorId=actor,
            sessionId=session,
            eventTimestamp=self.ts(),
            payload=payload,
            **extra,
        )["event"]


def unique(prefix: str = "t") -> str:
    """A fresh id valid as actor, session or requestIdentifier."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
