"""Runtime fixtures: one local stack and one app process (the example) per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.runtime.support import EXAMPLE, AppProcess, Stack, start_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """DynamoDB (moto) and the AgentCore Memory twin on loopback, in the test process."""
    s = start_stack()
    try:
        yield s
    finally:
        s.local.stop()


@pytest.fixture(scope="module")
def app(stack: Stack) -> Iterator[AppProcess]:
    """``examples/runtime_app.py`` served by the SDK's app in a subprocess, on the stack."""
    proc = AppProcess(EXAMPLE, stack.env)
    try:
        yield proc
    finally:
        code = proc.stop()
        assert code == 0, proc.output()
