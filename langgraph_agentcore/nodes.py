"""The memory loop for LangGraph graphs built without ``create_agent``.

Recall before a turn and capture after it, from the same :class:`~langgraph_agentcore.memory.
AgentCoreMemory` core and with the same rules as the LangChain middleware:

- :func:`recall_node` / :func:`capture_node`: nodes for a ``StateGraph`` chatbot
  (``START -> recall -> chat -> capture -> END``); the chat node puts
  ``state["memory_context"]`` into its system prompt (:func:`system_message_with_memory`).
- :func:`pre_model_hook` / :func:`post_model_hook`: the same for ``create_react_agent``
  (``state_schema=MemoryAgentState``).

Bookkeeping lives in the graph's state, so it is checkpointed with the thread and
survives interrupts and process restarts: ``memory_context`` (this turn's recalled block,
one overwritten field, never a message) and ``memory_loop`` (the id of the turn's user
message, the id of the last captured message, the first id and clientToken of the last
hand-over to capture, and the identity the turn started with).

:class:`MemoryLoop` holds the shared logic (identity, fail-soft recall, which messages a
capture takes); the middleware is built on it too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.config import get_config
from langgraph.graph import MessagesState
from langgraph.prebuilt.chat_agent_executor import AgentState as ReactAgentState
from typing_extensions import NotRequired, TypedDict

from langgraph_agentcore.errors import AgentCoreMemoryError, MemoryIdentityError

if TYPE_CHECKING:
    from langgraph_agentcore.memory import AgentCoreMemory, MemoryRecord

__all__ = [
    "CONTEXT_KEY",
    "LOOP_KEY",
    "Identity",
    "IdentityResolver",
    "MemoryAgentState",
    "MemoryLoop",
    "MemoryLoopState",
    "MemoryState",
    "capture_node",
    "post_model_hook",
    "pre_model_hook",
    "recall_node",
    "system_message_with_memory",
]

logger = logging.getLogger(__name__)

#: State key of the recalled block for the current turn (a string, or None).
CONTEXT_KEY = "memory_context"
#: State key of the loop's bookkeeping (:class:`MemoryLoopState`).
LOOP_KEY = "memory_loop"

#: ``resolver(context, config) -> id or None``: ``context`` is the run's ``context=``
#: (``runtime.context``), ``config`` its RunnableConfig.
IdentityResolver = Callable[[Any, RunnableConfig], "str | None"]
#: Renders recalled records as the text inside the ``<tag>`` block ('' = no block).
Formatter = Callable[[Sequence["MemoryRecord"]], str]
OnMissingIdentity = Literal["raise", "skip"]

#: Errors that mean "AgentCore did not answer usefully now": recall degrades, the turn goes on.
_RECALL_FAILURES: tuple[type[BaseException], ...] = (
    AgentCoreMemoryError,
    TimeoutError,
    BotoCoreError,
    ClientError,
    OSError,
)


class MemoryLoopState(TypedDict, total=False):
    """The loop's bookkeeping in graph state (one overwritten field, checkpointed).

    ``turn_id``: id of the user message the current turn recalled for (recall runs once
    per turn); ``captured_id``: id of the last message handed to capture (every later
    message is captured exactly once); ``actor_id`` / ``session_id``: the identity the
    turn started with (so a resume without ``context=`` still captures for that user).
    ``handed_from`` / ``handed_token``: id of the first message of the last hand-over and
    the clientToken of its last event, so a later process can rebuild that capture from
    the thread's messages (``handed_from`` .. ``captured_id``) and check it reached
    AgentCore (the checkpoint recording a hand-over may outlive its CreateEvent);
    ``handed_at``: when (ms since the epoch; a capture found missing that was handed over
    before the user was forgotten is not sent again).
    """

    turn_id: str | None
    captured_id: str | None
    handed_from: str | None
    handed_token: str | None
    handed_at: int | None
    actor_id: str | None
    session_id: str | None


class MemoryState(MessagesState):
    """``MessagesState`` plus the memory loop's fields, for ``StateGraph`` chatbots."""

    memory_context: NotRequired[str | None]
    memory_loop: NotRequired[MemoryLoopState]


