"""Async clients across event loops: built once, nothing left open when a loop ends.

Every test talks to real HTTP peers on loopback (a moto server for DynamoDB, the
AgentCore Memory twin's HTTP server), uses the library's own clients unless it says
otherwise, and runs each async part in its own ``asyncio.run``. ``quiet`` makes
ResourceWarnings errors, captures the ``asyncio`` logger (aiohttp reports "Unclosed
client session" / "Unclosed connector" there) and unraisable exceptions, collects
garbage at the end, and fails if anything was reported.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, TypedDict

import boto3
import pytest
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore

from langgraph_agentcore import aio
from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.inprocess import async_client_factory
from langgraph_agentcore.store import AgentCoreMemoryStore
from langgraph_agentcore.table import ServiceClients
from langgraph_agentcore.twin import MemoryTwin
from tests.conftest import REGION, unique_table

LOOPS = 3


class Reports:
    """What the interpreter and asyncio reported about unclosed resources."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        self.unraisable: list[str] = []
        self.baseline: frozenset[Any] = frozenset()

    def hook(self, unraisable: Any) -> None:
        self.unraisable.append(f"{unraisable.exc_type.__name__}: {unraisable.exc_value}")

    def found(self) -> list[str]:
        gc.collect()
        logged = [
            r.getMessage().splitlines()[0]
            for r in self.caplog.records
            if r.name == "asyncio" and r.levelno >= logging.WARNING
        ]
        return logged + self.unraisable


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[Reports]:
    """Fail the test if any unclosed resource is reported while it runs (see module doc)."""
    reports = Reports(caplog)
    gc.collect()  # earlier tests' garbage is not ours
    # Loops that earlier tests left running (e.g. a server's loop in another thread) are
    # not this test's: only loops this test tracks must be gone at its end.
    reports.baseline = aio.tracked_loops()
    caplog.set_level(logging.WARNING, logger="asyncio")
    monkeypatch.setattr(sys, "unraisablehook", reports.hook)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        yield reports
        found = reports.found()
    assert found == [], f"unclosed resources reported: {found}"


@pytest.fixture(scope="module")
def twin_url() -> Iterator[tuple[str, str]]:
    """The twin's HTTP server on loopback and an ACTIVE memory id."""
    with MemoryTwin(extraction_delay=None) as twin:
        memory_id = str(
            twin.create_memory("Loops", indexed_keys=[{"key": "lg_agent", "type": "STRING"}])["id"]
        )
        server = twin.serve()
        try:
            yield server.endpoint_url, memory_id
        finally:
            server.stop()


def new_table(endpoint: str) -> str:
    table = unique_table()
    DynamoDBSaver(table, "setup", endpoint_url=endpoint, region_name=REGION).setup()
    return table


class State(TypedDict):
    n: int
    seen: list[str]


def saver_graph(saver: DynamoDBSaver) -> Any:
    async def bump(state: State) -> dict[str, Any]:
        return {"n": state["n"] + 1}

    g = StateGraph(State)
    g.add_node("bump", bump)
    g.add_edge(START, "bump")
    g.add_edge("bump", END)
    return g.compile(checkpointer=saver)


def store_graph(saver: DynamoDBSaver, store: BaseStore) -> Any:
    async def remember(state: State, *, store: BaseStore) -> dict[str, Any]:
        await store.aput(("users", "u1"), f"k{state['n']}", {"text": f"fact {state['n']}"})
        items = await store.asearch(("users", "u1"))
        return {"n": state["n"] + 1, "seen": sorted(i.key for i in items)}

    g = StateGraph(State)
    g.add_node("remember", remember)
    g.add_edge(START, "remember")
    g.add_edge("remember", END)
    return g.compile(checkpointer=saver, store=store)


# -- nothing left open ------------------------------------------------------------------------


def test_saver_graph_across_loops_leaves_nothing_open(moto_endpoint: str, quiet: Reports) -> None:
    saver = DynamoDBSaver(
        new_table(moto_endpoint), "a", endpoint_url=moto_endpoint, region_name=REGION
    )
    graph = saver_graph(saver)
    config: Any = {"configurable": {"thread_id": "t"}}
    for i in range(LOOPS):
        out = asyncio.run(graph.ainvoke({"n": i * 10, "seen": []}, config))
        assert out["n"] == i * 10 + 1
    history = asyncio.run(_history(graph, config))
    assert len(history) == 3 * LOOPS  # input, start and bump checkpoints of every run
    http = aio.http_session_of(asyncio.run(saver.io.aclient()))
    assert isinstance(http, aio.LoopLocalHTTPSession)
    assert http.open_loops == 0  # every loop's session closed when its loop shut down
    assert not aio.tracked_loops() - quiet.baseline


