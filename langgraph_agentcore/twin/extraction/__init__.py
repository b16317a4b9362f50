"""Long-term memory extraction for the AgentCore Memory twin.

AgentCore strategies turn conversation events into memory records and consolidate
them with what is already stored. The twin calls an :class:`Extractor` with an
:class:`ExtractionRequest` (one strategy, one actor/session, the new turns and the
records already in the strategy's namespace) and stores what comes back; a record
with ``replaces`` set updates that existing record instead of adding a duplicate.

Two extractors are provided:

* :class:`RuleBasedExtractor` (default): deterministic patterns plus a small learned
  clause model shipped with the package (:mod:`..clause_model`, pure Python, no
  download). It is meant to make the twin's behaviour testable, not to rival an LLM.
* :class:`ChatModelExtractor`: prompts any LangChain chat model and parses its JSON.

The package's modules, in import order (each imports only the ones before it):
:mod:`.records` (request/record types), :mod:`.text` (normalising, contractions,
sentences), :mod:`.clauses` (clause splitting), :mod:`.rules` (rule table and clause
model), :mod:`.consolidation` (subject keys, replacing stored records),
:mod:`.corrections` (fixing what was said before), :mod:`.summaries` (summary and
episode points), :mod:`.rule_based` and :mod:`.chat_model` (the extractors).

Every name of the former single module ``extraction`` still resolves here, private
helpers included (``from langgraph_agentcore.twin.extraction import _statements``). To
monkeypatch one, patch the module that owns it (for example ``extraction.rules``):
setting it on this package does not change what the code uses.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from langgraph_agentcore.twin.extraction import (
    chat_model,
    clauses,
    consolidation,
    corrections,
    records,
    rule_based,
    rules,
    summaries,
    text,
)
from langgraph_agentcore.twin.extraction.chat_model import ChatModelExtractor, parse_model_records
from langgraph_agentcore.twin.extraction.consolidation import subject_key as subject_key
from langgraph_agentcore.twin.extraction.records import (
    STRATEGY_TYPES,
    ConversationTurn,
    ExistingRecord,
    ExtractedRecord,
    ExtractionRequest,
    Extractor,
    normalize_strategy_type,
)
from langgraph_agentcore.twin.extraction.rule_based import RuleBasedExtractor
from langgraph_agentcore.twin.extraction.text import _sentences as _sentences
from langgraph_agentcore.twin.extraction.text import normalize_text

__all__ = [
    "STRATEGY_TYPES",
    "ChatModelExtractor",
    "ConversationTurn",
    "ExistingRecord",
    "ExtractedRecord",
    "ExtractionRequest",
    "Extractor",
    "RuleBasedExtractor",
    "normalize_strategy_type",
    "normalize_text",
    "parse_model_records",
]

_MODULES: tuple[ModuleType, ...] = (
    records,
    text,
    clauses,
    rules,
    consolidation,
    corrections,
    summaries,
    rule_based,
    chat_model,
)


def __getattr__(name: str) -> Any:
    """Resolve any other name of the former single module from the module that has it."""
    for module in _MODULES:
        if not name.startswith("__") and name in vars(module):
            return vars(module)[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
