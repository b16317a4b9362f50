"""Checkpointer benchmark: requests, capacity, bytes and latency per LangGraph step.

Runs real LangGraph graphs against a moto DynamoDB server on 127.0.0.1 (started here, in
this process) with our ``DynamoDBSaver`` and, when it is importable, the incumbent
``langgraph_checkpoint_aws.DynamoDBSaver``:

* ``chat``: ``MessagesState`` with one deterministic echo node, ``--turns`` turns on one
  thread (the history, and so the checkpoint, grows every turn);
* ``fanout``: a planner that ``Send``\\ s ``--fanout`` parallel workers whose results a
  reducer collects, then a join node; ``--fanout-runs`` runs, one thread each;
* ``throughput``: ``asyncio.gather`` of ``ainvoke`` on 1/10/100/300 different threads in
  one process, chat turns, each level on a fresh table.

Requests are counted per operation with botocore ``before-send`` hooks on the savers'
own clients. Capacity units are estimated from item sizes (DynamoDB's rules: WCU =
ceil(item KB) per item written, RCU = ceil(KB read / 4) per request, halved for
eventually consistent reads). moto is not a performance model of DynamoDB: request
counts, capacity and bytes transfer to AWS; latencies and throughput are only relative.

Usage::

    python benchmarks/checkpointer_bench.py                # print the report
    python benchmarks/checkpointer_bench.py --write-docs   # refresh docs/benchmarks.md

The incumbent must never be a dependency of this project; install it in a throwaway venv::

    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install -e . langgraph-checkpoint-aws 'moto[server]'
    /tmp/bench-venv/bin/python benchmarks/checkpointer_bench.py --write-docs
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import operator
import os
import platform
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, TypedDict

import boto3
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Send

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "benchmarks"):  # runnable as a plain script from any directory
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _docs import write_section  # noqa: E402

from langgraph_agentcore.checkpoint import DynamoDBSaver  # noqa: E402
from langgraph_agentcore.items import item_size  # noqa: E402

try:  # the incumbent is optional: only ever installed in a throwaway venv
    from langgraph_checkpoint_aws import DynamoDBSaver as IncumbentSaver
except ImportError:  # pragma: no cover - depends on the environment
    IncumbentSaver = None

REGION = "us-east-1"
DOCS_PATH = ROOT / "docs" / "benchmarks.md"
DOCS_START = "<!-- checkpointer-bench:start -->"
DOCS_END = "<!-- checkpointer-bench:end -->"
SAVER_OPS = ("get_tuple", "put", "put_writes")
WRITE_OPS = ("PutItem", "UpdateItem", "BatchWriteItem", "DeleteItem", "TransactWriteItems")
TEXT = (
    "Could you summarise the attached quarterly report, list the three largest cost "
    "drivers, compare them with the previous quarter and suggest two concrete actions "
    "for the operations team? Please keep the answer short and cite the section numbers "
    "you relied on, so that I can check them before the review meeting on Thursday."
)


# -- measuring ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


@dataclass
class Meter:
    """Requests, request bytes, read units and latencies observed on a saver's clients."""

    requests: Counter[str] = field(default_factory=Counter)
    request_bytes: Counter[str] = field(default_factory=Counter)
    rcu: float = 0.0
    consistent: Counter[bool] = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    request_latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    # botocore event handlers (they must return None, or botocore treats it as a reply)

    def on_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        consistent = bool(params.get("ConsistentRead"))
        for spec in params.get("RequestItems", {}).values():
            consistent = consistent or bool(spec.get("ConsistentRead"))
        context["bench_consistent"] = consistent
        context["bench_start"] = time.perf_counter()

    def on_send(self, request: Any, event_name: str = "", **_: Any) -> None:
        op = event_name.rsplit(".", 1)[-1]
        self.requests[op] += 1
        self.request_bytes[op] += len(request.body or b"")

    def on_after(
        self, parsed: dict[str, Any], context: dict[str, Any], event_name: str = "", **_: Any
    ) -> None:
        op = event_name.rsplit(".", 1)[-1]
        if "bench_start" in context:
            self.request_latency[op].append(time.perf_counter() - context["bench_start"])
        consistent = bool(context.get("bench_consistent"))
        if op in ("Query", "Scan"):
            self.consistent[consistent] += 1
            self.rcu += _read_units(sum(item_size(i) for i in parsed.get("Items", [])), consistent)
        elif op == "GetItem":
            self.consistent[consistent] += 1
            self.rcu += _read_units(item_size(parsed.get("Item", {})), consistent)
        elif op == "BatchGetItem":
            self.consistent[consistent] += 1
            for found in parsed.get("Responses", {}).values():
                self.rcu += sum(_read_units(item_size(i), consistent) for i in found)

    def attach(self, client: Any) -> None:
        """Register the hooks on a boto3 or aiobotocore DynamoDB client."""
        events = client.meta.events
        events.register("provide-client-params.dynamodb", self.on_params)
        events.register_first("before-send.dynamodb", self.on_send)
        events.register("after-call.dynamodb", self.on_after)

    def detach(self, client: Any) -> None:
        events = client.meta.events
        events.unregister("provide-client-params.dynamodb", self.on_params)
        events.unregister("before-send.dynamodb", self.on_send)
        events.unregister("after-call.dynamodb", self.on_after)


