"""The LLM-backed extractor, :class:`ChatModelExtractor`, and its output parser.

Prompts any LangChain chat model with a per-strategy task and a JSON output contract,
and parses the reply with :func:`parse_model_records` (tolerating code fences and prose
around the JSON). It shares only the request/record types and text normalising with
the rule-based extractor.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from langgraph_agentcore.twin.extraction.records import (
    ExtractedRecord,
    ExtractionRequest,
    normalize_strategy_type,
)
from langgraph_agentcore.twin.extraction.text import _quote, normalize_text

_TASKS = {
    "SEMANTIC": (
        "Extract durable facts about the user (the speaker of USER turns): where they live, "
        "their work, family, pets, possessions, skills and other lasting facts. Write each "
        'fact as one self-contained third-person sentence starting with "The user". Ignore '
        "small talk, questions, requests and anything said only about the assistant."
    ),
    "USER_PREFERENCE": (
        "Extract the user's preferences: likes, dislikes, dietary choices, habits and how "
        "they want things done. Write each as one self-contained third-person sentence "
        'starting with "The user" (e.g. "The user prefers window seats.").'
    ),
    "SUMMARIZATION": (
        "Write one concise summary of this session: what the user wanted, what was decided "
        "or done, and any open items. Return exactly one record. If an existing summary is "
        "listed, return an updated summary merging it with the new conversation and set "
        '"replaces" to its id.'
    ),
    "EPISODIC": (
        "Describe this interaction as one episode: the user's goal, the actions taken "
        "(including tool calls) and the outcome, in a few sentences. Return one record."
    ),
}

_OUTPUT_CONTRACT = (
    "Consolidate with the existing records: leave out anything an existing record already "
    'says; when an item updates or contradicts an existing record, set "replaces" to that '
    'record\'s id; otherwise set "replaces" to null.\n'
    'Respond with only a JSON array of objects {"text": string, "replaces": string|null}. '
    "Respond with [] when there is nothing to record."
)


def _message_text(message: BaseMessage) -> str:
    """Plain text of a chat model reply (string content or text content blocks)."""
    content: Any = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def _json_candidates(output: str) -> list[Any]:
    """JSON values found in ``output``: fenced blocks first, then the text, then embedded."""
    texts = re.findall(r"```(?:json|JSON)?\s*\n?(.*?)```", output, flags=re.S)
    texts.append(output)
    values: list[Any] = []
    decoder = json.JSONDecoder()
    for text in texts:
        stripped = text.strip()
        try:
            values.append(json.loads(stripped))
            continue
        except json.JSONDecodeError:
            pass
        for match in re.finditer(r"[\[{]", stripped):
            try:
                value, _ = decoder.raw_decode(stripped, match.start())
            except json.JSONDecodeError:
                continue
            values.append(value)
            break
    return values


def _as_items(value: Any) -> list[Any] | None:
    """The record list inside a decoded JSON value, or None if it has none."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in ("records", "memories", "items", "results"):
            if isinstance(value.get(key), list):
                return list(value[key])
        if "text" in value:
            return [value]
    return None


def parse_model_records(output: str, strategy_type: str) -> list[ExtractedRecord]:
    """Parse a model reply into records; tolerate code fences and prose around the JSON.

    Raises ValueError naming the strategy when no JSON list of records can be found.
    """
    items: list[Any] | None = None
    for value in _json_candidates(output):
        items = _as_items(value)
        if items is not None:
            break
    if items is None:
        raise ValueError(
            f"{strategy_type} extraction: the model did not return a JSON list of records: "
            f"{_quote(output, 200)!r}"
        )
    records: list[ExtractedRecord] = []
    for item in items:
        text: Any
        replaces: Any
        if isinstance(item, str):
            text, replaces = item, None
        elif isinstance(item, dict):
            text = item.get("text", item.get("content", item.get("memory")))
            replaces = item.get("replaces")
            if not isinstance(text, str):
                raise ValueError(
                    f"{strategy_type} extraction: record without a string 'text': {item!r}"
                )
        else:
            raise ValueError(f"{strategy_type} extraction: unexpected record item {item!r}")
        if text.strip():
            records.append(
                ExtractedRecord(text.strip(), replaces if isinstance(replaces, str) else None)
            )
    return records


class ChatModelExtractor:
    """Extractor that prompts a LangChain chat model (e.g. Claude on Bedrock) per strategy."""

    def __init__(self, model: BaseChatModel) -> None:
        """Use ``model``; it must answer with a JSON list of {"text", "replaces"} objects."""
        self.model = model

    def build_messages(self, request: ExtractionRequest) -> list[BaseMessage]:
        """The system and user messages sent to the model for ``request``."""
        strategy = normalize_strategy_type(request.strategy_type)
        system = f"You extract long-term memory records for an AI agent.\n{_TASKS[strategy]}"
        if request.instructions:
            system += f"\n\nAdditional instructions:\n{request.instructions.strip()}"
        system += f"\n\n{_OUTPUT_CONTRACT}"
        existing = "\n".join(f"- {r.record_id}: {r.text}" for r in request.existing)
        conversation = "\n".join(f"{t.role.upper()}: {t.text}" for t in request.turns)
        human = (
            f"Actor: {request.actor_id}\nSession: {request.session_id}\n\n"
            f"Existing records:\n{existing or '(none)'}\n\n"
            f"Conversation:\n{conversation or '(empty)'}"
        )
        return [SystemMessage(system), HumanMessage(human)]

    def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Prompt the model and return its consolidated records."""
        reply = self.model.invoke(self.build_messages(request))
        return self._finish(_message_text(reply), request)

    async def aextract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Async twin of :meth:`extract`."""
        reply = await self.model.ainvoke(self.build_messages(request))
        return self._finish(_message_text(reply), request)

    @staticmethod
    def _finish(output: str, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Parse, drop exact duplicates and ignore ``replaces`` ids that do not exist."""
        strategy = normalize_strategy_type(request.strategy_type)
        known = {r.record_id for r in request.existing}
        seen = {normalize_text(r.text) for r in request.existing}
        out: list[ExtractedRecord] = []
        for record in parse_model_records(output, strategy):
            norm = normalize_text(record.text)
            if norm in seen:
                continue
            seen.add(norm)
            replaces = record.replaces if record.replaces in known else None
            out.append(ExtractedRecord(record.text, replaces))
        return out
