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