def instrument(saver: Any, meter: Meter, mode: str) -> None:
    """Time the saver's get_tuple / put / put_writes (``mode`` "sync" or "async").

    Only the entry points LangGraph calls in that mode are wrapped: the incumbent's async
    methods call its sync ones in a thread pool, which must not be counted twice.
    """
    for name in SAVER_OPS:
        if mode == "sync":
            sync_fn = getattr(saver, name)

            def timed(*args: Any, _fn: Any = sync_fn, _name: str = name, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return _fn(*args, **kwargs)
                finally:
                    meter.latency[_name].append(time.perf_counter() - start)

            setattr(saver, name, timed)
            continue
        async_fn = getattr(saver, "a" + name)

        async def atimed(*args: Any, _fn: Any = async_fn, _name: str = name, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await _fn(*args, **kwargs)
            finally:
                meter.latency[_name].append(time.perf_counter() - start)

        setattr(saver, "a" + name, atimed)


# -- the two checkpointers --------------------------------------------------------------------


class Backend:
    """How to build, wire and close one checkpointer implementation."""

    name = ""
    consistent_reads = ""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def make(self, table: str) -> Any:
        raise NotImplementedError

    def sync_client(self, saver: Any) -> Any:
        raise NotImplementedError

    async def async_client(self, saver: Any) -> Any:
        raise NotImplementedError

    async def aclose(self, saver: Any) -> None:
        return None


class Ours(Backend):
    """langgraph-agentcore's DynamoDBSaver: boto3 for sync, aiobotocore for async."""

    name = "langgraph-agentcore"

    def __init__(self, endpoint: str, shards: int = 1) -> None:
        super().__init__(endpoint)
        self.shards = shards
        if shards > 1:
            self.name = f"langgraph-agentcore shards={shards}"

    def make(self, table: str) -> Any:
        saver = DynamoDBSaver(
            table, "bench-agent", endpoint_url=self.endpoint, region_name=REGION, shards=self.shards
        )
        saver.setup()
        return saver

    def sync_client(self, saver: Any) -> Any:
        return saver.io.client

    async def async_client(self, saver: Any) -> Any:
        return await saver.io.aclient()

    async def aclose(self, saver: Any) -> None:
        await saver.aclose()


class Incumbent(Backend):
    """langgraph-checkpoint-aws's DynamoDBSaver: boto3; async runs it in an executor."""

    name = "langgraph-checkpoint-aws"

    def make(self, table: str) -> Any:
        # Its constructor does not create the table; its README/template: string PK, SK.
        admin(self.endpoint).create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
        )
        assert IncumbentSaver is not None
        return IncumbentSaver(table_name=table, region_name=REGION, endpoint_url=self.endpoint)

    def sync_client(self, saver: Any) -> Any:
        return saver.client

    async def async_client(self, saver: Any) -> Any:
        return saver.client  # its async methods call the sync ones in a thread pool


_ADMIN: dict[str, Any] = {}


def admin(endpoint: str) -> Any:
    """An unmetered boto3 client for table creation and the final scan."""
    if endpoint not in _ADMIN:
        _ADMIN[endpoint] = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    return _ADMIN[endpoint]


def table_footprint(endpoint: str, table: str) -> tuple[int, int, int]:
    """(items, stored bytes, WCU to write each once) of a table, by a full Scan."""
    items = size = wcu = 0
    pages = admin(endpoint).get_paginator("scan").paginate(TableName=table)
    for page in pages:
        for item in page["Items"]:
            n = item_size(item)
            items += 1
            size += n
            wcu += max(1, math.ceil(n / 1024))
    return items, size, wcu


# -- graphs -----------------------------------------------------------------------------------


def echo(state: MessagesState) -> dict[str, list[AnyMessage]]:
    """A deterministic stand-in for a chat model: repeats the last message."""
    return {"messages": [AIMessage(content=f"echo: {state['messages'][-1].content}")]}


def chat_graph() -> StateGraph:
    graph = StateGraph(MessagesState)
    graph.add_node("echo", echo)
    graph.add_edge(START, "echo")
    graph.add_edge("echo", END)
    return graph


class FanState(TypedDict, total=False):
    topic: str
    results: Annotated[list[str], operator.add]
    summary: str


class WorkerInput(TypedDict):
    topic: str
    part: int


def fanout_graph(width: int) -> StateGraph:
    def plan(state: FanState) -> dict[str, Any]:
        return {"results": []}

    def route(state: FanState) -> list[Send]:
        return [Send("worker", {"topic": state["topic"], "part": i}) for i in range(width)]

    def worker(task: WorkerInput) -> dict[str, Any]:
        return {"results": [f"{task['topic']} part {task['part']}: {TEXT}"]}

    def join(state: FanState) -> dict[str, Any]:
        return {"summary": f"{len(state['results'])} parts"}

    graph = StateGraph(FanState)
    graph.add_node("plan", plan)
    graph.add_node("worker", worker)  # type: ignore[arg-type]  # Send payload type
    graph.add_node("join", join)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", route, ["worker"])
    graph.add_edge("worker", "join")
    graph.add_edge("join", END)
    return graph


def chat_input(turn: int) -> dict[str, Any]:
    return {"messages": [HumanMessage(content=f"Turn {turn}. {TEXT}")]}


def fan_input(run: int) -> dict[str, Any]:
    return {"topic": f"report-{run}"}


def thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


# -- scenarios --------------------------------------------------------------------------------


@dataclass
class Result:
    """One scenario's measurements."""

    backend: str
    scenario: str
    mode: str
    invocations: int
    meter: Meter
    turn_latency: list[float]
    footprint: tuple[int, int, int]
    wall: float = 0.0
    concurrency: int = 0

    @property
    def steps(self) -> int:
        """Graph steps = checkpoints written (one put per superstep)."""
        return len(self.meter.latency["put"])


def _new_table() -> str:
    return f"bench-{uuid.uuid4().hex[:10]}"


def run_sync(
    backend: Backend, scenario: str, graph: StateGraph, inputs: list[tuple[str, dict[str, Any]]]
) -> Result:
    table = _new_table()
    saver = backend.make(table)
    meter = Meter()
    client = backend.sync_client(saver)
    meter.attach(client)
    instrument(saver, meter, "sync")
    app = graph.compile(checkpointer=saver)
    lat = []
    for thread_id, value in inputs:
        start = time.perf_counter()
        app.invoke(value, thread(thread_id))
        lat.append(time.perf_counter() - start)
    meter.detach(client)
    return Result(
        backend.name,
        scenario,
        "sync",
        len(inputs),
        meter,
        lat,
        table_footprint(backend.endpoint, table),
    )


async def run_async(
    backend: Backend,
    scenario: str,
    graph: StateGraph,
    threads: list[list[tuple[str, dict[str, Any]]]],
) -> Result:
    """Run each inner list sequentially on its thread, all threads concurrently."""
    table = _new_table()
    saver = backend.make(table)
    meter = Meter()
    client = await backend.async_client(saver)
    meter.attach(client)
    instrument(saver, meter, "async")
    app = graph.compile(checkpointer=saver)
    lat: list[float] = []

    async def one_thread(turns: list[tuple[str, dict[str, Any]]]) -> None:
        for thread_id, value in turns:
            start = time.perf_counter()
            await app.ainvoke(value, thread(thread_id))
            lat.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(one_thread(t) for t in threads))
    wall = time.perf_counter() - start
    meter.detach(client)
    await backend.aclose(saver)
    result = Result(
        backend.name,
        scenario,
        "async",
        sum(len(t) for t in threads),
        meter,
        lat,
        table_footprint(backend.endpoint, table),
        wall=wall,
        concurrency=len(threads),
    )
    return result


