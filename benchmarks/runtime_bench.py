"""What serving through ``create_app`` costs a turn, against calling the graph directly.

The example agent (``examples/runtime_app.py``: create_agent, the AgentCore memory
middleware, DynamoDBSaver) runs on the embedded local stack (moto's DynamoDB server and
the AgentCore Memory twin on 127.0.0.1, in this process). Three ways to run the same
turns, each on fresh sessions:

- ``direct``: ``await agent.ainvoke(input, config, context=...)`` on one event loop;
- ``app (ASGI)``: the SDK's ``BedrockAgentCoreApp`` from ``create_app`` in this process
  (identity, admission, the SDK's worker loop, JSON), through httpx's ASGI transport;
- ``app (HTTP)``: ``langgraph-agentcore serve`` in a subprocess, over loopback HTTP, as
  AgentCore Runtime calls it.

Each mode runs ``--sessions`` sessions of ``--turns`` turns one after another and reports
the latency per turn (p50, p95). Captures are awaited between turns (``/ping`` Healthy, or
``memory.aflush()`` for ``direct``) so every mode does the same work. Then ``--burst``
sessions run their two turns all at once over HTTP (wall time). Absolute numbers are the
local stack's (moto dominates); the differences between modes are what the runtime adds.

Usage::

    .venv/bin/python benchmarks/runtime_bench.py [--sessions 8] [--turns 4] [--burst 20]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from langchain_core.messages import HumanMessage  # noqa: E402

from tests.runtime.support import EXAMPLE, AppProcess, headers, new_session, start_stack  # noqa: E402

PROMPTS = ["I live in Lisbon.", "Where do I live?", "I prefer tea.", "What do I prefer?"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _direct(example: Any, sessions: int, turns: int) -> list[float]:
    out: list[float] = []
    for s in range(sessions):
        session, actor = new_session(f"direct{s}"), f"bench-direct-{s}"
        config = {"configurable": {"thread_id": session, "actor_id": actor}}
        for t in range(turns):
            started = time.perf_counter()
            await example.agent.ainvoke(
                {"messages": [HumanMessage(PROMPTS[t % len(PROMPTS)])]},
                config,
                context={"actor_id": actor, "session_id": session},
            )
            out.append(time.perf_counter() - started)
            await example.memory.aflush()
    return out


async def _client_turns(
    client: httpx.AsyncClient, label: str, sessions: int, turns: int
) -> list[float]:
    out: list[float] = []
    for s in range(sessions):
        session, actor = new_session(f"{label}{s}"), f"bench-{label}-{s}"
        for t in range(turns):
            started = time.perf_counter()
            r = await client.post(
                "/invocations",
                json={"prompt": PROMPTS[t % len(PROMPTS)]},
                headers=headers(session, actor),
            )
            out.append(time.perf_counter() - started)
            assert r.status_code == 200, r.text
            while (await client.get("/ping")).json()["status"] != "Healthy":
                await asyncio.sleep(0.005)
    return out


async def _burst(url: str, n: int) -> float:
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:

        async def conversation(k: int) -> None:
            session = new_session(f"burst{k}")
            for prompt in PROMPTS[:2]:
                r = await client.post(
                    "/invocations", json={"prompt": prompt}, headers=headers(session, f"b{k}")
                )
                assert r.status_code == 200, r.text

        started = time.perf_counter()
        await asyncio.gather(*(conversation(k) for k in range(n)))
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()

    stack = start_stack()
    try:
        for key, value in stack.env.items():
            if key.startswith(("AWS_", "AGENTCORE_")):
                os.environ[key] = value
        spec = importlib.util.spec_from_file_location(
            "runtime_app", ROOT / "examples/runtime_app.py"
        )
        assert spec is not None and spec.loader is not None
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)

        async def in_process() -> dict[str, list[float]]:
            results = {"direct": await _direct(example, args.sessions, args.turns)}
            transport = httpx.ASGITransport(app=example.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as c:
                await _client_turns(c, "warm", 1, 1)
                results["app (ASGI)"] = await _client_turns(c, "asgi", args.sessions, args.turns)
            return results

        # The direct mode's loop is the benchmark's; the app's runs are on the SDK's loop.
        results = asyncio.run(in_process())
        app = AppProcess(EXAMPLE, stack.env)
        try:

            async def over_http() -> list[float]:
                async with httpx.AsyncClient(base_url=app.url, timeout=120) as client:
                    await _client_turns(client, "warm", 1, 1)
                    return await _client_turns(client, "http", args.sessions, args.turns)

            results["app (HTTP)"] = asyncio.run(over_http())
            burst = asyncio.run(_burst(app.url, args.burst))
        finally:
            app.stop()
    finally:
        stack.local.stop()

    print(
        f"runtime bench: {args.sessions} sessions x {args.turns} turns per mode; "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print("| mode | turns | p50 ms | p95 ms | mean ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for mode, values in results.items():
        ms = [v * 1000 for v in values]
        print(
            f"| {mode} | {len(ms)} | {statistics.median(ms):.1f} | {_pct(ms, 0.95):.1f} | "
            f"{statistics.fmean(ms):.1f} |"
        )
    turns = 2 * args.burst
    print(
        f"\nburst over HTTP: {args.burst} sessions x 2 turns at once: {burst:.2f} s "
        f"({turns / burst:.1f} turns/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
