"""aiobotocore clients that outlive event loops: shared work once, loop-bound parts per loop.

An aiobotocore client is expensive to build (a botocore session registers ~600 handlers
and parses the service model, endpoint rules and partitions from JSON; a TLS context
loads the CA bundle: 90-590 ms in all), but only its HTTP session is bound to an event
loop: an ``aiohttp.ClientSession`` and its connector belong to the loop that opened them.
So :func:`build_shared_client` builds one client per ``ServiceClients``, once, in a worker
thread, with :class:`LoopLocalHTTPSession` as its ``http_session_cls``. That opens one
aiobotocore ``AIOHTTPSession`` per loop on the loop's first request (TLS contexts shared);
nothing else is per loop. Credentials are botocore's (:class:`SharedCredentials`):
resolved once, thread-safe, refreshed off the loop, shared with the sync client.

Per-loop resources are closed when their loop shuts down, without the user calling
``aclose()``: see :func:`track`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from botocore.config import Config
from botocore.credentials import ReadOnlyCredentials

logger = logging.getLogger(__name__)


# -- closing per-loop resources when their loop shuts down ---------------------------------


class LoopResource:
    """Something opened on one event loop (an HTTP session, a client context).

    ``aclose`` closes it in its loop; ``abandon`` is the synchronous last resort once the
    loop is closed and nothing can be awaited there any more; ``on_closed`` tells the
    owner to forget it. Each runs at most once, whichever way the resource ends.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        aclose: Callable[[], Awaitable[Any]],
        abandon: Callable[[], None],
        on_closed: Callable[[], None] | None = None,
    ) -> None:
        self.loop = loop
        self._aclose = aclose
        self._abandon = abandon
        self._on_closed = on_closed
        self.closed = False
        #: Requests using it right now (kept by owners that can count them).
        self.inflight = 0
        #: Close it as soon as ``inflight`` drops to 0 (its loop is shutting down).
        self.close_when_idle = False

    def _finish(self) -> None:
        self.closed = True
        _untrack(self)
        if self._on_closed is not None:
            self._on_closed()

    async def aclose(self) -> None:
        """Close it (in its own loop)."""
        if self.closed:
            return
        self._finish()
        await self._aclose()

    async def aclose_when_idle(self) -> None:
        """Close it now, or when the requests still using it end."""
        if self.inflight:
            self.close_when_idle = True
        else:
            await self.aclose()

    def abandon(self) -> None:
        """Release what can be released without a loop (best effort, never raises)."""
        if self.closed:
            return
        self._finish()
        try:
            self._abandon()
        except Exception as exc:  # a last resort must not fail the caller
            logger.debug("abandoning a resource of a closed loop failed: %r", exc)

    def close_soon(self) -> None:
        """Close it from synchronous code, in whatever state its loop is.

        Running in this thread: a task closes it. Running in another thread: handed over
        with ``run_coroutine_threadsafe``. Idle: run to completion on it (unless another
        loop runs in this thread). Closed: abandoned. Requests still using it finish
        first (see :meth:`aclose_when_idle`).
        """
        if self.closed:
            return
        loop = self.loop
        if loop.is_closed():
            self.abandon()
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            _spawn_close(self)
        elif loop.is_running():
            asyncio.run_coroutine_threadsafe(self.aclose_when_idle(), loop)
        elif running is None:
            loop.run_until_complete(self.aclose_when_idle())
        else:
            self.abandon()

    def close_later(self) -> None:
        """Close it soon, from a garbage-collection finalizer (any thread, any moment).

        Only hands the close to its loop (``call_soon_threadsafe``, as asyncio's own
        async-generator finalizer does); never runs a loop from here. If the loop is
        idle, the close runs when it runs again, at the latest at its shutdown.
        """
        if self.closed:
            return
        if self.loop.is_closed():
            self.abandon()
            return
        try:
            self.loop.call_soon_threadsafe(_spawn_close, self)
        except RuntimeError:  # closed meanwhile
            self.abandon()


def _spawn_close(resource: LoopResource) -> None:
    if not resource.closed:
        task = resource.loop.create_task(resource.aclose_when_idle())
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)