class MemoryAgentState(ReactAgentState):
    """``create_react_agent``'s state plus the memory loop's fields (``state_schema=``)."""

    memory_context: NotRequired[str | None]
    memory_loop: NotRequired[MemoryLoopState]


@dataclass(frozen=True)
class Identity:
    """Who a turn's memory belongs to (raw ids; the core encodes them for AgentCore)."""

    actor_id: str
    session_id: str | None


def _lookup(source: Any, key: str) -> Any:
    """``source[key]`` for mappings, ``source.key`` otherwise, None when absent."""
    if source is None:
        return None
    if isinstance(source, Mapping):
        return source.get(key)
    return getattr(source, key, None)


def _checked(value: Any, what: str) -> str | None:
    """``value`` as an id; None when absent, empty or blank (so it counts as missing)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise MemoryIdentityError(f"{what} must be a non-empty string, got {type(value).__name__}")
    return value


def default_formatter(records: Sequence[MemoryRecord]) -> str:
    """One ``- text`` line per record (whitespace collapsed), best first."""
    return "\n".join(f"- {' '.join(r.text.split())}" for r in records if r.text.strip())


def system_message_with_memory(
    system: SystemMessage | str | None, context: str | None
) -> SystemMessage | None:
    """``system`` with the recalled ``context`` block appended (after it: the static prompt
    stays a stable prefix for prompt caching). None when both are empty."""
    if isinstance(system, str):
        system = SystemMessage(system) if system else None
    if not context:
        return system
    if system is None:
        return SystemMessage(context)
    content = system.content
    if isinstance(content, str):
        new: str | list[str | dict[Any, Any]] = f"{content}\n\n{context}" if content else context
    else:
        new = [*content, {"type": "text", "text": context}]
    return system.model_copy(update={"content": new})


class MemoryLoop:
    """What the middleware, the nodes and the hooks share.

    Identity (fail closed), recall once per turn bounded by ``recall_timeout`` (fail
    soft), and the exactly-once choice of the messages a capture takes, all from the
    state's bookkeeping rather than process memory.
    """

    def __init__(
        self,
        memory: AgentCoreMemory,
        *,
        tag: str = "user_context",
        formatter: Formatter | None = None,
        recall_timeout: float | None = 2.0,
        actor_id_resolver: IdentityResolver | None = None,
        session_id_resolver: IdentityResolver | None = None,
        on_missing_identity: OnMissingIdentity = "raise",
        capture: bool = True,
        recall: bool = True,
    ) -> None:
        if on_missing_identity not in ("raise", "skip"):
            raise ValueError(
                f"on_missing_identity must be 'raise' or 'skip', got {on_missing_identity!r}"
            )
        if not tag or not tag.replace("_", "").replace("-", "").isalnum():
            raise ValueError(
                f"tag must be a non-empty name of letters, digits, _ or -, got {tag!r}"
            )
        if recall_timeout is not None and recall_timeout <= 0:
            raise ValueError(
                f"recall_timeout must be positive seconds or None, got {recall_timeout}"
            )
        self.memory = memory
        self.tag = tag
        self.formatter = formatter or default_formatter
        self.recall_timeout = recall_timeout
        self.actor_id_resolver = actor_id_resolver
        self.session_id_resolver = session_id_resolver
        self.on_missing_identity = on_missing_identity
        self.capture_enabled = capture
        self.recall_enabled = recall

    # -- identity --------------------------------------------------------------------------

    def identity(self, context: Any, config: RunnableConfig | None) -> Identity | None:
        """The run's identity; None only with ``on_missing_identity="skip"``.

        Actor id: the resolver, else ``context.actor_id`` / ``context["actor_id"]``, else
        ``config["configurable"]["actor_id"]``. Session id: the resolver, else the
        context's ``session_id``, else the thread id. Raises :class:`MemoryIdentityError`
        (before any request) when the actor id, or the session id needed for capture, is
        missing.
        """
        config = config or {}
        configurable = config.get("configurable") or {}
        if self.actor_id_resolver is not None:
            actor = _checked(self.actor_id_resolver(context, config), "actor_id_resolver's result")
        else:
            actor = _checked(_lookup(context, "actor_id"), "context actor_id") or _checked(
                configurable.get("actor_id"), 'config["configurable"]["actor_id"]'
            )
        if self.session_id_resolver is not None:
            session = _checked(
                self.session_id_resolver(context, config), "session_id_resolver's result"
            )
        else:
            session = _checked(_lookup(context, "session_id"), "context session_id") or _checked(
                configurable.get("thread_id"), "thread_id"
            )
        missing = []
        if actor is None:
            missing.append(
                "an actor id (pass context={'actor_id': ...}, config "
                "{'configurable': {'actor_id': ...}} or actor_id_resolver=)"
            )
        if session is None and self.capture_enabled:
            missing.append(
                "a session id (run with a checkpointer and a thread_id, pass "
                "context={'session_id': ...} or session_id_resolver=)"
            )
        if missing:
            if self.on_missing_identity == "skip":
                logger.debug("memory skipped for this turn: no %s", " and no ".join(missing))
                return None
            raise MemoryIdentityError(
                "AgentCore memory needs " + " and ".join(missing) + "; no default user is "
                "assumed (on_missing_identity='skip' runs such turns without memory)"
            )
        assert actor is not None
        return Identity(actor, session)

    def turn_identity(
        self, loop: MemoryLoopState, context: Any, config: RunnableConfig | None
    ) -> Identity | None:
        """The identity a turn in progress started with (recorded in state), else the run's."""
        recorded = loop.get("actor_id")
        if recorded:
            return Identity(recorded, loop.get("session_id"))
        return self.identity(context, config)

    # -- the turn ----------------------------------------------------------------------------

    @staticmethod
    def uncaptured(
        messages: Sequence[AnyMessage], loop: MemoryLoopState, *, nested: bool = False
    ) -> list[AnyMessage]:
        """The messages after the last captured one: what the next capture takes.

        Nothing captured yet: all of them, except in a subgraph (``nested``) whose state
        does not persist between runs, where the turn is taken from its user message on.
        If the last captured message is no longer in the thread (history rewritten, e.g.
        by SummarizationMiddleware), takes the current turn from its user message on; if
        that is gone too, from the latest user message on, with a WARNING.
        """
        captured = loop.get("captured_id")
        if captured is None:
            turn = loop.get("turn_id")
            if nested and turn:
                for i, m in enumerate(messages):
                    if m.id == turn:
                        return list(messages[i:])
            return list(messages)
        for i in range(len(messages) - 1, -1, -1):
            if messages[i].id == captured:
                return list(messages[i + 1 :])
        turn = loop.get("turn_id")
        start = next((i for i, m in enumerate(messages) if turn and m.id == turn), None)
        if start is not None:  # e.g. summarised: this turn's messages are all still there
            logger.debug("last captured message %s gone; capturing from the turn's start", captured)
            return list(messages[start:])
        start = next(
            (i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], HumanMessage)),
            len(messages),
        )
        logger.warning(
            "the last captured message (%s) and the turn's user message are gone from the "
            "thread (history rewritten?); capturing from message %d of %d",
            captured,
            start,
            len(messages),
        )
        return list(messages[start:])

    @staticmethod
    def handed_over(
        messages: Sequence[AnyMessage], loop: MemoryLoopState
    ) -> list[AnyMessage] | None:
        """The messages of the last hand-over to capture, rebuilt from the thread.

        ``handed_from`` .. ``captured_id`` (system messages left out, as the hand-over did);
        None when the state records no hand-over or its messages are gone from the thread.
        """
        first, last = loop.get("handed_from"), loop.get("captured_id")
        if not first or not last or not loop.get("handed_token"):
            return None
        end = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].id == last), None)
        if end is None:
            return None
        start = next((i for i in range(end, -1, -1) if messages[i].id == first), None)
        if start is None:
            return None
        return [m for m in messages[start : end + 1] if not isinstance(m, SystemMessage)]

    def turn_message(
        self, messages: Sequence[AnyMessage], loop: MemoryLoopState
    ) -> HumanMessage | None:
        """The current turn's user message: the latest one not yet captured (None if none)."""
        for m in reversed(self.uncaptured(messages, loop)):
            if isinstance(m, HumanMessage):
                return m
        return None

    def _block(self, records: Sequence[MemoryRecord]) -> str | None:
        body = self.formatter(records).replace(f"</{self.tag}>", "").strip()
        return f"<{self.tag}>\n{body}\n</{self.tag}>" if body else None

    def _degraded(self, exc: BaseException) -> None:
        logger.warning(
            "AgentCore memory recall failed (%s: %s); the turn goes on without memory context",
            type(exc).__name__,
            exc,
        )

    def recall_block(self, query: str, ident: Identity) -> str | None:
        """The ``<tag>`` block for ``query`` (None when nothing was recalled or recall failed)."""
        try:
            records = self.memory.recall(
                query,
                actor_id=ident.actor_id,
                session_id=ident.session_id,
                timeout=self.recall_timeout,
            )
        except MemoryIdentityError:
            raise
        except _RECALL_FAILURES as exc:
            self._degraded(exc)
            return None
        return self._block(records)

    async def arecall_block(self, query: str, ident: Identity) -> str | None:
        """Async :meth:`recall_block`."""
        try:
            records = await self.memory.arecall(
                query,
                actor_id=ident.actor_id,
                session_id=ident.session_id,
                timeout=self.recall_timeout,
            )
        except MemoryIdentityError:
            raise
        except _RECALL_FAILURES as exc:
            self._degraded(exc)
            return None
        return self._block(records)

    def start_turn(
        self, state: Mapping[str, Any], context: Any, config: RunnableConfig | None
    ) -> tuple[dict[str, Any], str | None, Identity | None]:
        """Begin a turn: (state update without context, the query, the identity).

        Resolves the identity (raises before any request), finds the turn's user message
        and records both in the bookkeeping. The caller recalls for the query if not None.
        """
        loop: MemoryLoopState = dict(state.get(LOOP_KEY) or {})  # type: ignore[assignment]
        ident = self.identity(context, config)
        message = self.turn_message(state.get("messages") or [], loop)
        loop["turn_id"] = message.id if message is not None else None
        loop["actor_id"] = ident.actor_id if ident else None
        loop["session_id"] = ident.session_id if ident else None
        query = message.text if message is not None and self.recall_enabled and ident else None
        return {LOOP_KEY: loop, CONTEXT_KEY: None}, (query or None), ident

    def begin_turn(
        self, state: Mapping[str, Any], context: Any, config: RunnableConfig | None
    ) -> dict[str, Any]:
        """:meth:`start_turn`, then recall for its query: the state update of a turn's start."""
        update, query, ident = self.start_turn(state, context, config)
        if query and ident:
            update[CONTEXT_KEY] = self.recall_block(query, ident)
        return update

    async def abegin_turn(
        self, state: Mapping[str, Any], context: Any, config: RunnableConfig | None
    ) -> dict[str, Any]:
        """Async :meth:`begin_turn`."""
        update, query, ident = self.start_turn(state, context, config)
        if query and ident:
            update[CONTEXT_KEY] = await self.arecall_block(query, ident)
        return update

    def is_new_turn(self, state: Mapping[str, Any]) -> bool:
        """Whether the latest user message has not been recalled for yet (hooks run per call)."""
        loop: MemoryLoopState = state.get(LOOP_KEY) or {}  # type: ignore[assignment]
        message = self.turn_message(state.get("messages") or [], loop)
        return message is not None and message.id != loop.get("turn_id")

    def finish_turn(
        self,
        state: Mapping[str, Any],
        context: Any,
        config: RunnableConfig | None,
        *,
        background: Literal["sync", "async"],
    ) -> dict[str, Any]:
        """End a turn: hand the uncaptured messages to a background capture; state update.

        The update advances ``captured_id`` to the last message handed over, records the
        hand-over (``handed_from`` / ``handed_token``) and clears the turn's context and
        identity. The previous hand-over goes along (``previous=``): if this process did
        not send it itself, the background job checks AgentCore has it (one ListEvents)
        and re-sends it if not. Capture never blocks: ``background="sync"`` uses the
        core's worker thread, ``"async"`` a task on the running loop.
        """
        loop: MemoryLoopState = dict(state.get(LOOP_KEY) or {})  # type: ignore[assignment]
        update: dict[str, Any] = {CONTEXT_KEY: None}
        ident = self.turn_identity(loop, context, config)
        messages = state.get("messages") or []
        if ident is not None and self.capture_enabled:
            nested = bool(((config or {}).get("configurable") or {}).get("checkpoint_ns"))
            new = [
                m
                for m in self.uncaptured(messages, loop, nested=nested)
                if not isinstance(m, SystemMessage)
            ]
            if new:
                token = self.memory.capture_token(
                    new, actor_id=ident.actor_id, session_id=ident.session_id
                )
                previous = self.handed_over(messages, loop)
                hand = (
                    self.memory.acapture_in_background
                    if background == "async"
                    else self.memory.capture_in_background
                )
                hand(
                    new,
                    actor_id=ident.actor_id,
                    session_id=ident.session_id,
                    previous=previous,
                    previous_token=loop.get("handed_token") if previous else None,
                    previous_at=loop.get("handed_at") if previous else None,
                )
                loop["captured_id"] = new[-1].id
                if token is not None:
                    loop["handed_from"], loop["handed_token"] = new[0].id, token
                    loop["handed_at"] = int(time.time() * 1000)
                # else: nothing with text; handed_from .. the new captured_id rebuilds to
                # the same capture as before (messages without text are skipped)
                logger.debug("captured %d message(s) in the background", len(new))
        elif messages:
            # capture off, or a turn skipped for lack of identity: nothing is owed later
            # (a skipped turn is never captured under an identity that shows up afterwards)
            loop["captured_id"] = messages[-1].id
            loop["handed_from"] = loop["handed_token"] = loop["handed_at"] = None
        loop["turn_id"] = loop["actor_id"] = loop["session_id"] = None
        update[LOOP_KEY] = loop
        return update


