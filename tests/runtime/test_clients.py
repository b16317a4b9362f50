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


def test_requests_per_turn(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the runtime adds to a turn: one Query on a session's first turn in a process
    (the owner check), one state read on a resume (is an interrupt pending?), else nothing;
    memory flushes read no outbox when the captures went through."""
    from aiobotocore.endpoint import AioEndpoint

    ops: Counter[str] = Counter()
    send = AioEndpoint._send_request

    async def counting(self: Any, request_dict: Any, operation_model: Any) -> Any:
        ops[operation_model.name] += 1
        return await send(self, request_dict, operation_model)

    monkeypatch.setattr(AioEndpoint, "_send_request", counting)
    example = _load_example(monkeypatch, stack)

    async def run() -> list[dict[str, int]]:
        transport = httpx.ASGITransport(app=example.app)
        out: list[dict[str, int]] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:

            async def turn(session: str, **payload: Any) -> None:
                ops.clear()
                r = await client.post("/invocations", json=payload, headers=headers(session, "kim"))
                assert r.status_code == 200, r.text
                while (await client.get("/ping")).json()["status"] != "Healthy":
                    await asyncio.sleep(0.01)  # the capture is delivered in the background
                out.append(dict(ops))

            first, second = new_session("req1"), new_session("req2")
            await turn(first, prompt="I live in Quito.")  # the process's first capture
            await turn(first, prompt="Where do I live?")
            await turn(second, prompt="Book a table for 2 at Nopa")
            await turn(second, resume="yes")
        return out

    opening, steady, new_session_turn, resume = asyncio.run(run())
    # LangGraph reads the thread once per run (Query); the memory object checks its outbox
    # once, on its first capture; the owner check reads once per session and process.
    assert opening["Query"] == 3
    assert steady["Query"] == 1
    assert new_session_turn["Query"] == 2
    assert resume["Query"] == 2
    for counts in (opening, steady, resume):
        assert counts["CreateEvent"] == 1  # each finished turn captured once
    assert "CreateEvent" not in new_session_turn  # interrupted: captured when it finishes
    for counts in (opening, steady, new_session_turn, resume):
        assert not {"GetItem", "Scan", "DeleteItem"} & set(counts)
