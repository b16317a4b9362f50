"""Serve a LangGraph graph on Amazon Bedrock AgentCore Runtime.

:func:`create_app` returns the AgentCore SDK's own ``BedrockAgentCoreApp`` (``POST
/invocations``, ``GET /ping``, SSE streaming, async task tracking) with an entrypoint that
maps AgentCore's request to a LangGraph run:

- the runtime session id (``X-Amzn-Bedrock-AgentCore-Runtime-Session-Id``) is the thread
  id, so a session continues its thread on any microVM (the thread lives in the
  checkpointer, e.g. :class:`~langgraph_agentcore.DynamoDBSaver`);
- the actor id comes from the caller's identity, never from the session: the bearer token
  AgentCore Identity validated and forwards in ``Authorization`` (its ``sub`` claim, or the
  claim you name), or a custom header you enable. It fails closed: without an identity the
  request is refused and nothing runs. The actor id reaches the memory middleware as
  ``context={"actor_id": ..., "session_id": ...}`` and ``configurable["actor_id"]``;
- a session belongs to the actor whose turn started its thread (LangGraph keeps the actor
  id in the checkpoints' metadata): another actor sending that session id is refused;
- ``{"prompt": ...}`` is a user turn, ``{"resume": ...}`` answers an interrupt, and
  ``{"stream": true}`` streams tokens and node updates as Server-Sent Events;
- ``GET /ping`` is HealthyBusy while runs and memory flushes are in flight.

Everything the graph holds (saver, store, memory and their clients) is built once and
serves every session of the process concurrently; one session's turns run in order.

Trust boundary: AgentCore Runtime's JWT authorizer has already checked the token's
signature, expiry, audience/client and scopes before the request reaches the container, so
the token's payload is decoded here *without* verifying the signature (malformed and
unsigned tokens are still refused). That is only sound while the container is reachable
through AgentCore alone; pass ``verify_token=`` to verify it again yourself.

Needs the ``runtime`` extra (``bedrock-agentcore``), imported only when an app is built.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import inspect
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    from bedrock_agentcore.runtime import BedrockAgentCoreApp

logger = logging.getLogger(__name__)

__all__ = [
    "ACTOR_HEADER",
    "SESSION_HEADER",
    "Invocation",
    "InvocationError",
    "create_app",
    "decode_jwt_claims",
]

#: The header AgentCore Runtime puts the runtime session id in (the thread id).
SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
#: The custom header that may carry the actor id when ``actor_header=ACTOR_HEADER``.
ACTOR_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Actor-Id"
#: AgentCore's bounds on runtime session ids (InvokeAgentRuntime ``runtimeSessionId``).
MIN_SESSION_ID_CHARS = 33
MAX_SESSION_ID_CHARS = 256
#: How long a flush waits for in-flight captures before delivering what is left (seconds).
FLUSH_SETTLE_SECONDS = 2.0
#: Sessions whose owner this process checked already (an owner never changes).
OWNER_CACHE_SIZE = 10_000
#: Payload keys the entrypoint reads itself.
RESERVED_KEYS = frozenset({"prompt", "resume", "stream"})
#: The payload key of the actor id, read only with ``allow_payload_actor=True``.
PAYLOAD_ACTOR_KEY = "actor_id"

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_INTERRUPT = "__interrupt__"

FlushMode = Literal["before_response", "background", "off"]
IdentitySource = Literal["token", "header", "payload"]
TokenVerifier = Callable[[str], "Mapping[str, Any] | Awaitable[Mapping[str, Any]]"]


class InvocationError(ValueError):
    """A request refused before the graph ran: an HTTP status, a code and what is wrong."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        """The JSON error response (``error`` as in the SDK's own errors, plus ``code``)."""
        return {"error": self.message, "code": self.code}


@dataclass(frozen=True)
class Invocation:
    """What one request resolved to before the graph runs (given to ``context_factory``)."""

    session_id: str
    actor_id: str
    identity_source: IdentitySource
    claims: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ identity


def _b64json(segment: str, what: str) -> Any:
    if not segment or not _B64URL.fullmatch(segment):
        raise InvocationError(
            401, "malformed_token", f"the bearer token's {what} is not base64url text"
        )
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvocationError(
            401, "malformed_token", f"the bearer token's {what} is not base64url-encoded JSON"
        ) from exc


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWS compact token, decoded *without* verifying the signature.

    For tokens AgentCore Identity has validated already (see the module docstring).
    Refuses (``InvocationError``, 401) anything that is not ``header.payload.signature``
    with a JSON object header and payload, and unsigned (``alg: none``) tokens.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise InvocationError(
            401,
            "malformed_token",
            f"the bearer token is not a JWT (expected header.payload.signature, "
            f"got {len(parts)} part(s))",
        )
    header = _b64json(parts[0], "header")
    claims = _b64json(parts[1], "payload")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvocationError(
            401, "malformed_token", "the bearer token's header and payload must be JSON objects"
        )
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or not parts[2]:
        raise InvocationError(
            401,
            "malformed_token",
            "the bearer token is unsigned (AgentCore Identity only forwards signed tokens)",
        )
    if not _B64URL.fullmatch(parts[2]):
        raise InvocationError(
            401, "malformed_token", "the bearer token's signature is not base64url text"
        )
    return claims


def _bearer(value: str) -> str:
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvocationError(
            401, "malformed_token", "the Authorization header is not 'Bearer <token>'"
        )
    return token.strip()


def _nonempty(value: Any, what: str, status: int = 401) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvocationError(
            status, "missing_identity", f"{what} must be a non-empty string, got {value!r}"
        )
    return value


@dataclass(frozen=True)
class IdentityPolicy:
    """Where the actor id may come from (see :func:`create_app`)."""

    actor_claim: str = "sub"
    actor_header: str | None = None
    allow_payload_actor: bool = False
    verify_token: TokenVerifier | None = None

    def describe(self) -> str:
        """The accepted sources, for error messages."""
        sources = [
            f"a bearer token with a {self.actor_claim!r} claim in Authorization (AgentCore "
            "Identity's JWT authorizer forwards it when Authorization is on the runtime's "
            "request header allow-list)"
        ]
        if self.actor_header:
            sources.append(f"the {self.actor_header} header")
        if self.allow_payload_actor:
            sources.append(f"the payload's {PAYLOAD_ACTOR_KEY!r}")
        return " or ".join(sources)

    async def resolve(
        self, headers: Mapping[str, str], payload: Mapping[str, Any]
    ) -> tuple[str, IdentitySource, Mapping[str, Any]]:
        """``(actor_id, source, claims)``; raises :class:`InvocationError` (fail closed).

        Every source that is present must agree; a malformed one is never skipped.
        """
        found: list[tuple[IdentitySource, str]] = []
        claims: Mapping[str, Any] = {}
        auth = headers.get("authorization")
        if auth is not None:
            token = _bearer(auth)
            if self.verify_token is not None:
                try:
                    verified = self.verify_token(token)
                    if inspect.isawaitable(verified):
                        verified = await verified
                except InvocationError:
                    raise
                except Exception as exc:
                    raise InvocationError(
                        401, "invalid_token", f"the bearer token was rejected: {exc}"
                    ) from exc
                if not isinstance(verified, Mapping):
                    raise InvocationError(
                        401, "invalid_token", "verify_token did not return the token's claims"
                    )
                claims = verified
            else:
                claims = decode_jwt_claims(token)
            if self.actor_claim not in claims:
                raise InvocationError(
                    401,
                    "missing_identity",
                    f"the bearer token has no {self.actor_claim!r} claim to take the actor id from",
                )
            value = _nonempty(claims[self.actor_claim], f"the token's {self.actor_claim!r} claim")
            found.append(("token", value))
        if self.actor_header:
            header_value = headers.get(self.actor_header.lower())
            if header_value is not None:
                found.append(("header", _nonempty(header_value.strip(), self.actor_header)))
        if PAYLOAD_ACTOR_KEY in payload:
            if not self.allow_payload_actor:
                raise InvocationError(
                    400,
                    "payload_identity_not_allowed",
                    f"the payload may not name the actor ({PAYLOAD_ACTOR_KEY!r}): the identity "
                    f"comes from {self.describe()}",
                )
            found.append(
                ("payload", _nonempty(payload[PAYLOAD_ACTOR_KEY], f"payload {PAYLOAD_ACTOR_KEY!r}"))
            )
        if not found:
            raise InvocationError(
                401, "missing_identity", f"no actor identity: expected {self.describe()}"
            )
        if len({value for _, value in found}) > 1:
            raise InvocationError(
                401,
                "conflicting_identity",
                "the request names different actors in " + ", ".join(source for source, _ in found),
            )
        source, actor = found[0]
        return actor, source, claims


def session_id_of(value: str | None, *, min_chars: int = MIN_SESSION_ID_CHARS) -> str:
    """The thread id of a request's runtime session id; raises :class:`InvocationError`."""
    if value is None or not value.strip():
        raise InvocationError(
            400,
            "missing_session",
            f"no runtime session id: the {SESSION_HEADER} header is required (it is the thread id)",
        )
    if not min_chars <= len(value) <= MAX_SESSION_ID_CHARS:
        raise InvocationError(
            400,
            "invalid_session",
            f"the runtime session id must have {min_chars}-{MAX_SESSION_ID_CHARS} characters "
            f"(as AgentCore requires), got {len(value)}",
        )
    return value


# ------------------------------------------------------------------ payload and output


InputMapper = Callable[[Mapping[str, Any]], "Mapping[str, Any] | None"]


def graph_input(payload: Any, input_mapper: InputMapper | None = None) -> tuple[Any, bool]:
    """``(graph input or Command, stream?)`` of a payload; raises :class:`InvocationError`."""
    from langchain_core.messages import HumanMessage
    from langgraph.types import Command

    if not isinstance(payload, dict):
        raise InvocationError(400, "invalid_payload", "the payload must be a JSON object")
    stream = payload.get("stream", False)
    if not isinstance(stream, bool):
        raise InvocationError(
            400, "invalid_payload", f"'stream' must be true or false, got {stream!r}"
        )
    if "prompt" in payload and "resume" in payload:
        raise InvocationError(
            400, "invalid_payload", "give either 'prompt' (a new turn) or 'resume', not both"
        )
    extra = sorted(k for k in payload if k not in RESERVED_KEYS and k != PAYLOAD_ACTOR_KEY)
    mapped: dict[str, Any] = {}
    if input_mapper is not None:
        try:
            result = input_mapper(dict(payload))
        except (ValueError, TypeError, KeyError) as exc:
            raise InvocationError(
                400, "invalid_payload", f"input_mapper refused the payload: {exc}"
            ) from exc
        if result is not None and not isinstance(result, Mapping):
            raise TypeError(
                f"input_mapper must return a mapping or None, got {type(result).__name__}"
            )
        mapped = dict(result or {})
    elif extra:
        raise InvocationError(
            400,
            "invalid_payload",
            f"unexpected payload keys {extra}: only 'prompt', 'resume' and 'stream' are read "
            "(pass input_mapper= to create_app to map other keys into the graph input)",
        )
    if "prompt" in payload:
        prompt = payload["prompt"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise InvocationError(400, "invalid_payload", "'prompt' must be a non-empty string")
        return {"messages": [HumanMessage(prompt)], **mapped}, stream
    if "resume" in payload:
        if payload["resume"] is None:
            raise InvocationError(400, "invalid_payload", "'resume' must not be null")
        return Command(resume=payload["resume"], update=mapped or None), stream
    if mapped:
        return mapped, stream
    raise InvocationError(
        400,
        "invalid_payload",
        "the payload needs 'prompt' (a user turn) or 'resume' (the answer to an interrupt)",
    )


def jsonable(obj: Any, _depth: int = 0) -> Any:
    """``obj`` as JSON-ready data: messages as small dicts, interrupts as ``{id, value}``."""
    from langchain_core.messages import BaseMessage
    from langgraph.types import Interrupt

    if _depth > 40:
        return repr(obj)
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, BaseMessage):
        out: dict[str, Any] = {"type": obj.type, "id": obj.id, "content": jsonable(obj.content)}
        if obj.name:
            out["name"] = obj.name
        if tool_calls := getattr(obj, "tool_calls", None):
            out["tool_calls"] = jsonable(tool_calls, _depth + 1)
        if tool_call_id := getattr(obj, "tool_call_id", None):
            out["tool_call_id"] = tool_call_id
        return out
    if isinstance(obj, Interrupt):
        item: dict[str, Any] = {"id": obj.id, "value": jsonable(obj.value, _depth + 1)}
        schema = getattr(obj, "response_schema", None)
        if isinstance(schema, dict):
            item["response_schema"] = schema
        return item
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v, _depth + 1) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v, _depth + 1) for v in obj]
    if hasattr(obj, "model_dump"):
        return jsonable(obj.model_dump(mode="json"), _depth + 1)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj), _depth + 1)
    return str(obj)


