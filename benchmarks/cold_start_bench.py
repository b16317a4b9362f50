"""Async cold start per event loop: one saver, ten loops one after another.

AgentCore Runtime, Lambda handlers and test suites often run each request in a fresh
event loop (``asyncio.run``). aiohttp connections belong to the loop that opened them, so
something must be built per loop; this measures how much that costs the first request.

One ``DynamoDBSaver`` (library-default clients, nothing injected) is used in ``--loops``
(10) consecutive ``asyncio.run`` calls. In each loop the script times the first
``aget_tuple`` (one Query), then ``--steady`` (20) more, and reports the first request's
latency against the loop's steady-state median. Loop 1 also pays the process-wide work
(loading botocore's service model, resolving credentials), so the goal (the first
request on a new loop at most 2x a steady-state one) is judged on loops 2..N.

The endpoint is the fixed-latency fake DynamoDB of ``async_io_bench.py`` (its own process
on 127.0.0.1, ``--latency-ms`` per request, default 5). The script also counts the
unclosed-resource reports (aiohttp's "Unclosed client session" / "Unclosed connector"
through asyncio's logger, and ResourceWarnings) seen after the loops ended.

Usage::

    .venv/bin/python benchmarks/cold_start_bench.py                # print the report
    .venv/bin/python benchmarks/cold_start_bench.py --write-docs   # refresh docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import platform
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):  # runnable as a plain script from any directory
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _docs import write_section  # noqa: E402
from async_io_bench import FakeDynamoDB, versions  # noqa: E402  (shared helpers)
from checkpointer_bench import md_table, percentile, use_dummy_aws_env  # noqa: E402

from langgraph_agentcore.checkpoint import DynamoDBSaver  # noqa: E402

REGION = "us-east-1"
TABLE = "cold-start-bench"
DOCS_PATH = ROOT / "docs" / "benchmarks.md"
DOCS_START = "<!-- cold-start-bench:start -->"
DOCS_END = "<!-- cold-start-bench:end -->"
GOAL = 2.0


@dataclass(frozen=True)
class LoopResult:
    """First-request and steady-state latency (seconds) of one event loop."""

    index: int
    first: float
    steady: list[float]

    @property
    def steady_p50(self) -> float:
        return statistics.median(self.steady)

    @property
    def steady_p95(self) -> float:
        return percentile(self.steady, 95)

    @property
    def ratio(self) -> float:
        return self.first / self.steady_p50 if self.steady_p50 else 0.0


class UnclosedCounter(logging.Handler):
    """Counts asyncio's unclosed-resource reports (aiohttp logs them there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "nclosed" in record.getMessage():
            self.messages.append(record.getMessage().splitlines()[0])


async def one_loop(saver: DynamoDBSaver, index: int, steady: int) -> LoopResult:
    config: Any = {"configurable": {"thread_id": f"cold-{index}", "checkpoint_ns": ""}}
    start = time.perf_counter()
    await saver.aget_tuple(config)
    first = time.perf_counter() - start
    times = []
    for _ in range(steady):
        start = time.perf_counter()
        await saver.aget_tuple(config)
        times.append(time.perf_counter() - start)
    return LoopResult(index, first, times)


def measure(endpoint: str, loops: int, steady: int) -> tuple[list[LoopResult], list[str]]:
    """Run the loops; returns their results and the unclosed-resource reports seen."""
    counter = UnclosedCounter()
    logging.getLogger("asyncio").addHandler(counter)
    saver = DynamoDBSaver(TABLE, "bench", endpoint_url=endpoint, region_name=REGION)
    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for i in range(1, loops + 1):
            results.append(asyncio.run(one_loop(saver, i, steady)))
        saver.close()
        del saver
        gc.collect()
    logging.getLogger("asyncio").removeHandler(counter)
    reports = counter.messages + [
        str(w.message).splitlines()[0] for w in caught if issubclass(w.category, ResourceWarning)
    ]
    return results, reports


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f}"


def render(
    results: list[LoopResult], reports: list[str], args: argparse.Namespace, elapsed: float
) -> str:
    later = results[1:] or results
    worst = max(later, key=lambda r: r.ratio)
    steady_all = statistics.median([t for r in results for t in r.steady])
    rows = [
        [
            str(r.index) + (" (process cold)" if r.index == 1 else ""),
            _ms(r.first),
            _ms(r.steady_p50),
            _ms(r.steady_p95),
            f"{r.ratio:.2f}x",
        ]
        for r in results
    ]
    verdict = "meets" if worst.ratio <= GOAL else "misses"
    by_kind = Counter(re.sub(r"\s*<.*", "", r) for r in reports)
    kinds = "; ".join(f"{kind} x{n}" for kind, n in sorted(by_kind.items()))
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"{platform.system()}, {os.cpu_count()} cores (client and fake server share them), "
        f"Python {platform.python_version()}; {versions()}. Took {elapsed:.0f} s; load "
        f"average at the end {os.getloadavg()[0]:.1f}.",
        "",
        f"Command: `python benchmarks/cold_start_bench.py{''.join(' ' + a for a in args.argv)}`",
        "",
        f"Fake DynamoDB on 127.0.0.1 answering after {args.latency_ms:g} ms; one saver; "
        f"{args.loops} loops (`asyncio.run`) one after another; per loop the first "
        f"`aget_tuple` (one Query), then {args.steady} more (steady state).",
        "",
        *md_table(
            ["loop", "first request ms>", "steady p50 ms>", "steady p95 ms>", "first / p50>"],
            rows,
        ),
        "",
        f"Loops 2..{len(results)}: first request median "
        f"{_ms(statistics.median([r.first for r in later]))} ms, "
        f"worst {_ms(max(r.first for r in later))} ms; steady median {_ms(steady_all)} ms; "
        f"worst ratio {worst.ratio:.2f}x (loop {worst.index}): {verdict} the goal "
        f"(<= {GOAL:g}x).",
        "",
        f"Unclosed-resource reports after the loops ended: {len(reports)}"
        + (f" ({kinds})" if reports else "")
        + " (aiohttp reports each unclosed session twice: a ResourceWarning and an "
        "asyncio log record).",
    ]
    return "\n".join(lines) + "\n"


def write_docs(report: str) -> None:
    write_section(DOCS_PATH, DOCS_START, DOCS_END, report, append=False)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=5.0, help="fake latency (5)")
    parser.add_argument("--loops", type=int, default=10, help="event loops (10)")
    parser.add_argument("--steady", type=int, default=20, help="steady requests per loop (20)")
    parser.add_argument("--write-docs", action="store_true", help=f"refresh {DOCS_PATH.name}")
    args = parser.parse_args(argv)
    args.argv = [a for a in argv if a != "--write-docs"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    use_dummy_aws_env()
    started = time.perf_counter()
    with FakeDynamoDB(args.latency_ms / 1000) as server:
        print(f"fake DynamoDB at {server.endpoint}", file=sys.stderr, flush=True)
        results, reports = measure(server.endpoint, args.loops, args.steady)
    report = render(results, reports, args, time.perf_counter() - started)
    print(report)
    if args.write_docs:
        write_docs(report)
        print(f"wrote {DOCS_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
