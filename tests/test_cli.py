"""The console commands as a user runs them."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_offline_and_the_thread_survives_a_new_session() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "langgraph_agentcore", "demo", "--thread-id", "t-1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "offline deterministic chat model" in out
    assert "Runtime session 2 (same thread; fresh saver and graph" in out
    session2, session3 = out.split("Runtime session 2")[1].split("Runtime session 3")
    assert "From this thread I remember that your name is Ada and you live in Lisbon" in session2
    assert "From long-term memory I remember that" in session3 and "Lisbon" in session3
    assert "The conversation survived new runtime sessions." in out
    history = [line for line in out.splitlines() if "source=" in line]
    assert len(history) == 9 and "step= 7" in history[0] and "step=-1" in history[-1]


def test_help_lists_both_commands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "langgraph_agentcore", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "demo" in proc.stdout and "local" in proc.stdout


# -- what a new user tripped over ------------------------------------------------------------

import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import boto3  # noqa: E402
import pytest  # noqa: E402

import langgraph_agentcore  # noqa: E402
from langgraph_agentcore import cli  # noqa: E402
from langgraph_agentcore.local import LocalStack, dynamodb_persist_path  # noqa: E402

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
