"""Table access: the only place that talks to DynamoDB.

Operations are written once, as *plans*: generators that yield :class:`Call` (one
request; the response is sent back in), a list of calls (independent requests the async
driver runs concurrently), :class:`Sleep` (backoff) or :class:`Emit` (a result for an
iterator). :func:`run` / :func:`iterate` drive a plan with a boto3 client;
:func:`arun` / :func:`aiterate` with an aiobotocore client. Sync and async therefore
share key building, item encoding and request planning, and differ only here.

Throttling and transient errors are retried by botocore (standard retry mode);
``UnprocessedItems`` / ``UnprocessedKeys`` are retried by the plans with exponential
backoff. Anything that still fails is raised as an :class:`AgentCoreStorageError`
naming the table and the operation.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import re
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from langgraph_agentcore.errors import (
    AgentCoreMemoryError,
    AgentCoreStorageError,
    AgentCoreUnavailableError,
    MemoryNotFoundError,
    MemoryRecordNotFoundError,
    TableNotFoundError,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Settings for clients this package creates (users' own clients keep theirs): standard
#: retries, and a connection pool large enough for hundreds of concurrent async graph
#: runs (botocore's default of 10 starves every task beyond the tenth; see
#: docs/benchmarks.md, "Async I/O scaling").
DEFAULT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 10},
    max_pool_connections=256,
    user_agent_extra="langgraph-agentcore",
)
#: Backoff for UnprocessedItems / UnprocessedKeys: base, cap (seconds) and attempts.
BACKOFF_BASE = 0.05
BACKOFF_CAP = 5.0
MAX_UNPROCESSED_ROUNDS = 12


@dataclass(frozen=True)
class Call:
    """One DynamoDB request: the API operation name and its parameters."""

    op: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sleep:
    """Wait before the next request (backoff)."""

    seconds: float


@dataclass(frozen=True)
class Emit:
    """A value produced by an iterating plan."""

    value: Any


Step = Call | list[Call] | Sleep | Emit
Plan = Generator[Step, Any, T]


def backoff(attempt: int) -> Sleep:
    """Full-jitter exponential backoff for the ``attempt``-th retry (1-based)."""
    return Sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))


def _snake(op: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_")


def translate(exc: Exception, table_name: str, op: str) -> AgentCoreStorageError:
    """Turn a botocore failure into our exception, naming the table and operation."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        msg = exc.response.get("Error", {}).get("Message", str(exc))
        if code == "ResourceNotFoundException":
            return TableNotFoundError(
                f"DynamoDB table {table_name!r} not found during {op} "
                f"(create it with setup() or check table_name/region): {msg}",
                resource=table_name,
                operation=op,
            )
        return AgentCoreStorageError(
            f"DynamoDB {op} on table {table_name!r} failed: {code}: {msg}",
            resource=table_name,
            operation=op,
        )
    return AgentCoreStorageError(
        f"DynamoDB {op} on table {table_name!r} failed: {type(exc).__name__}: {exc}",
        resource=table_name,
        operation=op,
    )