class _LoopHook:
    """The tracked resources of one loop and the async generator that closes them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.resources: dict[int, LoopResource] = {}
        self.agen: AsyncGenerator[None, None] | None = None
        self.dead = False


_HOOKS: dict[asyncio.AbstractEventLoop, _LoopHook] = {}
_HOOKS_LOCK = threading.Lock()
#: Loops whose shutdown already closed our resources (see :func:`track`).
_SHUTTING_DOWN: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
_BACKGROUND: set[asyncio.Task[None]] = set()


async def _until_shutdown(hook: _LoopHook) -> AsyncGenerator[None, None]:
    """Suspended at ``yield`` for the loop's lifetime; its ``finally`` closes the resources."""
    try:
        yield
    finally:
        with _HOOKS_LOCK:
            if _HOOKS.get(hook.loop) is hook:
                del _HOOKS[hook.loop]
        if not hook.dead:  # dead: dropped after its loop closed; nothing can be awaited
            with contextlib.suppress(TypeError):  # a loop type without weak references
                _SHUTTING_DOWN.add(hook.loop)
            for resource in list(hook.resources.values()):
                try:
                    await resource.aclose_when_idle()
                except Exception as exc:
                    logger.warning("closing a client at event loop shutdown failed: %r", exc)


async def track(resource: LoopResource) -> bool:
    """Close ``resource`` when its loop (the running one) shuts down.

    Mechanism: the first resource of a loop starts an async generator
    (:func:`_until_shutdown`) and leaves it suspended. A running asyncio loop registers
    every async generator started in it (``sys.set_asyncgen_hooks``), and
    ``loop.shutdown_asyncgens()`` closes them all; ``asyncio.run`` and ``asyncio.Runner``
    (hence pytest-asyncio, ``IsolatedAsyncioTestCase``, uvicorn) call it after the main
    task ends and before closing the loop. The generator's ``finally`` then awaits each
    resource's ``aclose`` while the loop still runs. Nothing of the loop is patched; we
    hold the generator strongly (the loop keeps only a weak reference). Other async
    generators are closed at the same time and may still send requests from their
    ``finally`` (a LangGraph stream left unfinished saves its last checkpoint): a
    resource in use is closed when its last request ends, and one opened after our
    generator ran is not tracked (returns False) but marked to close when idle. A loop
    closed without ``shutdown_asyncgens()`` is noticed later (the next :func:`track` on
    any loop, or the owner's ``close()``) and its resources are abandoned (closed as far
    as possible without a loop).
    """
    loop = resource.loop
    if loop in _SHUTTING_DOWN:
        resource.close_when_idle = True
        return False
    hook = _HOOKS.get(loop)
    if hook is None:
        _prune()
        hook = _LoopHook(loop)
        agen = _until_shutdown(hook)
        await agen.asend(None)  # runs to the yield without suspending: no interleaving
        hook.agen = agen
        with _HOOKS_LOCK:
            _HOOKS[loop] = hook
    hook.resources[id(resource)] = resource
    return True


def _untrack(resource: LoopResource) -> None:
    hook = _HOOKS.get(resource.loop)
    if hook is not None:
        hook.resources.pop(id(resource), None)
        if not hook.resources and resource.loop.is_closed():
            _prune()


def _prune() -> None:
    """Abandon the resources of loops that closed without shutting down their generators."""
    with _HOOKS_LOCK:
        dead = [hook for loop, hook in _HOOKS.items() if loop.is_closed()]
        for hook in dead:
            del _HOOKS[hook.loop]
    for hook in dead:
        hook.dead = True
        for resource in list(hook.resources.values()):
            resource.abandon()
        hook.agen = None


def tracked_loops() -> frozenset[asyncio.AbstractEventLoop]:
    """The event loops that currently have tracked resources (for tests)."""
    with _HOOKS_LOCK:
        return frozenset(_HOOKS)


def tracked_resources(loop: asyncio.AbstractEventLoop) -> int:
    """How many resources of ``loop`` wait to be closed at its shutdown (for tests)."""
    hook = _HOOKS.get(loop)
    return len(hook.resources) if hook is not None else 0


def abandon_aiohttp(http_session: Any) -> None:
    """Mark an aiobotocore ``AIOHTTPSession``'s aiohttp connectors closed, synchronously.

    Used only when the owning loop is gone: it closes what the connector can close without
    awaiting and stops aiohttp from reporting the session as unclosed.
    """
    sessions = getattr(http_session, "_sessions", None) or {}
    for session in list(sessions.values()):
        connector = getattr(session, "connector", None)
        if connector is not None and not connector.closed:
            connector._close()


# -- the loop-local HTTP session ------------------------------------------------------------


class _TLSCache:
    """TLS contexts by proxy URL, built once for all loops (``SSLContext`` is thread-safe)."""

    def __init__(self) -> None:
        self._contexts: dict[str | None, Any] = {}
        self._lock = threading.Lock()
        #: Set once aiobotocore built a connector we can reproduce (see _make_aiohttp_session).
        self.inline_connector = False

    def cached(self, proxy_url: str | None) -> Any:
        """The contexts for ``proxy_url`` if already built, else None."""
        return self._contexts.get(proxy_url)

    def get(self, proxy_url: str | None, build: Callable[[str | None], Any]) -> Any:
        """The contexts for ``proxy_url``, built with ``build`` the first time."""
        found = self._contexts.get(proxy_url)
        if found is None:
            with self._lock:
                found = self._contexts.get(proxy_url)
                if found is None:
                    found = self._contexts[proxy_url] = build(proxy_url)
        return found