async def _history(graph: Any, config: Any) -> list[Any]:
    return [s async for s in graph.aget_state_history(config)]


def test_store_and_saver_graph_across_loops_leaves_nothing_open(
    moto_endpoint: str, twin_url: tuple[str, str], quiet: Reports
) -> None:
    url, memory_id = twin_url
    table = new_table(moto_endpoint)
    saver = DynamoDBSaver(table, "a", endpoint_url=moto_endpoint, region_name=REGION)
    store = AgentCoreMemoryStore(
        memory_id,
        table,
        "a",
        endpoint_url=moto_endpoint,
        agentcore_endpoint_url=url,
        region_name=REGION,
    )
    graph = store_graph(saver, store)
    for i in range(LOOPS):
        config: Any = {"configurable": {"thread_id": f"t{i}"}}
        out = asyncio.run(graph.ainvoke({"n": i, "seen": []}, config))
        assert out["seen"] == [f"k{j}" for j in range(i + 1)]
    assert not aio.tracked_loops() - quiet.baseline


def test_factory_clients_are_closed_with_their_loop(moto_endpoint: str, quiet: Reports) -> None:
    """A user's factory still builds one client per loop; we close the ones we opened."""
    built: list[Any] = []

    def wire(client: Any) -> Any:
        built.append(client)
        return client

    factory = async_client_factory(
        "dynamodb", wire=wire, region_name=REGION, endpoint_url=moto_endpoint
    )
    saver = DynamoDBSaver(new_table(moto_endpoint), "a", async_client_factory=factory)
    graph = saver_graph(saver)
    for i in range(LOOPS):
        asyncio.run(graph.ainvoke({"n": i, "seen": []}, {"configurable": {"thread_id": "t"}}))
    assert len({id(c) for c in built}) == LOOPS
    assert saver.io.dynamodb._aclients == {}


def test_user_async_client_is_never_closed(moto_endpoint: str, quiet: Reports) -> None:
    from aiobotocore.session import get_session

    async def main() -> None:
        async with get_session().create_client(
            "dynamodb", region_name=REGION, endpoint_url=moto_endpoint
        ) as client:
            saver = DynamoDBSaver(new_table(moto_endpoint), "a", async_client=client)
            await saver.aget_tuple({"configurable": {"thread_id": "t"}})
            await saver.aclose()
            saver.close()
            # still usable: we did not close what we were given
            await client.describe_table(TableName=saver.table_name)

    asyncio.run(main())


def test_sync_close_closes_idle_and_other_thread_loops(moto_endpoint: str, quiet: Reports) -> None:
    """close() from sync code closes the session of an idle loop and of a busy one."""
    saver = DynamoDBSaver(
        new_table(moto_endpoint), "a", endpoint_url=moto_endpoint, region_name=REGION
    )
    config: Any = {"configurable": {"thread_id": "t"}}
    idle = asyncio.new_event_loop()
    idle.run_until_complete(saver.aget_tuple(config))
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(saver.aget_tuple(config), running).result(10)
    http = aio.http_session_of(asyncio.run(saver.io.aclient()))
    assert http.open_loops == 2

    saver.close()
    for _ in range(100):  # the other thread's loop closes its session in a task
        if http.open_loops == 0:
            break
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.01), running).result(10)
    assert http.open_loops == 0
    running.call_soon_threadsafe(running.stop)
    thread.join(10)
    for loop in (idle, running):
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    assert not aio.tracked_loops() - quiet.baseline


def test_loop_closed_without_shutdown_is_abandoned(moto_endpoint: str, quiet: Reports) -> None:
    """A loop closed by hand (no shutdown_asyncgens) cannot run a close; aiohttp is told.

    Its socket can only be closed by asyncio's own transport finalizer, which reports it
    ("unclosed transport"); aiohttp reports nothing, and nothing stays tracked.
    """
    saver = DynamoDBSaver(
        new_table(moto_endpoint), "a", endpoint_url=moto_endpoint, region_name=REGION
    )
    loop = asyncio.new_event_loop()
    loop.run_until_complete(saver.aget_tuple({"configurable": {"thread_id": "t"}}))
    loop.close()
    saver.close()
    del loop
    found = quiet.found()
    assert [f for f in found if "nclosed" in f and "transport" not in f] == []
    quiet.unraisable.clear()
    assert not aio.tracked_loops() - quiet.baseline