class ServiceClients:
    """The clients of one AWS service: a boto3 client and an aiobotocore client for all loops.

    Built lazily from the same options. The expensive part of an async client (botocore
    session, service model, endpoint rules, credentials, TLS contexts) is built once, in a
    worker thread, and shared by every event loop; only the aiohttp session is per loop
    (see :mod:`langgraph_agentcore.aio`). Per-loop parts are closed when their loop shuts
    down (the end of ``asyncio.run``), by :meth:`aclose` for the running loop, and by
    :meth:`close` for all loops. With ``async_client_factory`` (or a config that cannot be
    shared: adaptive retries) each loop gets its own client context instead, closed the
    same way. Clients passed in by the user are used as they are and never closed.
    """

    def __init__(
        self,
        service: str,
        *,
        client: Any = None,
        async_client: Any = None,
        async_client_factory: Callable[[], Any] | None = None,
        session: Any = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Config = DEFAULT_CONFIG,
    ) -> None:
        self.service = service
        self._client = client
        self._owns_client = client is None
        self._user_async_client = async_client
        self.async_client_factory = async_client_factory
        self._session = session
        self._boto_session: Any = session
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._config = config
        #: Per-loop client contexts (factory or unshareable config): loop -> entry.
        self._aclients: dict[asyncio.AbstractEventLoop, _LoopClient] = {}
        #: The shared async build: (aiobotocore session, client or None if per loop).
        self._shared: Future[tuple[Any, Any]] | None = None
        self._shared_client: Any = None
        self._lock = threading.Lock()
        # Per-loop clients do not refer back to self: dropped unclosed, they close soon.
        weakref.finalize(self, _close_loop_clients, self._aclients).atexit = False

    def _boto(self) -> Any:
        """The boto3 session (the user's, or one of ours shared by sync and async)."""
        if self._boto_session is None:
            import boto3

            self._boto_session = boto3.session.Session()
        return self._boto_session

    @property
    def client(self) -> Any:
        """The boto3 client (created on first use)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._boto().client(
                        self.service,
                        region_name=self._region_name,
                        endpoint_url=self._endpoint_url,
                        config=self._config,
                    )
        return self._client

    @client.setter
    def client(self, value: Any) -> None:
        """Use ``value`` as the sync client from now on (it is never closed by us)."""
        self._client = value
        self._owns_client = False

    async def aclient(self) -> Any:
        """The aiobotocore client for the running event loop (built on first use)."""
        if self._user_async_client is not None:
            return self._user_async_client
        if self.async_client_factory is not None:
            return await self._loop_client(self.async_client_factory)
        if self._shared_client is not None:
            return self._shared_client
        fut = self._shared_build()
        session, client = fut.result() if fut.done() else await asyncio.wrap_future(fut)
        if client is not None:
            return client
        return await self._loop_client(lambda: session.create_client(**self._client_kwargs()))

    def _client_kwargs(self) -> dict[str, Any]:
        region = self._region_name or getattr(self._boto(), "region_name", None)
        return {
            "service_name": self.service,
            "region_name": region,
            "endpoint_url": self._endpoint_url,
            "config": self._config,
        }

    def _shared_build(self) -> Future[tuple[Any, Any]]:
        """The one build of the async side, started in a worker thread on first need."""
        with self._lock:
            fut = self._shared
            if fut is not None and not (fut.done() and fut.exception() is not None):
                return fut
            fut = self._shared = Future()
            fut.set_running_or_notify_cancel()  # a cancelled waiter must not cancel the build
        threading.Thread(
            target=self._build, args=(fut,), name=f"lgac-{self.service}-client", daemon=True
        ).start()
        return fut

    def _build(self, fut: Future[tuple[Any, Any]]) -> None:
        from langgraph_agentcore import aio

        try:
            boto = self._boto()
            with self._lock:
                credentials = boto.get_credentials()
            session = aio.aio_session(boto, credentials)
            client = None
            if aio.shareable(session, self._config):
                kwargs = self._client_kwargs()
                client = aio.build_shared_client(session, kwargs.pop("service_name"), **kwargs)
                self._shared_client = client
            how = "shared" if client is not None else "per loop"
            logger.debug("%s: async client built (%s)", self.service, how)
            fut.set_result((session, client))
        except BaseException as exc:
            fut.set_exception(exc)

    async def _loop_client(self, make: Callable[[], Any]) -> Any:
        """The running loop's own client, from the context ``make()`` returns."""
        loop = asyncio.get_running_loop()
        entry = self._aclients.get(loop)
        if entry is None:
            entry = _LoopClient(loop)
            self._aclients[loop] = entry
            await entry.open(make, functools.partial(self._aclients.pop, loop, None))
        return await entry.ready()

    def close(self) -> None:
        """Close the sync client (if we created it) and the async clients of every loop.

        A loop's parts are closed in that loop when possible (a task on the running loop,
        handed to a loop running in another thread, run on an idle one) and abandoned
        when the loop is already closed.
        """
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
        for entry in list(self._aclients.values()):
            if entry.resource is not None:
                entry.resource.close_soon()
        if self._shared_client is not None:
            from langgraph_agentcore.aio import LoopLocalHTTPSession, http_session_of

            http = http_session_of(self._shared_client)
            if isinstance(http, LoopLocalHTTPSession):
                http.close_all()

    async def aclose(self) -> None:
        """Close the async client parts of the running loop."""
        entry = self._aclients.get(asyncio.get_running_loop())
        if entry is not None:
            await entry.ready()
            if entry.resource is not None:
                await entry.resource.aclose()
        if self._shared_client is not None:
            from langgraph_agentcore.aio import LoopLocalHTTPSession, http_session_of

            http = http_session_of(self._shared_client)
            if isinstance(http, LoopLocalHTTPSession):
                await http.aclose_loop()


