"""LangChain messages -> AgentCore Memory ``CreateEvent`` requests (pure, no I/O).

A capture of a turn becomes as few events as AgentCore's limits allow (botocore's
``bedrock-agentcore`` service model, 2024-02-28):

- ``PayloadTypeList``: at most 100 payload items per event (:data:`MAX_PAYLOAD_ITEMS`);
- ``ContentTextString``: conversational text of 1-100,000 characters per item
  (:data:`MAX_TEXT_CHARS`);
- ``Role``: ``USER`` | ``ASSISTANT`` | ``TOOL`` | ``OTHER``;
- ``ClientToken``: 33-256 characters of ``[a-zA-Z0-9](-*[a-zA-Z0-9])*``;
- ``MetadataMap``: at most 15 keys of 1-128 characters, string values of 0-256 characters,
  both of ``[a-zA-Z0-9._:/=+@-]`` and whitespace.

One message becomes one conversational item; a text over 100,000 characters becomes
several consecutive items of the same role; more than 100 items become several events,
whose timestamps are one millisecond apart so that ListEvents keeps their order.

The ``clientToken`` of each event is derived from the actor, the session, the index of the
event within the capture and, per message, its id and a hash of its role and text, so
capturing the same messages again (a retry, a redelivery from the outbox, a second process)
never creates a second event. Every event also carries its token as event metadata
(:data:`TOKEN_METADATA_KEY`), so a later process can ask ListEvents whether a capture it
did not send itself got through (see :meth:`~langgraph_agentcore.memory.AgentCoreMemory.
capture_in_background`'s ``previous``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)

#: AgentCore limits from botocore's service model (see the module docstring).
MAX_PAYLOAD_ITEMS = 100
MAX_TEXT_CHARS = 100_000
#: Prefix of the client tokens this package derives (44 characters in all).
TOKEN_PREFIX = "lgac"
#: Event metadata key holding the event's clientToken (one of AgentCore's 15 keys).
TOKEN_METADATA_KEY = "lg_token"

_CHAT_ROLES = {
    "user": "USER",
    "human": "USER",
    "assistant": "ASSISTANT",
    "ai": "ASSISTANT",
    "tool": "TOOL",
}


def message_role(message: BaseMessage) -> str:
    """AgentCore conversational role of a message."""
    if isinstance(message, HumanMessage):
        return "USER"
    if isinstance(message, AIMessage):
        return "ASSISTANT"
    if isinstance(message, ToolMessage):
        return "TOOL"
    if isinstance(message, ChatMessage):
        return _CHAT_ROLES.get(message.role.lower(), "OTHER")
    if isinstance(message, SystemMessage):
        return "OTHER"
    return {"human": "USER", "ai": "ASSISTANT", "tool": "TOOL"}.get(message.type, "OTHER")


def message_text(message: BaseMessage) -> str:
    """The text AgentCore sees for a message.

    Non-text content blocks (images, audio, files) are reduced to the text blocks; tool
    calls are rendered as ``[tool call NAME] {json args}`` lines after the text, and a tool
    result is prefixed with ``[tool result NAME]`` (``[tool error NAME]`` on an error).
    """
    text = message.text.strip()
    if isinstance(message, AIMessage):
        lines = [text] if text else []
        for call in message.tool_calls:
            args = json.dumps(call.get("args") or {}, sort_keys=True, ensure_ascii=False)
            lines.append(f"[tool call {call.get('name') or '?'}] {args}")
        return "\n".join(lines)
    if isinstance(message, ToolMessage) and text:
        kind = "tool error" if message.status == "error" else "tool result"
        return f"[{kind} {message.name}] {text}" if message.name else f"[{kind}] {text}"
    return text


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Cut ``text`` into consecutive pieces of at most ``limit`` characters."""
    return [text[i : i + limit] for i in range(0, len(text), limit)] or [text]


