"""Memory loop latency: recall across namespaces and capture, in AgentCore round trips.

The AgentCore Memory twin serves both planes over HTTP on 127.0.0.1, in its own process (so
its server threads do not compete for the client's GIL), with a fixed injected
latency on every operation (``--latency-ms``, default 20: a stand-in for AgentCore's service
time plus the network). The memory has the built-in strategies; each of the actor's three
namespaces (facts, preferences, session summaries) holds ``--records`` records.

Measured, after a warm-up (connections open), ``--rounds`` times each:

* one round trip: a single ``RetrieveMemoryRecords`` with the same client (the unit);
* ``AgentCoreMemory.recall`` / ``arecall`` over the 3 namespaces (one plan step of 3
  concurrent RetrieveMemoryRecords), and, for contrast, the same 3 requests one after
  another;
* ``capture`` (the caller waits for CreateEvent), ``capture_in_background`` (the caller
  hands the turn to the worker thread) and ``acapture_in_background`` (a task on the loop);
* a turn = recall + capture_in_background, back to back, so each turn's recall runs while
  the previous turn's capture is in flight.

Requests are counted per operation with botocore ``before-send`` hooks. No DynamoDB table is
configured (a successful capture never touches it).

Usage::

    .venv/bin/python benchmarks/memory_loop_bench.py               # print the report
    .venv/bin/python benchmarks/memory_loop_bench.py --write-docs  # refresh docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):  # runnable as a plain script from any directory
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _docs import write_section  # noqa: E402
from checkpointer_bench import percentile, use_dummy_aws_env  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402

from langgraph_agentcore import AgentCoreMemory, RetrievalConfig  # noqa: E402
from langgraph_agentcore.twin import MemoryTwin  # noqa: E402

REGION = "us-east-1"
DOCS_PATH = ROOT / "docs" / "benchmarks.md"
DOCS_START = "<!-- memory-loop-bench:start -->"
DOCS_END = "<!-- memory-loop-bench:end -->"
ACTOR = "bench-user"
SESSION = "bench-session"
RETRIEVAL = {
    "/users/{actorId}/facts": RetrievalConfig(top_k=5, relevance_score=0.0),
    "/users/{actorId}/preferences": RetrievalConfig(top_k=5, relevance_score=0.0),
    "/summaries/{actorId}/{sessionId}": RetrievalConfig(top_k=3, relevance_score=0.0),
}
QUERY = "what should I cook for dinner tonight"


class Counting:
    """Counts requests per operation (botocore ``before-send``)."""

    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()

    def __call__(self, event_name: str = "", **_: Any) -> None:
        self.ops[event_name.rsplit(".", 1)[-1]] += 1

    def attach(self, client: Any) -> Any:
        client.meta.events.register_first("before-send", self)
        return client


def seed(data: Any, memory_id: str, records: int) -> None:
    """``records`` records in each of the actor's three namespaces."""
    namespaces = [
        f"/users/{ACTOR}/facts",
        f"/users/{ACTOR}/preferences",
        f"/summaries/{ACTOR}/{SESSION}",
    ]
    for ns in namespaces:
        data.batch_create_memory_records(
            memoryId=memory_id,
            records=[
                {
                    "requestIdentifier": f"r{i}",
                    "namespaces": [ns],
                    "content": {"text": f"The user fact {i} about food, cities and work in {ns}."},
                    "timestamp": 1_700_000_000 + i,
                }
                for i in range(records)
            ],
        )