def _close_loop_clients(aclients: dict[asyncio.AbstractEventLoop, _LoopClient]) -> None:
    """Finalizer of a dropped :class:`ServiceClients`: hand each loop's close to its loop."""
    for entry in list(aclients.values()):
        if entry.resource is not None:
            entry.resource.close_later()


class _LoopClient:
    """One loop's aiobotocore client context: opened once, closed with its loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.client: Any = None
        self.resource: Any = None
        self._opened: asyncio.Future[Any] = loop.create_future()

    async def open(self, make: Callable[[], Any], forget: Callable[[], Any]) -> None:
        from langgraph_agentcore.aio import LoopResource, abandon_aiohttp, http_session_of, track

        try:
            ctx = make()
            self.client = await ctx.__aenter__()
        except BaseException as exc:
            forget()
            if isinstance(exc, asyncio.CancelledError):
                self._opened.cancel()
            else:
                self._opened.set_exception(exc)
                self._opened.exception()  # retrieved: waiters (if any) see it too
            raise
        client = self.client
        self.resource = LoopResource(
            self.loop,
            lambda: ctx.__aexit__(None, None, None),
            lambda: abandon_aiohttp(http_session_of(client)),
            on_closed=forget,
        )
        self._opened.set_result(client)
        await track(self.resource)

    async def ready(self) -> Any:
        """The client, once opened (by whichever task of the loop opened it)."""
        if self._opened.done():
            return self._opened.result()
        return await asyncio.shield(self._opened)


class TableIO:
    """Executes plans against one table, with a sync and (per event loop) async client."""

    def __init__(
        self,
        table_name: str,
        *,
        client: Any = None,
        async_client: Any = None,
        session: Any = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Config | None = None,
        async_client_factory: Callable[[], Any] | None = None,
    ) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise ValueError(f"table_name must be a non-empty str, got {table_name!r}")
        self.table_name = table_name
        self._session = session
        self._region_name = region_name
        self._config = DEFAULT_CONFIG.merge(config) if config else DEFAULT_CONFIG
        self.dynamodb = ServiceClients(
            "dynamodb",
            client=client,
            async_client=async_client,
            async_client_factory=async_client_factory,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            config=self._config,
        )

    # -- clients ----------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The boto3 DynamoDB client (created on first use)."""
        return self.dynamodb.client

    @client.setter
    def client(self, value: Any) -> None:
        self.dynamodb.client = value

    async def aclient(self) -> Any:
        """The aiobotocore DynamoDB client of the running event loop."""
        return await self.dynamodb.aclient()

    def close(self) -> None:
        """Close the sync client's connection pool (if we created it)."""
        self.dynamodb.close()

    async def aclose(self) -> None:
        """Close the async client of the running loop."""
        await self.dynamodb.aclose()

    # -- single requests ----------------------------------------------------------------

    def call(self, call: Call) -> dict[str, Any]:
        """Send one request with the sync client."""
        logger.debug("dynamodb %s %s", call.op, self.table_name)
        try:
            return getattr(self.client, _snake(call.op))(**call.params)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, self.table_name, call.op) from exc

    async def acall(self, call: Call) -> dict[str, Any]:
        """Send one request with the async client."""
        logger.debug("dynamodb %s %s (async)", call.op, self.table_name)
        client = await self.aclient()
        try:
            return await getattr(client, _snake(call.op))(**call.params)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, self.table_name, call.op) from exc

    # -- plan drivers -------------------------------------------------------------------

    def _step(self, step: Step) -> Any:
        if isinstance(step, Call):
            return self.call(step)
        if isinstance(step, list):
            if len(step) <= 1:
                return [self.call(c) for c in step]
            # Independent requests: run them at once, as the async driver does.
            return list(_pool().map(self.call, step))
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None
        raise TypeError(f"unexpected plan step {step!r}")

    async def _astep(self, step: Step) -> Any:
        if isinstance(step, Call):
            return await self.acall(step)
        if isinstance(step, list):
            return list(await asyncio.gather(*(self.acall(c) for c in step)))
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return None
        raise TypeError(f"unexpected plan step {step!r}")

    def run(self, plan: Plan[T]) -> T:
        """Drive a plan to completion with the sync client and return its result.

        A failed request is thrown into the plan, which may handle it or let it rise.
        """
        reply: Any = None
        error: AgentCoreStorageError | None = None
        try:
            while True:
                step = plan.throw(error) if error is not None else plan.send(reply)
                error = None
                if isinstance(step, Emit):
                    raise TypeError("run() got an iterating plan; use iterate()")
                try:
                    reply = self._step(step)
                except AgentCoreStorageError as exc:
                    error = exc
        except StopIteration as stop:
            return stop.value

    async def arun(self, plan: Plan[T]) -> T:
        """Async twin of :meth:`run`."""
        reply: Any = None
        error: AgentCoreStorageError | None = None
        try:
            while True:
                step = plan.throw(error) if error is not None else plan.send(reply)
                error = None
                if isinstance(step, Emit):
                    raise TypeError("arun() got an iterating plan; use aiterate()")
                try:
                    reply = await self._astep(step)
                except AgentCoreStorageError as exc:
                    error = exc
        except StopIteration as stop:
            return stop.value

    def iterate(self, plan: Plan[None]) -> Iterator[Any]:
        """Drive an iterating plan lazily: requests are sent as values are consumed."""
        reply: Any = None
        with _closing(plan):
            while True:
                try:
                    step = plan.send(reply)
                except StopIteration:
                    return
                if isinstance(step, Emit):
                    reply = None
                    yield step.value
                else:
                    reply = self._step(step)

    async def aiterate(self, plan: Plan[None]) -> AsyncIterator[Any]:
        """Async twin of :meth:`iterate`."""
        reply: Any = None
        with _closing(plan):
            while True:
                try:
                    step = plan.send(reply)
                except StopIteration:
                    return
                if isinstance(step, Emit):
                    reply = None
                    yield step.value
                else:
                    reply = await self._astep(step)