def test_close_inside_running_loop(moto_endpoint: str, quiet: Reports) -> None:
    saver = DynamoDBSaver(
        new_table(moto_endpoint), "a", endpoint_url=moto_endpoint, region_name=REGION
    )

    async def main() -> int:
        await saver.aget_tuple({"configurable": {"thread_id": "t"}})
        saver.close()  # sync close from async code: closes this loop's session in a task
        await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        http = aio.http_session_of(await saver.io.aclient())
        return int(http.open_loops)

    assert asyncio.run(main()) == 0


# -- built once, shared by every loop ---------------------------------------------------------


def test_one_client_and_one_tls_context_for_all_loops(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiobotocore.httpsession as hs

    builds: list[Any] = []
    real = hs.AIOHTTPSession._build_ssl_contexts

    def counting(self: Any, proxy_url: Any) -> Any:
        builds.append(proxy_url)
        return real(self, proxy_url)

    monkeypatch.setattr(hs.AIOHTTPSession, "_build_ssl_contexts", counting)
    saver = DynamoDBSaver(
        new_table(moto_endpoint), "a", endpoint_url=moto_endpoint, region_name=REGION
    )

    async def one() -> Any:
        await saver.aget_tuple({"configurable": {"thread_id": "t"}})
        return await saver.io.aclient()

    clients = [asyncio.run(one()) for _ in range(LOOPS)]
    assert len({id(c) for c in clients}) == 1
    assert builds == [None]  # the CA bundle is loaded once, not once per loop


def test_concurrent_first_use_from_threads_builds_once(moto_endpoint: str) -> None:
    clients = ServiceClients("dynamodb", endpoint_url=moto_endpoint, region_name=REGION)
    got: list[Any] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        async def main() -> Any:
            barrier.wait()
            client = await clients.aclient()
            await client.list_tables()
            return client

        got.append(asyncio.run(main()))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(got) == 4 and len({id(c) for c in got}) == 1


def test_adaptive_retries_get_a_client_per_loop(moto_endpoint: str, quiet: Reports) -> None:
    """aiobotocore's adaptive rate limiter holds asyncio locks: not shared across loops."""
    clients = ServiceClients(
        "dynamodb",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        config=Config(retries={"mode": "adaptive"}),
    )

    async def main() -> Any:
        client = await clients.aclient()
        await client.list_tables()
        return client

    got = [asyncio.run(main()) for _ in range(2)]
    assert got[0] is not got[1]
    assert clients._aclients == {}


def test_refreshable_credentials_are_shared_and_refreshed_off_loop(moto_endpoint: str) -> None:
    """One botocore credential object for sync and async; refreshed in a worker thread."""
    calls: list[str] = []

    def refresh() -> dict[str, str]:
        calls.append(threading.current_thread().name)
        expiry = datetime.now(timezone.utc) + (
            timedelta(minutes=1) if len(calls) == 1 else timedelta(hours=1)
        )
        return {
            "access_key": f"AKID{len(calls)}",
            "secret_key": "secret",
            "token": "token",
            "expiry_time": expiry.isoformat(),
        }

    creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "custom-process")
    session = boto3.session.Session(region_name=REGION)
    session._session._credentials = creds  # a session whose source hands out expiring keys
    clients = ServiceClients("dynamodb", session=session, endpoint_url=moto_endpoint)
    keys: list[str] = []

    def record(request: Any, **_: Any) -> None:
        auth = request.headers.get("Authorization", b"")
        auth = auth.decode() if isinstance(auth, bytes) else auth
        keys.append(auth.split("Credential=")[1].split("/")[0])

    async def main() -> None:
        client = await clients.aclient()
        if not keys:
            client.meta.events.register("before-send", record)
        await client.list_tables()

    for _ in range(2):
        asyncio.run(main())
    clients.client.list_tables()
    # the first keys expired within the advisory window: refreshed once, off the loop
    assert keys == ["AKID2", "AKID2"]
    assert len(calls) == 2 and calls[1] != threading.main_thread().name
    assert clients.client._request_signer._credentials is creds


