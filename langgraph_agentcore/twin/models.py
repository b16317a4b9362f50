"""In-memory backend of the AgentCore Memory twin: memories, events, records, extraction.

No HTTP here: every public method takes the operation's request members as a dict in
wire form (camelCase names, timestamps as epoch seconds) and returns the response dict
in wire form, raising :class:`~langgraph_agentcore.twin.errors.TwinError` subclasses for
modelled errors. One re-entrant lock guards all state so the HTTP server's threads and a
background extraction timer can share one backend.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import os
import re
import secrets
import string
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.embeddings import Embeddings

from langgraph_agentcore.twin.errors import NotFoundError, ValidationError

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Wire = dict[str, Any]

DAY = 86_400.0
DEFAULT_PAGE = 20
DEFAULT_TOP_K = 10
_ARN_PREFIX = re.compile(r"^arn:[^:]+:bedrock-agentcore:[^:]*:[0-9]{12}:memory/")
_ID_ALPHABET = string.ascii_letters + string.digits

#: Input union member of a strategy -> the strategy ``type`` AgentCore reports.
STRATEGY_KINDS = {
    "semanticMemoryStrategy": "SEMANTIC",
    "summaryMemoryStrategy": "SUMMARIZATION",
    "userPreferenceMemoryStrategy": "USER_PREFERENCE",
    "customMemoryStrategy": "CUSTOM",
    "episodicMemoryStrategy": "EPISODIC",
}
#: Namespace AgentCore assigns when a strategy gives none.
DEFAULT_NAMESPACES = {
    "SEMANTIC": "/strategies/{memoryStrategyId}/actors/{actorId}",
    "USER_PREFERENCE": "/strategies/{memoryStrategyId}/actors/{actorId}",
    "SUMMARIZATION": "/strategies/{memoryStrategyId}/actors/{actorId}/sessions/{sessionId}",
    "EPISODIC": "/strategies/{memoryStrategyId}/actors/{actorId}/sessions/{sessionId}",
    "CUSTOM": "/strategies/{memoryStrategyId}/actors/{actorId}",
}
#: Custom configuration union member -> (override type, base strategy type, output prefix).
_OVERRIDES = {
    "semanticOverride": ("SEMANTIC_OVERRIDE", "SEMANTIC", "semantic"),
    "summaryOverride": ("SUMMARY_OVERRIDE", "SUMMARIZATION", "summary"),
    "userPreferenceOverride": ("USER_PREFERENCE_OVERRIDE", "USER_PREFERENCE", "userPreference"),
    "episodicOverride": ("EPISODIC_OVERRIDE", "EPISODIC", "episodic"),
}
_OVERRIDE_BASE = {v[0]: v[1] for v in _OVERRIDES.values()}


def _rand_id(n: int = 10) -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(n))


def _ms(ts: float) -> float:
    """Round a timestamp to the millisecond AgentCore reports."""
    return round(ts, 3)


# --------------------------------------------------------------------------- state


@dataclass
class Event:
    """One short-term memory event."""

    event_id: str
    actor_id: str
    session_id: str
    timestamp: float
    payload: list[Any]
    created: float
    seq: int
    branch: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    extraction_mode: str | None = None
    namespace_vars: dict[str, str] | None = None


@dataclass
class Record:
    """One long-term memory record."""

    record_id: str
    text: str
    namespaces: list[str]
    created_at: float
    timestamp: float
    strategy_id: str | None = None
    metadata: dict[str, Any] | None = None
    expires_at: float | None = None


@dataclass
class Strategy:
    """A long-term memory strategy configured on a memory."""

    strategy_id: str
    name: str
    type: str
    namespaces: list[str]
    created_at: float
    updated_at: float
    ready_at: float
    description: str | None = None
    configuration: dict[str, Any] | None = None
    memory_record_schema: dict[str, Any] | None = None
    record_expiry_days: int | None = None


@dataclass
class Job:
    """A failed extraction job (AgentCore lists only failed jobs and can restart them)."""

    job_id: str
    actor_id: str
    session_id: str
    strategy_id: str
    event_ids: list[str]
    failure_reason: str
    status: str = "FAILED"


@dataclass
class Pending:
    """Events waiting for long-term extraction, per actor and session."""

    actor_id: str
    session_id: str
    event_ids: list[str]
    due: float
    strategy_ids: list[str] | None = None


@dataclass
class Memory:
    """A memory resource and everything stored in it."""

    id: str
    arn: str
    name: str
    event_expiry_days: int
    created_at: float
    updated_at: float
    ready_at: float
    status_while_pending: str = "CREATING"
    description: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    indexed_keys: list[dict[str, str]] = field(default_factory=list)
    strategies: list[Strategy] = field(default_factory=list)
    events: dict[str, Event] = field(default_factory=dict)
    sessions: dict[str, float] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    tokens: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    def status(self, now: float) -> str:
        """CREATING/UPDATING until ``ready_at``, then ACTIVE."""
        return self.status_while_pending if now < self.ready_at else "ACTIVE"

    def strategy(self, strategy_id: str) -> Strategy | None:
        return next((s for s in self.strategies if s.strategy_id == strategy_id), None)


def _session_key(actor_id: str, session_id: str) -> str:
    return f"{actor_id}\x00{session_id}"


# --------------------------------------------------------------------------- helpers


def paginate(
    items: Sequence[Any], max_results: int | None, token: str | None
) -> tuple[list[Any], str | None]:
    """Slice ``items`` for one page; the token is an opaque offset."""
    start = 0
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError("Invalid nextToken", reason="CannotParse") from exc
        if start < 0:
            raise ValidationError("Invalid nextToken", reason="CannotParse")
    size = max_results or DEFAULT_PAGE
    page = list(items[start : start + size])
    end = start + size
    nxt = (
        base64.urlsafe_b64encode(json.dumps({"o": end}).encode()).decode()
        if end < len(items)
        else None
    )
    return page, nxt


def _paged(key: str, items: Sequence[Any], params: Wire, render: Callable[[Any], Any]) -> Wire:
    """One page of ``items`` rendered under ``key``, plus ``nextToken`` when more remain."""
    page, nxt = paginate(items, params.get("maxResults"), params.get("nextToken"))
    out: Wire = {key: [render(item) for item in page]}
    if nxt:
        out["nextToken"] = nxt
    return out


#: How ``namespacePath`` matches: ``"subtree"`` (that node and below, on ``/``
#: boundaries) or ``"string-prefix"`` (any namespace that starts with the path, the
#: reading of AWS's documentation under which ``/users/u1`` also matches ``/users/u12``).
NAMESPACE_PATH_SEMANTICS = ("subtree", "string-prefix")


def namespace_matches(
    record_ns: str, namespace: str | None, path: str | None, semantics: str = "subtree"
) -> bool:
    """``namespace`` = exact match; ``namespacePath`` = that node and its subtree.

    With ``semantics="string-prefix"``, ``namespacePath`` is a plain string prefix.
    """
    if namespace is not None:
        return record_ns == namespace
    if path is None:
        return True
    if semantics == "string-prefix":
        return record_ns.startswith(path)
    base = path.rstrip("/")
    if not base:
        return True
    return record_ns.rstrip("/") == base or record_ns.startswith(base + "/")


def _one_namespace(params: Wire) -> tuple[str | None, str | None]:
    ns, path = params.get("namespace"), params.get("namespacePath")
    if (ns is None) == (path is None):
        raise ValidationError(
            "Exactly one of namespace or namespacePath must be provided",
            field_list=[
                {"name": "namespace", "message": "Provide exactly one of namespace, namespacePath"}
            ],
        )
    return ns, path


def _meta_value(value: dict[str, Any]) -> tuple[str, Any]:
    ((kind, raw),) = value.items()
    return kind, raw


def _compare(op: str, have: dict[str, Any] | None, want: dict[str, Any] | None) -> bool:
    """Evaluate one metadata filter ``op`` between a stored and a requested value."""
    if op == "EXISTS":
        return have is not None
    if op == "NOT_EXISTS":
        return have is None
    if have is None or want is None:
        return False
    hk, hv = _meta_value(have)
    wk, wv = _meta_value(want)
    if op == "EQUALS_TO":
        return hk == wk and hv == wv
    if op == "CONTAINS":
        if hk == "stringListValue":
            return wv in hv if wk == "stringValue" else set(wv) <= set(hv)
        return hk == wk == "stringValue" and str(wv) in str(hv)
    try:
        a, b = float(hv), float(wv)
    except (TypeError, ValueError):
        return False
    return {
        "BEFORE": a < b,
        "AFTER": a > b,
        "GREATER_THAN": a > b,
        "GREATER_THAN_OR_EQUALS": a >= b,
        "LESS_THAN": a < b,
        "LESS_THAN_OR_EQUALS": a <= b,
    }.get(op, False)


def _check_filter_shape(flt: Wire, path: str) -> tuple[str, str, dict[str, Any] | None]:
    key = flt["left"].get("metadataKey")
    op = flt["operator"]
    right = (flt.get("right") or {}).get("metadataValue")
    if op in ("EXISTS", "NOT_EXISTS"):
        if right is not None:
            raise ValidationError(
                f"{op} takes no right operand",
                field_list=[{"name": f"{path}.right", "message": "Must be absent for " + op}],
            )
    elif right is None:
        raise ValidationError(
            f"{op} requires a right operand",
            field_list=[{"name": f"{path}.right", "message": "Required for " + op}],
        )
    return key, op, right


# --------------------------------------------------------------------------- backend


class MemoryBackend:
    """All AgentCore Memory state and operations, thread-safe, no I/O except persistence."""

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        activation_delay: float = 0.2,
        extraction_delay: float | None = 1.0,
        embeddings: Embeddings | None = None,
        extractor: Any = None,
        persist_path: str | os.PathLike[str] | None = None,
        clock: Clock = time.time,
        namespace_path_semantics: str = "subtree",
    ) -> None:
        from langgraph_agentcore.twin.embeddings import HashingEmbeddings

        self.region = region
        self.account_id = account_id
        self.activation_delay = activation_delay
        self.extraction_delay = extraction_delay
        self.embeddings: Embeddings = embeddings or HashingEmbeddings()
        self.extractor = extractor if extractor is not None else _default_extractor(self.embeddings)
        self.persist_path = os.fspath(persist_path) if persist_path else None
        self.clock = clock
        self.namespace_path_semantics = namespace_path_semantics
        self.lock = threading.RLock()
        self._extract_lock = threading.Lock()
        self.memories: dict[str, Memory] = {}
        self._tokens: dict[str, Any] = {}
        self._vectors: dict[tuple[str, str], list[float]] = {}
        if self.persist_path and os.path.exists(self.persist_path):
            self._load()

    @property
    def namespace_path_semantics(self) -> str:
        """How ``namespacePath`` matches records (see :data:`NAMESPACE_PATH_SEMANTICS`)."""
        return self._namespace_path_semantics

    @namespace_path_semantics.setter
    def namespace_path_semantics(self, value: str) -> None:
        if value not in NAMESPACE_PATH_SEMANTICS:
            choices = ", ".join(NAMESPACE_PATH_SEMANTICS)
            raise ValueError(f"namespace_path_semantics must be one of {choices}; got {value!r}")
        self._namespace_path_semantics = value

    # ---------------------------------------------------------------- persistence

    def _save(self) -> None:
        """Write the whole state to ``persist_path`` atomically (called under the lock)."""
        if not self.persist_path:
            return
        state = {
            "version": 1,
            "tokens": self._tokens,
            "memories": [asdict(m) for m in self.memories.values()],
        }
        directory = os.path.dirname(os.path.abspath(self.persist_path))
        fd, tmp = tempfile.mkstemp(prefix=".twin-", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        os.replace(tmp, self.persist_path)
        logger.debug("persisted twin state to %s", self.persist_path)

    def _load(self) -> None:
        assert self.persist_path
        with open(self.persist_path, encoding="utf-8") as fh:
            state = json.load(fh)
        self._tokens = state.get("tokens", {})
        for raw in state.get("memories", []):
            mem = Memory(
                **{
                    k: v
                    for k, v in raw.items()
                    if k not in ("strategies", "events", "records", "jobs", "pending")
                }
            )
            mem.strategies = [Strategy(**s) for s in raw.get("strategies", [])]
            mem.events = {k: Event(**e) for k, e in raw.get("events", {}).items()}
            mem.records = {k: Record(**r) for k, r in raw.get("records", {}).items()}
            mem.jobs = {k: Job(**j) for k, j in raw.get("jobs", {}).items()}
            mem.pending = [Pending(**p) for p in raw.get("pending", [])]
            self.memories[mem.id] = mem
        logger.debug("loaded %d memories from %s", len(self.memories), self.persist_path)

    # ---------------------------------------------------------------- lookups

    def _memory(self, memory_id: str) -> Memory:
        mid = _ARN_PREFIX.sub("", memory_id)
        mem = self.memories.get(mid)
        if mem is None:
            raise NotFoundError(f"Memory {memory_id} not found")
        return mem

    def _active(self, memory_id: str) -> Memory:
        """The memory for a data-plane call: it must exist and be ACTIVE."""
        mem = self._memory(memory_id)
        status = mem.status(self.clock())
        if status == "CREATING":
            raise ValidationError(
                f"Memory {mem.id} is not ACTIVE (status {status})", reason="ResourceConflict"
            )
        self._expire(mem)
        return mem

    def _expire(self, mem: Memory) -> None:
        """Drop events past the memory's expiry and records past their ``expiresAt``."""
        now = self.clock()
        horizon = now - mem.event_expiry_days * DAY
        dead = [eid for eid, ev in mem.events.items() if ev.created < horizon]
        for eid in dead:
            del mem.events[eid]
        gone = [rid for rid, r in mem.records.items() if r.expires_at and r.expires_at <= now]
        for rid in gone:
            del mem.records[rid]
        if dead or gone:
            logger.debug("expired %d events, %d records in %s", len(dead), len(gone), mem.id)

    def _idempotent(
        self, scope: dict[str, Any], token: str | None, params: Wire
    ) -> tuple[str | None, Any]:
        """Look up a clientToken: returns (key, stored result or None); mismatch -> error."""
        if not token:
            return None, None
        fingerprint = json.dumps(
            {k: v for k, v in params.items() if k != "clientToken"}, sort_keys=True, default=str
        )
        key = token
        hit = scope.get(key)
        if hit is None:
            return key, None
        if hit["fp"] != fingerprint:
            raise ValidationError(
                "Idempotency token reused with different parameters",
                reason="IdempotentParameterMismatchException",
            )
        return key, hit["result"]

    @staticmethod
    def _remember(scope: dict[str, Any], key: str | None, params: Wire, result: Any) -> None:
        if key is None:
            return
        fingerprint = json.dumps(
            {k: v for k, v in params.items() if k != "clientToken"}, sort_keys=True, default=str
        )
        scope[key] = {"fp": fingerprint, "result": result}

    # ================================================================ control plane

    def _memory_wire(self, mem: Memory) -> Wire:
        now = self.clock()
        out: Wire = {
            "arn": mem.arn,
            "id": mem.id,
            "name": mem.name,
            "eventExpiryDuration": mem.event_expiry_days,
            "status": mem.status(now),
            "createdAt": _ms(mem.created_at),
            "updatedAt": _ms(mem.updated_at),
            "strategies": [self._strategy_wire(s, now) for s in mem.strategies],
        }
        if mem.description:
            out["description"] = mem.description
        if mem.indexed_keys:
            out["indexedKeys"] = copy.deepcopy(mem.indexed_keys)
        out.update(copy.deepcopy(mem.extras))
        return out

    @staticmethod
    def _strategy_wire(s: Strategy, now: float) -> Wire:
        out: Wire = {
            "strategyId": s.strategy_id,
            "name": s.name,
            "type": s.type,
            "namespaces": list(s.namespaces),
            "namespaceTemplates": list(s.namespaces),
            "createdAt": _ms(s.created_at),
            "updatedAt": _ms(s.updated_at),
            "status": "CREATING" if now < s.ready_at else "ACTIVE",
        }
        if s.description:
            out["description"] = s.description
        if s.configuration:
            out["configuration"] = copy.deepcopy(s.configuration)
        if s.memory_record_schema:
            out["memoryRecordSchema"] = copy.deepcopy(s.memory_record_schema)
        if s.record_expiry_days:
            out["recordExpiryDurationDays"] = s.record_expiry_days
        return out

    def _new_strategy(self, item: Wire, taken: set[str]) -> Strategy:
        ((kind, body),) = item.items()
        stype = STRATEGY_KINDS[kind]
        name = body["name"]
        if name in taken:
            raise ValidationError(
                f"Duplicate memory strategy name {name}",
                field_list=[{"name": "memoryStrategies.name", "message": "Names must be unique"}],
            )
        taken.add(name)
        now = self.clock()
        sid = f"{name}-{_rand_id()}"
        namespaces = body.get("namespaceTemplates") or body.get("namespaces")
        strategy = Strategy(
            strategy_id=sid,
            name=name,
            type=stype,
            namespaces=list(namespaces or [DEFAULT_NAMESPACES[stype]]),
            created_at=now,
            updated_at=now,
            ready_at=now + self.activation_delay,
            description=body.get("description"),
            memory_record_schema=body.get("memoryRecordSchema"),
        )
        expiry = (body.get("recordExpirySpecification") or {}).get("recordExpiryDurationDays")
        strategy.record_expiry_days = expiry
        if stype == "CUSTOM":
            strategy.configuration = self._custom_configuration(body.get("configuration") or {})
        return strategy

    @staticmethod
    def _custom_configuration(config: Wire) -> Wire | None:
        """Turn a CustomConfigurationInput into the StrategyConfiguration AgentCore reports."""
        for key, (otype, _base, prefix) in _OVERRIDES.items():
            if key not in config:
                continue
            body = config[key] or {}
            out: Wire = {"type": otype}
            if "extraction" in body:
                out["extraction"] = {
                    "customExtractionConfiguration": {
                        f"{prefix}ExtractionOverride": body["extraction"]
                    }
                }
            if "consolidation" in body:
                out["consolidation"] = {
                    "customConsolidationConfiguration": {
                        f"{prefix}ConsolidationOverride": body["consolidation"]
                    }
                }
            if "reflection" in body:
                out["reflection"] = {
                    "customReflectionConfiguration": {
                        "episodicReflectionOverride": body["reflection"]
                    }
                }
            return out
        if "selfManagedConfiguration" in config:
            smc = copy.deepcopy(config["selfManagedConfiguration"])
            smc.setdefault("historicalContextWindowSize", 4)
            smc.setdefault("triggerConditions", [{"messageBasedTrigger": {"messageCount": 6}}])
            return {"type": "SELF_MANAGED", "selfManagedConfiguration": smc}
        return None

    def create_memory(self, params: Wire, *, ready: bool = False) -> Wire:
        """CreateMemory: status CREATING for ``activation_delay`` seconds (or ACTIVE if ready)."""
        with self.lock:
            key, hit = self._idempotent(self._tokens, params.get("clientToken"), params)
            if hit is not None and hit in self.memories:
                return {"memory": self._memory_wire(self.memories[hit])}
            name = params["name"]
            if any(m.name == name for m in self.memories.values()):
                raise ValidationError(
                    f"Memory with name {name} already exists", reason="ResourceConflict"
                )
            now = self.clock()
            mid = f"{name}-{_rand_id()}"
            mem = Memory(
                id=mid,
                arn=f"arn:aws:bedrock-agentcore:{self.region}:{self.account_id}:memory/{mid}",
                name=name,
                event_expiry_days=params["eventExpiryDuration"],
                created_at=now,
                updated_at=now,
                ready_at=now if ready else now + self.activation_delay,
                description=params.get("description"),
                indexed_keys=copy.deepcopy(params.get("indexedKeys") or []),
            )
            for extra in (
                "encryptionKeyArn",
                "memoryExecutionRoleArn",
                "namespaceKeys",
                "streamDeliveryResources",
            ):
                if extra in params:
                    mem.extras[extra] = copy.deepcopy(params[extra])
            taken: set[str] = set()
            mem.strategies = [
                self._new_strategy(s, taken) for s in params.get("memoryStrategies") or []
            ]
            if ready:
                for s in mem.strategies:
                    s.ready_at = now
            self.memories[mid] = mem
            self._remember(self._tokens, key, params, mid)
            self._save()
            logger.debug("created memory %s", mid)
            return {"memory": self._memory_wire(mem)}

    def get_memory(self, params: Wire) -> Wire:
        """GetMemory."""
        with self.lock:
            return {"memory": self._memory_wire(self._memory(params["memoryId"]))}

    def list_memories(self, params: Wire) -> Wire:
        """ListMemories: summaries, oldest first."""
        with self.lock:
            now = self.clock()
            mems = sorted(self.memories.values(), key=lambda m: m.created_at)
            return _paged(
                "memories",
                mems,
                params,
                lambda m: {
                    "arn": m.arn,
                    "id": m.id,
                    "status": m.status(now),
                    "createdAt": _ms(m.created_at),
                    "updatedAt": _ms(m.updated_at),
                },
            )

    def update_memory(self, params: Wire) -> Wire:
        """UpdateMemory: description, expiry, strategies (add/modify/delete), indexed keys."""
        with self.lock:
            mem = self._memory(params["memoryId"])
            now = self.clock()
            changes = params.get("memoryStrategies") or {}
            for item in changes.get("deleteMemoryStrategies") or []:
                sid = item["memoryStrategyId"]
                if mem.strategy(sid) is None:
                    raise ValidationError(f"Memory strategy {sid} not found in {mem.id}")
            for item in changes.get("modifyMemoryStrategies") or []:
                if mem.strategy(item["memoryStrategyId"]) is None:
                    raise ValidationError(
                        f"Memory strategy {item['memoryStrategyId']} not found in {mem.id}"
                    )
            new_keys = params.get("addIndexedKeys") or []
            known = {k["key"] for k in mem.indexed_keys}
            for k in new_keys:
                if k["key"] in known:
                    raise ValidationError(f"Indexed key {k['key']} already exists")
                known.add(k["key"])
            if len(known) > 10:
                raise ValidationError("A memory can have at most 10 indexed keys")
            # All checks passed: apply.
            deleted = {i["memoryStrategyId"] for i in changes.get("deleteMemoryStrategies") or []}
            mem.strategies = [s for s in mem.strategies if s.strategy_id not in deleted]
            for item in changes.get("modifyMemoryStrategies") or []:
                s = mem.strategy(item["memoryStrategyId"])
                assert s is not None
                if item.get("description"):
                    s.description = item["description"]
                ns = item.get("namespaceTemplates") or item.get("namespaces")
                if ns:
                    s.namespaces = list(ns)
                if item.get("memoryRecordSchema"):
                    s.memory_record_schema = item["memoryRecordSchema"]
                spec = item.get("recordExpirySpecification") or {}
                if "recordExpiryDurationDays" in spec:
                    s.record_expiry_days = spec["recordExpiryDurationDays"]
                if item.get("configuration") and s.configuration:
                    for part in ("extraction", "consolidation", "reflection"):
                        if part in item["configuration"]:
                            ((inner_key, inner),) = item["configuration"][part].items()
                            s.configuration[part] = {inner_key: inner}
                s.updated_at = now
            taken = {s.name for s in mem.strategies}
            for item in changes.get("addMemoryStrategies") or []:
                mem.strategies.append(self._new_strategy(item, taken))
            mem.indexed_keys.extend(copy.deepcopy(new_keys))
            for attr, key in (("description", "description"),):
                if key in params:
                    setattr(mem, attr, params[key])
            if "eventExpiryDuration" in params:
                mem.event_expiry_days = params["eventExpiryDuration"]
            for extra in ("memoryExecutionRoleArn", "namespaceKeys", "streamDeliveryResources"):
                if extra in params:
                    mem.extras[extra] = copy.deepcopy(params[extra])
            mem.updated_at = now
            if self.activation_delay > 0 and mem.status(now) == "ACTIVE":
                mem.status_while_pending = "UPDATING"
                mem.ready_at = now + self.activation_delay
            self._save()
            return {"memory": self._memory_wire(mem)}

    def delete_memory(self, params: Wire) -> Wire:
        """DeleteMemory: removes the memory and everything in it."""
        with self.lock:
            mem = self._memory(params["memoryId"])
            del self.memories[mem.id]
            self._save()
            return {"memoryId": mem.id, "status": "DELETING"}

    # ================================================================ events

    @staticmethod
    def _event_wire(mem: Memory, ev: Event, payloads: bool = True) -> Wire:
        out: Wire = {
            "memoryId": mem.id,
            "actorId": ev.actor_id,
            "sessionId": ev.session_id,
            "eventId": ev.event_id,
            "eventTimestamp": _ms(ev.timestamp),
            "payload": copy.deepcopy(ev.payload) if payloads else [],
        }
        if ev.branch:
            out["branch"] = dict(ev.branch)
        if ev.metadata:
            out["metadata"] = copy.deepcopy(ev.metadata)
        return out

    def create_event(self, params: Wire) -> Wire:
        """CreateEvent: store an event; queue it for long-term extraction unless SKIP."""
        with self.lock:
            mem = self._active(params["memoryId"])
            key, hit = self._idempotent(mem.tokens, params.get("clientToken"), params)
            if hit is not None and hit in mem.events:
                return {"event": self._event_wire(mem, mem.events[hit])}
            actor, session = params["actorId"], params.get("sessionId")
            if session is None:
                raise ValidationError(
                    "sessionId is required",
                    field_list=[{"name": "sessionId", "message": "Member must not be null"}],
                )
            branch = params.get("branch")
            if branch:
                self._check_branch(mem, actor, session, branch)
            now = self.clock()
            ts = float(params["eventTimestamp"])
            mem.seq += 1
            eid = f"{int(round(ts * 1000)):019d}#{secrets.token_hex(8)}"
            ev = Event(
                event_id=eid,
                actor_id=actor,
                session_id=session,
                timestamp=ts,
                payload=copy.deepcopy(params["payload"]),
                created=now,
                seq=mem.seq,
                branch=dict(branch) if branch else None,
                metadata=copy.deepcopy(params.get("metadata")) or None,
                extraction_mode=params.get("extractionMode"),
                namespace_vars=(params.get("extractionConfig") or {}).get("namespaceVariables"),
            )
            mem.events[eid] = ev
            mem.sessions.setdefault(_session_key(actor, session), ts)
            if ev.extraction_mode != "SKIP" and mem.strategies and _turns([ev]):
                self._queue(mem, actor, session, [eid], None, now)
            self._remember(mem.tokens, key, params, eid)
            self._save()
            logger.debug("event %s created in %s for %s/%s", eid, mem.id, actor, session)
            return {"event": self._event_wire(mem, ev)}

    def _check_branch(self, mem: Memory, actor: str, session: str, branch: Wire) -> None:
        root = branch.get("rootEventId")
        same_session = [
            e for e in mem.events.values() if e.actor_id == actor and e.session_id == session
        ]
        if root is None:
            if not any((e.branch or {}).get("name") == branch["name"] for e in same_session):
                raise ValidationError(
                    f"Branch {branch['name']} does not exist; give rootEventId to create it",
                    field_list=[
                        {"name": "branch.rootEventId", "message": "Required for a new branch"}
                    ],
                )
            return
        root_ev = mem.events.get(root)
        if root_ev is None:
            raise NotFoundError(f"Event {root} not found")
        if root_ev.actor_id != actor or root_ev.session_id != session:
            raise ValidationError(
                f"Event {root} belongs to another session", reason="EventInOtherSession"
            )

    def _find_event(self, mem: Memory, params: Wire) -> Event:
        ev = mem.events.get(params["eventId"])
        if ev is None:
            raise NotFoundError(f"Event {params['eventId']} not found")
        if ev.actor_id != params["actorId"] or ev.session_id != params["sessionId"]:
            raise ValidationError(
                f"Event {params['eventId']} belongs to another session",
                reason="EventInOtherSession",
            )
        return ev

    def get_event(self, params: Wire) -> Wire:
        """GetEvent."""
        with self.lock:
            mem = self._active(params["memoryId"])
            return {"event": self._event_wire(mem, self._find_event(mem, params))}

    def delete_event(self, params: Wire) -> Wire:
        """DeleteEvent."""
        with self.lock:
            mem = self._active(params["memoryId"])
            ev = self._find_event(mem, params)
            del mem.events[ev.event_id]
            self._save()
            return {"eventId": ev.event_id}

    def _branch_events(self, events: list[Event], name: str, parents: bool) -> list[Event]:
        """Events on branch ``name`` plus, if asked, its ancestors up to each fork point."""
        chosen = [e for e in events if (e.branch or {}).get("name") == name]
        if name == "main":
            chosen = [e for e in events if not e.branch or e.branch.get("name") == "main"]
        if not parents or not chosen:
            return chosen
        by_id = {e.event_id: e for e in events}
        roots = [
            e.branch["rootEventId"] for e in chosen if e.branch and e.branch.get("rootEventId")
        ]
        result = {e.event_id: e for e in chosen}
        seen: set[str] = set()
        while roots:
            root = by_id.get(roots.pop())
            if root is None or root.event_id in seen:
                continue
            seen.add(root.event_id)
            parent = (root.branch or {}).get("name")
            for e in events:
                same = (e.branch or {}).get("name") == parent if parent else not e.branch
                if same and (e.timestamp, e.seq) <= (root.timestamp, root.seq):
                    result[e.event_id] = e
                    if e.branch and e.branch.get("rootEventId"):
                        roots.append(e.branch["rootEventId"])
        return list(result.values())

    def list_events(self, params: Wire) -> Wire:
        """ListEvents: newest first; branch and eventMetadata filters; includePayloads."""
        with self.lock:
            mem = self._active(params["memoryId"])
            actor, session = params["actorId"], params["sessionId"]
            events = [
                e for e in mem.events.values() if e.actor_id == actor and e.session_id == session
            ]
            flt = params.get("filter") or {}
            if flt.get("branch"):
                b = flt["branch"]
                events = self._branch_events(
                    events, b["name"], bool(b.get("includeParentBranches"))
                )
            for i, expr in enumerate(flt.get("eventMetadata") or []):
                key, op, right = _check_filter_shape(expr, f"filter.eventMetadata.{i}")
                events = [e for e in events if _compare(op, (e.metadata or {}).get(key), right)]
            events.sort(key=lambda e: (e.timestamp, e.seq), reverse=True)
            payloads = params.get("includePayloads", True)
            return _paged("events", events, params, lambda e: self._event_wire(mem, e, payloads))

    def list_actors(self, params: Wire) -> Wire:
        """ListActors: every actor with a session in this memory."""
        with self.lock:
            mem = self._active(params["memoryId"])
            actors = sorted({k.split("\x00", 1)[0] for k in mem.sessions})
            return _paged("actorSummaries", actors, params, lambda a: {"actorId": a})

    def list_sessions(self, params: Wire) -> Wire:
        """ListSessions for one actor, newest first."""
        with self.lock:
            mem = self._active(params["memoryId"])
            actor = params["actorId"]
            sessions = [
                (k.split("\x00", 1)[1], created)
                for k, created in mem.sessions.items()
                if k.split("\x00", 1)[0] == actor
            ]
            if (params.get("filter") or {}).get("eventFilter") == "HAS_EVENTS":
                live = {(e.session_id) for e in mem.events.values() if e.actor_id == actor}
                sessions = [s for s in sessions if s[0] in live]
            sessions.sort(key=lambda s: (s[1], s[0]), reverse=True)
            return _paged(
                "sessionSummaries",
                sessions,
                params,
                lambda s: {"sessionId": s[0], "actorId": actor, "createdAt": _ms(s[1])},
            )

    # ================================================================ records

    @staticmethod
    def _record_wire(rec: Record, score: float | None = None, full: bool = False) -> Wire:
        out: Wire = {
            "memoryRecordId": rec.record_id,
            "content": {"text": rec.text},
            "namespaces": list(rec.namespaces),
            "createdAt": _ms(rec.created_at),
            "timestamp": _ms(rec.timestamp),
        }
        if rec.strategy_id:
            out["memoryStrategyId"] = rec.strategy_id
        if rec.metadata:
            out["metadata"] = copy.deepcopy(rec.metadata)
        if score is not None:
            out["score"] = score
        if full and rec.expires_at:
            out["expiresAt"] = _ms(rec.expires_at)
        return out

    def _filter_records(self, mem: Memory, params: Wire, strategy_id: str | None) -> list[Record]:
        ns, path = _one_namespace(params)
        filters = params.get("metadataFilters") or []
        indexed = {k["key"] for k in mem.indexed_keys}
        checked = []
        for i, expr in enumerate(filters):
            key, op, right = _check_filter_shape(expr, f"metadataFilters.{i}")
            if key not in indexed:
                raise ValidationError(
                    f"Metadata key {key} is not an indexed key of memory {mem.id}",
                    field_list=[
                        {"name": f"metadataFilters.{i}.left", "message": "Key is not indexed"}
                    ],
                )
            checked.append((key, op, right))
        out = []
        for rec in mem.records.values():
            if not any(
                namespace_matches(n, ns, path, self.namespace_path_semantics)
                for n in rec.namespaces or [""]
            ):
                continue
            if strategy_id and rec.strategy_id != strategy_id:
                continue
            meta = rec.metadata or {}
            if all(_compare(op, meta.get(key), right) for key, op, right in checked):
                out.append(rec)
        return out

    def list_memory_records(self, params: Wire) -> Wire:
        """ListMemoryRecords: no score, newest first."""
        with self.lock:
            mem = self._active(params["memoryId"])
            recs = self._filter_records(mem, params, params.get("memoryStrategyId"))
            recs.sort(key=lambda r: (r.timestamp, r.created_at, r.record_id), reverse=True)
            return _paged("memoryRecordSummaries", recs, params, self._record_wire)

    def _vector(self, mem_id: str, rec: Record) -> list[float] | None:
        return self._vectors.get((mem_id, rec.record_id + "\x00" + rec.text))

    def retrieve_memory_records(self, params: Wire) -> Wire:
        """RetrieveMemoryRecords: cosine relevance ranking, topK, then paginated."""
        from langgraph_agentcore.twin.embeddings import cosine_similarity

        criteria = params["searchCriteria"]
        with self.lock:
            mem = self._active(params["memoryId"])
            scoped = dict(params, metadataFilters=criteria.get("metadataFilters"))
            recs = self._filter_records(mem, scoped, criteria.get("memoryStrategyId"))
            missing = [r for r in recs if self._vector(mem.id, r) is None]
        # Embedding may be slow (a real model): do it outside the lock.
        query = self.embeddings.embed_query(criteria["searchQuery"])
        if missing:
            vectors = self.embeddings.embed_documents([r.text for r in missing])
            with self.lock:
                for r, v in zip(missing, vectors, strict=True):
                    self._vectors[(mem.id, r.record_id + "\x00" + r.text)] = list(v)
        scored = []
        for r in recs:
            vec = self._vector(mem.id, r)
            if vec is None:
                vec = self.embeddings.embed_documents([r.text])[0]
            scored.append((max(0.0, min(1.0, cosine_similarity(query, vec))), r))
        scored.sort(key=lambda p: (-p[0], -p[1].timestamp, p[1].record_id))
        top = scored[: criteria.get("topK") or DEFAULT_TOP_K]
        out = _paged(
            "memoryRecordSummaries", top, params, lambda p: self._record_wire(p[1], round(p[0], 6))
        )
        logger.debug("retrieve in %s: %d candidates", mem.id, len(recs))
        return out

    def get_memory_record(self, params: Wire) -> Wire:
        """GetMemoryRecord (optionally checked against an exact ``namespace``)."""
        with self.lock:
            mem = self._active(params["memoryId"])
            rec = self._record(mem, params["memoryRecordId"], params.get("namespace"))
            return {"memoryRecord": self._record_wire(rec, full=True)}

    @staticmethod
    def _record(mem: Memory, record_id: str, namespace: str | None) -> Record:
        rec = mem.records.get(record_id)
        if rec is None or (namespace is not None and namespace not in rec.namespaces):
            raise NotFoundError(f"Memory record {record_id} not found")
        return rec

    def delete_memory_record(self, params: Wire) -> Wire:
        """DeleteMemoryRecord."""
        with self.lock:
            mem = self._active(params["memoryId"])
            rec = self._record(mem, params["memoryRecordId"], params.get("namespace"))
            del mem.records[rec.record_id]
            self._save()
            return {"memoryRecordId": rec.record_id}

    @staticmethod
    def _expiry(spec: Wire | None, now: float, current: float | None) -> float | None:
        if not spec:
            return current
        if "recordExpiryDurationDays" in spec:
            return now + spec["recordExpiryDurationDays"] * DAY
        if spec.get("action") == "REMOVE":
            return None
        return current

    def _new_record_id(self, mem: Memory) -> str:
        while True:
            rid = f"mem-{uuid.uuid4()}"
            if rid not in mem.records:
                return rid

    def batch_create_memory_records(self, params: Wire) -> Wire:
        """BatchCreateMemoryRecords: per-record failures in ``failedRecords`` (HTTP 201)."""
        with self.lock:
            mem = self._active(params["memoryId"])
            key, hit = self._idempotent(mem.tokens, params.get("clientToken"), params)
            if hit is not None:
                return copy.deepcopy(hit)
            now = self.clock()
            ok: list[Wire] = []
            failed: list[Wire] = []
            seen: set[str] = set()
            for item in params["records"]:
                req = item["requestIdentifier"]
                sid = item.get("memoryStrategyId")
                error = None
                if req in seen:
                    error = (400, f"Duplicate requestIdentifier {req}")
                elif sid and mem.strategy(sid) is None:
                    error = (404, f"Memory strategy {sid} not found")
                seen.add(req)
                if error:
                    failed.append(
                        {
                            "memoryRecordId": f"mem-{uuid.UUID(int=0)}",
                            "status": "FAILED",
                            "requestIdentifier": req,
                            "errorCode": error[0],
                            "errorMessage": error[1],
                        }
                    )
                    continue
                rec = Record(
                    record_id=self._new_record_id(mem),
                    text=item["content"]["text"],
                    namespaces=list(item["namespaces"]),
                    created_at=now,
                    timestamp=float(item["timestamp"]),
                    strategy_id=sid,
                    metadata=copy.deepcopy(item.get("metadata")) or None,
                    expires_at=self._expiry(params.get("recordExpirySpecification"), now, None),
                )
                mem.records[rec.record_id] = rec
                ok.append(
                    {
                        "memoryRecordId": rec.record_id,
                        "status": "SUCCEEDED",
                        "requestIdentifier": req,
                    }
                )
            result = {"successfulRecords": ok, "failedRecords": failed}
            self._remember(mem.tokens, key, params, copy.deepcopy(result))
            self._save()
            return result

    def batch_update_memory_records(self, params: Wire) -> Wire:
        """BatchUpdateMemoryRecords: unknown ids or wrong sourceNamespaces fail per record."""
        with self.lock:
            mem = self._active(params["memoryId"])
            now = self.clock()
            ok: list[Wire] = []
            failed: list[Wire] = []
            for item in params["records"]:
                rid = item["memoryRecordId"]
                rec = mem.records.get(rid)
                src = item.get("sourceNamespaces")
                sid = item.get("memoryStrategyId")
                if rec is None:
                    error = (404, f"Memory record {rid} not found")
                elif src is not None and list(src) != list(rec.namespaces):
                    error = (400, "sourceNamespaces do not match the record's namespaces")
                elif sid and mem.strategy(sid) is None:
                    error = (404, f"Memory strategy {sid} not found")
                else:
                    error = None
                if error or rec is None:
                    failed.append(
                        {
                            "memoryRecordId": rid,
                            "status": "FAILED",
                            "errorCode": error[0] if error else 500,
                            "errorMessage": error[1] if error else "",
                        }
                    )
                    continue
                if item.get("content"):
                    rec.text = item["content"]["text"]
                if item.get("namespaces") is not None:
                    rec.namespaces = list(item["namespaces"])
                if sid:
                    rec.strategy_id = sid
                if item.get("metadata") is not None:
                    rec.metadata = copy.deepcopy(item["metadata"])
                rec.timestamp = float(item["timestamp"])
                rec.expires_at = self._expiry(
                    params.get("recordExpirySpecification"), now, rec.expires_at
                )
                ok.append({"memoryRecordId": rid, "status": "SUCCEEDED"})
            self._save()
            return {"successfulRecords": ok, "failedRecords": failed}

    def batch_delete_memory_records(self, params: Wire) -> Wire:
        """BatchDeleteMemoryRecords: unknown ids fail per record."""
        with self.lock:
            mem = self._active(params["memoryId"])
            ok: list[Wire] = []
            failed: list[Wire] = []
            for item in params["records"]:
                rid = item["memoryRecordId"]
                rec = mem.records.get(rid)
                ns = item.get("namespace")
                if rec is None or (ns is not None and ns not in rec.namespaces):
                    failed.append(
                        {
                            "memoryRecordId": rid,
                            "status": "FAILED",
                            "errorCode": 404,
                            "errorMessage": f"Memory record {rid} not found",
                        }
                    )
                    continue
                del mem.records[rid]
                ok.append({"memoryRecordId": rid, "status": "SUCCEEDED"})
            self._save()
            return {"successfulRecords": ok, "failedRecords": failed}

    # ================================================================ extraction

    def _queue(
        self,
        mem: Memory,
        actor: str,
        session: str,
        event_ids: list[str],
        strategy_ids: list[str] | None,
        now: float,
    ) -> None:
        due = now + (self.extraction_delay or 0.0)
        for p in mem.pending:
            if p.actor_id == actor and p.session_id == session and p.strategy_ids == strategy_ids:
                p.event_ids.extend(e for e in event_ids if e not in p.event_ids)
                p.due = due
                return
        mem.pending.append(Pending(actor, session, list(event_ids), due, strategy_ids))

    def pending_count(self) -> int:
        """How many (actor, session) batches wait for extraction."""
        with self.lock:
            return sum(len(m.pending) for m in self.memories.values())

    def next_due(self) -> float | None:
        """The earliest due time of pending extraction work, if any."""
        with self.lock:
            dues = [p.due for m in self.memories.values() for p in m.pending]
            return min(dues) if dues else None

    def run_extractions(self, *, force: bool = True) -> int:
        """Run pending long-term extraction now (all of it if ``force``, else what is due).

        Returns the number of records created or updated. The extractor runs outside the
        state lock; one extraction run happens at a time.
        """
        with self._extract_lock:
            work: list[tuple[str, Pending, list[Event], list[Strategy]]] = []
            with self.lock:
                now = self.clock()
                for mem in self.memories.values():
                    keep = []
                    for p in mem.pending:
                        if not force and p.due > now:
                            keep.append(p)
                            continue
                        events = [
                            copy.deepcopy(mem.events[e]) for e in p.event_ids if e in mem.events
                        ]
                        strategies = [
                            copy.deepcopy(s)
                            for s in mem.strategies
                            if p.strategy_ids is None or s.strategy_id in p.strategy_ids
                        ]
                        work.append((mem.id, p, events, strategies))
                    mem.pending = keep
                if work:
                    self._save()
            written = 0
            for mem_id, p, events, strategies in work:
                events.sort(key=lambda e: (e.timestamp, e.seq))
                for strategy in strategies:
                    written += self._extract_one(mem_id, p, events, strategy)
            if work:
                logger.debug("extraction ran %d batches, wrote %d records", len(work), written)
            return written

    def _extract_one(self, mem_id: str, p: Pending, events: list[Event], strategy: Strategy) -> int:
        from langgraph_agentcore.twin import extraction as ex

        base, instructions = _strategy_semantics(strategy)
        if base is None or not events:
            return 0
        variables: dict[str, str] = {}
        for e in events:
            variables.update(e.namespace_vars or {})
        variables.update(
            actorId=p.actor_id, sessionId=p.session_id, memoryStrategyId=strategy.strategy_id
        )
        try:
            namespace = _resolve_template(strategy.namespaces[0], variables)
        except KeyError as exc:
            self._fail_job(mem_id, p, events, strategy, f"Missing namespace variable {exc}")
            return 0
        with self.lock:
            mem = self.memories.get(mem_id)
            if mem is None:
                return 0
            existing = [
                ex.ExistingRecord(record_id=r.record_id, text=r.text)
                for r in mem.records.values()
                if namespace in r.namespaces and r.strategy_id == strategy.strategy_id
            ]
        request = ex.ExtractionRequest(
            strategy_type=base,
            strategy_id=strategy.strategy_id,
            actor_id=p.actor_id,
            session_id=p.session_id,
            turns=[ex.ConversationTurn(role=r, text=t) for r, t in _turns(events)],
            existing=existing,
            instructions=instructions,
        )
        try:
            extracted = list(self.extractor.extract(request))
        except Exception as exc:  # noqa: BLE001 - a failing extractor is a failed job
            logger.warning("extraction failed for %s: %s", strategy.strategy_id, exc)
            self._fail_job(mem_id, p, events, strategy, str(exc) or type(exc).__name__)
            return 0
        return self._apply(mem_id, namespace, strategy, events, extracted)

    def _apply(
        self,
        mem_id: str,
        namespace: str,
        strategy: Strategy,
        events: list[Event],
        extracted: Iterable[Any],
    ) -> int:
        """Write extracted records, updating replaced ones and skipping exact duplicates."""
        written = 0
        with self.lock:
            mem = self.memories.get(mem_id)
            if mem is None:
                return 0
            now = self.clock()
            stamp = max(e.timestamp for e in events)
            for item in extracted:
                text = (item.text or "").strip()[:16000]
                if not text:
                    continue
                target = mem.records.get(item.replaces) if item.replaces else None
                if target is not None:
                    if target.text != text:
                        target.text, target.timestamp = text, stamp
                        written += 1
                    continue
                norm = _normalise(text)
                if any(
                    _normalise(r.text) == norm
                    for r in mem.records.values()
                    if namespace in r.namespaces and r.strategy_id == strategy.strategy_id
                ):
                    continue
                rec = Record(
                    record_id=self._new_record_id(mem),
                    text=text,
                    namespaces=[namespace],
                    created_at=now,
                    timestamp=stamp,
                    strategy_id=strategy.strategy_id,
                    expires_at=(now + strategy.record_expiry_days * DAY)
                    if strategy.record_expiry_days
                    else None,
                )
                mem.records[rec.record_id] = rec
                written += 1
            self._save()
        return written

    def _fail_job(
        self, mem_id: str, p: Pending, events: list[Event], strategy: Strategy, reason: str
    ) -> None:
        with self.lock:
            mem = self.memories.get(mem_id)
            if mem is None:
                return
            job = Job(
                job_id=f"job-{uuid.uuid4()}",
                actor_id=p.actor_id,
                session_id=p.session_id,
                strategy_id=strategy.strategy_id,
                event_ids=[e.event_id for e in events],
                failure_reason=reason,
            )
            mem.jobs[job.job_id] = job
            self._save()

    def list_memory_extraction_jobs(self, params: Wire) -> Wire:
        """ListMemoryExtractionJobs: the failed extraction jobs, filterable."""
        with self.lock:
            mem = self._active(params["memoryId"])
            flt = params.get("filter") or {}
            jobs = [
                j
                for j in mem.jobs.values()
                if (not flt.get("strategyId") or j.strategy_id == flt["strategyId"])
                and (not flt.get("sessionId") or j.session_id == flt["sessionId"])
                and (not flt.get("actorId") or j.actor_id == flt["actorId"])
                and (not flt.get("status") or j.status == flt["status"])
            ]
            return _paged("jobs", jobs, params, self._job_wire)

    @staticmethod
    def _job_wire(j: Job) -> Wire:
        return {
            "jobID": j.job_id,
            "messages": {
                "messagesList": [
                    {"eventId": e, "messageIndex": i} for i, e in enumerate(j.event_ids)
                ]
            },
            "status": j.status,
            "failureReason": j.failure_reason,
            "strategyId": j.strategy_id,
            "sessionId": j.session_id,
            "actorId": j.actor_id,
        }

    def start_memory_extraction_job(self, params: Wire) -> Wire:
        """StartMemoryExtractionJob: re-run a failed job (queued, runs asynchronously)."""
        with self.lock:
            mem = self._active(params["memoryId"])
            job_id = params["extractionJob"]["jobId"]
            job = mem.jobs.pop(job_id, None)
            if job is None:
                raise NotFoundError(f"Extraction job {job_id} not found")
            self._queue(
                mem, job.actor_id, job.session_id, job.event_ids, [job.strategy_id], self.clock()
            )
            self._save()
            return {"jobId": job_id}