def last_ai_text(values: Any) -> str | None:
    """The text of this turn's last AI message in the state ``values``.

    This turn = after the last human message, so an interrupt before the model answered
    gives None rather than the previous turn's reply. A state without human messages
    gives its last AI message.
    """
    from langchain_core.messages import AIMessage, HumanMessage

    messages = values.get("messages") if isinstance(values, Mapping) else None
    messages = getattr(values, "messages", None) if messages is None else messages
    for message in reversed(list(messages or ())):
        if isinstance(message, HumanMessage):
            return None
        if isinstance(message, AIMessage):
            return message.text
    return None


# ------------------------------------------------------------------ context


def _context_builder(graph: Any) -> Callable[[Invocation], Any]:
    """How the identity becomes the graph's runtime context (``context=``).

    LangGraph passes a dict through unchanged unless the graph's ``context_schema`` is a
    dataclass or pydantic model, which it builds with ``schema(**context)``: only the
    fields the schema declares are passed, and a schema requiring other fields needs
    ``context_factory=``.
    """
    schema = getattr(graph, "context_schema", None)
    ours = ("actor_id", "session_id")
    if schema is None or not isinstance(schema, type):
        return lambda inv: {"actor_id": inv.actor_id, "session_id": inv.session_id}
    fields: dict[str, bool] = {}  # name -> required
    if dataclasses.is_dataclass(schema):
        for f in dataclasses.fields(schema):
            if f.init:
                fields[f.name] = (
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                )
    elif hasattr(schema, "model_fields"):
        fields = {name: info.is_required() for name, info in schema.model_fields.items()}
    else:  # TypedDict or a plain class: LangGraph passes the dict as it is
        return lambda inv: {"actor_id": inv.actor_id, "session_id": inv.session_id}
    required = sorted(name for name, req in fields.items() if req and name not in ours)
    if required:
        raise ValueError(
            f"the graph's context_schema {schema.__name__} requires {required}, which the "
            "runtime cannot fill: pass context_factory= to create_app"
        )
    keys = [k for k in ours if k in fields]
    if "actor_id" not in keys:
        logger.debug("context_schema %s has no actor_id field; configurable carries it", schema)
    return lambda inv: schema(**{k: getattr(inv, k) for k in keys})


