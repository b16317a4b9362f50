"""``langgraph-agentcore local`` as a subprocess: exports, both endpoints, clean SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from langgraph_agentcore.local import LocalStack

ROOT = Path(__file__).resolve().parents[2]
EXPORT = re.compile(r"^export ([A-Z_]+)=(.*)$")


def _start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "langgraph_agentcore.local", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    exports: dict[str, str] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = EXPORT.match(line.strip())
        if match:
            exports[match.group(1)] = match.group(2)
        if "AWS_REGION" in exports and (
            "AGENTCORE_MEMORY_ID" in exports or "--create-memory" not in args
        ):
            break
    return proc, exports


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=15)


def test_local_command_serves_both_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    persist = tmp_path / "stack.json"
    proc, exports = _start("--create-memory", "LocalDemo", "--persist", str(persist))
    try:
        for key in (
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE",
            "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
            "AGENTCORE_MEMORY_ID",
        ):
            assert key in exports, (key, exports)
        for url in (
            exports["AWS_ENDPOINT_URL_DYNAMODB"],
            exports["AWS_ENDPOINT_URL_BEDROCK_AGENTCORE"],
        ):
            assert url.startswith("http://127.0.0.1:")
        for key, value in exports.items():
            monkeypatch.setenv(key, value)
        session = boto3.session.Session()
        ddb = session.client("dynamodb")
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        assert "t" in ddb.list_tables()["TableNames"]
        mid = exports["AGENTCORE_MEMORY_ID"]
        memory = session.client("bedrock-agentcore-control").get_memory(memoryId=mid)["memory"]
        assert memory["status"] == "ACTIVE"
        assert {s["type"] for s in memory["strategies"]} == {
            "SEMANTIC",
            "USER_PREFERENCE",
            "SUMMARIZATION",
        }
        data = session.client("bedrock-agentcore")
        data.create_event(
            memoryId=mid,
            actorId="u1",
            sessionId="s1",
            eventTimestamp=time.time(),
            payload=[{"conversational": {"role": "USER", "content": {"text": "hi"}}}],
        )
        assert data.list_actors(memoryId=mid)["actorSummaries"] == [{"actorId": "u1"}]
    finally:
        code = _stop(proc)
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    assert persist.exists()  # state was written for the next run (see test_persistence)


def test_local_stack_in_process(dummy_aws: None) -> None:
    with LocalStack(extraction_delay=None) as stack:
        mid = stack.create_memory("InProc")
        env = stack.env()
        assert env["AGENTCORE_MEMORY_ID"] == mid
        assert stack.dynamodb_endpoint and stack.agentcore_endpoint
        control = boto3.client("bedrock-agentcore-control", endpoint_url=stack.agentcore_endpoint)
        assert control.get_memory(memoryId=mid)["memory"]["name"] == "InProc"
    assert stack.agentcore_endpoint is None