_Sessions = dict[asyncio.AbstractEventLoop, tuple[Any, LoopResource]]


class LoopLocalHTTPSession:
    """aiobotocore ``http_session_cls`` for a client used from many loops.

    aiobotocore builds one per client with the connection settings; this keeps those and
    opens, on each loop's first request, an ``AIOHTTPSession`` with them for that loop.
    It is closed when the loop shuts down (see :func:`track`), or soon after this object
    is garbage (its client and saver dropped while the loop lives on). TLS contexts
    (loading the CA bundle costs ~25 ms) are built once and shared by all loops.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._sessions: _Sessions = {}
        self._lock = threading.Lock()
        self.tls = _TLSCache()
        # Nothing per loop refers back to self, so this runs when the client is dropped.
        weakref.finalize(self, _close_later, self._sessions, self._lock).atexit = False

    async def __aenter__(self) -> LoopLocalHTTPSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose_loop()

    async def close(self) -> None:
        """Close the running loop's HTTP session (aiobotocore's ``client.close()``)."""
        await self.aclose_loop()

    async def send(self, request: Any) -> Any:
        """Send with the running loop's HTTP session (opened on first use)."""
        loop = asyncio.get_running_loop()
        entry = self._sessions.get(loop)
        if entry is None:
            entry = await self._open(loop)
        session, resource = entry
        resource.inflight += 1
        try:
            return await session.send(request)
        finally:
            resource.inflight -= 1
            if resource.close_when_idle and not resource.inflight and not request.stream_output:
                await resource.aclose()  # the loop is shutting down (see track())

    async def _open(self, loop: asyncio.AbstractEventLoop) -> tuple[Any, LoopResource]:
        session = _make_aiohttp_session(self.tls, self._kwargs)
        # Neither await below suspends (AIOHTTPSession.__aenter__ only sets up its
        # bookkeeping; track() runs a generator to its first yield), so no other task
        # of this loop can open a second session meanwhile.
        await session.__aenter__()
        resource = LoopResource(
            loop,
            session.close,
            functools.partial(abandon_aiohttp, session),
            on_closed=functools.partial(_forget, self._sessions, self._lock, loop, session),
        )
        entry = (session, resource)
        with self._lock:
            self._sessions[loop] = entry
        await track(resource)
        logger.debug("opened an HTTP session for event loop %#x", id(loop))
        return entry

    async def aclose_loop(self) -> None:
        """Close the running loop's HTTP session, if it has one."""
        entry = self._sessions.get(asyncio.get_running_loop())
        if entry is not None:
            await entry[1].aclose()

    def close_all(self) -> None:
        """Close every loop's HTTP session from synchronous code (see ``close_soon``)."""
        with self._lock:
            entries = list(self._sessions.values())
        for _, resource in entries:
            resource.close_soon()

    @property
    def open_loops(self) -> int:
        """How many loops have an open HTTP session (for tests)."""
        return len(self._sessions)


def _forget(
    sessions: _Sessions, lock: threading.Lock, loop: asyncio.AbstractEventLoop, session: Any
) -> None:
    with lock:
        entry = sessions.get(loop)
        if entry is not None and entry[0] is session:
            del sessions[loop]


def _close_later(sessions: _Sessions, lock: threading.Lock) -> None:
    with lock:
        entries = list(sessions.values())
    for _, resource in entries:
        resource.close_later()


_SESSION_CLS: Any = None


def _make_aiohttp_session(tls: _TLSCache, kwargs: dict[str, Any]) -> Any:
    """An aiobotocore ``AIOHTTPSession`` whose TLS contexts come from ``tls``.

    aiobotocore builds TLS contexts in a worker thread (``asyncio.to_thread``: reading the
    CA bundle blocks). Once they are cached there is nothing left to block on, so the
    connector is then built inline, as aiobotocore builds it, sparing every new loop a
    thread start (~2 ms at the median on a busy machine). The inline path is used only
    after aiobotocore's own build produced the connector class it reproduces.
    """
    global _SESSION_CLS
    if _SESSION_CLS is None:
        from aiobotocore import httpsession

        connector_cls: Any = getattr(httpsession, "_ProxySSLTCPConnector", None)

        class _SharedTLSSession(httpsession.AIOHTTPSession):
            _tls: _TLSCache

            def _build_ssl_contexts(self, proxy_url: str | None) -> Any:
                return self._tls.get(proxy_url, super()._build_ssl_contexts)

            async def _create_connector(self, proxy_url: str | None) -> Any:
                contexts = self._tls.cached(proxy_url)
                if contexts is not None and self._tls.inline_connector:
                    ssl_context, proxy_ssl_context = contexts
                    return connector_cls(
                        limit=self._max_pool_connections,
                        ssl=ssl_context,
                        proxy_ssl_context=proxy_ssl_context,
                        **self._connector_args,
                    )
                connector = await super()._create_connector(proxy_url)
                self._tls.inline_connector = (
                    connector_cls is not None
                    and type(connector) is connector_cls
                    and hasattr(self, "_max_pool_connections")
                    and hasattr(self, "_connector_args")
                )
                return connector

        _SESSION_CLS = _SharedTLSSession
    session = _SESSION_CLS(**kwargs)
    session._tls = tls
    return session