@dataclass(frozen=True)
class EventSpec:
    """One CreateEvent request, in a JSON-able form that the outbox can store.

    :meth:`params` builds the same request from the same spec every time, so a
    redelivery matches the first attempt exactly (AgentCore rejects a reused
    ``clientToken`` whose parameters differ).
    """

    actor_id: str
    session_id: str
    client_token: str
    timestamp_ms: int
    payload: tuple[dict[str, Any], ...]

    def params(self, memory_id: str) -> dict[str, Any]:
        """The CreateEvent parameters."""
        return {
            "memoryId": memory_id,
            "actorId": self.actor_id,
            "sessionId": self.session_id,
            "eventTimestamp": datetime.fromtimestamp(self.timestamp_ms / 1000, timezone.utc),
            "payload": [dict(item) for item in self.payload],
            "clientToken": self.client_token,
            "metadata": token_metadata(self.client_token),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.actor_id,
            "s": self.session_id,
            "t": self.client_token,
            "ts": self.timestamp_ms,
            "p": list(self.payload),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EventSpec:
        return cls(data["a"], data["s"], data["t"], int(data["ts"]), tuple(data["p"]))


def token_metadata(token: str) -> dict[str, dict[str, str]]:
    """The event metadata naming an event's ``clientToken`` (derived: the outbox's stored
    request and a redelivery carry the same metadata)."""
    return {TOKEN_METADATA_KEY: {"stringValue": token}}


def event_token(event: dict[str, Any]) -> str | None:
    """The clientToken an event returned by ListEvents / GetEvent names in its metadata."""
    value = ((event.get("metadata") or {}).get(TOKEN_METADATA_KEY) or {}).get("stringValue")
    return value if isinstance(value, str) else None


def client_token(actor_id: str, session_id: str, keys: Sequence[str], index: int) -> str:
    """The idempotency token of event ``index`` of a capture of messages ``keys``."""
    h = hashlib.blake2b(digest_size=20)
    for part in (actor_id, session_id, str(index), *keys):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return f"{TOKEN_PREFIX}{h.hexdigest()}"


def _message_key(message: BaseMessage, role: str, text: str) -> str:
    digest = hashlib.blake2b(f"{role}\x00{text}".encode(), digest_size=12).hexdigest()
    return f"{message.id or ''}\x1f{digest}"


def conversational_items(
    messages: Sequence[BaseMessage],
) -> tuple[list[dict[str, Any]], list[str]]:
    """Payload items of ``messages`` and one identity key per captured message.

    Messages whose text is empty (after reducing content to text) and ``RemoveMessage``
    markers are skipped. Raises ValueError naming the offending message for anything that
    is not a LangChain message or whose text is not valid unicode.
    """
    if isinstance(messages, (str, bytes, BaseMessage)) or not isinstance(messages, Sequence):
        raise ValueError(
            f"messages must be a sequence of LangChain messages, got {type(messages).__name__}"
        )
    items: list[dict[str, Any]] = []
    keys: list[str] = []
    for i, message in enumerate(messages):
        if not isinstance(message, BaseMessage):
            raise ValueError(
                f"messages[{i}] is a {type(message).__name__}, not a LangChain message "
                "(convert it with langchain_core.messages.convert_to_messages)"
            )
        if isinstance(message, RemoveMessage):
            continue
        role = message_role(message)
        text = message_text(message)
        if not text:
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"messages[{i}] holds text that is not valid unicode") from exc
        keys.append(_message_key(message, role, text))
        for piece in split_text(text):
            items.append({"conversational": {"role": role, "content": {"text": piece}}})
    return items, keys


def plan_events(
    messages: Sequence[BaseMessage], *, actor_id: str, session_id: str, timestamp_ms: int
) -> tuple[list[EventSpec], int]:
    """The CreateEvent requests of one capture and how many messages they hold.

    ``actor_id`` / ``session_id`` are AgentCore ids (already encoded). Event ``i`` gets
    ``timestamp_ms + i``.
    """
    items, keys = conversational_items(messages)
    specs = [
        EventSpec(
            actor_id,
            session_id,
            client_token(actor_id, session_id, keys, n),
            timestamp_ms + n,
            tuple(items[start : start + MAX_PAYLOAD_ITEMS]),
        )
        for n, start in enumerate(range(0, len(items), MAX_PAYLOAD_ITEMS))
    ]
    return specs, len(keys)