def test_aclose_then_reuse_in_the_same_loop(moto_endpoint: str, quiet: Reports) -> None:
    saver = DynamoDBSaver(
        new_table(moto_endpoint), "a", endpoint_url=moto_endpoint, region_name=REGION
    )
    config: Any = {"configurable": {"thread_id": "t"}}

    async def main() -> list[int]:
        await saver.aget_tuple(config)
        http = aio.http_session_of(await saver.io.aclient())
        opened = [http.open_loops]
        await saver.aclose()
        opened.append(http.open_loops)
        await saver.aget_tuple(config)  # reopens this loop's session
        opened.append(http.open_loops)
        return opened

    assert asyncio.run(main()) == [1, 0, 1]
    assert not aio.tracked_loops() - quiet.baseline


def test_inline_connector_matches_aiobotocores(moto_endpoint: str, quiet: Reports) -> None:
    """Later loops build the connector inline (no thread); it must equal aiobotocore's."""
    saver = DynamoDBSaver(
        new_table(moto_endpoint),
        "a",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        config=Config(max_pool_connections=7, connect_timeout=3),
    )

    async def connector() -> Any:
        await saver.aget_tuple({"configurable": {"thread_id": "t"}})
        http = aio.http_session_of(await saver.io.aclient())
        delegate = http._sessions[asyncio.get_running_loop()][0]
        return delegate._sessions[None].connector

    def settings(c: Any) -> dict[str, Any]:
        plain = (int, float, bool, str, type(None))
        return {k: v for k, v in vars(c).items() if isinstance(v, plain)}

    first, second = asyncio.run(connector()), asyncio.run(connector())
    assert http_inline(saver)
    assert type(first) is type(second)
    assert settings(first) == settings(second) and first.limit == 7
    assert first._ssl is second._ssl  # the same verified TLS context, built once


def http_inline(saver: DynamoDBSaver) -> bool:
    http = aio.http_session_of(asyncio.run(saver.io.aclient()))
    return bool(http.tls.inline_connector)


@pytest.mark.parametrize("kind", ["shared", "factory"])
def test_dropped_saver_is_closed_while_its_loop_lives_on(
    moto_endpoint: str, kind: str, quiet: Reports
) -> None:
    """A saver made per request on a long-lived loop must not pile up open sessions."""
    table = new_table(moto_endpoint)
    kwargs: dict[str, Any] = (
        {"endpoint_url": moto_endpoint, "region_name": REGION}
        if kind == "shared"
        else {
            "async_client_factory": async_client_factory(
                "dynamodb", wire=lambda c: c, region_name=REGION, endpoint_url=moto_endpoint
            )
        }
    )

    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        tracked = []
        for _ in range(3):
            saver = DynamoDBSaver(table, "a", **kwargs)
            await saver.aget_tuple({"configurable": {"thread_id": "t"}})
            tracked.append(aio.tracked_resources(loop))
            del saver
            gc.collect()
            for _ in range(20):
                await asyncio.sleep(0.005)
            tracked.append(aio.tracked_resources(loop))
        return tracked

    assert asyncio.run(main()) == [1, 0, 1, 0, 1, 0]


def test_requests_from_other_generators_at_shutdown_are_served_then_closed(
    moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    """shutdown_asyncgens closes every async generator at once: a peer's ``finally`` may
    still send requests after (or while) ours closed the session. They are served, and
    what they open is closed when they end. (The ResourceWarnings aiobotocore's own
    per-request generators raise when started after shutdown_asyncgens are not ours.)
    """
    saver = DynamoDBSaver(
        new_table(moto_endpoint), "a", endpoint_url=moto_endpoint, region_name=REGION
    )
    config: Any = {"configurable": {"thread_id": "t"}}
    served: list[int] = []
    keep: list[Any] = []
    before = aio.tracked_loops()

    async def peer() -> Any:
        try:
            yield
        finally:
            for _ in range(3):
                await saver.aget_tuple(config)
                served.append(1)

    async def main() -> None:
        await saver.aget_tuple(config)
        agen = peer()
        await agen.asend(None)
        keep.append(agen)  # left suspended: asyncio.run's shutdown_asyncgens closes it

    caplog.set_level(logging.WARNING, logger="asyncio")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(4):
            asyncio.run(main())
        keep.clear()
        gc.collect()
    ours = [
        str(w.message).splitlines()[0]
        for w in caught
        if "nclosed" in str(w.message) or "_until_shutdown" in str(w.message)
    ]
    logged = [r.getMessage() for r in caplog.records if "nclosed" in r.getMessage()]
    assert served == [1] * 12
    assert ours == [] and logged == []
    http = aio.http_session_of(asyncio.run(saver.io.aclient()))
    assert http.open_loops == 0 and not aio.tracked_loops() - before
