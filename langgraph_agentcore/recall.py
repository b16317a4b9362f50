"""Recall, the pure part: namespace templates -> namespaces, responses -> ranked records.

No I/O. :class:`~langgraph_agentcore.memory.AgentCoreMemory` sends the requests.

- :func:`check_template` validates a template of the ``retrieval=`` mapping;
- :func:`targets` fills the templates for one actor (and session) into the namespaces to
  search, one RetrieveMemoryRecords each;
- :func:`merge` drops records outside their namespace subtree (label by label, see
  :func:`langgraph_agentcore.namespaces.within`) or below the relevance score, merges
  duplicates across namespaces, ranks best first and caps the text by tokens;
- :func:`forget_roots` lists the namespaces that hold one actor's records.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langgraph_agentcore.namespaces import MAX_PATH_CHARS, labels, within

logger = logging.getLogger(__name__)

#: AgentCore's placeholders in namespace templates.
ACTOR = "{actorId}"
SESSION = "{sessionId}"
STRATEGY = "{memoryStrategyId}"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_KNOWN = frozenset({ACTOR, SESSION, STRATEGY})
#: AgentCore's namespace pattern (botocore model, shape ``Namespace``).
_NAMESPACE = re.compile(r"[a-zA-Z0-9/*][a-zA-Z0-9\-_/*]*(?::[a-zA-Z0-9\-_/*]+)*[a-zA-Z0-9\-_/*]*")
_STRATEGY_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]*")
#: RetrieveMemoryRecords' searchQuery limit (characters).
MAX_QUERY_CHARS = 10_000

#: strategy id -> its namespace templates (from GetMemory).
Strategies = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class RetrievalConfig:
    """How to recall from one namespace template (as the AgentCore SDK's RetrievalConfig).

    ``top_k``: records asked for (1-100). ``relevance_score``: records scoring below it are
    dropped. ``strategy_id``: only records of this strategy (and the value of
    ``{memoryStrategyId}`` in the template, if it has one).
    """

    top_k: int = 10
    relevance_score: float = 0.2
    strategy_id: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.top_k, bool) or not isinstance(self.top_k, int):
            raise ValueError(f"RetrievalConfig.top_k must be an int, got {self.top_k!r}")
        if not 1 <= self.top_k <= 100:
            raise ValueError(f"RetrievalConfig.top_k must be 1-100, got {self.top_k}")
        score = self.relevance_score
        if isinstance(score, bool) or not isinstance(score, (int, float)) or math.isnan(score):
            raise ValueError(f"RetrievalConfig.relevance_score must be a number, got {score!r}")
        if self.strategy_id is not None and (
            not isinstance(self.strategy_id, str)
            or len(self.strategy_id) > 100
            or not _STRATEGY_ID.fullmatch(self.strategy_id)
        ):
            raise ValueError(f"RetrievalConfig.strategy_id is not a valid id: {self.strategy_id!r}")


@dataclass(frozen=True)
class MemoryRecord:
    """One recalled long-term memory record."""

    text: str
    score: float | None
    namespace: str
    record_id: str
    strategy_id: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def format_records(records: Sequence[MemoryRecord], *, tag: str = "user_context") -> str:
    """The records as a tagged prompt block: ``''`` for none, else one ``- text`` line each."""
    if not records:
        return ""
    lines = "\n".join(f"- {' '.join(r.text.split())}" for r in records)
    return f"<{tag}>\n{lines}\n</{tag}>"


@dataclass(frozen=True)
class Target:
    """One namespace to search and how."""

    namespace: str
    top_k: int
    relevance_score: float
    strategy_id: str | None


# -- templates ---------------------------------------------------------------------------------


def check_template(template: Any) -> str:
    """Validate a ``retrieval=`` template: AgentCore's placeholders only, ``{actorId}`` required."""
    if not isinstance(template, str) or not template:
        raise ValueError(f"namespace templates must be non-empty str, got {template!r}")
    unknown = set(_PLACEHOLDER.findall(template)) - _KNOWN
    if unknown:
        raise ValueError(
            f"namespace template {template!r} has unknown placeholders {sorted(unknown)}; "
            f"AgentCore's are {sorted(_KNOWN)}"
        )
    if ACTOR not in template:
        raise ValueError(
            f"namespace template {template!r} has no {ACTOR}: recall would share it between "
            "users (the memory loop only reads per-user namespaces)"
        )
    static = _PLACEHOLDER.sub("x", template)
    if not _NAMESPACE.fullmatch(static) or len(static) > MAX_PATH_CHARS:
        raise ValueError(f"namespace template {template!r} is not a valid AgentCore namespace")
    if labels(template) and labels(template)[0] == ACTOR and not template.startswith("/"):
        raise ValueError(f"namespace template {template!r} must start with '/'")
    return template


def needs_strategies(retrieval: Mapping[str, RetrievalConfig]) -> bool:
    """Whether resolving ``retrieval`` needs the memory's strategies (GetMemory)."""
    return any(STRATEGY in t and c.strategy_id is None for t, c in retrieval.items())


def parse_strategies(get_memory: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Strategy id -> namespace templates, from a GetMemory response."""
    found: dict[str, tuple[str, ...]] = {}
    for s in (get_memory.get("memory") or {}).get("strategies") or []:
        sid = s.get("strategyId") or s.get("memoryStrategyId")
        if sid:
            found[sid] = tuple(s.get("namespaces") or s.get("namespaceTemplates") or ())
    return found


def resolve(template: str, actor: str, session: str | None, strategy: str | None) -> str | None:
    """Fill a template; ``None`` if it cannot be scoped to the actor.

    ``actor`` and ``session`` are AgentCore ids (encoded). Without a session, a template's
    labels from the first one holding ``{sessionId}`` on are dropped
    (``/summaries/{actorId}/{sessionId}`` -> ``/summaries/{actorId}``: all the actor's
    sessions); if the actor's label would go too, the template is skipped.
    """
    if STRATEGY in template and strategy is None:
        return None
    text = template.replace(STRATEGY, strategy or "")
    if SESSION in text and session is None:
        parts = text.split("/")
        cut = next(i for i, p in enumerate(parts) if SESSION in p)
        text = "/".join(parts[:cut])
        if ACTOR not in text:
            return None
    text = text.replace(ACTOR, actor).replace(SESSION, session or "")
    if len(text) > MAX_PATH_CHARS:
        raise ValueError(f"namespace {text[:80]}... is over {MAX_PATH_CHARS} characters")
    return text


def _strategy_ids(template: str, strategies: Strategies | None) -> list[str]:
    ids = [sid for sid, tpls in (strategies or {}).items() if template in tpls]
    if not ids:
        logger.warning(
            "namespace template %r: no strategy of the memory uses it; skipped", template
        )
    return ids


def targets(
    retrieval: Mapping[str, RetrievalConfig],
    strategies: Strategies | None,
    actor: str,
    session: str | None,
) -> list[Target]:
    """The namespaces of one recall, merged where two templates resolve to the same one."""
    merged: dict[tuple[tuple[str, ...], str | None], Target] = {}
    for template, cfg in retrieval.items():
        if STRATEGY not in template:
            sids: list[str | None] = [None]
        elif cfg.strategy_id:
            sids = [cfg.strategy_id]
        else:
            sids = list(_strategy_ids(template, strategies))
        for sid in sids:
            ns = resolve(template, actor, session, sid)
            if ns is None:
                logger.debug("template %r needs a session; skipped", template)
                continue
            key = (labels(ns), cfg.strategy_id)  # "/users/a" and "/users/a/" are one node
            prev = merged.get(key)
            if prev is not None:
                merged[key] = Target(
                    prev.namespace,
                    max(prev.top_k, cfg.top_k),
                    min(prev.relevance_score, cfg.relevance_score),
                    cfg.strategy_id,
                )
            else:
                merged[key] = Target(ns, cfg.top_k, cfg.relevance_score, cfg.strategy_id)
    return list(merged.values())


def retrieve_params(memory_id: str, query: str, target: Target) -> dict[str, Any]:
    """The RetrieveMemoryRecords request of one target."""
    criteria: dict[str, Any] = {"searchQuery": query, "topK": target.top_k}
    if target.strategy_id:
        criteria["memoryStrategyId"] = target.strategy_id
    return {
        "memoryId": memory_id,
        "namespacePath": target.namespace,
        "searchCriteria": criteria,
        "maxResults": target.top_k,
    }


def forget_roots(
    retrieval: Mapping[str, RetrievalConfig],
    strategies: Strategies | None,
    actor: str,
    session: str | None,
) -> list[str]:
    """The namespaces holding one actor's records: configured and strategy templates.

    With ``session``, only templates scoped to a session (``{sessionId}``) count. A
    namespace below another one in the list is covered by it and left out.
    """
    templates: dict[str, list[str | None]] = {}
    for template, cfg in retrieval.items():
        if STRATEGY not in template:
            templates.setdefault(template, []).append(None)
        elif cfg.strategy_id:
            templates.setdefault(template, []).append(cfg.strategy_id)
    for strategy, tpls in (strategies or {}).items():
        for template in tpls:
            templates.setdefault(template, []).append(strategy)
    roots: list[str] = []
    for template, sids in templates.items():
        if ACTOR not in template or (session is not None and SESSION not in template):
            continue
        for sid in sids:
            ns = resolve(template, actor, session, sid)
            if ns is not None and all(labels(ns) != labels(r) for r in roots):
                roots.append(ns)
    return [r for r in roots if not any(o is not r and within(r, o) for o in roots)]


# -- results -----------------------------------------------------------------------------------


def _normalize(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".!?;, ")


def _plain_metadata(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (meta or {}).items():
        if isinstance(value, Mapping) and len(value) == 1:
            out[key] = next(iter(value.values()))
        else:
            out[key] = value
    return out


def merge(
    found: Sequence[Target],
    responses: Sequence[Mapping[str, Any]],
    max_tokens: int | None = None,
) -> list[MemoryRecord]:
    """Filter, deduplicate, rank and cap the records of one recall (see module docstring)."""
    best: dict[str, MemoryRecord] = {}
    for target, resp in zip(found, responses, strict=True):
        for rec in resp.get("memoryRecordSummaries") or []:
            inside = [n for n in rec.get("namespaces") or [] if within(n, target.namespace)]
            if not inside:
                logger.warning(
                    "dropped record %s from %s: outside the requested namespace %s",
                    rec.get("memoryRecordId"),
                    rec.get("namespaces"),
                    target.namespace,
                )
                continue
            score = rec.get("score")
            if score is not None and score < target.relevance_score:
                continue
            text = ((rec.get("content") or {}).get("text") or "").strip()
            if not text:
                continue
            record = MemoryRecord(
                text=text,
                score=score,
                namespace=inside[0],
                record_id=rec.get("memoryRecordId", ""),
                strategy_id=rec.get("memoryStrategyId"),
                metadata=_plain_metadata(rec.get("metadata")),
                created_at=rec.get("createdAt"),
            )
            for key in ("id:" + record.record_id, "text:" + _normalize(text)):
                prev = best.get(key)
                if prev is None or (record.score or 0.0) > (prev.score or 0.0):
                    best[key] = record
    unique = {id(r): r for r in best.values()}.values()
    # A record that lost one of its keys to a better duplicate is dropped entirely.
    winners = [
        r
        for r in unique
        if best.get("id:" + r.record_id) is r and best.get("text:" + _normalize(r.text)) is r
    ]
    winners.sort(key=lambda r: (-(r.score if r.score is not None else -1.0), r.record_id))
    return cap(winners, max_tokens)


def cap(records: Sequence[MemoryRecord], max_tokens: int | None) -> list[MemoryRecord]:
    """The records, best first, whose texts fit ``max_tokens`` (langchain-core's estimate).

    A record that does not fit is skipped; smaller ones after it may still fit.
    """
    if max_tokens is None:
        return list(records)
    from langchain_core.messages.utils import count_tokens_approximately

    out: list[MemoryRecord] = []
    used = 0
    for r in records:
        cost = count_tokens_approximately([r.text])
        if used + cost <= max_tokens:
            out.append(r)
            used += cost
    return out
