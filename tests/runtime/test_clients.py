"""One process, many sessions: the example's one saver and one memory, no per-request clients."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections import Counter
from typing import Any

import httpx
import pytest
from aiobotocore.session import AioSession

from tests.runtime.support import ROOT, Stack, headers, new_session


def _load_example(monkeypatch: pytest.MonkeyPatch, stack: Stack) -> Any:
    for key, value in stack.env.items():
        if key.startswith(("AWS_", "AGENTCORE_")):
            monkeypatch.setenv(key, value)
    name = f"runtime_app_{id(monkeypatch)}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / "runtime_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def test_concurrent_sessions_share_one_client_per_service(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: Counter[str] = Counter()
    original = AioSession.create_client

    def counting(self: AioSession, service_name: str, *args: Any, **kwargs: Any) -> Any:
        created[service_name] += 1
        return original(self, service_name, *args, **kwargs)

    monkeypatch.setattr(AioSession, "create_client", counting)
    example = _load_example(monkeypatch, stack)

    async def burst(n: int) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=example.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(
                            "/invocations",
                            json={"prompt": f"I live in Lima {k}."},
                            headers=headers(new_session(f"c{k}"), f"client-{k}"),
                        )
                        for k in range(n)
                    )
                )
            )

    cold = asyncio.run(burst(10))
    assert all(r.status_code == 200 for r in cold), [r.text for r in cold]
    after_cold = dict(created)
    # One client per object and service, however many sessions arrive at once: DynamoDB
    # for the saver and for the memory's outbox, AgentCore's data plane for the memory.
    assert after_cold == {"dynamodb": 2, "bedrock-agentcore": 1}
    warm = asyncio.run(burst(5))
    assert all(r.status_code == 200 for r in warm)
    assert dict(created) == after_cold  # the second burst built no client at all
