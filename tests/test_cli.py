"""The console commands as a user runs them."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

import langgraph_agentcore
from langgraph_agentcore import cli
from langgraph_agentcore.local import LocalStack, dynamodb_persist_path


def test_help_lists_both_commands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "langgraph_agentcore", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "demo" in proc.stdout and "local" in proc.stdout


# -- what a new user tripped over ------------------------------------------------------------

EXPORT = re.compile(r"^export ([A-Z_]+)=(.*)$")
ACCESS_LOG = re.compile(r'"(GET|POST) / HTTP/1\.1" 200')


def test_version(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    version = langgraph_agentcore.__version__
    assert capsys.readouterr().out.strip() == f"langgraph-agentcore {version}"


def test_help_lists_every_registered_command(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for name, _, _ in cli.COMMANDS:
        assert name in out
    assert {"migrate", "threads", "demo", "local"} <= {name for name, _, _ in cli.COMMANDS}


def test_verbose_works_before_and_after_the_subcommand() -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["-v", "local"]).verbose is True
    assert parser.parse_args(["local", "--verbose"]).verbose is True
    assert parser.parse_args(["local"]).verbose is False


def _dynamodb(stack_env: dict[str, str]) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=stack_env["AWS_ENDPOINT_URL_DYNAMODB"],
        region_name=stack_env["AWS_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_local_stack_logs_requests_at_debug_not_on_stderr(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with LocalStack(extraction_delay=None) as stack:
        _dynamodb(stack.env()).list_tables()
    err = capfd.readouterr().err
    assert not ACCESS_LOG.search(err), err  # no werkzeug line printed
    assert not [r for r in caplog.records if r.name == "werkzeug"]
    lines = [r.getMessage() for r in caplog.records if r.name == "langgraph_agentcore.local"]
    assert any(line.startswith("dynamodb POST / HTTP/1.1 ListTables -> 200") for line in lines)


def _start_local(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "langgraph_agentcore", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    exports: dict[str, str] = {}
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "AGENTCORE_MEMORY_ID" not in exports:
        line = proc.stdout.readline()
        if not line:
            break
        match = EXPORT.match(line.strip())
        if match:
            exports[match.group(1)] = match.group(2)
    assert "AGENTCORE_MEMORY_ID" in exports, proc.stderr.read() if proc.stderr else ""
    return proc, exports


def _stop_local(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return err


def test_local_persist_keeps_dynamodb_and_the_twin_across_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_core.messages import HumanMessage

    from langgraph_agentcore.checkpoint import DynamoDBSaver
    from langgraph_agentcore.demo import build_graph

    persist = tmp_path / "new-dir" / "stack.json"  # the directory is created
    config = {"configurable": {"thread_id": "t-restart"}}
    proc, exports = _start_local("local", "--persist", str(persist), "--create-memory", "dev")
    try:
        for key, value in exports.items():
            monkeypatch.setenv(key, value)
        saver = DynamoDBSaver("agents", "bot")
        saver.setup()
        build_graph(saver).invoke({"messages": [HumanMessage("my name is Ada")]}, config)
        before = saver.get_tuple(config)
        events = boto3.client("bedrock-agentcore")
        events.create_event(
            memoryId=exports["AGENTCORE_MEMORY_ID"],
            actorId="ada",
            sessionId="s1",
            eventTimestamp=time.time(),
            payload=[{"conversational": {"role": "USER", "content": {"text": "hi"}}}],
        )
        saver.close()
    finally:
        err = _stop_local(proc)
    assert not ACCESS_LOG.search(err), err  # quiet by default
    snapshot = json.loads(Path(dynamodb_persist_path(str(persist))).read_text())
    assert [t["TableName"] for t in snapshot["tables"]] == ["agents"]

    proc, exports2 = _start_local(
        "local", "--verbose", "--persist", str(persist), "--create-memory", "dev"
    )
    try:
        for key, value in exports2.items():
            monkeypatch.setenv(key, value)
        assert exports2["AGENTCORE_MEMORY_ID"] == exports["AGENTCORE_MEMORY_ID"]
        saver = DynamoDBSaver("agents", "bot")
        after = saver.get_tuple(config)
        assert after is not None and before is not None
        assert after.checkpoint == before.checkpoint and after.metadata == before.metadata
        assert len(list(saver.list(config))) == len(list(saver.list(config)))
        listed = boto3.client("bedrock-agentcore").list_events(
            memoryId=exports2["AGENTCORE_MEMORY_ID"], actorId="ada", sessionId="s1"
        )
        assert len(listed["events"]) == 1
        saver.close()
    finally:
        err = _stop_local(proc)
    assert "dynamodb POST / HTTP/1.1 Query -> 200" in err  # --verbose shows each request


def test_local_stack_saves_dynamodb_soon_after_a_change(tmp_path: Path, dummy_env: None) -> None:
    persist = tmp_path / "s.json"
    with LocalStack(extraction_delay=None, persist_path=str(persist), persist_interval=0.05) as st:
        ddb = _dynamodb(st.env())
        ddb.create_table(
            TableName="snap",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName="snap", Item={"pk": {"S": "a"}, "blob": {"B": b"\x00\xff"}})
        path = Path(st.dynamodb_persist_path or "")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # written by the background saver, not on stop
            if path.exists() and '"pk": {"S": "a"}' in path.read_text():
                break
            time.sleep(0.05)
        else:
            pytest.fail("the snapshot was not written while the stack ran")
        ddb.delete_table(TableName="snap")  # as if this were a fresh process
        st._restore()
        item = ddb.get_item(TableName="snap", Key={"pk": {"S": "a"}})["Item"]
        assert item["blob"]["B"] == b"\x00\xff"
        ddb.delete_table(TableName="snap")


@pytest.fixture
def dummy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


# -- demo (v2) ---------------------------------------------------------------------------------


def _clean_aws_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def test_demo_runs_offline_and_shows_the_whole_mission(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "langgraph_agentcore", "demo", "--thread-id", "t-1"],
        env=_clean_aws_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
    out = proc.stdout
    assert "Model: offline deterministic chat model (no LLM is called)" in out
    s1, rest = out.split("== Session 1")[1].split("== Extraction")
    extraction, rest = rest.split("== Session 2")
    s2, s3 = rest.split("== Session 3")
    # session 1: the turns, a tool loop, and the AgentCore events they became
    assert "agent calls get_weather(city='Lisbon')" in s1
    assert "agent calls save_favourite(place='Time Out Market')" in s1
    assert "3 turns, 10 messages in the thread; AgentCore Memory has 3 events with 10" in s1
    assert "the store, written by the save_favourite tool: ['likes Time Out Market']" in s1
    # extraction: a table of records with strategy, namespace, text and record id
    assert re.search(r"strategy\s+namespace\s+text\s+record id", extraction)
    row = r"{}\s+/users/ada-\w+/{}\s+{}\s+mem-[0-9a-f-]{{36}}"
    assert re.search(row.format("facts", "facts", r"The user lives in Lisbon\."), extraction)
    vegetarian = row.format("preferences", "preferences", r"The user is vegetarian\.")
    assert re.search(vegetarian, extraction)
    assert re.search(r"summaries\s+/summaries/ada-\w+/t-1\s+Summary of session t-1", extraction)
    assert re.search(r"\d+ records after [\d.]+ s \(\d+ polls\)", extraction)
    # session 2: the recalled block the model received, and its answer from it
    assert "| <user_context>\n    | - The user" in s2 and "| </user_context>" in s2
    assert "- The user lives in Lisbon." in s2 and "- The user is vegetarian." in s2
    assert "agent: From long-term memory I remember:" in s2
    # session 3: the resumed thread, its history, requests per service
    assert "your name is Ada and you live in Lisbon. (turn 4)" in s3
    history = [line for line in s3.splitlines() if re.match(r"    (human|ai|tool) ", line)]
    assert len(history) == 12 and history[0].startswith("    human  Hi, I'm Ada.")
    # ListEvents: fresh objects check, once, that the thread's previous capture got through
    assert re.search(
        r"bedrock-agentcore\s+5  \(CreateEvent 1, ListEvents 1, RetrieveMemoryRecords 3\)", s3
    )
    assert re.search(r"dynamodb\s+\d+  \(PutItem \d+, Query \d+, UpdateItem \d+\)", s3)
    success = out.rstrip().splitlines()[-1]
    assert success.startswith("OK: session 1's thread survived fresh objects (12 messages")


@pytest.mark.parametrize("fault", ["recall returns nothing", "captures are lost"])
def test_demo_fails_loudly_when_a_check_does_not_hold(
    fault: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from langgraph_agentcore.memory import AgentCoreMemory

    if fault == "recall returns nothing":
        monkeypatch.setattr(AgentCoreMemory, "recall", lambda self, *a, **kw: [])
    else:
        monkeypatch.setattr(AgentCoreMemory, "capture_in_background", lambda self, *a, **kw: None)
    code = cli.main(["demo", "--extraction-timeout", "1.5"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "OK:" not in out
    failed = out.rstrip().splitlines()[-1]
    assert failed.startswith("FAILED: ") and "session 2 recalled nothing" in failed
    if fault == "captures are lost":
        assert "AgentCore has 0 messages of the thread's 12" in failed


def test_demo_aws_without_credentials_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "langgraph_agentcore", "demo", "--aws", "--create-memory"],
        env=_clean_aws_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --aws needs AWS credentials"), lines


def test_demo_aws_path_with_create_memory_against_a_stand_in_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """``--aws --create-memory`` end to end, with the local stack standing in for AWS.

    The environment points boto3 at the stack (as ``langgraph-agentcore local`` prints
    it); only the Bedrock model is replaced by the offline one. CreateMemory goes through
    the control plane and the demo waits for CREATING -> ACTIVE.
    """
    from langgraph_agentcore import targets

    monkeypatch.setattr(targets.Target, "chat_model", lambda self, offline: offline())
    with LocalStack(extraction_delay=0.5) as stack:
        for key, value in stack.env().items():
            monkeypatch.setenv(key, value)
        code = cli.main(["demo", "--aws", "--create-memory", "--table", "aws-path"])
        out = capsys.readouterr().out
        memories = boto3.client("bedrock-agentcore-control").list_memories()["memories"]
    assert code == 0, out
    assert "Running on AWS, region us-east-1" in out
    (memory,) = memories
    assert f"Created memory {memory['id']} (semantic, user preference, summary" in out
    assert "| <user_context>" in out and out.rstrip().splitlines()[-1].startswith("OK: ")


def test_demo_aws_path_with_a_memory_id_of_another_namespace_layout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """``--aws --memory-id``: recall and listing follow the memory's own strategies (here the
    console's ``/strategies/{memoryStrategyId}/actors/{actorId}`` layout), not a fixed one."""
    from langgraph_agentcore import targets

    monkeypatch.setattr(targets.Target, "chat_model", lambda self, offline: offline())
    actors = "/strategies/{memoryStrategyId}/actors/{actorId}"
    strategies = [
        {"semanticMemoryStrategy": {"name": "semantic", "namespaces": [actors]}},
        {"userPreferenceMemoryStrategy": {"name": "prefs", "namespaces": [actors]}},
        {"summaryMemoryStrategy": {"name": "summary", "namespaces": [actors + "/{sessionId}"]}},
    ]
    with LocalStack(extraction_delay=0.5) as stack:
        for key, value in stack.env().items():
            monkeypatch.setenv(key, value)
        memory_id = stack.twin.create_memory("Console", strategies=strategies)["id"]
        code = cli.main(["demo", "--aws", "--memory-id", memory_id, "--table", "aws-layout"])
        out = capsys.readouterr().out
    assert code == 0, out
    assert f"Recalling from {actors}, {actors}/{{sessionId}}" in out
    assert re.search(r"semantic\s+/strategies/semantic-\w+/actors/ada-\S+\s+The user lives", out)
    assert re.search(r"prefs\s+/strategies/prefs-\w+/actors/ada-\S+\s+The user is vegetarian", out)
    assert "| - The user lives in Lisbon." in out.split("== Session 2")[1]
