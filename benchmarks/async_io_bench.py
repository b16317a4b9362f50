"""Async I/O scaling: native aiobotocore vs. boto3 in a thread pool, against a fake endpoint.

Isolates the I/O layer of ``DynamoDBSaver``. A tiny DynamoDB look-alike built with
``aiohttp.web`` runs in a **separate process** (its own GIL) on 127.0.0.1 and answers
every request after a fixed simulated service latency (``--latency-ms``, default 20) with
minimal valid JSON for the operations used (PutItem, UpdateItem, Query, DescribeTable).
Nothing is stored: the server costs almost no CPU, so what limits throughput is the
client's way of doing I/O and its own CPU.

One *step* is ``put`` of a small checkpoint, ``put_writes`` of 2 writes, then
``get_tuple`` (3 sequential requests). N tasks (one thread id each) run steps back to
back for ``--seconds`` after ``--warmup``; for each approach and N the report gives
steps/s, requests/s (counted by the server), p50/p95 step latency and the client
process's CPU time per step (``time.process_time``, all threads).

Approaches (``--approaches``, comma-separated keys):

* ``async-default``: our native async methods (``aput``, ``aput_writes``,
  ``aget_tuple``) with the library's default ``max_pool_connections``;
* ``async-pool10``: the same with botocore's default ``max_pool_connections`` (10);
* ``async``: the same with ``Config(max_pool_connections=N)``;
* ``exec-default``: the same saver's *sync* methods through
  ``loop.run_in_executor(None, ...)``, as ``langgraph-checkpoint-aws`` does (asyncio's
  default executor: min(32, cores + 4) threads) with the default pool of 10;
* ``exec-T``: a ``ThreadPoolExecutor`` of ``--threads`` (64) threads, default pool (10);
* ``exec-T-poolT``: T threads and ``max_pool_connections=T``;
* ``exec-N-poolN``: one thread per task and ``max_pool_connections=N`` (the thread
  pool's best shot).

Usage::

    .venv/bin/python benchmarks/async_io_bench.py                # print the report
    .venv/bin/python benchmarks/async_io_bench.py --write-docs   # refresh docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import multiprocessing
import os
import platform
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from langgraph_agentcore.checkpoint import DynamoDBSaver

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):  # runnable as a plain script from any directory
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _docs import write_section  # noqa: E402
from checkpointer_bench import (  # noqa: E402  (shared helpers)
    _levels,
    percentile,
    use_dummy_aws_env,
)

from langgraph_agentcore.table import DEFAULT_CONFIG  # noqa: E402

REGION = "us-east-1"
TABLE = "async-io-bench"
DOCS_PATH = ROOT / "docs" / "benchmarks.md"
DOCS_START = "<!-- async-io-bench:start -->"
DOCS_END = "<!-- async-io-bench:end -->"
TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
REQUESTS_PER_STEP = 3
BOTOCORE_DEFAULT_POOL = 10
#: What DynamoDBSaver's own clients use when no ``config`` is given.
LIBRARY_DEFAULT_POOL = int(DEFAULT_CONFIG.max_pool_connections or BOTOCORE_DEFAULT_POOL)
DEFAULT_EXECUTOR_THREADS = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default
MESSAGE = "Summarise the quarterly report in three bullet points, citing section numbers."


# -- the fake DynamoDB endpoint (runs in its own process) -------------------------------------


def describe_table(name: str) -> dict[str, Any]:
    """A DescribeTable answer: an ACTIVE on-demand table keyed by ``pk`` / ``sk``."""
    return {
        "Table": {
            "TableName": name,
            "TableStatus": "ACTIVE",
            "TableArn": f"arn:aws:dynamodb:{REGION}:123456789012:table/{name}",
            "CreationDateTime": 1_700_000_000.0,
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            "ItemCount": 0,
            "TableSizeBytes": 0,
        }
    }


#: Constant answers by operation (DescribeTable is built from the request).
STATIC_REPLIES: dict[str, bytes] = {
    "PutItem": b"{}",
    "UpdateItem": b"{}",
    "Query": json.dumps({"Items": [], "Count": 0, "ScannedCount": 0}).encode(),
}


def make_app(latency: float) -> web.Application:
    """The fake endpoint: POST / answers DynamoDB ops after ``latency`` s; GET /__stats."""
    ops: Counter[str] = Counter()

    async def dynamodb(request: web.Request) -> web.Response:
        body = await request.read()
        target = request.headers.get("X-Amz-Target", "")
        op = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else target
        ops[op] += 1
        reply = STATIC_REPLIES.get(op)
        status = 200
        if reply is None and op == "DescribeTable":
            reply = json.dumps(describe_table(json.loads(body)["TableName"])).encode()
        elif reply is None:
            status = 400
            reply = json.dumps(
                {
                    "__type": "com.amazon.coral.service#UnknownOperationException",
                    "message": f"fake endpoint does not implement {target!r}",
                }
            ).encode()
        if latency > 0:
            await asyncio.sleep(latency)
        return web.Response(
            body=reply,
            status=status,
            headers={"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": uuid.uuid4().hex},
        )

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "requests": sum(ops.values()),
                "ops": dict(ops),
                "cpu": time.process_time(),
                "time": time.monotonic(),
            }
        )

    app = web.Application()
    app.router.add_get("/__stats", stats)
    app.router.add_post("/{tail:.*}", dynamodb)
    return app


async def _serve(latency: float, conn: Connection) -> None:
    runner = web.AppRunner(make_app(latency), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    conn.send(runner.addresses[0][1])
    await stop.wait()
    await runner.cleanup()


def serve(latency: float, conn: Connection) -> None:
    """Process entry point: serve until SIGTERM/SIGINT, then shut down cleanly."""
    asyncio.run(_serve(latency, conn))


class FakeDynamoDB:
    """Runs :func:`serve` in a spawned process; ``endpoint`` is its URL."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.endpoint = ""
        self.exitcode: int | None = None
        ctx = multiprocessing.get_context("spawn")
        self._parent, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=serve, args=(latency, child), daemon=True)

    def __enter__(self) -> FakeDynamoDB:
        self._proc.start()
        if not self._parent.poll(60):
            self._proc.kill()
            raise RuntimeError("fake DynamoDB endpoint did not start within 60 s")
        self.endpoint = f"http://127.0.0.1:{self._parent.recv()}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()  # SIGTERM: the server closes its runner and exits 0
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        self.exitcode = self._proc.exitcode


