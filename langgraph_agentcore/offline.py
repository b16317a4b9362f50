"""Offline, deterministic chat models: no LLM is called, nothing leaves the process.

For tests, examples and the demo. Both models support ``bind_tools`` (so LangChain's
``create_agent`` and LangGraph's ``create_react_agent`` accept them) and record every
request they are sent, system prompt included, so a test can assert what recalled memory
reached the model:

- :class:`OfflineChatModel` answers by rule: it notes names and places the user states,
  and answers questions from them and from a recalled ``<user_context>`` block.
- :class:`ScriptedToolModel` also emits tool calls when a user message (or a tool result)
  matches a :class:`ToolRule`, so tool loops run without a real model.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, PrivateAttr

__all__ = ["MODEL_LABEL", "OfflineChatModel", "ScriptedToolModel", "ToolRule", "heard_facts"]

#: How demos and examples label these models, so nobody mistakes the output for an LLM's.
MODEL_LABEL = "offline deterministic chat model (no LLM is called)"


def heard_facts(messages: Sequence[BaseMessage]) -> dict[str, str]:
    """The name and place the user stated in ``messages`` (what the offline model understands)."""
    facts: dict[str, str] = {}
    for m in messages:
        if isinstance(m, HumanMessage):
            text = m.text
            if name := re.search(r"\b(?:I'm|I am|my name is)\s+([A-Z][a-z]+)", text):
                facts["name"] = name.group(1)
            if place := re.search(r"\blive in\s+([A-Z][a-zA-Z ]+?)[.!?]?$", text):
                facts["place"] = place.group(1)
    return facts


class OfflineChatModel(BaseChatModel):
    """A rule-based chat model that records what it was sent (offline, deterministic).

    Replies: a question is answered from what the thread said (names, places) and from
    recalled memory (the ``- ...`` lines of a ``<tag>`` block, and ``key: value`` lines,
    in system messages); a statement is acknowledged; a tool result is reported. Every
    reply ends with ``(turn N)``, N = the number of user messages it was sent.

    ``requests`` holds every message list the model was sent (bound copies share it);
    ``system_prompts`` the system prompt text of each ('' when there was none).
    """

    tag: str = "user_context"
    requests: list[list[BaseMessage]] = Field(default_factory=list, exclude=True)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "offline-deterministic"

    @property
    def system_prompts(self) -> list[str]:
        """The system prompt of every request, in order ('' for a request without one)."""
        return [
            "\n".join(m.text for m in msgs if isinstance(m, SystemMessage))
            for msgs in self.requests
        ]

    @property
    def last_system_prompt(self) -> str:
        """The system prompt of the latest request ('' if none or no request yet)."""
        prompts = self.system_prompts
        return prompts[-1] if prompts else ""

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (as OpenAI-style schemas); the model may then call them by rule."""
        schemas = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=schemas, tool_choice=tool_choice, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            self.requests.append(list(messages))
        tools = {t["function"]["name"] for t in kwargs.get("tools") or ()}
        message = self._respond(messages, tools)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _respond(self, messages: Sequence[BaseMessage], tools: set[str]) -> AIMessage:
        """The reply to ``messages`` (``tools``: names of the bound tools)."""
        return AIMessage(content=self.reply_text(messages))

    def recalled(self, messages: Sequence[BaseMessage]) -> list[str]:
        """The recalled memory lines in the system messages of ``messages``."""
        lines: list[str] = []
        inside = False
        for m in messages:
            if not isinstance(m, SystemMessage):
                continue
            for line in m.text.splitlines():
                stripped = line.strip()
                if stripped == f"<{self.tag}>":
                    inside = True
                elif stripped == f"</{self.tag}>":
                    inside = False
                elif inside and stripped.startswith("- "):
                    lines.append(stripped[2:])
        return lines

    def reply_text(self, messages: Sequence[BaseMessage]) -> str:
        """The rule-based text reply (see the class docstring)."""
        heard = heard_facts(messages)  # what this thread's own messages say
        facts: dict[str, str] = {}
        for m in messages:
            if isinstance(m, SystemMessage):  # recalled as "key: value" lines
                for line in m.text.splitlines():
                    key, _, value = line.partition(": ")
                    if key in ("name", "place") and value:
                        facts[key] = value
        remembered = bool(set(facts) - set(heard))
        facts.update(heard)
        records = [r.rstrip(". ") for r in self.recalled(messages)]
        last = messages[-1] if messages else None
        text = last.text if last is not None else ""
        turns = sum(isinstance(m, HumanMessage) for m in messages)
        if isinstance(last, ToolMessage):
            reply = f"The {last.name or 'tool'} tool says: {text}."
            if records:
                reply += " Keeping in mind: " + "; ".join(records) + "."
        elif "?" in text and facts:
            parts = []
            if "name" in facts:
                parts.append(f"your name is {facts['name']}")
            if "place" in facts:
                parts.append(f"you live in {facts['place']}")
            source = "long-term memory" if remembered else "this thread"
            reply = f"From {source} I remember that " + " and ".join(parts) + "."
        elif "?" in text and records:
            reply = "From long-term memory I remember: " + "; ".join(records) + "."
        elif "?" in text:
            reply = "I don't know anything about you yet."
        elif facts:
            reply = "Noted: " + ", ".join(f"{k} = {v}" for k, v in facts.items()) + "."
        else:
            reply = "Tell me something about yourself."
        return f"{reply} (turn {turns})"


@dataclass(frozen=True)
class ToolRule:
    """When to call a tool: ``pattern`` (a case-insensitive regex) found in the user's message.

    ``args`` are the call's arguments, or a function of the matched message text.
    With ``after`` set, the rule instead fires on the result of the tool named ``after``
    (a second step of a tool loop), matching ``pattern`` against that result.
    """

    pattern: str
    tool: str
    args: Mapping[str, Any] | Callable[[str], Mapping[str, Any]] = field(default_factory=dict)
    after: str | None = None

    def arguments(self, text: str) -> dict[str, Any]:
        return dict(self.args(text) if callable(self.args) else self.args)


class ScriptedToolModel(OfflineChatModel):
    """An :class:`OfflineChatModel` that calls bound tools by :class:`ToolRule` (offline).

    The latest message decides: a user message matching rules (without ``after``) gets one
    tool call per matching rule; a tool result matching a rule whose ``after`` names that
    tool gets the next call; anything else gets the rule-based text reply. Tool call ids
    are derived from the position in the conversation, so re-running a step gives the same
    ids.
    """

    rules: list[ToolRule] = Field(default_factory=list)

    def _respond(self, messages: Sequence[BaseMessage], tools: set[str]) -> AIMessage:
        last = messages[-1] if messages else None
        matching: list[ToolRule] = []
        if isinstance(last, HumanMessage):
            matching = [r for r in self.rules if r.after is None]
        elif isinstance(last, ToolMessage):
            matching = [r for r in self.rules if r.after is not None and r.after == last.name]
        text = last.text if last is not None else ""
        calls = [
            ToolCall(
                name=rule.tool,
                args=rule.arguments(text),
                id=f"call-{len(messages)}-{i}-{rule.tool}",
                type="tool_call",
            )
            for i, rule in enumerate(matching)
            if rule.tool in tools and re.search(rule.pattern, text, re.IGNORECASE)
        ]
        if calls:
            return AIMessage(content="", tool_calls=calls)
        return AIMessage(content=self.reply_text(messages))
