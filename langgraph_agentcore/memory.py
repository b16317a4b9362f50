"""AgentCoreMemory: the memory loop's core (recall before a turn, capture after it).

- :meth:`AgentCoreMemory.recall` fills the configured AgentCore namespace templates for
  one user and sends one ``RetrieveMemoryRecords`` per namespace, all in one plan step
  (concurrently, sync and async), then filters, merges and ranks the records (the pure
  part lives in :mod:`langgraph_agentcore.recall`).
- :meth:`AgentCoreMemory.capture` turns a turn's LangChain messages into ``CreateEvent``
  requests (see :mod:`langgraph_agentcore.events`). A capture AgentCore cannot take now
  goes to the outbox (:mod:`langgraph_agentcore.outbox`) and is delivered later, exactly
  once thanks to its ``clientToken``.
- :meth:`AgentCoreMemory.capture_in_background` can first check, in the background, that
  the thread's previous capture reached AgentCore (``previous=``) when this object did not
  send it itself (a restarted process): the crash window between the checkpoint that
  records a hand-over and its CreateEvent is closed by one ListEvents per thread per process.
- :meth:`AgentCoreMemory.forget` erases one user's events and long-term records.

Every operation is a plan (:mod:`langgraph_agentcore.table`), driven by boto3 on the sync
path and aiobotocore on the async one. See ``docs/memory.md``.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import ClientError

from langgraph_agentcore import recall as _recall
from langgraph_agentcore.errors import (
    AgentCoreMemoryError,
    AgentCoreStorageError,
    AgentCoreUnavailableError,
    MemoryIdentityError,
)
from langgraph_agentcore.events import TOKEN_METADATA_KEY, EventSpec, event_token, plan_events
from langgraph_agentcore.keys import KeySchema
from langgraph_agentcore.namespaces import actor_id as encode_actor
from langgraph_agentcore.namespaces import session_id as encode_session
from langgraph_agentcore.namespaces import within
from langgraph_agentcore.outbox import (
    OUTBOX_PREFIX,
    OutboxEntry,
    actor_prefix,
    decode_items,
    delete_requests,
    encode_items,
    group_items,
    item_key,
    query_params,
)
from langgraph_agentcore.recall import MemoryRecord, RetrievalConfig, format_records
from langgraph_agentcore.table import (
    Call,
    ControlCall,
    MemoryCall,
    Plan,
    StoreIO,
    batch_write_plan,
    shared_pool,
)

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

__all__ = [
    "AgentCoreMemory",
    "CaptureResult",
    "ForgetReport",
    "MemoryRecord",
    "RetrievalConfig",
    "format_records",
]

logger = logging.getLogger(__name__)

#: Records per BatchDeleteMemoryRecords; events deleted concurrently per plan step.
_DELETE_BATCH = 100
_EVENT_DELETES = 25
#: Threads whose last hand-over this object remembers (LRU; forgetting one costs a
#: ListEvents later, never a lost turn).
_HANDED_MAX = 10_000
#: ListEvents page size when checking that a previous capture got through.
_VERIFY_PAGE = 5
#: Sort-key prefix of forget tombstones: ``forgot#{actorId}`` (the actor) and
#: ``forgot#{actorId}#{sessionId}`` (one session). A previous capture found missing is
#: not re-sent if it was handed over before the actor (or session) was forgotten.
FORGOT_PREFIX = "forgot#"


def _tombstone_sk(actor: str, session: str | None = None) -> str:
    return f"{FORGOT_PREFIX}{actor}" if session is None else f"{FORGOT_PREFIX}{actor}#{session}"


# -- public value types ----------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureResult:
    """What a capture did: the events created, whether it went to the outbox instead."""

    event_ids: list[str]
    queued: bool
    messages: int


@dataclass(frozen=True)
class ForgetReport:
    """What :meth:`AgentCoreMemory.forget` deleted for one actor."""

    actor_id: str
    session_id: str | None
    sessions: int
    events_deleted: int
    records_deleted: int
    outbox_deleted: int
    namespaces: tuple[str, ...]


# -- pure helpers ------------------------------------------------------------------------------


def _require(value: Any, what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MemoryIdentityError(
            f"no {what}: the memory loop fails closed (no recall, no capture, no default user)"
        )
    if not isinstance(value, str):
        raise MemoryIdentityError(f"{what} must be a str, got {type(value).__name__}")
    return value


def _idempotent_replay(exc: AgentCoreMemoryError) -> bool:
    """A reused clientToken whose first request differed: those messages are already in."""
    cause = exc.__cause__
    if not isinstance(cause, ClientError):
        return False
    err = cause.response.get("Error", {})
    text = f"{err.get('Code', '')} {err.get('Message', '')} {cause.response.get('reason', '')}"
    return "idempot" in text.lower()


@dataclass
class _Capture:
    specs: list[EventSpec]
    messages: int
    created_ms: int
    #: The thread's previous capture, to check first (re-sent if AgentCore lacks it).
    previous: _Capture | None = None
    #: When it was handed over (ms since the epoch, from graph state), if known.
    handed_at: int | None = None

    def entry(self) -> OutboxEntry:
        """Everything this job may still owe AgentCore (the previous capture included:
        re-sending it is harmless thanks to its clientToken)."""
        prev = self.previous
        specs = [*(prev.specs if prev else []), *self.specs]
        count = self.messages + (prev.messages if prev else 0)
        return OutboxEntry(tuple(specs), count, prev.created_ms if prev else self.created_ms)


def _timeout_pool() -> ThreadPoolExecutor:
    """Workers that run a sync recall the caller waits for with a timeout."""
    return shared_pool("recall", 16)


def _exit_flush(ref: weakref.ReferenceType[AgentCoreMemory]) -> None:
    memory = ref()
    if memory is not None:
        memory._at_exit()


# -- the loop's core -----------------------------------------------------------------------------


class AgentCoreMemory:
    """Recall, capture and forget over one AgentCore Memory (sync and async).

    Args:
        memory_id: The AgentCore Memory (with strategies that extract long-term records).
        retrieval: AgentCore namespace template -> :class:`RetrievalConfig`, e.g.
            ``{"/users/{actorId}/facts": RetrievalConfig(top_k=3, relevance_score=0.5)}``.
            Every template must hold ``{actorId}``.
        table_name: DynamoDB table for the durable capture outbox (the checkpointer's).
            Without it, undeliverable captures are kept in process only.
        agent_id: Partition key owner of the outbox items (default: ``memory_id``).
        max_tokens: Cap on the recalled text (langchain-core's approximate token counter).
        check_outbox_on_start: The first successful capture of this object looks for
            outbox items an earlier process left (one DynamoDB Query, once).
        Other arguments: as :class:`~langgraph_agentcore.AgentCoreMemoryStore`;
            ``control_*`` configure the control plane (GetMemory, for ``{memoryStrategyId}``).
    """

    def __init__(
        self,
        memory_id: str,
        *,
        retrieval: Mapping[str, RetrievalConfig],
        table_name: str | None = None,
        agent_id: str | None = None,
        region_name: str | None = None,
        session: Any = None,
        config: Config | None = None,
        endpoint_url: str | None = None,
        agentcore_endpoint_url: str | None = None,
        control_endpoint_url: str | None = None,
        dynamodb_client: Any = None,
        agentcore_client: Any = None,
        control_client: Any = None,
        async_dynamodb_client_factory: Callable[[], Any] | None = None,
        async_agentcore_client_factory: Callable[[], Any] | None = None,
        async_control_client_factory: Callable[[], Any] | None = None,
        max_tokens: int | None = None,
        pk_attr: str = "pk",
        sk_attr: str = "sk",
        pk_prefix: str = "agent#",
        check_outbox_on_start: bool = True,
    ) -> None:
        if not isinstance(memory_id, str) or not memory_id:
            raise ValueError(f"memory_id must be a non-empty str, got {memory_id!r}")
        if not isinstance(retrieval, Mapping):
            raise ValueError("retrieval must map namespace templates to RetrievalConfig")
        self.retrieval: dict[str, RetrievalConfig] = {}
        for template, cfg in retrieval.items():
            if not isinstance(cfg, RetrievalConfig):
                raise ValueError(
                    f"retrieval[{template!r}] must be a RetrievalConfig, got {type(cfg).__name__}"
                )
            self.retrieval[_recall.check_template(template)] = cfg
        if max_tokens is not None and (
            isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1
        ):
            raise ValueError(f"max_tokens must be a positive int or None, got {max_tokens!r}")
        if table_name is not None and (not isinstance(table_name, str) or not table_name):
            raise ValueError(f"table_name must be a non-empty str or None, got {table_name!r}")
        self.memory_id = memory_id
        self.table_name = table_name
        self.agent_id = agent_id or memory_id
        self.max_tokens = max_tokens
        self.keys = KeySchema(
            agent_id=self.agent_id, pk_attr=pk_attr, sk_attr=sk_attr, pk_prefix=pk_prefix
        )
        self.io = StoreIO(
            table_name,
            memory_id,
            client=dynamodb_client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            config=config,
            async_client_factory=async_dynamodb_client_factory,
            agentcore_client=agentcore_client,
            agentcore_endpoint_url=agentcore_endpoint_url,
            async_agentcore_client_factory=async_agentcore_client_factory,
            control_client=control_client,
            control_endpoint_url=control_endpoint_url,
            async_control_client_factory=async_control_client_factory,
        )
        self._lock = threading.Lock()
        #: strategy id -> its namespace templates, from GetMemory (read once, then cached).
        self._strategies: dict[str, tuple[str, ...]] | None = None
        self._last_ms = 0
        #: Undelivered captures kept in process (no table, or the table failed too).
        self._local: list[OutboxEntry] = []
        #: Outbox items this process knows are in the table; None = not looked yet.
        self._known_outbox: int | None = None if check_outbox_on_start else 0
        self._outbox_writes = 0  # outbox items written by this object, ever
        # Background capture: one daemon worker thread (sync) / tasks (async).
        self._queue: queue.Queue[_Capture | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._inflight = 0
        self._idle = threading.Condition(self._lock)
        self._tasks: set[asyncio.Task[CaptureResult]] = set()
        #: (actor, session) -> clientToken of the last capture this object was handed for
        #: that thread (it owns its delivery: no need to ask AgentCore about it).
        self._handed: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._closed = False
        atexit.register(_exit_flush, weakref.ref(self))

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Flush (background captures, then the outbox), stop the worker, release clients."""
        try:
            self.flush()
        except AgentCoreStorageError as exc:
            logger.warning("AgentCoreMemory.close: flush failed: %s", exc)
        self._stop_worker()
        self.io.close()
        self._closed = True

    async def aclose(self) -> None:
        """Async twin of :meth:`close` (releases the running loop's clients)."""
        try:
            await self.aflush()
        except AgentCoreStorageError as exc:
            logger.warning("AgentCoreMemory.aclose: flush failed: %s", exc)
        self._stop_worker()
        await self.io.aclose()

    def __enter__(self) -> AgentCoreMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> AgentCoreMemory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _at_exit(self) -> None:
        if self._closed or not (self._inflight or self._local):
            return
        self._wait_idle(10.0)
        if self._local:  # last chance for what only this process holds
            try:
                self.io.run(self._deliver_plan(check_table=False))
            except Exception as exc:  # interpreter shutdown: report, never raise
                logger.warning("AgentCoreMemory: delivery at exit failed: %s", exc)
        if self._local:
            logger.warning(
                "AgentCoreMemory: %d captures kept in process only are lost at exit "
                "(configure table_name for a durable outbox)",
                len(self._local),
            )

    # -- recall ----------------------------------------------------------------------------

    def recall(
        self,
        query: str,
        *,
        actor_id: str | None,
        session_id: str | None = None,
        timeout: float | None = None,
    ) -> list[MemoryRecord]:
        """Records relevant to ``query`` for this user, best first (see module docstring).

        Raises MemoryIdentityError (before any request) without an actor id;
        AgentCoreUnavailableError on throttling, an outage or when ``timeout`` expires.
        """
        plan = self._recall_plan(query, actor_id, session_id)
        if timeout is None:
            return self.io.run(plan)
        future = _timeout_pool().submit(self.io.run, plan)
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            future.cancel()
            raise self._timed_out(timeout) from None

    async def arecall(
        self,
        query: str,
        *,
        actor_id: str | None,
        session_id: str | None = None,
        timeout: float | None = None,
    ) -> list[MemoryRecord]:
        """Async twin of :meth:`recall`."""
        plan = self._recall_plan(query, actor_id, session_id)
        if timeout is None:
            return await self.io.arun(plan)
        try:
            return await asyncio.wait_for(self.io.arun(plan), timeout)
        except asyncio.TimeoutError:
            raise self._timed_out(timeout) from None

    def _timed_out(self, timeout: float) -> AgentCoreUnavailableError:
        return AgentCoreUnavailableError(
            f"AgentCore Memory recall on memory {self.memory_id!r} timed out after {timeout}s",
            resource=self.memory_id,
            operation="RetrieveMemoryRecords",
        )

    def _recall_plan(
        self, query: str, actor_id: str | None, session_id: str | None
    ) -> Plan[list[MemoryRecord]]:
        # Validate eagerly (before the plan runs, so errors rise even under a timeout).
        actor = encode_actor(_require(actor_id, "actor id"))
        session = encode_session(session_id) if session_id else None
        if not isinstance(query, str):
            raise ValueError(f"query must be a str, got {type(query).__name__}")
        return self._recall_steps(query.strip()[: _recall.MAX_QUERY_CHARS], actor, session)

    def _recall_steps(
        self, query: str, actor: str, session: str | None
    ) -> Plan[list[MemoryRecord]]:
        if not query:
            return []
        if self._strategies is None and _recall.needs_strategies(self.retrieval):
            yield from self._load_strategies()
        found = _recall.targets(self.retrieval, self._strategies, actor, session)
        if not found:
            return []
        calls: list[Call] = [
            MemoryCall("RetrieveMemoryRecords", _recall.retrieve_params(self.memory_id, query, t))
            for t in found
        ]
        responses = yield calls
        return _recall.merge(found, responses, self.max_tokens)

    def _load_strategies(self) -> Plan[None]:
        """Read the memory's strategies once (GetMemory); cached for this object's life."""
        resp = yield ControlCall("GetMemory", {"memoryId": self.memory_id})
        found = _recall.parse_strategies(resp)
        with self._lock:
            self._strategies = found
        logger.debug("memory %s strategies: %s", self.memory_id, found)

    # -- capture ---------------------------------------------------------------------------

    def capture(
        self,
        messages: Sequence[BaseMessage],
        *,
        actor_id: str | None,
        session_id: str | None,
    ) -> CaptureResult:
        """Write a turn's messages as AgentCore events (one CreateEvent within limits).

        If AgentCore is unavailable after botocore's retries, the capture goes to the
        outbox and the result says ``queued=True``. Raises MemoryIdentityError (no request)
        without actor or session id, ValueError for bad messages, and AgentCoreMemoryError
        for a non-retryable AWS error (nothing is queued then: the caller still holds the
        messages).
        """
        cap = self._prepare(messages, actor_id, session_id)
        if not cap.specs:
            return CaptureResult([], False, 0)
        return self.io.run(self._capture_plan(cap, background=False))

    async def acapture(
        self,
        messages: Sequence[BaseMessage],
        *,
        actor_id: str | None,
        session_id: str | None,
    ) -> CaptureResult:
        """Async twin of :meth:`capture`."""
        cap = self._prepare(messages, actor_id, session_id)
        if not cap.specs:
            return CaptureResult([], False, 0)
        return await self.io.arun(self._capture_plan(cap, background=False))

    def capture_token(
        self,
        messages: Sequence[BaseMessage],
        *,
        actor_id: str | None,
        session_id: str | None,
    ) -> str | None:
        """The clientToken of the last event a capture of ``messages`` sends (pure).

        None when the messages hold no text to capture. The memory loop keeps it in graph
        state, so the next turn can pass ``previous_token=`` to the background capture.
        """
        actor = encode_actor(_require(actor_id, "actor id"))
        session = encode_session(_require(session_id, "session id"))
        specs, _ = plan_events(messages, actor_id=actor, session_id=session, timestamp_ms=0)
        return specs[-1].client_token if specs else None

    def capture_in_background(
        self,
        messages: Sequence[BaseMessage],
        *,
        actor_id: str | None,
        session_id: str | None,
        previous: Sequence[BaseMessage] | None = None,
        previous_token: str | None = None,
        previous_at: int | None = None,
    ) -> None:
        """Capture on this object's worker thread; returns at once.

        Identity and message errors still raise here (nothing is sent). Any AWS failure
        sends the capture to the outbox (logged at WARNING, or ERROR if not retryable).

        ``previous``: the thread's previous capture (the messages handed over by the
        turn before, rebuilt from the thread), and ``previous_token`` its
        :meth:`capture_token`. Unless this object handed that capture over itself, the
        worker first checks with one ``ListEvents`` that AgentCore has it, and re-sends it
        (same messages, same clientToken: idempotent) before ``messages`` if not, or if
        the check fails. That closes the window in which a process dies after the
        checkpoint recorded a hand-over and before its CreateEvent or outbox write.
        ``previous_at`` (ms since the epoch) is when it was handed over: a missing
        capture handed over before a :meth:`forget` of the actor or session (a tombstone
        in the table, read only then) is not sent again.
        """
        cap = self._prepare_turn(
            messages, actor_id, session_id, previous, previous_token, previous_at
        )
        if not cap.specs and cap.previous is None:
            return
        with self._lock:
            self._inflight += 1
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="lgac-capture", daemon=True)
                self._worker.start()
        self._queue.put(cap)

    def acapture_in_background(
        self,
        messages: Sequence[BaseMessage],
        *,
        actor_id: str | None,
        session_id: str | None,
        previous: Sequence[BaseMessage] | None = None,
        previous_token: str | None = None,
        previous_at: int | None = None,
    ) -> asyncio.Task[CaptureResult]:
        """Capture in a task on the running loop (tracked: :meth:`aflush` awaits it).

        ``previous`` / ``previous_token`` / ``previous_at``: as :meth:`capture_in_background`.
        """
        cap = self._prepare_turn(
            messages, actor_id, session_id, previous, previous_token, previous_at
        )
        task = asyncio.get_running_loop().create_task(self._abackground(cap))
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._task_done(t, cap))
        return task

    def _task_done(self, task: asyncio.Task[CaptureResult], cap: _Capture) -> None:
        self._tasks.discard(task)
        if task.cancelled() and (cap.specs or cap.previous is not None):
            # E.g. ``asyncio.run`` ending before the capture ran: keep it for a flush (the
            # clientToken makes a redelivery of a capture that did get through harmless).
            self._keep_local(cap.entry())

    def _prepare(
        self, messages: Sequence[BaseMessage], actor_id: str | None, session_id: str | None
    ) -> _Capture:
        actor = encode_actor(_require(actor_id, "actor id"))
        session = encode_session(_require(session_id, "session id"))
        specs, count = plan_events(messages, actor_id=actor, session_id=session, timestamp_ms=0)
        with self._lock:
            now = max(int(time.time() * 1000), self._last_ms + 1)
            self._last_ms = now + max(len(specs) - 1, 0)
        specs = [
            EventSpec(s.actor_id, s.session_id, s.client_token, now + i, s.payload)
            for i, s in enumerate(specs)
        ]
        return _Capture(specs, count, now)

    def _prepare_turn(
        self,
        messages: Sequence[BaseMessage],
        actor_id: str | None,
        session_id: str | None,
        previous: Sequence[BaseMessage] | None,
        previous_token: str | None,
        previous_at: int | None = None,
    ) -> _Capture:
        """A background job: this turn's capture, and the previous one if it needs checking.

        Records the job's last token as this thread's hand-over (this object owns its
        delivery from now on: worker, outbox, or in process with a WARNING).
        """
        actor = encode_actor(_require(actor_id, "actor id"))
        session = encode_session(_require(session_id, "session id"))
        key = (actor, session)
        with self._lock:
            known = self._handed.get(key)
        if previous_token is not None and previous_token == known:
            previous = None  # this object handed it over: no need to rebuild it
        prev = self._prepare(previous, actor_id, session_id) if previous else None
        cap = self._prepare(messages, actor_id, session_id)
        last = prev.specs[-1].client_token if prev is not None and prev.specs else None
        mine = cap.specs[-1].client_token if cap.specs else (last or known)
        with self._lock:
            if mine is not None:
                self._handed[key] = mine
                self._handed.move_to_end(key)
                while len(self._handed) > _HANDED_MAX:
                    self._handed.popitem(last=False)
        if last is None or last == known:
            return cap  # nothing before, or this object handed it over itself
        if previous_token is not None and last != previous_token:
            # The thread's messages changed since (edited, or another identity): what was
            # handed over cannot be rebuilt, and must not be sent under another identity.
            logger.debug("previous capture of %s/%s cannot be rebuilt; not checked", *key)
            return cap
        assert prev is not None
        prev.handed_at = previous_at
        cap.previous = prev
        return cap

    def _work(self) -> None:
        while True:
            cap = self._queue.get()
            if cap is None:
                return
            try:
                self.io.run(self._capture_plan(cap, background=True))
            except Exception:  # never lose a turn, even to a bug
                logger.exception("background capture failed; kept in process")
                self._keep_local(cap.entry())
            finally:
                with self._idle:
                    self._inflight -= 1
                    self._idle.notify_all()

    async def _abackground(self, cap: _Capture) -> CaptureResult:
        if not cap.specs and cap.previous is None:
            return CaptureResult([], False, 0)
        try:
            return await self.io.arun(self._capture_plan(cap, background=True))
        except Exception:
            logger.exception("background capture failed; kept in process")
            entry = cap.entry()
            self._keep_local(entry)
            return CaptureResult([], True, entry.messages)

    def _stop_worker(self) -> None:
        worker = self._worker
        if worker is not None and worker.is_alive():
            self._queue.put(None)
            worker.join(timeout=5)
        self._worker = None

    def _wait_idle(self, timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._inflight:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def _verify_plan(self, prev: _Capture) -> Plan[bool]:
        """Whether AgentCore holds the last event of ``prev`` (one ListEvents, no payloads).

        Asks for events whose metadata names the token, newest first; the token is also
        checked client-side. A failed check answers False: re-sending is idempotent.
        A missing capture handed over before the actor or session was forgotten answers
        True (see :meth:`_forgotten_plan`): it must not come back.
        """
        last = prev.specs[-1]
        params: dict[str, Any] = {
            "memoryId": self.memory_id,
            "actorId": last.actor_id,
            "sessionId": last.session_id,
            "includePayloads": False,
            "maxResults": _VERIFY_PAGE,
            "filter": {
                "eventMetadata": [
                    {
                        "left": {"metadataKey": TOKEN_METADATA_KEY},
                        "operator": "EQUALS_TO",
                        "right": {"metadataValue": {"stringValue": last.client_token}},
                    }
                ]
            },
        }
        try:
            resp = yield MemoryCall("ListEvents", params)
        except AgentCoreMemoryError as exc:
            logger.warning(
                "could not check that the previous capture of %s/%s reached AgentCore (%s); "
                "re-sending it unless the user was forgotten (idempotent by clientToken)",
                last.actor_id,
                last.session_id,
                exc,
            )
            return (yield from self._forgotten_plan(prev))
        found = any(event_token(e) == last.client_token for e in resp.get("events") or [])
        if found:
            logger.debug("previous capture %s is in AgentCore", last.client_token)
            return True
        if (yield from self._forgotten_plan(prev)):
            return True
        logger.warning(
            "the previous capture of %s/%s (%d messages) never reached AgentCore "
            "(process stopped before it was sent?); sending it now",
            last.actor_id,
            last.session_id,
            prev.messages,
        )
        return False

    def _forgotten_plan(self, prev: _Capture) -> Plan[bool]:
        """Whether ``prev`` was handed over before its actor or session was forgotten.

        Two strongly consistent GetItems of the forget tombstones (only on this rare
        path: a previous capture missing from AgentCore). Without a table, or if the
        read fails, False (re-sending is what loses nothing).
        """
        if not self.io.has_table:
            return False
        last = prev.specs[-1]
        calls: list[Call] = [
            Call(
                "GetItem",
                {
                    "TableName": self.table_name,
                    "Key": item_key(self.keys, sk),
                    "ConsistentRead": True,
                },
            )
            for sk in (
                _tombstone_sk(last.actor_id),
                _tombstone_sk(last.actor_id, last.session_id),
            )
        ]
        try:
            responses = yield calls
        except AgentCoreStorageError as exc:
            logger.warning("could not read the forget tombstones (%s); re-sending", exc)
            return False
        times = [int(r["Item"]["at"]["N"]) for r in responses if r.get("Item")]
        if not times:
            return False
        if prev.handed_at is not None and prev.handed_at > max(times):
            return False  # handed over after the forget: owed
        logger.info(
            "the previous capture of %s/%s is missing because the user was forgotten; "
            "not sent again",
            last.actor_id,
            last.session_id,
        )
        return True

    def _capture_plan(self, cap: _Capture, *, background: bool) -> Plan[CaptureResult]:
        prev = cap.previous
        if prev is not None:
            if (yield from self._verify_plan(prev)):
                cap = _Capture(cap.specs, cap.messages, cap.created_ms)
            else:  # the previous capture first, then this turn's, one job
                cap = _Capture(
                    [*prev.specs, *cap.specs], prev.messages + cap.messages, prev.created_ms
                )
        event_ids: list[str] = []
        for i, spec in enumerate(cap.specs):
            try:
                resp = yield MemoryCall("CreateEvent", spec.params(self.memory_id))
            except AgentCoreMemoryError as exc:
                if _idempotent_replay(exc):
                    logger.debug("event %s was already captured", spec.client_token)
                    continue
                transient = isinstance(exc, AgentCoreUnavailableError)
                if not transient and not background:
                    raise
                log = logger.warning if transient else logger.error
                log("capture of %d messages failed, queued: %s", cap.messages, exc)
                entry = OutboxEntry(tuple(cap.specs[i:]), cap.messages, cap.created_ms)
                yield from self._queue_plan(entry)
                return CaptureResult(event_ids, True, cap.messages)
            event_ids.append(resp["event"]["eventId"])
        if self._outbox_maybe_nonempty():
            try:
                yield from self._deliver_plan(check_table=self._known_outbox is None)
            except AgentCoreStorageError as exc:
                logger.warning("outbox delivery after a capture failed: %s", exc)
                with self._lock:
                    if self._known_outbox is None:
                        # The start-up look failed: flush() looks again; captures stop trying.
                        self._known_outbox = 0
        return CaptureResult(event_ids, False, cap.messages)

    # -- outbox ----------------------------------------------------------------------------

    def _outbox_maybe_nonempty(self) -> bool:
        with self._lock:
            return bool(self._local) or (
                self.io.has_table and (self._known_outbox is None or self._known_outbox > 0)
            )

    def _keep_local(self, entry: OutboxEntry) -> None:
        with self._lock:
            self._local.append(entry)
        logger.warning(
            "capture of %d messages kept in process only: NOT durable, lost if the process "
            "exits before flush() (%s)",
            entry.messages,
            "configure table_name for a durable outbox"
            if not self.io.has_table
            else "the DynamoDB outbox write failed",
        )

    def _queue_plan(self, entry: OutboxEntry) -> Plan[None]:
        if self.io.has_table:
            try:
                items = encode_items(self.keys, entry)
                if len(items) == 1:
                    yield Call("PutItem", {"TableName": self.table_name, "Item": items[0]})
                else:  # parts of one capture: all or none
                    yield Call(
                        "TransactWriteItems",
                        {
                            "TransactItems": [
                                {"Put": {"TableName": self.table_name, "Item": it}} for it in items
                            ]
                        },
                    )
            except AgentCoreStorageError as exc:
                logger.warning("outbox write failed: %s", exc)
            else:
                with self._lock:
                    self._known_outbox = (self._known_outbox or 0) + 1
                    self._outbox_writes += 1
                return
        self._keep_local(entry)

    def _send_plan(self, entry: OutboxEntry) -> Plan[str]:
        """Deliver one entry: ``"ok"``, ``"retry"`` (unavailable) or ``"failed"``."""
        for spec in entry.specs:
            try:
                yield MemoryCall("CreateEvent", spec.params(self.memory_id))
            except AgentCoreMemoryError as exc:
                if _idempotent_replay(exc):
                    continue
                if isinstance(exc, AgentCoreUnavailableError):
                    logger.warning("outbox delivery deferred: %s", exc)
                    return "retry"
                logger.error("outbox delivery failed (kept for a later flush): %s", exc)
                return "failed"
        return "ok"

    def _deliver_plan(self, *, check_table: bool) -> Plan[int]:
        """Deliver in-process entries, then (if any may exist) the table's outbox items."""
        delivered = 0
        with self._lock:
            local, self._local = self._local, []
        keep: list[OutboxEntry] = []
        stop = False
        for entry in local:
            outcome = "retry" if stop else (yield from self._send_plan(entry))
            if outcome == "ok":
                delivered += 1
            else:
                stop = stop or outcome == "retry"
                keep.append(entry)
        if keep:
            with self._lock:
                self._local[:0] = keep
        with self._lock:
            look = self.io.has_table and (
                check_table or self._known_outbox is None or self._known_outbox > 0
            )
        if not look or stop:
            return delivered
        with self._lock:
            writes = self._outbox_writes
        items = yield from self._outbox_items_plan(OUTBOX_PREFIX)
        entries, bad = decode_items(self.keys, items)
        if bad:
            logger.error("unreadable outbox items (kept, not delivered): %s", bad)
        left = len(entries)
        for entry in entries:
            outcome = yield from self._send_plan(entry)
            if outcome == "retry":
                break
            if outcome == "ok":
                yield from self._delete_entry_plan(entry)
                delivered += 1
                left -= 1
        with self._lock:
            # Items this process wrote after the Query are not in ``items``.
            self._known_outbox = left + self._outbox_writes - writes
        if delivered:
            logger.info("delivered %d queued captures", delivered)
        return delivered

    def _delete_entry_plan(self, entry: OutboxEntry) -> Plan[None]:
        if len(entry.sks) <= 1:
            key = item_key(self.keys, entry.sks[0] if entry.sks else entry.sk)
            yield Call("DeleteItem", {"TableName": self.table_name, "Key": key})
            return
        yield Call(
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Delete": {"TableName": self.table_name, "Key": item_key(self.keys, sk)}}
                    for sk in entry.sks
                ]
            },
        )

    def _outbox_items_plan(self, prefix: str) -> Plan[list[dict[str, Any]]]:
        items: list[dict[str, Any]] = []
        start = None
        while True:
            resp = yield Call("Query", query_params(str(self.table_name), self.keys, prefix, start))
            items.extend(resp.get("Items", []))
            start = resp.get("LastEvaluatedKey")
            if not start:
                return items

    def flush(self, timeout: float | None = None) -> int:
        """Wait for background captures (up to ``timeout``), then deliver the outbox.

        Always reads the table's outbox (one Query), so items an earlier process left are
        delivered too. Returns how many queued captures were delivered.
        """
        if not self._wait_idle(timeout):
            logger.warning("flush: background captures still in flight after %ss", timeout)
        return self.io.run(self._deliver_plan(check_table=True))

    async def aflush(self, timeout: float | None = None) -> int:
        """Async twin of :meth:`flush` (awaits this loop's background capture tasks)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        loop = asyncio.get_running_loop()
        tasks = [t for t in self._tasks if t.get_loop() is loop and not t.done()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            if pending:
                logger.warning("aflush: %d capture tasks still running", len(pending))
        if self._inflight:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            await asyncio.to_thread(self._wait_idle, left)
        return await self.io.arun(self._deliver_plan(check_table=True))

    def pending_captures(self) -> int:
        """Captures not delivered yet: outbox (known to this process) + in flight."""
        with self._lock:
            running = sum(1 for t in self._tasks if not t.done())
            return len(self._local) + (self._known_outbox or 0) + self._inflight + running

    # -- forget ------------------------------------------------------------------------------

    def forget(self, actor_id: str, *, session_id: str | None = None) -> ForgetReport:
        """Delete a user's events (all sessions, or one), long-term records and outbox items.

        Waits for this object's background captures first. With ``session_id``, only that
        session's events and the records of session-scoped templates (``{sessionId}``)
        go: actor-wide records (facts, preferences) cannot be told apart by session.
        """
        plan = self._forget_plan(actor_id, session_id)
        self._wait_idle(None)
        return self.io.run(plan)

    async def aforget(self, actor_id: str, *, session_id: str | None = None) -> ForgetReport:
        """Async twin of :meth:`forget`."""
        plan = self._forget_plan(actor_id, session_id)
        loop = asyncio.get_running_loop()
        tasks = [t for t in self._tasks if t.get_loop() is loop and not t.done()]
        if tasks:
            await asyncio.wait(tasks)
        if self._inflight:
            await asyncio.to_thread(self._wait_idle, None)
        return await self.io.arun(plan)

    def _forget_plan(self, actor_id: str, session_id: str | None) -> Plan[ForgetReport]:
        actor = encode_actor(_require(actor_id, "actor id"))
        session = encode_session(session_id) if session_id is not None else None
        return self._forget_steps(actor, session)

    def _forget_steps(self, actor: str, session: str | None) -> Plan[ForgetReport]:
        # 0. A tombstone, so no later process re-sends a turn handed over before now that
        #    its check finds missing (see _forgotten_plan).
        if self.io.has_table:
            item = {
                **item_key(self.keys, _tombstone_sk(actor, session)),
                "at": {"N": str(int(time.time() * 1000))},
            }
            yield Call("PutItem", {"TableName": self.table_name, "Item": item})
        # 1. The outbox first, so no later flush brings deleted turns back.
        with self._lock:
            mine = [
                e
                for e in self._local
                if e.actor_id == actor and (session is None or e.session_id == session)
            ]
            self._local = [e for e in self._local if e not in mine]
        outbox = len(mine)
        if self.io.has_table:
            items = yield from self._outbox_items_plan(actor_prefix(actor))
            groups = [
                group
                for group in group_items(self.keys, items).values()
                if session is None or group[0].get("sessionId", {}).get("S") == session
            ]
            sks = [it[self.keys.sk_attr]["S"] for group in groups for it in group]
            if sks:
                yield from batch_write_plan(str(self.table_name), delete_requests(self.keys, sks))
                with self._lock:
                    if self._known_outbox:
                        self._known_outbox = max(0, self._known_outbox - len(groups))
            outbox += len(groups)
        # 2. Events.
        sessions = [session] if session is not None else (yield from self._sessions_plan(actor))
        events = 0
        for sid in sessions:
            ids = yield from self._event_ids_plan(actor, sid)
            for start in range(0, len(ids), _EVENT_DELETES):
                calls: list[Call] = [
                    MemoryCall(
                        "DeleteEvent",
                        {
                            "memoryId": self.memory_id,
                            "actorId": actor,
                            "sessionId": sid,
                            "eventId": eid,
                        },
                    )
                    for eid in ids[start : start + _EVENT_DELETES]
                ]
                yield calls
            events += len(ids)
        # 3. Long-term records in the actor's namespaces (configured and the strategies').
        if self._strategies is None:
            yield from self._load_strategies()
        roots = _recall.forget_roots(self.retrieval, self._strategies, actor, session)
        record_ids: list[str] = []
        for root in roots:
            for rid in (yield from self._record_ids_plan(root)):
                if rid not in record_ids:
                    record_ids.append(rid)
        failed: list[dict[str, Any]] = []
        for start in range(0, len(record_ids), _DELETE_BATCH):
            resp = yield MemoryCall(
                "BatchDeleteMemoryRecords",
                {
                    "memoryId": self.memory_id,
                    "records": [
                        {"memoryRecordId": rid} for rid in record_ids[start : start + _DELETE_BATCH]
                    ],
                },
            )
            failed.extend(resp.get("failedRecords") or [])
        if failed:
            raise AgentCoreMemoryError(
                f"forget: {len(failed)} of {len(record_ids)} memory records of actor {actor!r} "
                f"could not be deleted: {failed[:3]}",
                resource=self.memory_id,
                operation="BatchDeleteMemoryRecords",
            )
        logger.info(
            "forgot actor %s: %d events in %d sessions, %d records, %d outbox items",
            actor,
            events,
            len(sessions),
            len(record_ids),
            outbox,
        )
        return ForgetReport(
            actor, session, len(sessions), events, len(record_ids), outbox, tuple(roots)
        )

    def _sessions_plan(self, actor: str) -> Plan[list[str]]:
        out: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {"memoryId": self.memory_id, "actorId": actor}
            params["maxResults"] = 100
            if token:
                params["nextToken"] = token
            resp = yield MemoryCall("ListSessions", params)
            out.extend(s["sessionId"] for s in resp.get("sessionSummaries") or [])
            token = resp.get("nextToken")
            if not token:
                return out

    def _event_ids_plan(self, actor: str, session: str) -> Plan[list[str]]:
        out: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {
                "memoryId": self.memory_id,
                "actorId": actor,
                "sessionId": session,
                "includePayloads": False,
                "maxResults": 100,
            }
            if token:
                params["nextToken"] = token
            resp = yield MemoryCall("ListEvents", params)
            out.extend(e["eventId"] for e in resp.get("events") or [])
            token = resp.get("nextToken")
            if not token:
                return out

    def _record_ids_plan(self, root: str) -> Plan[list[str]]:
        out: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {
                "memoryId": self.memory_id,
                "namespacePath": root,
                "maxResults": 100,
            }
            if token:
                params["nextToken"] = token
            resp = yield MemoryCall("ListMemoryRecords", params)
            for rec in resp.get("memoryRecordSummaries") or []:
                if any(within(n, root) for n in rec.get("namespaces") or []):
                    out.append(rec["memoryRecordId"])
            token = resp.get("nextToken")
            if not token:
                return out