def timed(fn: Callable[[], Any], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def atimed(fn: Callable[[], Any], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def serve_twin(conn: Connection, latency_ms: float, records: int) -> None:
    """Child process: the twin on loopback (its own GIL), seeded, with injected latency."""
    import boto3

    use_dummy_aws_env()
    with MemoryTwin(extraction_delay=None) as twin:
        memory_id = twin.create_memory("Bench")["id"]
        server = twin.serve()
        data = boto3.client(
            "bedrock-agentcore", region_name=REGION, endpoint_url=server.endpoint_url
        )
        seed(data, memory_id, records)
        twin.faults.add_latency(latency_ms / 1000)
        conn.send((server.endpoint_url, memory_id))
        conn.recv()  # until the parent is done
        server.stop()


def run(args: argparse.Namespace) -> dict[str, Any]:
    use_dummy_aws_env()
    results: dict[str, Any] = {}
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(
        target=serve_twin, args=(child, args.latency_ms, args.records), daemon=True
    )
    proc.start()
    try:
        url, memory_id = parent.recv()
        results.update(measure(args, url, memory_id))
    finally:
        parent.send("stop")
        proc.join(timeout=10)
    return results


def measure(args: argparse.Namespace, url: str, memory_id: str) -> dict[str, Any]:
    import boto3

    results: dict[str, Any] = {}
    counter = Counting()
    memory = AgentCoreMemory(
        memory_id,
        retrieval=RETRIEVAL,
        agentcore_client=counter.attach(
            boto3.client("bedrock-agentcore", region_name=REGION, endpoint_url=url)
        ),
        control_endpoint_url=url,
        agentcore_endpoint_url=url,
        region_name=REGION,
    )
    client = memory.io.agentcore.client
    single = {
        "memoryId": memory_id,
        "namespacePath": f"/users/{ACTOR}/facts",
        "searchCriteria": {"searchQuery": QUERY, "topK": 5},
    }
    n = args.rounds
    for _ in range(5):  # warm up: open the connections, load the models
        memory.recall(QUERY, actor_id=ACTOR, session_id=SESSION)
    counter.ops.clear()
    results["rt"] = timed(lambda: client.retrieve_memory_records(**single), n)
    counter.ops.clear()
    results["recall"] = timed(lambda: memory.recall(QUERY, actor_id=ACTOR, session_id=SESSION), n)
    results["recall_ops"] = dict(counter.ops)
    paths = [f"/users/{ACTOR}/facts", f"/users/{ACTOR}/preferences"]
    paths.append(f"/summaries/{ACTOR}/{SESSION}")

    def sequential() -> None:
        for p in paths:
            client.retrieve_memory_records(**dict(single, namespacePath=p))

    results["sequential"] = timed(sequential, n)

    seq = iter(range(10**9))

    def msgs() -> list[Any]:
        i = next(seq)
        return [
            HumanMessage(f"turn {i}: I like pasta", id=f"h{i}"),
            AIMessage("ok", id=f"a{i}"),
        ]

    counter.ops.clear()
    results["capture"] = timed(
        lambda: memory.capture(msgs(), actor_id=ACTOR, session_id=SESSION), n
    )
    results["capture_ops"] = dict(counter.ops)
    results["background"] = timed(
        lambda: memory.capture_in_background(msgs(), actor_id=ACTOR, session_id=SESSION), n
    )
    memory.flush()

    def one_turn() -> None:
        memory.recall(QUERY, actor_id=ACTOR, session_id=SESSION)
        memory.capture_in_background(msgs(), actor_id=ACTOR, session_id=SESSION)

    results["turn"] = timed(one_turn, n)
    memory.flush()

    async def async_part() -> None:
        for _ in range(5):
            await memory.arecall(QUERY, actor_id=ACTOR, session_id=SESSION)
        results["arecall"] = await atimed(
            lambda: memory.arecall(QUERY, actor_id=ACTOR, session_id=SESSION), n
        )

        async def spawn() -> None:
            memory.acapture_in_background(msgs(), actor_id=ACTOR, session_id=SESSION)

        results["abackground"] = await atimed(spawn, n)
        await memory.aflush()
        await memory.aclose()

    asyncio.run(async_part())
    memory.close()
    return results


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    rt = percentile(results["rt"], 50)

    def row(name: str, key: str, what: str) -> str:
        vals = results[key]
        p50, p95 = percentile(vals, 50), percentile(vals, 95)
        return f"| {name} | {what} | {p50:.2f} | {p95:.2f} | {p50 / rt:.2f} |"

    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("boto3", "botocore", "aiobotocore", "langchain-core")
    )
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Memory loop latency",
        "",
        f"Run {now} on {platform.machine()} {platform.system()}, Python "
        f"{platform.python_version()}; {versions}.",
        "",
        f"Command: `{' '.join(['python benchmarks/memory_loop_bench.py', *args.argv])}`",
        "",
        "`benchmarks/memory_loop_bench.py` runs the AgentCore Memory twin over HTTP on "
        f"127.0.0.1, in its own process, with {args.latency_ms:g} ms injected on every operation, "
        f"{args.records} records in each of 3 namespaces (facts, preferences, this session's "
        f"summaries), {args.rounds} rounds per row after a warm-up. *Round trips* = the row's "
        "p50 / the p50 of one RetrieveMemoryRecords.",
        "",
        "| operation | requests | p50 ms | p95 ms | round trips |",
        "| --- | --- | ---: | ---: | ---: |",
        row("one RetrieveMemoryRecords", "rt", "1"),
        row("`recall`, 3 namespaces", "recall", "3 RetrieveMemoryRecords, concurrent"),
        row("`arecall`, 3 namespaces", "arecall", "3 RetrieveMemoryRecords, concurrent"),
        row("the same 3 requests in sequence", "sequential", "3 RetrieveMemoryRecords"),
        row("`capture` (caller waits)", "capture", "1 CreateEvent"),
        row("`capture_in_background` (caller's time)", "background", "1 CreateEvent, later"),
        row("`acapture_in_background` (caller's time)", "abackground", "1 CreateEvent, later"),
        row("turn: `recall` + `capture_in_background`", "turn", "3 + 1"),
        "",
        f"Requests counted per recall: {results['recall_ops']} over {args.rounds} recalls; "
        f"per capture: {results['capture_ops']} over {args.rounds} captures (no GetMemory: "
        "no `{memoryStrategyId}` template; no DynamoDB: no capture failed).",
        "",
    ]
    recall_rt = percentile(results["recall"], 50) / rt
    arecall_rt = percentile(results["arecall"], 50) / rt
    turn_extra = percentile(results["turn"], 50) - percentile(results["recall"], 50)
    lines += [
        "### Reading it",
        "",
        f"A recall over 3 namespaces costs {recall_rt:.2f} round trips sync and "
        f"{arecall_rt:.2f} async (goal: <= 1.5), against "
        f"{percentile(results['sequential'], 50) / rt:.2f} for the same requests in sequence: "
        "the three RetrieveMemoryRecords run in one plan step (a thread pool on the sync "
        "path, `asyncio.gather` on the async one), so the wall time is the slowest of the "
        "three plus the client's CPU for three requests. Handing a turn to "
        f"`capture_in_background` takes {percentile(results['background'], 50) * 1000:.0f} "
        f"microseconds of the caller's time (p50) and `acapture_in_background` "
        f"{percentile(results['abackground'], 50) * 1000:.0f}, against "
        f"{percentile(results['capture'], 50):.1f} ms for a `capture` the caller waits for; "
        f"a whole turn (recall, then background capture) is {turn_extra:+.1f} ms from a bare "
        "recall at p50, although each turn's recall overlaps the previous turn's capture "
        "(the two share the client's 2 cores).",
        "",
        f"One round trip here is {rt:.0f} ms for {args.latency_ms:g} ms injected: the rest "
        f"({rt - args.latency_ms:.0f} ms) is the client's and the twin's work per request on "
        "loopback, the same for every row, so the ratios carry over but the absolute times "
        "are the twin's, not AgentCore's. (Before the twin's server set TCP_NODELAY, "
        "Nagle's algorithm and delayed ACKs added about 40 ms to every request.)",
        "",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    write_section(DOCS_PATH, DOCS_START, DOCS_END, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=20.0, help="injected latency (20)")
    parser.add_argument("--rounds", type=int, default=50, help="measurements per row (50)")
    parser.add_argument("--records", type=int, default=20, help="records per namespace (20)")
    parser.add_argument("--write-docs", action="store_true", help=f"refresh {DOCS_PATH.name}")
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    args.argv = [a for a in raw if a != "--write-docs"]
    text = report(run(args), args)
    print(text)
    if args.write_docs:
        write_docs(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