_POOLS: dict[str, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """The process-wide thread pool called ``name`` (created on first use).

    Separate pools for separate jobs: a job that waits on another pool's work (a sync
    recall with a timeout waiting on its parallel calls) must never wait on its own.
    """
    pool = _POOLS.get(name)
    if pool is None:
        with _POOLS_LOCK:
            pool = _POOLS.get(name)
            if pool is None:
                pool = _POOLS[name] = ThreadPoolExecutor(
                    max_workers=workers, thread_name_prefix=f"lgac-{name}"
                )
    return pool


def _pool() -> ThreadPoolExecutor:
    """The pool that runs a plan's parallel calls on the sync path."""
    return shared_pool("io", 32)


class _closing:
    """Close a generator plan when its consumer stops early."""

    def __init__(self, plan: Plan[Any]) -> None:
        self.plan = plan

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.plan.close()


# -- AgentCore Memory ----------------------------------------------------------------------

#: Placeholder table name of a :class:`StoreIO` built without a table.
_NO_TABLE = "-"

#: Error codes meaning "AgentCore is unavailable right now" (retry later, don't fail).
_UNAVAILABLE = frozenset(
    {
        "ThrottledException",
        "ThrottlingException",
        "ServiceException",
        "InternalServerException",
        "ServiceUnavailableException",
        "ServiceQuotaExceededException",
        "RetryableConflictException",
    }
)
_NOT_FOUND = "ResourceNotFoundException"
#: Operations that name a record, event or job besides the memory: their
#: ResourceNotFoundException may concern either, so the message decides.
_ITEM_OPS = frozenset(
    {
        "GetMemoryRecord",
        "DeleteMemoryRecord",
        "GetEvent",
        "DeleteEvent",
        "StartMemoryExtractionJob",
    }
)
#: A not-found message about something other than the memory ("Memory record ... not
#: found", "Event ... not found", "Extraction job ... not found").
_OTHER_RESOURCE = re.compile(
    r"\b(?:records?|events?|jobs?|strateg(?:y|ies)|branch(?:es)?|sessions?|actors?)\b", re.I
)
#: "Memory X not found" (but not "MemoryItem", "Memory record").
_MEMORY_WORD = re.compile(r"\bmemory\b", re.I)


def _memory_missing(op: str, message: str, memory_id: str) -> bool:
    """Whether a ResourceNotFoundException of ``op`` says the memory itself is missing.

    Operations that address only the memory (Retrieve/List/BatchCreate records,
    CreateEvent, ListEvents, GetMemory, ...) can only miss the memory, unless the message
    names another resource. Record and event operations miss the memory only when the
    message says so (names the memory id, or "memory" without "record"/"event").
    """
    if _OTHER_RESOURCE.search(message):
        return False
    if op not in _ITEM_OPS:
        return True
    return (bool(memory_id) and memory_id in message) or bool(_MEMORY_WORD.search(message))


# -- errors ---------------------------------------------------------------------------------


def translate_memory(
    exc: Exception, memory_id: str, op: str, *, region: str | None = None
) -> AgentCoreMemoryError:
    """Turn a botocore failure of an AgentCore request into our exception.

    A ResourceNotFoundException becomes :class:`MemoryNotFoundError` when it concerns the
    memory (see :func:`_memory_missing`), else :class:`MemoryRecordNotFoundError`.
    """
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "")
        msg = err.get("Message", str(exc))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        text = f"AgentCore Memory {op} on memory {memory_id!r} failed: {code}: {msg}"
        if code in _UNAVAILABLE or status >= 500 or status == 429:
            return AgentCoreUnavailableError(text, resource=memory_id, operation=op)
        if code == _NOT_FOUND:
            if _memory_missing(op, msg, memory_id):
                where = f" in region {region}" if region else ""
                return MemoryNotFoundError(
                    f"AgentCore Memory {memory_id!r} does not exist{where} ({op}: {msg}); "
                    "check memory_id and region_name (a memory id looks like "
                    "'Name-a1B2c3D4e5'; the memory may also have been deleted)",
                    resource=memory_id,
                    operation=op,
                )
            return MemoryRecordNotFoundError(text, resource=memory_id, operation=op)
        return AgentCoreMemoryError(text, resource=memory_id, operation=op)
    # Connection errors, timeouts: the service is unreachable.
    return AgentCoreUnavailableError(
        f"AgentCore Memory {op} on memory {memory_id!r} failed: {type(exc).__name__}: {exc}",
        resource=memory_id,
        operation=op,
    )