# -- measuring --------------------------------------------------------------------------------


class PoolFullCounter(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.count += 1


@dataclass(frozen=True)
class Approach:
    """How the benchmark's tasks reach DynamoDB."""

    key: str
    label: str
    native: bool  # True: aiobotocore via aput/...; False: sync methods in an executor
    threads: int | None = None  # None: the loop's default executor; 0: one per task
    pool: int | None = None  # max_pool_connections; None: the library's default; 0: = N

    def pool_size(self, n: int) -> int:
        if self.pool is None:
            return LIBRARY_DEFAULT_POOL
        return n if self.pool == 0 else self.pool

    def thread_count(self, n: int) -> int | None:
        if self.native:
            return None
        if self.threads is None:
            return DEFAULT_EXECUTOR_THREADS
        return n if self.threads == 0 else self.threads


def approaches(threads: int) -> dict[str, Approach]:
    t = threads
    found = [
        Approach(
            "async-default",
            f"ours: native async, library default pool ({LIBRARY_DEFAULT_POOL})",
            True,
        ),
        Approach(
            "async-pool10",
            f"ours: native async, pool {BOTOCORE_DEFAULT_POOL} (botocore's default)",
            True,
            pool=BOTOCORE_DEFAULT_POOL,
        ),
        Approach("async", "ours: native async, pool = N", True, pool=0),
        Approach(
            "exec-default",
            f"thread pool: default executor ({DEFAULT_EXECUTOR_THREADS} threads), pool 10",
            False,
            pool=BOTOCORE_DEFAULT_POOL,
        ),
        Approach(
            f"exec-{t}",
            f"thread pool: {t} threads, pool 10",
            False,
            threads=t,
            pool=BOTOCORE_DEFAULT_POOL,
        ),
        Approach(
            f"exec-{t}-pool{t}", f"thread pool: {t} threads, pool {t}", False, threads=t, pool=t
        ),
        Approach("exec-N-poolN", "thread pool: N threads, pool N", False, threads=0, pool=0),
    ]
    return {a.key: a for a in found}


@dataclass
class Cell:
    """The measurement of one approach at one concurrency."""

    approach: Approach
    n: int
    window: float = 0.0
    requests: int = 0  # replies the client received in the window
    server_requests: int = 0
    server_window: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    discarded: int = 0
    errors: int = 0
    first_error: str = ""
    warmup: float = 0.0
    tasks_served: int = 0  # tasks that received at least one reply in the window
    latencies: list[float] = field(default_factory=list)

    @property
    def steps(self) -> float:
        """Steps done in the window, counted as replies / 3 (robust to slow steps)."""
        return self.requests / REQUESTS_PER_STEP

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.window if self.window else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.server_requests / self.server_window if self.server_window else 0.0

    @property
    def cpu_ms_per_step(self) -> float:
        return 1000 * self.client_cpu / self.steps if self.steps else 0.0

    @property
    def client_cores(self) -> float:
        return self.client_cpu / self.window if self.window else 0.0

    @property
    def server_cores(self) -> float:
        return self.server_cpu / self.server_window if self.server_window else 0.0


async def server_stats(session: aiohttp.ClientSession, endpoint: str) -> dict[str, Any]:
    async with session.get(endpoint + "/__stats") as resp:
        resp.raise_for_status()
        data: dict[str, Any] = await resp.json()
        return data


def make_saver(endpoint: str, pool: int | None) -> DynamoDBSaver:
    from botocore.config import Config

    from langgraph_agentcore.checkpoint import DynamoDBSaver

    config = Config(max_pool_connections=pool) if pool is not None else None
    return DynamoDBSaver(TABLE, "bench", endpoint_url=endpoint, region_name=REGION, config=config)


async def run_cell(
    approach: Approach,
    n: int,
    endpoint: str,
    args: argparse.Namespace,
    stats_session: aiohttp.ClientSession,
    pool_full: PoolFullCounter,
) -> Cell:
    from langgraph.checkpoint.base import create_checkpoint, empty_checkpoint

    loop = asyncio.get_running_loop()
    pool = None if approach.pool is None else approach.pool_size(n)
    saver = make_saver(endpoint, pool)
    executor: Executor | None = None
    if not approach.native and approach.threads is not None:
        executor = ThreadPoolExecutor(
            approach.thread_count(n) or 1, thread_name_prefix=f"bench-{approach.key}"
        )

    put: Callable[..., Awaitable[Any]]
    put_writes: Callable[..., Awaitable[Any]]
    get_tuple: Callable[..., Awaitable[Any]]
    if approach.native:
        put, put_writes, get_tuple = saver.aput, saver.aput_writes, saver.aget_tuple
        await saver.asetup()  # DescribeTable: checks the endpoint, creates the client
    else:

        def in_executor(method: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
            def call(*a: Any) -> Awaitable[Any]:
                return loop.run_in_executor(executor, method, *a)

            return call

        put = in_executor(saver.put)
        put_writes = in_executor(saver.put_writes)
        get_tuple = in_executor(saver.get_tuple)
        await loop.run_in_executor(executor, saver.setup)

    base = empty_checkpoint()
    base["channel_values"] = {"messages": [MESSAGE], "counter": 0}
    stop = asyncio.Event()
    done: list[tuple[float, float]] = []  # (start, end) of every completed step
    replies: list[tuple[float, int]] = []  # (time, task) of every reply
    answered: set[int] = set()  # tasks that received a reply
    cell = Cell(approach, n)
    run_id = uuid.uuid4().hex[:8]

    async def worker(i: int) -> None:
        thread = {"configurable": {"thread_id": f"{run_id}-{i}", "checkpoint_ns": ""}}
        config: dict[str, Any] = thread
        step = 0
        while not stop.is_set():
            start = time.perf_counter()
            try:
                ckpt = create_checkpoint(base, None, step)
                metadata_ = {"source": "loop", "step": step, "parents": {}}
                config = await put(config, ckpt, metadata_, {})
                replies.append((time.perf_counter(), i))
                writes = [("messages", MESSAGE), ("counter", step)]
                await put_writes(config, writes, f"task-{step}", "")
                replies.append((time.perf_counter(), i))
                await get_tuple(thread)
                replies.append((time.perf_counter(), i))
                answered.add(i)
            except Exception as exc:  # counted and reported, the run goes on
                cell.errors += 1
                cell.first_error = cell.first_error or f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(0.01)
                continue
            done.append((start, time.perf_counter()))
            step += 1

    tasks = [asyncio.create_task(worker(i)) for i in range(n)]
    w0 = time.perf_counter()
    try:
        # Warm up for --warmup s, and on until every task completed a step (queues at
        # steady state), but no longer than --warmup-max s (a starved task never does).
        await asyncio.sleep(args.warmup)
        while len(answered) < n and time.perf_counter() - w0 < args.warmup_max:
            await asyncio.sleep(0.05)
        cell.warmup = time.perf_counter() - w0
        s0 = await server_stats(stats_session, endpoint)
        discarded0 = pool_full.count
        c0, t0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(args.seconds)
        t1, c1 = time.perf_counter(), time.process_time()
        discarded1 = pool_full.count
        s1 = await server_stats(stats_session, endpoint)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        if approach.native:
            await saver.aclose()
        else:
            saver.io.client.close()  # saver.close() closes it only for a given session
        if executor is not None:
            executor.shutdown(wait=True)
    in_window = [task for when, task in replies if t0 <= when < t1]
    cell.window = t1 - t0
    cell.requests = len(in_window)
    cell.tasks_served = len(set(in_window))
    # Latency: every step that ended after the window opened and started before it
    # closed (the steps finished while draining count too: at N=300 a step can take
    # longer than the window).
    cell.latencies = [end - start for start, end in done if end >= t0 and start < t1]
    cell.client_cpu = c1 - c0
    cell.discarded = discarded1 - discarded0
    cell.server_requests = s1["requests"] - s0["requests"]
    cell.server_window = s1["time"] - s0["time"]
    cell.server_cpu = s1["cpu"] - s0["cpu"]
    return cell


async def run_all(
    endpoint: str,
    chosen: list[Approach],
    args: argparse.Namespace,
    log: Callable[[str], None],
) -> list[Cell]:
    pool_full = PoolFullCounter()
    urllib3_log = logging.getLogger("urllib3.connectionpool")
    urllib3_log.addHandler(pool_full)
    urllib3_log.propagate = False  # count the warnings instead of printing thousands
    cells: list[Cell] = []
    async with aiohttp.ClientSession() as stats_session:
        for n in args.concurrency:
            for approach in chosen:
                cell = await run_cell(approach, n, endpoint, args, stats_session, pool_full)
                cells.append(cell)
                log(
                    f"  N={n:<4} {approach.key:<14} {cell.steps_per_s:8.1f} steps/s "
                    f"{cell.requests_per_s:8.0f} req/s  p50 "
                    f"{1000 * percentile(cell.latencies, 50):7.1f} ms  "
                    f"cpu {cell.cpu_ms_per_step:5.2f} ms/step  served {cell.tasks_served}/{n}  "
                    f"errors {cell.errors}"
                )
    return cells


# -- report -----------------------------------------------------------------------------------


def versions() -> str:
    names = (
        "aiobotocore",
        "aiohttp",
        "botocore",
        "boto3",
        "urllib3",
        "langgraph",
        "langgraph-checkpoint",
    )
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def ideal(n: int, latency: float) -> float:
    """Steps/s if nothing but the simulated latency took time."""
    return n / (REQUESTS_PER_STEP * latency) if latency else math.inf


def pivot(cells: list[Cell], levels: list[int], value: Callable[[Cell], str]) -> list[str]:
    lines = [
        "| approach | " + " | ".join(f"N={n}" for n in levels) + " |",
        "| --- | " + " | ".join("---:" for _ in levels) + " |",
    ]
    seen: list[Approach] = []
    for cell in cells:
        if cell.approach not in seen:
            seen.append(cell.approach)
    for approach in seen:
        row = {c.n: value(c) for c in cells if c.approach == approach}
        lines.append(f"| {approach.label} | " + " | ".join(row.get(n, "-") for n in levels) + " |")
    return lines


def detail_table(cells: list[Cell]) -> list[str]:
    lines = [
        "| approach | N | threads | pool | steps/s | requests/s | step p50 / p95 ms "
        "| tasks served | client CPU ms/step | client CPU cores | server CPU cores "
        "| discarded connections/s | warm-up s | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: |",
    ]
    for c in sorted(cells, key=lambda c: (list(APPROACH_ORDER).index(c.approach.key), c.n)):
        threads = c.approach.thread_count(c.n)
        lines.append(
            f"| {c.approach.key} | {c.n} | {threads if threads else '-'} "
            f"| {c.approach.pool_size(c.n)} | {c.steps_per_s:.1f} | {c.requests_per_s:.0f} "
            f"| {1000 * percentile(c.latencies, 50):.1f} / "
            f"{1000 * percentile(c.latencies, 95):.1f} | {c.tasks_served} "
            f"| {c.cpu_ms_per_step:.2f} | {c.client_cores:.2f} | {c.server_cores:.2f} "
            f"| {c.discarded / c.window if c.window else 0:.0f} | {c.warmup:.1f} | {c.errors} |"
        )
    return lines


APPROACH_ORDER: dict[str, int] = {}


def best(cells: list[Cell], key: str) -> Cell | None:
    mine = [c for c in cells if c.approach.key == key]
    return max(mine, key=lambda c: c.steps_per_s) if mine else None


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _span(values: list[float]) -> str:
    lo, hi = f"{min(values):.0f}", f"{max(values):.0f}"
    return lo if lo == hi else f"{lo}-{hi}"


def interpretation(cells: list[Cell], args: argparse.Namespace) -> list[str]:
    """3-5 sentences whose numbers (and conditional claims) come from this run."""
    lat_ms = args.latency_ms
    by_key: dict[str, list[Cell]] = {}
    for c in cells:
        by_key.setdefault(c.approach.key, []).append(c)
    top_n = max(args.concurrency)
    high = [n for n in args.concurrency if n >= 50] or list(args.concurrency)
    out = [
        f"The fake endpoint waits {lat_ms:g} ms per request (a stand-in for DynamoDB's "
        f"service time plus network) and never used more than "
        f"{max(c.server_cores for c in cells):.2f} of a core, so a step takes at least "
        f"{REQUESTS_PER_STEP * lat_ms:g} ms and N tasks could do at most N / "
        f"{REQUESTS_PER_STEP * lat_ms / 1000:.2f} s steps/s (the *ideal* row): every gap "
        f"below it is the client's."
    ]
    native = by_key.get("async", [])
    if native:
        peak = max(native, key=lambda c: c.steps_per_s)
        sat = [c for c in native if c.client_cores >= 0.8]
        if sat:
            cpu = _mean([c.cpu_ms_per_step for c in sat])
            out.append(
                f"Native async with `max_pool_connections=N` levels off at "
                f"{_span([c.steps_per_s for c in sat])} steps/s (up to "
                f"{peak.requests_per_s:.0f} requests/s) from "
                f"N={min(c.n for c in sat)} on, where the client process runs at "
                f"{_mean([c.client_cores for c in sat]):.2f} cores: it is bound by the "
                f"~{cpu / REQUESTS_PER_STEP:.1f} ms of client CPU per request (mostly "
                "botocore: serializing, signing, parsing) on the one event-loop thread, not "
                "by I/O."
            )
        else:
            out.append(
                f"Native async with `max_pool_connections=N` reaches "
                f"{peak.steps_per_s:.0f} steps/s at N={peak.n} with the client process at "
                f"only {peak.client_cores:.2f} cores, so here its limit is not its CPU."
            )
    default = by_key.get("exec-default", [])
    if default:
        cap = DEFAULT_EXECUTOR_THREADS / (REQUESTS_PER_STEP * lat_ms / 1000)
        last = max(default, key=lambda c: c.n)
        out.append(
            f"The incumbent's way, sync calls in asyncio's default executor, has "
            f"{DEFAULT_EXECUTOR_THREADS} threads and so at most {DEFAULT_EXECUTOR_THREADS} "
            f"requests in flight (<= {cap:.0f} steps/s at {lat_ms:g} ms): it stays at "
            f"{_span([c.steps_per_s for c in default if c.n > 1] or [0.0])} steps/s for "
            f"N > 1 while its step "
            f"latency grows with N (p50 {1000 * percentile(last.latencies, 50):.0f} ms at "
            f"N={last.n})."
        )
    threaded = [c for k, v in by_key.items() if k.startswith("exec-") for c in v]
    big = [c for c in threaded if c.approach.key != "exec-default" and c.n in high]
    if native and big:
        nat_high = [c for c in native if c.n in high]
        ratios = []
        for n in high:
            mine = [c.steps_per_s for c in nat_high if c.n == n]
            theirs = [c.steps_per_s for c in big if c.n == n]
            if mine and theirs and max(theirs) > 0:
                ratios.append(mine[0] / max(theirs))
        span = (
            f"{min(ratios):.1f}x"
            if max(ratios) - min(ratios) < 0.05
            else f"{min(ratios):.1f}-{max(ratios):.1f}x"
        )
        cpu_nat = _mean([c.cpu_ms_per_step for c in nat_high])
        cpu_thr = _mean([c.cpu_ms_per_step for c in big])
        best_thr = max(big, key=lambda c: c.steps_per_s)
        discards = max((c.discarded / c.window for c in threaded if c.window), default=0.0)
        gil = _mean([c.client_cores for c in big])
        out.append(
            f"Bigger pools ({args.threads} or N threads, pool 10 or matching) do better, up to "
            f"{best_thr.steps_per_s:.0f} steps/s ({best_thr.approach.key}, N={best_thr.n}), "
            f"but at N >= {high[0]} they spend {cpu_thr:.1f} ms of client CPU per step against "
            f"{cpu_nat:.1f} ms for native async ({100 * (cpu_thr / cpu_nat - 1):+.0f}% for the "
            f"same botocore work: thread hand-offs and GIL contention) and, at {gil:.2f} "
            f"cores on average, are just as CPU-bound, so native "
            f"async does {span} the best thread pool's steps/s "
            f"at each N >= {high[0]}"
            + (
                f"; with the default pool of 10, urllib3 also opened and discarded up to "
                f"{discards:.0f} connections/s."
                if discards >= 1
                else "."
            )
        )
    pool10 = [c for c in by_key.get("async-pool10", []) if c.n == top_n]
    if pool10:
        c = pool10[0]
        out.append(
            f"A pool of {BOTOCORE_DEFAULT_POOL} connections (botocore's default, which our "
            "clients used before this benchmark found the problem) starves native async: it "
            "stays at "
            f"{c.steps_per_s:.0f} steps/s at N={top_n}, and only {c.tasks_served} of the "
            f"{top_n} tasks got a reply in the window (aiohttp hands a freed connection "
            "to the task that asks next, usually the one that just released it; the others "
            f"ran only when the rest stopped: p95 step latency "
            f"{percentile(c.latencies, 95):.1f} s). The library's clients now default to "
            f"{LIBRARY_DEFAULT_POOL} connections (the *library default* row); pass "
            "`config=Config(max_pool_connections=...)` for more."
        )
    return [" ".join(out)]


def render(
    cells: list[Cell],
    args: argparse.Namespace,
    elapsed: float,
    server_exit: int | None,
    load_before: float,
) -> str:
    levels = args.concurrency
    latency = args.latency_ms / 1000
    command = "python benchmarks/async_io_bench.py " + " ".join(args.argv)
    ideal_row = (
        "| ideal: N / (3 x latency) | "
        + " | ".join(f"{ideal(n, latency):.0f}" for n in levels)
        + " |"
    )
    steps = pivot(cells, levels, lambda c: f"{c.steps_per_s:.0f}")
    lines = [
        "## Async I/O scaling",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"{platform.system()}, {os.cpu_count()} cores (client and fake server share them), "
        f"Python {platform.python_version()}; {versions()}. Took {elapsed:.0f} s; load "
        f"average before the run {load_before:.1f} (the run's own threads raise it); fake "
        f"server exit code {server_exit}.",
        "",
        f"Command: `{command.strip()}`",
        "",
        "`benchmarks/async_io_bench.py` isolates the I/O layer: a fake DynamoDB endpoint "
        "(aiohttp.web, in its own process on 127.0.0.1) answers PutItem / UpdateItem / Query "
        f"after a fixed {args.latency_ms:g} ms with minimal JSON and stores nothing. One step "
        "= `put` of a small checkpoint + `put_writes` of 2 writes + `get_tuple` (3 requests "
        f"in sequence); N tasks, one thread id each, run steps for {args.seconds:g} s after "
        f"a {args.warmup:g} s warm-up. The thread-pool rows call the same saver's sync "
        "methods through `loop.run_in_executor` (what `langgraph-checkpoint-aws` does); "
        f"asyncio's default executor has min(32, cores + 4) = {DEFAULT_EXECUTOR_THREADS} "
        "threads here, and botocore's default `max_pool_connections` is "
        f"{BOTOCORE_DEFAULT_POOL} for both boto3 (urllib3: beyond it, connections are "
        "opened and discarded per request) and aiobotocore (aiohttp: beyond it, requests "
        "wait for a connection). Steps/s = replies received in the window / 3; latency "
        "percentiles cover every step that overlapped the window; *tasks served* = tasks "
        "that received a reply in the window; client CPU is `time.process_time()` of the "
        "benchmark process (all threads) over the window. Each cell is one short window on a "
        f"shared {os.cpu_count()}-core machine: single cells moved by up to ~40% between "
        "runs (N <= 10 the most), so compare shapes and ratios rather than single cells.",
        "",
        "### Steps/s",
        "",
        *steps,
        ideal_row,
        "",
        "### Client CPU per step (ms)",
        "",
        *pivot(cells, levels, lambda c: f"{c.cpu_ms_per_step:.2f}"),
        "",
        "### Step latency p50 / p95 (ms)",
        "",
        *pivot(
            cells,
            levels,
            lambda c: (
                f"{1000 * percentile(c.latencies, 50):.0f} / "
                f"{1000 * percentile(c.latencies, 95):.0f}"
            ),
        ),
        "",
        "### All measurements",
        "",
        *detail_table(cells),
        "",
        "### Reading it",
        "",
        *interpretation(cells, args),
    ]
    return "\n".join(lines) + "\n"


def write_docs(report: str) -> None:
    write_section(DOCS_PATH, DOCS_START, DOCS_END, report)


# -- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="simulated service latency (20)"
    )
    parser.add_argument(
        "--concurrency", type=_levels, default=[1, 10, 50, 100, 300], help="1,10,50,100,300"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="measured s per cell (3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="min warm-up s per cell (1)")
    parser.add_argument(
        "--warmup-max", type=float, default=4.0, help="max warm-up s waiting for every task (4)"
    )
    parser.add_argument("--threads", type=int, default=64, help="big executor's threads (64)")
    parser.add_argument(
        "--approaches", default="", help="comma-separated keys (default: all; see docstring)"
    )
    parser.add_argument("--write-docs", action="store_true", help=f"refresh {DOCS_PATH.name}")
    args = parser.parse_args(argv)
    args.argv = [a for a in argv if a != "--write-docs"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    use_dummy_aws_env()

    available = approaches(args.threads)
    APPROACH_ORDER.update({key: i for i, key in enumerate(available)})
    keys = [k for k in args.approaches.split(",") if k] or list(available)
    unknown = [k for k in keys if k not in available]
    if unknown:
        raise SystemExit(f"unknown approach(es) {unknown}; choose from {list(available)}")
    chosen = [available[k] for k in keys]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with FakeDynamoDB(args.latency_ms / 1000) as server:
        log(f"fake DynamoDB at {server.endpoint} ({args.latency_ms:g} ms per request)")
        cells = asyncio.run(run_all(server.endpoint, chosen, args, log))
    log(f"fake DynamoDB stopped (exit code {server.exitcode})")
    report = render(cells, args, time.perf_counter() - started, server.exitcode, load_before)
    print(report)
    if args.write_docs:
        write_docs(report)
        log(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
