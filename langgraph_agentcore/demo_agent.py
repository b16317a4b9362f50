"""The agent of ``langgraph-agentcore demo``: LangChain ``create_agent`` with two tools.

Needs the ``langchain`` extra. ``get_weather`` answers from a fixed table; ``save_favourite``
writes to the long-term store (``runtime.store``) under the user's namespace, so the
demo's agent uses the checkpointer, the store and the memory middleware together.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.tools import ToolRuntime, tool
from typing_extensions import TypedDict

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.memory import AgentCoreMemory
from langgraph_agentcore.middleware import AgentCoreMemoryMiddleware
from langgraph_agentcore.offline import ScriptedToolModel, ToolRule
from langgraph_agentcore.store import AgentCoreMemoryStore

__all__ = [
    "DemoContext",
    "SYSTEM_PROMPT",
    "SystemPromptRecorder",
    "TOOLS",
    "build_agent",
    "offline_model",
]


class DemoContext(TypedDict):
    """The run's context (``context=``): who the user is."""

    actor_id: str


SYSTEM_PROMPT = (
    "You are a concise travel and food assistant. Use get_weather for the weather and "
    "save_favourite when the user asks you to remember a place."
)


@tool
def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return f"sunny and 24 C in {city}"


@tool
def save_favourite(place: str, runtime: ToolRuntime[DemoContext]) -> str:
    """Remember a place the user likes (in the long-term store, per user)."""
    context = runtime.context
    actor = context.get("actor_id") if isinstance(context, dict) else None
    if runtime.store is None or not actor:
        return "cannot save: no store or no user"
    key = re.sub(r"[^a-z0-9]+", "-", place.lower()).strip("-") or "place"
    runtime.store.put(("users", actor, "favourites"), key, {"text": f"likes {place}"})
    return f"saved {place} as a favourite"


TOOLS = [get_weather, save_favourite]


def _city(text: str) -> dict[str, Any]:
    match = re.search(r"\bin ([A-Z][a-z]+)", text)
    return {"city": match.group(1) if match else "Lisbon"}


def _place(text: str) -> dict[str, Any]:
    match = re.search(r"save (.+?) as my favourite", text, re.IGNORECASE)
    return {"place": match.group(1) if match else text}


def offline_model() -> ScriptedToolModel:
    """The deterministic offline model, scripted to call the demo's two tools."""
    return ScriptedToolModel(
        rules=[
            ToolRule(r"\bweather\b", "get_weather", args=_city),
            ToolRule(r"\bfavourite\b", "save_favourite", args=_place),
        ]
    )


class SystemPromptRecorder(AgentMiddleware[Any, Any]):
    """Records the system prompt of every model request, as the model receives it.

    Placed after ``AgentCoreMemoryMiddleware`` (inside it), it sees the recalled block;
    works for any model, offline or Bedrock.
    """

    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[str] = []

    def _record(self, request: ModelRequest[Any]) -> None:
        system = request.system_message
        self.prompts.append(system.text if system is not None else "")

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        self._record(request)
        return handler(request)

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        self._record(request)
        return await handler(request)


def build_agent(
    saver: DynamoDBSaver,
    store: AgentCoreMemoryStore | None = None,
    memory: AgentCoreMemory | None = None,
    *,
    model: Any = None,
    recorder: SystemPromptRecorder | None = None,
) -> Any:
    """The demo's agent: ``create_agent`` with :data:`TOOLS`, checkpointer ``saver``, ``store``.

    With ``memory``, ``AgentCoreMemoryMiddleware`` recalls and captures each turn (runs
    then need ``context={"actor_id": ...}``). ``model`` defaults to :func:`offline_model`.
    """
    middleware: list[AgentMiddleware[Any, Any]] = []
    if memory is not None:
        middleware.append(AgentCoreMemoryMiddleware(memory, recall_timeout=10.0))
    if recorder is not None:
        middleware.append(recorder)
    return create_agent(
        model if model is not None else offline_model(),
        tools=TOOLS,
        system_prompt=SYSTEM_PROMPT,
        middleware=middleware,
        checkpointer=saver,
        store=store,
        context_schema=DemoContext,
    )