def _region(client: Any) -> str | None:
    """The region a boto3/aiobotocore client talks to (for error messages)."""
    region = getattr(getattr(client, "meta", None), "region_name", None)
    return region if isinstance(region, str) else None


# -- plan steps and driver ------------------------------------------------------------------


@dataclass(frozen=True)
class MemoryCall(Call):
    """One AgentCore Memory (``bedrock-agentcore`` data plane) request in a plan."""


@dataclass(frozen=True)
class ControlCall(Call):
    """One AgentCore control-plane (``bedrock-agentcore-control``) request in a plan."""


class StoreIO(TableIO):
    """Drives plans over DynamoDB (:class:`Call`) and AgentCore Memory's two planes.

    :class:`MemoryCall` goes to the data plane, :class:`ControlCall` (GetMemory) to the
    control plane. Subclasses :class:`TableIO` (plan drivers, DynamoDB clients); the
    AgentCore clients are created lazily (see :class:`ServiceClients`). Used by the
    store and the memory loop; ``table_name=None`` means no table (a DynamoDB call then
    fails clearly).
    """

    def __init__(
        self,
        table_name: str | None,
        memory_id: str,
        *,
        agentcore_client: Any = None,
        agentcore_endpoint_url: str | None = None,
        async_agentcore_client_factory: Callable[[], Any] | None = None,
        control_client: Any = None,
        control_endpoint_url: str | None = None,
        async_control_client_factory: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(table_name or _NO_TABLE, **kwargs)
        self.has_table = table_name is not None
        self.memory_id = memory_id
        self.agentcore = self._service(
            "bedrock-agentcore",
            agentcore_client,
            agentcore_endpoint_url,
            async_agentcore_client_factory,
        )
        self.control = self._service(
            "bedrock-agentcore-control",
            control_client,
            control_endpoint_url,
            async_control_client_factory,
        )

    def _service(
        self,
        name: str,
        client: Any,
        endpoint_url: str | None,
        factory: Callable[[], Any] | None,
    ) -> ServiceClients:
        return ServiceClients(
            name,
            client=client,
            async_client_factory=factory,
            session=self._session,
            region_name=self._region_name,
            endpoint_url=endpoint_url,
            config=self._config,
        )

    def _clients(self, call: Call) -> ServiceClients | None:
        """The AgentCore clients a call goes to (None: DynamoDB)."""
        if isinstance(call, ControlCall):
            return self.control
        if isinstance(call, MemoryCall):
            return self.agentcore
        self._need_table(call)
        return None

    def call(self, call: Call) -> dict[str, Any]:
        """Send one request with the sync client of its service."""
        clients = self._clients(call)
        if clients is None:
            return super().call(call)
        logger.debug("%s %s %s", clients.service, call.op, self.memory_id)
        client = clients.client
        try:
            return getattr(client, _snake(call.op))(**call.params)
        except (ClientError, BotoCoreError) as exc:
            raise translate_memory(exc, self.memory_id, call.op, region=_region(client)) from exc

    async def acall(self, call: Call) -> dict[str, Any]:
        """Send one request with the async client of its service."""
        clients = self._clients(call)
        if clients is None:
            return await super().acall(call)
        logger.debug("%s %s %s (async)", clients.service, call.op, self.memory_id)
        client = await clients.aclient()
        try:
            return await getattr(client, _snake(call.op))(**call.params)
        except (ClientError, BotoCoreError) as exc:
            raise translate_memory(exc, self.memory_id, call.op, region=_region(client)) from exc

    def _need_table(self, call: Call) -> None:
        if not self.has_table:
            raise ValueError(f"DynamoDB {call.op} needs a table, and none was configured")

    def close(self) -> None:
        """Close the sync clients we created."""
        super().close()
        self.agentcore.close()
        self.control.close()

    async def aclose(self) -> None:
        """Close the async clients of the running loop."""
        await super().aclose()
        await self.agentcore.aclose()
        await self.control.aclose()


# -- S3 (the migration's source) ------------------------------------------------------------


@dataclass(frozen=True)
class S3Call(Call):
    """One S3 request in a plan. ``GetObject`` answers ``{"Body": bytes}`` (None if absent)."""


class SourceIO(TableIO):
    """Drives plans over a table (:class:`Call`) and S3 (:class:`S3Call`), sync only.

    The migration reads the incumbent's table and its S3-offloaded values with it.
    """

    def __init__(
        self,
        table_name: str,
        *,
        s3_client: Any = None,
        s3_endpoint_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(table_name, **kwargs)
        self.s3 = ServiceClients(
            "s3",
            client=s3_client,
            session=self._session,
            region_name=self._region_name,
            endpoint_url=s3_endpoint_url,
            config=self._config,
        )

    def call(self, call: Call) -> dict[str, Any]:
        """Send one request to DynamoDB or, for an :class:`S3Call`, to S3."""
        if not isinstance(call, S3Call):
            return super().call(call)
        bucket = call.params.get("Bucket", "")
        logger.debug("s3 %s %s/%s", call.op, bucket, call.params.get("Key"))
        try:
            resp = getattr(self.s3.client, _snake(call.op))(**call.params)
        except ClientError as exc:
            if call.op == "GetObject" and exc.response.get("Error", {}).get("Code") in (
                "NoSuchKey",
                "404",
            ):
                return {"Body": None}
            err = exc.response.get("Error", {})
            raise AgentCoreStorageError(
                f"S3 {call.op} on bucket {bucket!r} failed: {err.get('Code')}: "
                f"{err.get('Message', exc)}",
                resource=bucket,
                operation=call.op,
            ) from exc
        except BotoCoreError as exc:
            raise AgentCoreStorageError(
                f"S3 {call.op} on bucket {bucket!r} failed: {type(exc).__name__}: {exc}",
                resource=bucket,
                operation=call.op,
            ) from exc
        if call.op == "GetObject":
            return {"Body": resp["Body"].read()}
        return dict(resp)

    def close(self) -> None:
        super().close()
        self.s3.close()


# -- plans shared by several callers -------------------------------------------------------


def batch_write_plan(table_name: str, requests: list[dict[str, Any]]) -> Plan[None]:
    """Write or delete items 25 at a time, retrying UnprocessedItems with backoff."""
    batches = [requests[i : i + 25] for i in range(0, len(requests), 25)]
    for batch in batches:
        pending = batch
        attempt = 0
        while pending:
            resp = yield Call("BatchWriteItem", {"RequestItems": {table_name: pending}})
            pending = resp.get("UnprocessedItems", {}).get(table_name, [])
            if pending:
                attempt += 1
                if attempt > MAX_UNPROCESSED_ROUNDS:
                    raise AgentCoreStorageError(
                        f"DynamoDB BatchWriteItem on table {table_name!r}: "
                        f"{len(pending)} items still unprocessed after {attempt - 1} retries",
                        resource=table_name,
                        operation="BatchWriteItem",
                    )
                logger.debug("BatchWriteItem: retrying %d unprocessed items", len(pending))
                yield backoff(attempt)


def batch_get_plan(
    table_name: str, keys: list[dict[str, Any]], projection: str | None = None
) -> Plan[list[dict[str, Any]]]:
    """Read items by key, 100 per request, strongly consistent, retrying UnprocessedKeys."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), 100):
        pending = keys[start : start + 100]
        attempt = 0
        while pending:
            spec: dict[str, Any] = {"Keys": pending, "ConsistentRead": True}
            if projection:
                spec["ProjectionExpression"] = projection
            resp = yield Call("BatchGetItem", {"RequestItems": {table_name: spec}})
            found.extend(resp.get("Responses", {}).get(table_name, []))
            pending = resp.get("UnprocessedKeys", {}).get(table_name, {}).get("Keys", [])
            if pending:
                attempt += 1
                if attempt > MAX_UNPROCESSED_ROUNDS:
                    raise AgentCoreStorageError(
                        f"DynamoDB BatchGetItem on table {table_name!r}: "
                        f"{len(pending)} keys still unprocessed after {attempt - 1} retries",
                        resource=table_name,
                        operation="BatchGetItem",
                    )
                logger.debug("BatchGetItem: retrying %d unprocessed keys", len(pending))
                yield backoff(attempt)
    return found


def setup_plan(
    table_name: str, pk_attr: str, sk_attr: str, ttl_attr: str | None, timeout: float = 120.0
) -> Plan[bool]:
    """Create the table if missing (on-demand, string keys) and enable TTL; idempotent.

    Returns True if this call created the table. An existing table must have the
    configured key schema; otherwise a clear error is raised instead of writing.
    """
    created = False
    try:
        desc = yield Call("DescribeTable", {"TableName": table_name})
    except TableNotFoundError:
        desc = None
    if desc is None:
        try:
            yield Call(
                "CreateTable",
                {
                    "TableName": table_name,
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [
                        {"AttributeName": pk_attr, "AttributeType": "S"},
                        {"AttributeName": sk_attr, "AttributeType": "S"},
                    ],
                    "KeySchema": [
                        {"AttributeName": pk_attr, "KeyType": "HASH"},
                        {"AttributeName": sk_attr, "KeyType": "RANGE"},
                    ],
                },
            )
            created = True
        except AgentCoreStorageError as exc:
            if "ResourceInUseException" not in str(exc):
                raise
        deadline = time.monotonic() + timeout
        while True:
            desc = yield Call("DescribeTable", {"TableName": table_name})
            if desc["Table"].get("TableStatus") == "ACTIVE":
                break
            if time.monotonic() > deadline:
                raise AgentCoreStorageError(
                    f"DynamoDB table {table_name!r} did not become ACTIVE in {timeout}s",
                    resource=table_name,
                    operation="CreateTable",
                )
            yield Sleep(0.5)
    schema = {k["KeyType"]: k["AttributeName"] for k in desc["Table"]["KeySchema"]}
    if schema != {"HASH": pk_attr, "RANGE": sk_attr}:
        raise AgentCoreStorageError(
            f"DynamoDB table {table_name!r} has key schema {schema}, expected "
            f"HASH={pk_attr!r} RANGE={sk_attr!r} (set pk_attr/sk_attr to match)",
            resource=table_name,
            operation="DescribeTable",
        )
    if ttl_attr is not None:
        ttl = yield Call("DescribeTimeToLive", {"TableName": table_name})
        status = ttl.get("TimeToLiveDescription", {})
        if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            yield Call(
                "UpdateTimeToLive",
                {
                    "TableName": table_name,
                    "TimeToLiveSpecification": {"Enabled": True, "AttributeName": ttl_attr},
                },
            )
        elif status.get("AttributeName") != ttl_attr:
            raise AgentCoreStorageError(
                f"DynamoDB table {table_name!r} already uses TTL attribute "
                f"{status.get('AttributeName')!r}, not {ttl_attr!r}",
                resource=table_name,
                operation="DescribeTimeToLive",
            )
    return created
