"""Request and record types of twin extraction, and the strategy types they name.

The contract between the twin and an :class:`Extractor`: an :class:`ExtractionRequest`
(one strategy, one actor/session, the new :class:`ConversationTurn` items and the
:class:`ExistingRecord` items already stored) goes in, :class:`ExtractedRecord` items come
out. Everything else in the package builds on these, so this module imports nothing
from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

STRATEGY_TYPES = ("SEMANTIC", "USER_PREFERENCE", "SUMMARIZATION", "EPISODIC")
ROLES = ("USER", "ASSISTANT", "TOOL", "OTHER")

# API spellings (strategy kinds and custom override types) mapped to the four base types.
_STRATEGY_ALIASES = {
    "SEMANTIC_OVERRIDE": "SEMANTIC",
    "USER_PREFERENCE_OVERRIDE": "USER_PREFERENCE",
    "SUMMARY": "SUMMARIZATION",
    "SUMMARY_OVERRIDE": "SUMMARIZATION",
    "SUMMARIZATION_OVERRIDE": "SUMMARIZATION",
    "EPISODIC_OVERRIDE": "EPISODIC",
}

_SUMMARY_MAX_CHARS = 4000
_QUOTE_MAX_CHARS = 160


@dataclass(frozen=True)
class ConversationTurn:
    """One conversational payload item of an event (role USER|ASSISTANT|TOOL|OTHER)."""

    role: str
    text: str


@dataclass(frozen=True)
class ExistingRecord:
    """A memory record already stored in the strategy's namespace."""

    record_id: str
    text: str


@dataclass
class ExtractionRequest:
    """Everything an extractor needs for one strategy, actor and session.

    ``strategy_type`` is a base type (a CUSTOM strategy is resolved to the type it
    overrides) and ``instructions`` is the custom strategy's appended prompt, if any.
    """

    strategy_type: str
    strategy_id: str
    actor_id: str
    session_id: str
    turns: list[ConversationTurn]
    existing: list[ExistingRecord] = field(default_factory=list)
    instructions: str | None = None


@dataclass(frozen=True)
class ExtractedRecord:
    """A record to store; ``replaces`` names the existing record it updates, if any."""

    text: str
    replaces: str | None = None


class Extractor(Protocol):
    """Turns conversation turns into memory records for one strategy."""

    def extract(self, request: ExtractionRequest) -> list[ExtractedRecord]:
        """Return the records to add or update (never exact duplicates of existing ones)."""
        ...


def normalize_strategy_type(strategy_type: str) -> str:
    """Map a strategy type (or an API override spelling) to one of STRATEGY_TYPES."""
    key = strategy_type.strip().upper()
    key = _STRATEGY_ALIASES.get(key, key)
    if key not in STRATEGY_TYPES:
        raise ValueError(
            f"unsupported strategy type {strategy_type!r}: expected one of {STRATEGY_TYPES} "
            "(resolve CUSTOM strategies to their base type first)"
        )
    return key
