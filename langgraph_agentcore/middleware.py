"""``AgentCoreMemoryMiddleware``: the AgentCore memory loop for LangChain v1 ``create_agent``.

Needs the ``langchain`` extra (``pip install 'langgraph-agentcore[langchain]'``).

Per user turn (one ``invoke``/``ainvoke`` with a new user message):

- ``before_agent`` resolves the identity (fails closed before any request), recalls once
  for the turn's user message (bounded by ``recall_timeout``; failures degrade to no
  context with a WARNING) and keeps the rendered block in ``memory_context``, a private
  state field overwritten each turn and cleared at its end. Keeping it in state (not in
  process memory keyed by run) is what lets a resume after ``interrupt()``, possibly in
  a new process, reuse it without recalling again; keeping it out of ``messages`` is
  what keeps checkpoints from growing with memory blocks.
- ``wrap_model_call`` appends the block to the request's system message, for every
  model call of the turn's tool loop. Only the request changes, never the state.
- ``after_agent`` hands every message not captured yet (user, AI, tool) to a background
  capture and records the hand-over (``captured_id``, ``handed_from``, ``handed_token``)
  in ``memory_loop`` in the same state update, so each message is captured exactly once
  across turns, tool loops, interrupts and restarts. A process that did not make the
  thread's last hand-over itself checks, in the background, that its event exists (one
  ListEvents) and re-sends it if a crash lost it (see docs/memory.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

try:
    from langchain.agents.middleware.types import (
        AgentMiddleware,
        AgentState,
        ModelRequest,
        ModelResponse,
        PrivateStateAttr,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "AgentCoreMemoryMiddleware needs LangChain v1: pip install 'langgraph-agentcore[langchain]'"
    ) from exc
from langgraph.config import get_config
from langgraph.runtime import Runtime
from typing_extensions import NotRequired

from langgraph_agentcore.nodes import (
    CONTEXT_KEY,
    Formatter,
    IdentityResolver,
    MemoryLoop,
    MemoryLoopState,
    OnMissingIdentity,
    system_message_with_memory,
)

if TYPE_CHECKING:
    from langgraph_agentcore.memory import AgentCoreMemory

__all__ = ["AgentCoreMemoryMiddleware", "AgentCoreMemoryState"]


class AgentCoreMemoryState(AgentState[Any]):
    """The agent state plus the loop's private, checkpointed fields (not in input/output)."""

    memory_context: NotRequired[Annotated[str | None, PrivateStateAttr]]
    memory_loop: NotRequired[Annotated[MemoryLoopState, PrivateStateAttr]]


class AgentCoreMemoryMiddleware(AgentMiddleware[AgentCoreMemoryState, Any]):
    """Recall into the system prompt before each user turn; capture the turn after it.

    ``memory``: an :class:`~langgraph_agentcore.memory.AgentCoreMemory`. ``tag`` names the
    block (``<user_context>``); ``formatter(records) -> str`` renders its body (default: one
    ``- text`` line per record). ``recall_timeout`` (seconds) bounds recall. Identity:
    ``actor_id_resolver(context, config)`` / ``session_id_resolver(context, config)``, else
    ``context`` attribute or key ``actor_id`` (``session_id``), else
    ``config["configurable"]["actor_id"]`` (the thread id). Without an actor id a turn
    raises :class:`~langgraph_agentcore.errors.MemoryIdentityError` before any request,
    unless ``on_missing_identity="skip"``. ``capture`` / ``recall`` switch either half off.
    """

    state_schema = AgentCoreMemoryState

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
        super().__init__()
        self.loop = MemoryLoop(
            memory,
            tag=tag,
            formatter=formatter,
            recall_timeout=recall_timeout,
            actor_id_resolver=actor_id_resolver,
            session_id_resolver=session_id_resolver,
            on_missing_identity=on_missing_identity,
            capture=capture,
            recall=recall,
        )
        self.tools = []

    @property
    def memory(self) -> AgentCoreMemory:
        return self.loop.memory

    # -- before the turn ---------------------------------------------------------------------

    def before_agent(
        self, state: AgentCoreMemoryState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        return self.loop.begin_turn(state, runtime.context, get_config())

    async def abefore_agent(
        self, state: AgentCoreMemoryState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        return await self.loop.abegin_turn(state, runtime.context, get_config())

    # -- every model call of the turn ------------------------------------------------------

    @staticmethod
    def _with_context(request: ModelRequest[Any]) -> ModelRequest[Any]:
        block = request.state.get(CONTEXT_KEY)
        if not isinstance(block, str) or not block:
            return request
        return request.override(
            system_message=system_message_with_memory(request.system_message, block)
        )

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        return handler(self._with_context(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return await handler(self._with_context(request))

    # -- after the turn --------------------------------------------------------------------

    def after_agent(
        self, state: AgentCoreMemoryState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        return self.loop.finish_turn(state, runtime.context, get_config(), background="sync")

    async def aafter_agent(
        self, state: AgentCoreMemoryState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        return self.loop.finish_turn(state, runtime.context, get_config(), background="async")