def chat_turns(thread_id: str, turns: int) -> list[tuple[str, dict[str, Any]]]:
    return [(thread_id, chat_input(i)) for i in range(turns)]


def fan_runs(prefix: str, runs: int) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{prefix}-{i}", fan_input(i)) for i in range(runs)]


async def run_all_async(
    backends: list[Backend], args: argparse.Namespace, log: Callable[[str], None]
) -> list[Result]:
    out = []
    for backend in backends:
        out.append(await run_async(backend, "chat", chat_graph(), [chat_turns("chat", args.turns)]))
        log(f"  {backend.name}: chat async done")
        fan = fanout_graph(args.fanout)
        out.append(await run_async(backend, "fanout", fan, [fan_runs("fan", args.fanout_runs)]))
        log(f"  {backend.name}: fanout async done")
    for level in args.concurrency:
        each = max(args.conc_turns, math.ceil(args.min_turns / level))
        for backend in backends:
            threads = [chat_turns(f"c{level}-{n}", each) for n in range(level)]
            out.append(await run_async(backend, "throughput", chat_graph(), threads))
            res = out[-1]
            log(
                f"  {backend.name}: {level} concurrent threads x {each} turns: "
                f"{res.invocations / res.wall:.1f} turns/s"
            )
    return out


# -- report -----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _per(value: float, count: int) -> str:
    return f"{value / count:.2f}" if count else "-"


