"""Helpers of the runtime tests: the local stack, app subprocesses, AgentCore-style requests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx

from langgraph_agentcore.local import LocalStack
from langgraph_agentcore.serve import iter_sse, runtime_headers

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/runtime_app.py:app"
AGENT_ID = "runtime-tests"


def new_session(label: str) -> str:
    """A runtime session id AgentCore accepts (33+ characters), unique per call."""
    return f"{label}-{uuid.uuid4().hex}"


def headers(session: str | None, actor: str | None = None, **kw: Any) -> dict[str, str]:
    """The headers AgentCore Runtime sends (a local bearer token naming ``actor``)."""
    return runtime_headers(session, actor=actor, **kw)


@dataclass
class Stack:
    """The local stack of a test module, plus what the app processes need to use it."""

    local: LocalStack
    table: str
    memory_id: str
    env: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        url = (
            self.local.dynamodb_endpoint if service == "dynamodb" else self.local.agentcore_endpoint
        )
        return boto3.client(
            service,
            endpoint_url=url,
            region_name=self.local.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def item_count(self) -> int:
        """Every item in the table (threads of all tests, outbox items)."""
        pages = (
            self.client("dynamodb")
            .get_paginator("scan")
            .paginate(TableName=self.table, Select="COUNT")
        )
        return sum(page["Count"] for page in pages)

    def events(self) -> dict[tuple[str, str], list[str]]:
        """Every AgentCore event's texts, by (actor id, session id)."""
        data = self.client("bedrock-agentcore")
        out: dict[tuple[str, str], list[str]] = {}
        actors = data.get_paginator("list_actors").paginate(memoryId=self.memory_id)
        for page in actors:
            for actor in page["actorSummaries"]:
                sessions = data.get_paginator("list_sessions").paginate(
                    memoryId=self.memory_id, actorId=actor["actorId"]
                )
                for spage in sessions:
                    for sess in spage["sessionSummaries"]:
                        key = (actor["actorId"], sess["sessionId"])
                        events = data.get_paginator("list_events").paginate(
                            memoryId=self.memory_id,
                            actorId=key[0],
                            sessionId=key[1],
                            includePayloads=True,
                        )
                        newest_first = [e for epage in events for e in epage["events"]]
                        out[key] = [
                            item["conversational"]["content"]["text"]
                            for event in reversed(newest_first)
                            for item in event["payload"]
                            if "conversational" in item
                        ]
        return out


def start_stack() -> Stack:
    """LocalStack with manual extraction, a table and a memory, and the apps' environment."""
    from langgraph_agentcore.checkpoint import DynamoDBSaver

    local = LocalStack(extraction_delay=None).start()
    table = f"runtime-{uuid.uuid4().hex[:8]}"
    memory_id = local.create_memory("RuntimeTests")
    saver = DynamoDBSaver(
        table,
        AGENT_ID,
        endpoint_url=local.dynamodb_endpoint,
        region_name=local.region,
        client=boto3.client(
            "dynamodb",
            endpoint_url=local.dynamodb_endpoint,
            region_name=local.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ),
    )
    saver.setup()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AGENTCORE_"))}
    env.update(local.env())
    env.update(
        {
            "AGENTCORE_TABLE": table,
            "AGENTCORE_AGENT_ID": AGENT_ID,
            "AGENTCORE_MEMORY_ID": memory_id,
            "AGENTCORE_MODEL": "offline",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return Stack(local, table, memory_id, env)


class AppProcess:
    """``langgraph-agentcore serve TARGET --port 0`` in a subprocess (one microVM)."""

    def __init__(
        self, target: str, env: dict[str, str], *, extra: Sequence[str] = (), wait: float = 60.0
    ) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            "w+", prefix="runtime-app-", suffix=".log", delete=False
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "langgraph_agentcore", "serve", target, "--port", "0", *extra],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = self._wait_for_address(wait)
        self.http = httpx.Client(base_url=self.url, timeout=60.0)

    def _wait_for_address(self, wait: float) -> str:
        deadline = time.monotonic() + wait
        marker = "serving on "
        while time.monotonic() < deadline:
            text = Path(self.log.name).read_text()
            for line in text.splitlines():
                if line.startswith(marker):
                    return line[len(marker) :].split()[0]
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self.proc.returncode}:\n{text}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the app did not start within {wait}s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def settle(self, timeout: float = 20.0) -> None:
        """Wait until ``/ping`` says Healthy: no run in flight, every capture delivered."""
        deadline = time.monotonic() + timeout
        while self.http.get("/ping").json()["status"] != "Healthy":
            assert time.monotonic() < deadline, "the app stayed HealthyBusy"
            time.sleep(0.02)

    def invoke(self, session: str | None, actor: str | None = None, **payload: Any) -> Any:
        """POST /invocations as AgentCore Runtime does; the httpx response."""
        return self.http.post("/invocations", json=payload, headers=headers(session, actor))

    def turn(self, session: str, actor: str, prompt: str) -> dict[str, Any]:
        response = self.invoke(session, actor, prompt=prompt)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def stop(self) -> int:
        """SIGTERM (uvicorn's graceful shutdown, which flushes memory); the exit code."""
        if hasattr(self, "http"):
            self.http.close()
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()
        return self.proc.returncode


def sse_events(response: httpx.Response) -> list[Any]:
    """The JSON events of a ``text/event-stream`` response, in order."""
    assert response.headers["content-type"].startswith("text/event-stream"), response.text
    return list(iter_sse(iter(line.encode() + b"\n" for line in response.text.split("\n"))))
