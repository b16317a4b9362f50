"""Every example in ``examples/`` runs offline, as a user runs it, so none of them rots.

Each example is a subprocess (``sys.executable examples/X.py``) on its own embedded local
stack; they start together (most of their time is start-up) and each must exit 0 and
print the lines that show it did its job. ``examples/runtime_app.py`` is an app, not a
script: ``tests/runtime`` serves it over HTTP and drives it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TIMEOUT = 180
#: Examples other tests run (how they are driven differs from a script's).
RUN_ELSEWHERE = {"runtime_app.py": "tests/runtime (served by the SDK's app over HTTP)"}


def _chatbot(out: str) -> None:
    thread_2 = out.split("Thread 2")[1]
    assert "From long-term memory I remember" in thread_2
    assert "<user_context>" in thread_2 and "- The user lives in Lisbon." in thread_2
    assert "- The user is vegetarian." in thread_2
    assert "thread 2 holds 2 messages" in thread_2  # the block never enters the thread


def _agent(out: str) -> None:
    process_2 = out.split("Process 2")[1]
    assert "your name is Ada and you live in Porto" in process_2  # read back after the restart
    assert "tool calls so far in this thread: get_weather" in out
    held = re.search(r"the thread has (\d+) messages", process_2)
    captured = re.search(r"(\d+) events with (\d+) messages", process_2)
    assert held and captured, process_2
    assert captured.group(1) == "3" and captured.group(2) == held.group(1)  # each once


def _langmem(out: str) -> None:
    assert re.search(r"tool manage_memory: created memory [0-9a-f-]{36}", out)
    thread_2, thread_3 = out.split("Thread 2")[1].split("Thread 3")
    assert "tool search_memory found ['Alice drinks oat milk flat whites']" in thread_2
    assert "tool search_memory found []" in thread_3  # another user finds nothing
    assert "['Alice drinks oat milk flat whites']" in out.split("In the store")[1]


def _time_travel(out: str) -> None:
    history = [line for line in out.splitlines() if re.match(r"\s+[0-9a-f-]{36}\s+step=", line)]
    assert len(history) == 9 and "step= 7" in history[0] and "step=-1" in history[-1]
    replay = out.split("Replay from step 6")[1].split("Fork")[0]
    assert "you live in Lisbon" in replay
    fork = out.split("Fork at step 3")[1]
    assert "you live in Porto" in fork.split("original branch")[0]
    assert "the original branch is intact:" in fork and "Lisbon" in fork.split("intact:")[1]
    assert "The thread now has 16 checkpoints (was 9)." in out


CHECKS: dict[str, Callable[[str], None]] = {
    "chatbot_stategraph.py": _chatbot,
    "create_agent_memory.py": _agent,
    "langmem_tools.py": _langmem,
    "time_travel.py": _time_travel,
}


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float


def _offline_env() -> dict[str, str]:
    """The user's environment without AWS settings (the examples must not need them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, Run]]:
    """Every checked example, started at once, each on its own local stack."""
    started = {
        name: (
            time.monotonic(),
            subprocess.Popen(
                [sys.executable, str(EXAMPLES / name)],
                cwd=ROOT,
                env=_offline_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for name in CHECKS
    }
    results: dict[str, Run] = {}
    try:
        for name, (t0, proc) in started.items():
            out, err = proc.communicate(timeout=TIMEOUT)
            results[name] = Run(proc.returncode, out, err, time.monotonic() - t0)
        yield results
    finally:
        for _, proc in started.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def test_every_example_is_run_by_a_test() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(CHECKS) | set(RUN_ELSEWHERE)
    for name in RUN_ELSEWHERE:
        assert name in (ROOT / "tests" / "runtime" / "support.py").read_text()


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs_offline(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    assert run.code == 0, f"{name} exited {run.code}\n{run.out}\n{run.err}"
    assert "Running on the embedded local stack on 127.0.0.1" in run.out
    assert "Model: offline deterministic chat model (no LLM is called)" in run.out
    assert "Traceback" not in run.err, run.err
    CHECKS[name](run.out)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_explains_itself(name: str) -> None:
    """A docstring that says what it shows and how to run it, offline and with --aws."""
    text = (EXAMPLES / name).read_text()
    doc = re.match(r'^"""(.*?)"""', text, re.S)
    assert doc, f"{name} has no module docstring"
    assert "What it shows" in doc.group(1) and f"python examples/{name}" in doc.group(1)
    assert f"python examples/{name} --aws" in doc.group(1)


def test_aws_without_credentials_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = _offline_env()
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "time_travel.py"), "--aws"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""  # nothing ran
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --aws needs AWS credentials"), lines


def test_aws_without_a_memory_id_says_how_to_give_one(tmp_path: Path) -> None:
    env = _offline_env()
    env.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="not-a-real-secret")
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(tmp_path / "none"))
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "chatbot_stategraph.py"), "--aws"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: --aws needs an AgentCore Memory")
    assert "Traceback" not in proc.stderr