def _ops(counter: Counter[str], count: int) -> str:
    return ", ".join(f"{op} {n / count:.2f}" for op, n in sorted(counter.items()))


def md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table; a header ending in ``>`` is right-aligned (the mark is dropped)."""
    names = [h.rstrip(">") for h in headers]
    align = ["---:" if h.endswith(">") else "---" for h in headers]
    return [f"| {' | '.join(cells)} |" for cells in (names, align, *rows)]


def _who(r: Result) -> list[str]:
    return [r.backend, r.scenario, r.mode]


def _p50_p95(values: list[float]) -> str:
    return f"{_ms(percentile(values, 50))} / {_ms(percentile(values, 95))}"


WHO = ["checkpointer", "graph", "mode"]


def requests_table(results: list[Result]) -> list[str]:
    headers = WHO + ["invocations>", "steps>", "requests/step>", "by operation, per step"]
    rows = []
    for r in results:
        total = sum(r.meter.requests.values())
        rows.append(
            _who(r)
            + [str(r.invocations), str(r.steps), _per(total, r.steps)]
            + [_ops(r.meter.requests, r.steps), _per(total, r.invocations)]
        )
    return md_table(headers + ["requests/invocation>"], rows)


def capacity_table(results: list[Result]) -> list[str]:
    headers = WHO + ["items/step>", "stored bytes/step>", "WCU/step>", "RCU/step>"]
    headers += ["strongly consistent reads", "write request bytes/step>"]
    rows = []
    for r in results:
        items, size, wcu = r.footprint
        wbytes = sum(n for op, n in r.meter.request_bytes.items() if op in WRITE_OPS)
        strong, weak = r.meter.consistent[True], r.meter.consistent[False]
        steps = max(r.steps, 1)
        rows.append(
            _who(r)
            + [_per(items, r.steps), f"{size / steps:,.0f}", _per(wcu, r.steps)]
            + [_per(r.meter.rcu, r.steps), f"{strong}/{strong + weak}", f"{wbytes / steps:,.0f}"]
        )
    return md_table(headers, rows)


def latency_table(results: list[Result]) -> list[str]:
    headers = WHO + ["invocation p50 / p95 ms>", "invocation p50 / steps ms>"]
    headers += [f"{op} p50 / p95 ms>" for op in SAVER_OPS]
    rows = []
    for r in results:
        per_step = r.invocations / max(r.steps, 1)
        rows.append(
            _who(r)
            + [_p50_p95(r.turn_latency), _ms(percentile(r.turn_latency, 50) * per_step)]
            + [_p50_p95(r.meter.latency[op]) for op in SAVER_OPS]
        )
    return md_table(headers, rows)


def request_latency_table(results: list[Result]) -> list[str]:
    ops = sorted({op for r in results for op in r.meter.request_latency})
    rows = [
        _who(r)
        + [
            _ms(percentile(r.meter.request_latency[op], 50))
            if op in r.meter.request_latency
            else "-"
            for op in ops
        ]
        for r in results
    ]
    return md_table(WHO + [f"{op} p50 ms>" for op in ops], rows)


def throughput_table(results: list[Result]) -> list[str]:
    headers = ["checkpointer", "concurrent threads>", "turns>", "wall s>", "turns/s>"]
    headers += ["steps/s>", "requests/s>", "turn p50 / p95 ms>"]
    rows = []
    for r in results:
        total = sum(r.meter.requests.values())
        rows.append(
            [r.backend, str(r.concurrency), str(r.invocations), f"{r.wall:.2f}"]
            + [f"{r.invocations / r.wall:.1f}", f"{r.steps / r.wall:.1f}"]
            + [f"{total / r.wall:.0f}", _p50_p95(r.turn_latency)]
        )
    return md_table(headers, rows)


def versions() -> str:
    names = [
        "langgraph",
        "langgraph-checkpoint",
        "boto3",
        "botocore",
        "aiobotocore",
        "aiohttp",
        "moto",
        "langgraph-checkpoint-aws",
    ]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def render(results: list[Result], args: argparse.Namespace, elapsed: float) -> str:
    single = [r for r in results if r.scenario != "throughput"]
    conc = [r for r in results if r.scenario == "throughput"]
    conc.sort(key=lambda r: (r.concurrency, r.backend))
    command = "python benchmarks/checkpointer_bench.py " + " ".join(args.argv)
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"{platform.system()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{versions()}. Took {elapsed:.0f} s; load average at the end "
        f"{os.getloadavg()[0]:.1f} (other processes share the machine: latencies are noisy).",
        "",
        f"Command: `{command.strip()}`",
        "",
        f"Workload: chat = {args.turns} turns on one thread; fanout = {args.fanout_runs} runs "
        f"of {args.fanout} parallel workers; throughput = chat turns on 1..N threads at once.",
        "",
        "### Requests per graph step",
        "",
        *requests_table(single),
        "",
        "### Capacity and bytes per graph step",
        "",
        *capacity_table(single),
        "",
        "### Latency (moto on loopback: relative only)",
        "",
        *latency_table(single),
        "",
        "Single DynamoDB requests, client-observed (moto's cost per operation shows here):",
        "",
        *request_latency_table(single),
        "",
        "### Async throughput, one process (moto on loopback: relative only)",
        "",
        *throughput_table(conc),
    ]
    return "\n".join(lines) + "\n"


def write_docs(report: str) -> None:
    write_section(DOCS_PATH, DOCS_START, DOCS_END, report, append=False)


# -- main -------------------------------------------------------------------------------------


def _levels(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=20, help="chat turns (default 20)")
    parser.add_argument("--fanout", type=int, default=10, help="parallel workers (default 10)")
    parser.add_argument("--fanout-runs", type=int, default=5, help="fan-out runs (default 5)")
    parser.add_argument(
        "--concurrency", type=_levels, default=[1, 10, 100, 300], help="e.g. 1,10,100,300"
    )
    parser.add_argument("--conc-turns", type=int, default=1, help="turns per thread")
    parser.add_argument(
        "--min-turns", type=int, default=20, help="at least this many turns per level"
    )
    parser.add_argument("--no-incumbent", action="store_true", help="skip the comparison")
    parser.add_argument("--shards", type=int, default=1, help="our saver's shards option")
    parser.add_argument("--write-docs", action="store_true", help=f"refresh {DOCS_PATH.name}")
    args = parser.parse_args(argv)
    args.argv = [a for a in argv if a != "--write-docs"]
    return args


def use_dummy_aws_env() -> None:
    """Dummy credentials and a fixed region: benchmarks only talk to loopback servers."""
    for var, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ):
        os.environ[var] = value
    for var in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    use_dummy_aws_env()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    backends: list[Backend] = [Ours(endpoint, args.shards)]
    if IncumbentSaver is not None and not args.no_incumbent:
        backends.append(Incumbent(endpoint))
    else:
        log("langgraph-checkpoint-aws not importable (or --no-incumbent): no comparison")
    started = time.perf_counter()
    results: list[Result] = []
    try:
        for backend in backends:
            results.append(run_sync(backend, "chat", chat_graph(), chat_turns("chat", args.turns)))
            results.append(
                run_sync(
                    backend, "fanout", fanout_graph(args.fanout), fan_runs("fan", args.fanout_runs)
                )
            )
            log(f"  {backend.name}: sync done")
        results += asyncio.run(run_all_async(backends, args, log))
    finally:
        server.stop()
    report = render(results, args, time.perf_counter() - started)
    print(report)
    if args.write_docs:
        write_docs(report)
        log(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