@dataclass
class _Run:
    """One admitted request: graph input, config and context, session and actor."""

    data: Any
    stream: bool
    config: dict[str, Any]
    context: Any
    session: str
    actor: str


class _Coalescing:
    """Runs ``job`` for waiters, merging concurrent requests into as few runs as possible.

    :meth:`run` returns after a run of ``job`` that *started after* the call completed, so
    a flush requested after a turn's capture was queued always covers it; while one run
    is going, all newer requests share the single next run (20 concurrent turns cost two
    flushes, not twenty).
    """

    def __init__(self, job: Callable[[], Awaitable[None]]) -> None:
        self._job = job
        self._running: asyncio.Task[None] | None = None
        self._next: asyncio.Future[None] | None = None

    async def run(self) -> None:
        if self._running is None:
            self._running = asyncio.get_running_loop().create_task(self._cycle(None))
            await asyncio.shield(self._running)
            return
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._next)

    async def _cycle(self, done: asyncio.Future[None] | None) -> None:
        try:
            await self._job()
        finally:
            if done is not None and not done.done():
                done.set_result(None)
            waiting, self._next = self._next, None
            if waiting is not None:
                self._running = asyncio.get_running_loop().create_task(self._cycle(waiting))
            else:
                self._running = None


class _SessionLocks:
    """One lock per session id: a session's turns run one at a time, in arrival order."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


# ------------------------------------------------------------------ the app


def create_app(
    graph: Any,
    *,
    memory: Any = None,
    actor_header: str | None = None,
    actor_claim: str = "sub",
    allow_payload_actor: bool = False,
    verify_token: TokenVerifier | None = None,
    input_mapper: InputMapper | None = None,
    context_factory: Callable[[Invocation], Any] | None = None,
    config: Mapping[str, Any] | None = None,
    flush: FlushMode = "background",
    flush_timeout: float | None = 10.0,
    min_session_id_chars: int = MIN_SESSION_ID_CHARS,
    bind_sessions: bool = True,
    actor_keys: Sequence[str] = (),
    debug: bool = False,
    lifespan: Any = None,
) -> BedrockAgentCoreApp:
    """The AgentCore SDK's ``BedrockAgentCoreApp`` serving ``graph`` (one per process).

    Args:
        graph: a compiled LangGraph graph (``create_agent(...)`` or ``StateGraph.compile``)
            with a checkpointer; the one saver, store and memory it holds serve every
            session of the process concurrently (no per-request clients).
        memory: the :class:`~langgraph_agentcore.AgentCoreMemory` the graph's memory
            middleware or nodes capture with. After each run its pending captures are
            flushed in an SDK async task (``flush="background"``, the default: the reply
            is not delayed and ``/ping`` answers HealthyBusy until they are delivered, so
            AgentCore keeps the session), before the reply (``"before_response"``: it waits
            for every capture in flight in the process, up to :data:`FLUSH_SETTLE_SECONDS`)
            or not at all (``"off"``); and always at shutdown.
        actor_header: a header that may carry the actor id (usually :data:`ACTOR_HEADER`;
            it must be on the runtime's request header allow-list). Off by default.
        actor_claim: the token claim holding the actor id (default ``sub``).
        allow_payload_actor: accept ``{"actor_id": ...}`` in the payload (only for callers
            you trust to name any user, e.g. an internal service); off by default.
        verify_token: ``f(token) -> claims`` (sync or async) that verifies the bearer token
            itself, replacing the unverified decode; raise to refuse.
        input_mapper: ``f(payload) -> extra graph input`` allowing payload keys other than
            ``prompt``/``resume``/``stream`` (without it they are refused).
        context_factory: ``f(Invocation) -> context`` for graphs whose ``context_schema``
            needs more than ``actor_id``/``session_id``.
        config: base ``RunnableConfig`` of every run (e.g. ``recursion_limit``).
        flush_timeout: seconds to wait for memory captures before answering anyway (they
            stay queued, durably with a table, and are delivered by a later flush).
        min_session_id_chars: AgentCore's minimum (33); lower it only for local tools.
        bind_sessions: refuse (403) a session whose thread another actor started, so
            knowing a session id never reveals someone else's thread.
        actor_keys: more ``configurable`` keys that get the actor id, e.g.
            ``("langgraph_user_id",)`` for LangMem's namespace templates.
        debug, lifespan: passed to ``BedrockAgentCoreApp``.

    Returns:
        the app; run it with ``app.run(port=8080)`` or any ASGI server.
    """
    try:
        from bedrock_agentcore.runtime import BedrockAgentCoreApp
        from bedrock_agentcore.runtime.models import is_forwardable_header
        from starlette.responses import JSONResponse
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "serving on AgentCore Runtime needs the SDK: pip install 'langgraph-agentcore[runtime]'"
        ) from exc

    if getattr(graph, "checkpointer", None) is None:
        raise ValueError(
            "the graph has no checkpointer: compile it with one (e.g. DynamoDBSaver) so a "
            "session's thread outlives the microVM"
        )
    if flush not in ("before_response", "background", "off"):
        raise ValueError(f"flush must be 'before_response', 'background' or 'off', got {flush!r}")
    if actor_header is not None and (
        not isinstance(actor_header, str) or not is_forwardable_header(actor_header)
    ):
        raise ValueError(
            f"actor_header {actor_header!r} is not a header AgentCore Runtime forwards to the "
            f"agent (use {ACTOR_HEADER!r} or another allow-listable name)"
        )
    if isinstance(actor_keys, str) or not all(isinstance(k, str) and k for k in actor_keys):
        raise ValueError(f"actor_keys must be a sequence of key names, got {actor_keys!r}")
    if not isinstance(actor_claim, str) or not actor_claim:
        raise ValueError(f"actor_claim must be a non-empty claim name, got {actor_claim!r}")
    policy = IdentityPolicy(actor_claim, actor_header, allow_payload_actor, verify_token)
    build_context = context_factory or _context_builder(graph)
    base_config = dict(config or {})
    locks = _SessionLocks()
    # Streamed updates show only the graph's output channels: private state (such as the
    # memory middleware's recalled block) stays on the server, as in the final values.
    outputs = getattr(graph, "output_channels", None)
    public = frozenset([outputs] if isinstance(outputs, str) else outputs or ())
    owners: OrderedDict[str, str] = OrderedDict()  # session -> actor, checked already
    background: set[asyncio.Task[Any]] = set()

    @contextlib.asynccontextmanager
    async def app_lifespan(starlette_app: Any) -> AsyncIterator[None]:
        if lifespan is not None:
            async with lifespan(starlette_app):
                yield
        else:
            yield
        await _final_flush()

    app = BedrockAgentCoreApp(debug=debug, lifespan=app_lifespan)

    async def _flush_once() -> None:
        """Wait for the turn's background captures; deliver the outbox only if needed.

        Captures that go through leave nothing pending, and then no request is made (an
        ``aflush`` would read the outbox every turn). What is still pending after
        :data:`FLUSH_SETTLE_SECONDS` (a capture that went to the outbox, items an
        earlier process left) is delivered by ``aflush``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(FLUSH_SETTLE_SECONDS, flush_timeout or FLUSH_SETTLE_SECONDS)
        pause = 0.002
        while _pending_count() > 0 and loop.time() < deadline:
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)
        if _pending_count() == 0:
            return
        try:
            delivered = await memory.aflush(timeout=flush_timeout)
            logger.debug("memory flush delivered %s queued capture(s)", delivered)
        except Exception as exc:  # the reply is already checkpointed: never fail it here
            logger.warning(
                "memory captures not delivered yet (%s: %s); %s stay queued",
                type(exc).__name__,
                exc,
                _pending(),
            )

    flusher = _Coalescing(_flush_once)

    def _pending() -> Any:
        try:
            return memory.pending_captures()
        except Exception:  # pragma: no cover - best effort, for the log line
            return "some"

    def _pending_count() -> int:
        count = _pending()
        return count if isinstance(count, int) else 1

    async def _final_flush() -> None:
        """At shutdown: deliver what is queued, on the loop the memory's clients live on."""
        if memory is None:
            return
        loop: asyncio.AbstractEventLoop | None = getattr(app, "_worker_loop", None)
        try:
            if loop is not None and loop.is_running():
                future = asyncio.run_coroutine_threadsafe(
                    memory.aflush(timeout=flush_timeout), loop
                )
                await asyncio.wrap_future(future)
            else:
                await asyncio.to_thread(memory.flush, flush_timeout)
        except Exception as exc:
            logger.warning("memory flush at shutdown failed: %s: %s", type(exc).__name__, exc)

    async def _after_run() -> None:
        if memory is None or flush == "off":
            return
        if flush == "before_response":
            await flusher.run()
            return
        task_id = app.add_async_task("memory flush")
        task = asyncio.get_running_loop().create_task(flusher.run())
        background.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            background.discard(t)
            app.complete_async_task(task_id)

        task.add_done_callback(done)

    def _final(values: Any, interrupts: list[Any], session: str) -> dict[str, Any]:
        return {
            "response": last_ai_text(values),
            "thread_id": session,
            "interrupts": [jsonable(i) for i in interrupts],
        }

    async def _admit(run: _Run, *, check_resume: bool = True) -> None:
        """Refuse a session that belongs to another actor, or a resume with nothing to resume.

        The owner is the ``actor_id`` LangGraph records in every checkpoint's metadata
        (from ``configurable``). One checkpoint read per session and process, then cached
        (an owner never changes); a resume reads the state anyway.
        """
        resume = check_resume and _is_resume(run.data)
        if not bind_sessions and not resume:
            return
        if owners.get(run.session) == run.actor and not resume:
            owners.move_to_end(run.session)
            return
        metadata: Mapping[str, Any] | None
        if resume:
            state = await graph.aget_state(run.config)
            metadata = state.metadata if state.created_at is not None else None
            pending = any(getattr(t, "interrupts", ()) for t in state.tasks)
        else:
            tup = await graph.checkpointer.aget_tuple(
                {"configurable": {"thread_id": run.session, "checkpoint_ns": ""}}
            )
            metadata = tup.metadata if tup is not None else None
            pending = True
        if bind_sessions and metadata is not None and metadata.get("actor_id") != run.actor:
            raise InvocationError(
                403,
                "session_of_another_actor",
                f"session {run.session!r} holds another actor's thread",
            )
        if not pending:
            raise InvocationError(
                409,
                "nothing_to_resume",
                f"session {run.session!r} has no pending interrupt to resume; send 'prompt' "
                "instead",
            )
        if metadata is not None:  # an existing thread of this actor: the owner is known
            _remember_owner(run)

    def _remember_owner(run: _Run) -> None:
        """Cache ``run``'s actor as its session's owner (known from a read or a run).

        A new thread is cached only after its first run wrote it (under the session's
        lock): caching at admission would let a concurrent request of another actor,
        admitted before that run, pass the check.
        """
        if bind_sessions:
            owners[run.session] = run.actor
            owners.move_to_end(run.session)
            while len(owners) > OWNER_CACHE_SIZE:
                owners.popitem(last=False)

    async def _prepare(payload: Any, context: Any) -> _Run:
        problems: list[InvocationError] = []
        session = ""
        try:
            session = session_id_of(
                getattr(context, "session_id", None), min_chars=min_session_id_chars
            )
        except InvocationError as exc:
            problems.append(exc)
        actor: str | None = None
        claims: Mapping[str, Any] = {}
        source: IdentitySource = "token"
        try:
            actor, source, claims = await policy.resolve(
                _headers(context), payload if isinstance(payload, dict) else {}
            )
        except InvocationError as exc:
            problems.append(exc)
        if problems:  # name everything that is missing at once
            first = problems[0]
            raise InvocationError(
                max(p.status for p in problems),
                first.code,
                "; ".join(p.message for p in problems),
            )
        assert actor is not None
        data, stream = graph_input(payload, input_mapper)
        invocation = Invocation(session, actor, source, claims, payload)
        run_config = {
            **base_config,
            "configurable": {
                **dict(base_config.get("configurable") or {}),
                **dict.fromkeys(actor_keys, actor),
                "thread_id": session,
                "actor_id": actor,
            },
        }
        logger.debug("invocation: session=%s actor from %s, stream=%s", session, source, stream)
        return _Run(data, stream, run_config, build_context(invocation), session, actor)

    async def _result(run: _Run) -> dict[str, Any]:
        values: Any = None
        interrupts: list[Any] = []
        async for mode, chunk in graph.astream(
            run.data, run.config, context=run.context, stream_mode=["updates", "values"]
        ):
            if mode == "updates" and isinstance(chunk, dict) and _INTERRUPT in chunk:
                interrupts.extend(chunk[_INTERRUPT])
            elif mode == "values":
                values = chunk
        return _final(values, interrupts, run.session)

    async def _events(run: _Run) -> AsyncIterator[dict[str, Any]]:
        from langchain_core.messages import AIMessage

        values: Any = None
        interrupts: list[Any] = []
        async for mode, chunk in graph.astream(
            run.data,
            run.config,
            context=run.context,
            stream_mode=["messages", "updates", "values"],
        ):
            if mode == "messages":
                message, meta = chunk
                if isinstance(message, AIMessage) and (text := message.text):
                    yield {"event": "token", "text": text, "node": meta.get("langgraph_node")}
            elif mode == "updates" and isinstance(chunk, dict):
                for node, update in chunk.items():
                    if node == _INTERRUPT:
                        interrupts.extend(update)
                    elif (shown := _public(update, public)) is not None:
                        yield {"event": "update", "node": node, "update": jsonable(shown)}
            elif mode == "values":
                values = chunk
        yield _final(values, interrupts, run.session)

    async def _stream(run: _Run) -> AsyncIterator[dict[str, Any]]:
        # Registered here, not before: a generator that never starts never ends either.
        task_id = app.add_async_task("langgraph stream", {"session_id": run.session})
        try:
            async with locks.hold(run.session):
                await _admit(run, check_resume=False)  # checked before the stream began
                final: dict[str, Any] | None = None
                try:
                    async for event in _events(run):
                        if "event" in event:
                            yield event
                        else:
                            final = event
                    _remember_owner(run)
                finally:
                    await _after_run()
                yield final or _final(None, [], run.session)
        except InvocationError as exc:
            yield {"event": "error", **exc.body()}
        except Exception as exc:
            logger.exception("streamed run of session %s failed", run.session)
            yield {"event": "error", "error": str(exc), "error_type": type(exc).__name__}
        finally:
            app.complete_async_task(task_id)

    async def invoke(payload: Any, context: Any) -> Any:
        """The entrypoint: validate, then run the graph for this session and actor."""
        started = time.monotonic()
        try:
            run = await _prepare(payload, context)
        except InvocationError as exc:
            logger.info("invocation refused (%s): %s", exc.code, exc.message)
            return JSONResponse(exc.body(), status_code=exc.status)
        if run.stream:  # refuse with an HTTP status while one can still be sent
            try:
                await _admit(run)
            except InvocationError as exc:
                logger.info("invocation refused (%s): %s", exc.code, exc.message)
                return JSONResponse(exc.body(), status_code=exc.status)
            return _stream(run)
        task_id = app.add_async_task("langgraph run", {"session_id": run.session})
        try:
            async with locks.hold(run.session):
                await _admit(run)
                try:
                    result = await _result(run)
                    _remember_owner(run)
                    return result
                finally:
                    await _after_run()
        except InvocationError as exc:
            logger.info("invocation refused (%s): %s", exc.code, exc.message)
            return JSONResponse(exc.body(), status_code=exc.status)
        finally:
            app.complete_async_task(task_id)
            logger.debug("session %s answered in %.3fs", run.session, time.monotonic() - started)

    app.entrypoint(invoke)
    app.state.langgraph = graph
    app.state.memory = memory
    app.state.session_locks = locks
    return app