def http_session_of(client: Any) -> Any:
    """The HTTP session object of an aiobotocore client (None if it has none)."""
    return getattr(getattr(client, "_endpoint", None), "http_session", None)


# -- credentials ----------------------------------------------------------------------------


class SharedCredentials:
    """aiobotocore-compatible credentials backed by botocore's, usable from any loop.

    aiobotocore's refreshable credentials guard refreshes with an ``asyncio.Lock``, which
    binds to the first loop that waits on it; a client shared across loops would then
    fail on another loop. botocore's own credentials (the sync client's: resolved once per
    session) use a thread lock; a refresh, when one is due, runs in a worker thread so it
    never blocks the loop.
    """

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials
        self.method = getattr(credentials, "method", None)

    async def get_frozen_credentials(self) -> ReadOnlyCredentials:
        """The current keys (refreshed off the loop when due)."""
        due = getattr(self._credentials, "refresh_needed", None)
        if due is not None and due():
            frozen: ReadOnlyCredentials = await asyncio.to_thread(
                self._credentials.get_frozen_credentials
            )
            return frozen
        current: ReadOnlyCredentials = self._credentials.get_frozen_credentials()
        return current

    async def get_account_id(self) -> str | None:
        """The account id, when the credential source provides one."""
        return (await self.get_frozen_credentials()).account_id

    def get_deferred_property(self, name: str) -> Callable[[], Any]:
        """botocore's hook for endpoint builtins (aiobotocore swaps in the async getter)."""
        return lambda: getattr(self._credentials, name, None)


# -- building ---------------------------------------------------------------------------------

_LOADERS: dict[Any, Any] = {}
_LOADERS_LOCK = threading.Lock()


def _shared_loader(data_path: Any) -> Any:
    """One botocore data loader per search path for the process (it caches parsed JSON)."""
    with _LOADERS_LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            from botocore.loaders import create_loader

            loader = _LOADERS[data_path] = create_loader(data_path)
        return loader


def aio_session(boto_session: Any, credentials: Any) -> Any:
    """An aiobotocore session mirroring ``boto_session`` (profile) with ``credentials``.

    It shares the process-wide data loader, and its credential lookup returns the given
    (already resolved) credentials instead of running aiobotocore's provider chain again.
    """
    from aiobotocore.session import AioSession

    class _Session(AioSession):
        async def get_credentials(self) -> Any:
            return shared

    shared = SharedCredentials(credentials) if credentials is not None else None
    session = _Session()
    profile = getattr(boto_session, "profile_name", None)
    if profile and profile != "default":
        session.set_config_variable("profile", profile)
    session.register_component(
        "data_loader", _shared_loader(session.get_config_variable("data_path"))
    )
    return session


def shareable(session: Any, config: Config) -> bool:
    """True if one client may serve every loop with ``config``.

    Not when the user picked an HTTP session class (it may bind to a loop), nor with
    adaptive retries (aiobotocore's rate limiter holds asyncio locks and conditions).
    """
    if getattr(config, "http_session_cls", None) not in (None, LoopLocalHTTPSession):
        return False
    mode = (config.retries or {}).get("mode") or session.get_config_variable("retry_mode")
    return mode != "adaptive"


def build_shared_client(session: Any, service: str, **kwargs: Any) -> Any:
    """Create an aiobotocore client for all loops (call from a thread without a loop).

    The client is created on a throw-away loop in this thread, so parsing the service
    model never blocks a caller's loop; nothing it holds is bound to that loop (its HTTP
    session opens per loop on first use).
    """
    from aiobotocore.config import AioConfig

    config = kwargs.pop("config", None) or Config()
    aio_config = AioConfig(http_session_cls=LoopLocalHTTPSession).merge(config)

    async def create() -> Any:
        return await session.create_client(service, config=aio_config, **kwargs).__aenter__()

    return asyncio.run(create())
