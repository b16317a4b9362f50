"""``langgraph-agentcore serve --local`` (a subprocess) and ``invoke`` as a user runs them."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

import httpx
import pytest

from langgraph_agentcore.cli import main
from tests.runtime.support import EXAMPLE, AppProcess, headers, new_session


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def test_serve_local_then_invoke(capsys: pytest.CaptureFixture[str]) -> None:
    def _invoke(url: str, *args: str) -> Result:
        """``langgraph-agentcore invoke ...`` (in this process: the server is the subprocess)."""
        code = main(["invoke", "--url", url, *args])
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AGENTCORE_"))}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    app = AppProcess(EXAMPLE, env, extra=["--local", "--extraction-delay", "0.2"])
    try:
        assert "local stack: DynamoDB http://127.0.0.1:" in app.output()
        session = new_session("cli")
        told = _invoke(app.url, "--session", session, "--actor", "ada", "I live in Porto.")
        assert (told.returncode, told.stdout) == (0, "Noted: place = Porto. (turn 1)\n"), told
        streamed = _invoke(app.url, "--session", session, "--actor", "ada", "--stream", "Where?")
        assert streamed.returncode == 0, streamed.stderr
        assert streamed.stdout == "From this thread I remember that you live in Porto. (turn 2)\n"
        raw = _invoke(app.url, "--session", session, "--actor", "ada", "--stream", "--json", "Hm?")
        events = [json.loads(line) for line in raw.stdout.splitlines()]
        assert events[0]["event"] in ("token", "update") and events[-1]["thread_id"] == session
        booking = _invoke(
            app.url, "--session", session, "--actor", "ada", "Book a table for 3 at Tasca"
        )
        assert booking.returncode == 0, booking.stderr
        assert booking.stdout.splitlines()[0] == "(no reply)"
        assert '{"question": "Book a table for 3 at Tasca?"' in booking.stdout
        assert "--resume" in booking.stdout
        resumed = _invoke(app.url, "--session", session, "--actor", "ada", "--resume", "yes")
        assert resumed.stdout.startswith("The book_table tool says: booked a table for 3")
        anonymous = _invoke(app.url, "--session", session, "hello")
        assert anonymous.returncode == 1 and "error 401: no actor identity" in anonymous.stderr

        # The twin extracts in the background (0.2 s after the session's last event).
        deadline = time.monotonic() + 15
        reply = ""
        while time.monotonic() < deadline and "Porto" not in reply:
            time.sleep(0.3)
            response = httpx.post(
                f"{app.url}/invocations",
                json={"prompt": "Where do I live?"},
                headers=headers(new_session("cli2"), "ada"),
                timeout=30,
            )
            reply = response.json()["response"]
        assert reply.startswith("From long-term memory I remember: The user lives in Porto")
    finally:
        assert app.stop() == 0, app.output()
    unreachable = _invoke(app.url, "--session", new_session("x"), "--actor", "a", "hi")
    assert unreachable.returncode == 2 and "cannot reach" in unreachable.stderr