def _public(update: Any, public: frozenset[str]) -> Any:
    """The part of a node's update a client may see (None: nothing to show)."""
    if not isinstance(update, Mapping) or not public:
        return update
    shown = {k: v for k, v in update.items() if k in public}
    return shown or None


def _is_resume(data: Any) -> bool:
    from langgraph.types import Command

    return isinstance(data, Command) and data.resume is not None


def _headers(context: Any) -> Mapping[str, str]:
    """The request's headers with case-insensitive names.

    A header sent twice is an error when it could carry an identity (which one would
    count is ambiguous, so neither does).
    """
    request = getattr(context, "request", None)
    raw = getattr(request, "headers", None)
    pairs = list(raw.items()) if raw is not None else []
    if raw is None:
        pairs = list((getattr(context, "request_headers", None) or {}).items())
    return _Lower(pairs)


class _Lower(Mapping[str, str]):
    """A read-only header mapping with case-insensitive keys; repeated names are refused."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._h: dict[str, str] = {}
        self._repeated: set[str] = set()
        for key, value in pairs:
            low = key.lower()
            if low in self._h:
                self._repeated.add(low)
            self._h[low] = value

    def get(self, key: str, default: Any = None) -> Any:
        low = key.lower()
        if low in self._repeated:  # only identity headers are looked up here
            raise InvocationError(
                401, "ambiguous_identity", f"the {key} header was sent more than once"
            )
        return self._h.get(low, default)

    def __getitem__(self, key: str) -> str:
        return self._h[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._h)

    def __len__(self) -> int:
        return len(self._h)