# -- StateGraph nodes ------------------------------------------------------------------------


def _context_and_config(config: RunnableConfig | None) -> tuple[Any, RunnableConfig]:
    from langgraph.runtime import get_runtime

    config = config if config is not None else get_config()
    try:
        runtime = get_runtime()
    except Exception:  # outside a graph run (a node called directly): no context
        return None, config
    return (runtime.context if runtime is not None else None), config


def recall_node(
    memory: AgentCoreMemory,
    *,
    tag: str = "user_context",
    formatter: Formatter | None = None,
    recall_timeout: float | None = 2.0,
    actor_id_resolver: IdentityResolver | None = None,
    session_id_resolver: IdentityResolver | None = None,
    on_missing_identity: OnMissingIdentity = "raise",
) -> RunnableLambda[Any, dict[str, Any]]:
    """A node that recalls for the turn's user message into ``state["memory_context"]``.

    Put it first (``START -> recall``); state schema :class:`MemoryState` (or your own with
    ``memory_context`` and ``memory_loop``). Sync and async.
    """
    loop = MemoryLoop(
        memory,
        tag=tag,
        formatter=formatter,
        recall_timeout=recall_timeout,
        actor_id_resolver=actor_id_resolver,
        session_id_resolver=session_id_resolver,
        on_missing_identity=on_missing_identity,
    )

    def recall(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        context, config = _context_and_config(config)
        return loop.begin_turn(state, context, config)

    async def arecall(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        context, config = _context_and_config(config)
        return await loop.abegin_turn(state, context, config)

    return RunnableLambda(recall, afunc=arecall, name="memory_recall")


def capture_node(
    memory: AgentCoreMemory,
    *,
    actor_id_resolver: IdentityResolver | None = None,
    session_id_resolver: IdentityResolver | None = None,
    on_missing_identity: OnMissingIdentity = "raise",
) -> RunnableLambda[Any, dict[str, Any]]:
    """A node that captures, in the background, the messages not captured yet.

    Put it last (``... -> capture -> END``). Every message is captured exactly once over
    any number of turns, interrupts and restarts (the last captured id is in state).
    """
    loop = MemoryLoop(
        memory,
        actor_id_resolver=actor_id_resolver,
        session_id_resolver=session_id_resolver,
        on_missing_identity=on_missing_identity,
    )

    def capture(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        context, config = _context_and_config(config)
        return loop.finish_turn(state, context, config, background="sync")

    async def acapture(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        context, config = _context_and_config(config)
        return loop.finish_turn(state, context, config, background="async")

    return RunnableLambda(capture, afunc=acapture, name="memory_capture")


# -- create_react_agent hooks ----------------------------------------------------------------


def pre_model_hook(
    memory: AgentCoreMemory,
    *,
    system_prompt: str | SystemMessage | None = None,
    tag: str = "user_context",
    formatter: Formatter | None = None,
    recall_timeout: float | None = 2.0,
    actor_id_resolver: IdentityResolver | None = None,
    session_id_resolver: IdentityResolver | None = None,
    on_missing_identity: OnMissingIdentity = "raise",
) -> RunnableLambda[Any, dict[str, Any]]:
    """``create_react_agent(..., pre_model_hook=..., state_schema=MemoryAgentState)``.

    Recalls once per user turn (the hook runs before every model call: later calls of a
    tool loop, and resumes, reuse the turn's block) and hands the model
    ``[system prompt + block, *messages]`` as ``llm_input_messages``, so the thread's
    messages never hold the block. Give your system prompt here, not as ``prompt=``,
    to get one system message.
    """
    loop = MemoryLoop(
        memory,
        tag=tag,
        formatter=formatter,
        recall_timeout=recall_timeout,
        actor_id_resolver=actor_id_resolver,
        session_id_resolver=session_id_resolver,
        on_missing_identity=on_missing_identity,
    )

    def _model_input(state: Mapping[str, Any], block: str | None) -> list[BaseMessage]:
        system = system_message_with_memory(system_prompt, block)
        messages = list(state.get("messages") or [])
        return [system, *messages] if system is not None else messages

    def hook(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        if not loop.is_new_turn(state):
            return {"llm_input_messages": _model_input(state, state.get(CONTEXT_KEY))}
        context, config = _context_and_config(config)
        update = loop.begin_turn(state, context, config)
        update["llm_input_messages"] = _model_input(state, update[CONTEXT_KEY])
        return update

    async def ahook(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        if not loop.is_new_turn(state):
            return {"llm_input_messages": _model_input(state, state.get(CONTEXT_KEY))}
        context, config = _context_and_config(config)
        update = await loop.abegin_turn(state, context, config)
        update["llm_input_messages"] = _model_input(state, update[CONTEXT_KEY])
        return update

    return RunnableLambda(hook, afunc=ahook, name="memory_pre_model_hook")


def post_model_hook(
    memory: AgentCoreMemory,
    *,
    actor_id_resolver: IdentityResolver | None = None,
    session_id_resolver: IdentityResolver | None = None,
    on_missing_identity: OnMissingIdentity = "raise",
) -> RunnableLambda[Any, dict[str, Any]]:
    """``create_react_agent(..., post_model_hook=...)``: captures when the turn ends.

    The hook runs after every model call; it captures (in the background) once the model
    answers without tool calls, i.e. at the end of the turn.
    """
    loop = MemoryLoop(
        memory,
        actor_id_resolver=actor_id_resolver,
        session_id_resolver=session_id_resolver,
        on_missing_identity=on_missing_identity,
    )

    def _done(state: Mapping[str, Any]) -> bool:
        messages = state.get("messages") or []
        last = messages[-1] if messages else None
        return isinstance(last, AIMessage) and not last.tool_calls

    def hook(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        if not _done(state):
            return {}
        context, config = _context_and_config(config)
        return loop.finish_turn(state, context, config, background="sync")

    async def ahook(state: Mapping[str, Any], config: RunnableConfig) -> dict[str, Any]:
        if not _done(state):
            return {}
        context, config = _context_and_config(config)
        return loop.finish_turn(state, context, config, background="async")

    return RunnableLambda(hook, afunc=ahook, name="memory_post_model_hook")