# --------------------------------------------------------------------------- extraction glue


def _turns(events: Iterable[Event]) -> list[tuple[str, str]]:
    """(role, text) of every conversational payload item, in order."""
    out = []
    for ev in events:
        for item in ev.payload:
            conv = item.get("conversational") if isinstance(item, dict) else None
            if conv and (conv.get("content") or {}).get("text"):
                out.append((conv["role"], conv["content"]["text"]))
    return out


def _strategy_semantics(strategy: Strategy) -> tuple[str | None, str | None]:
    """The base extraction type of a strategy and any appended prompt instructions."""
    if strategy.type != "CUSTOM":
        return strategy.type, None
    config = strategy.configuration or {}
    base = _OVERRIDE_BASE.get(config.get("type", ""))
    if base is None:
        return None, None  # self-managed: the customer extracts
    prompts = []
    for part in ("extraction", "consolidation"):
        wrapper: dict[str, Any] = next(iter((config.get(part) or {}).values()), {}) or {}
        for override in wrapper.values():
            if override.get("appendToPrompt"):
                prompts.append(override["appendToPrompt"])
    return base, "\n".join(prompts) or None


_TEMPLATE_VAR = re.compile(r"\{([a-zA-Z][a-zA-Z0-9]*)\}")


def _resolve_template(template: str, variables: dict[str, str]) -> str:
    """Fill ``{actorId}``-style placeholders; a missing variable raises KeyError."""
    return _TEMPLATE_VAR.sub(lambda m: variables[m.group(1)], template)


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _default_extractor(embeddings: Embeddings) -> Any:
    from langgraph_agentcore.twin.extraction import RuleBasedExtractor

    return RuleBasedExtractor(embeddings=embeddings)
