"""AgentCoreMemoryStore: LangGraph's ``BaseStore`` on DynamoDB + AgentCore Memory.

Exact key addressing lives in an *index item* per ``(namespace, key)`` in the
checkpointer's DynamoDB table, under the agent's partition key (sort key
``store#{labels}##{key}``, see :mod:`langgraph_agentcore.namespaces`). It holds the value
(JSON), timestamps, TTL and the id of the AgentCore Memory record that makes the item
searchable. AgentCore Memory holds one record per indexed item, in the namespace path
``/label1/label2/...``, and answers ``search(query=...)`` with semantic retrieval.

Every operation is a *plan* (see :mod:`langgraph_agentcore.table`): the sync API drives
it with boto3 clients, the async API with aiobotocore, and both share validation,
request building and result assembly. Requests to AgentCore are :class:`MemoryCall`
steps, routed by :class:`StoreIO` to the ``bedrock-agentcore`` client.

Consistency and request budget are documented in ``docs/store.md``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from botocore.config import Config
from langgraph.store.base import (
    BaseStore,
    GetOp,
    InvalidNamespaceError,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    TTLConfig,
    get_text_at_path,
    tokenize_path,
)
from langgraph.store.base import _validate_namespace as _lg_validate_namespace

from langgraph_agentcore.errors import (
    AgentCoreMemoryError,
    AgentCoreStorageError,
    AgentCoreUnavailableError,
    ItemTooLargeError,
    MemoryRecordNotFoundError,
)
from langgraph_agentcore.keys import KeySchema
from langgraph_agentcore.namespaces import (
    STORE_PREFIX,
    encode_label,
    from_path,
    item_sk,
    labels,
    ns_prefix,
    parse_sk,
    to_path,
    within,
)
from langgraph_agentcore.table import (
    Call,
    MemoryCall,
    Plan,
    StoreIO,
    batch_get_plan,
    setup_plan,
)

logger = logging.getLogger(__name__)

#: Largest serialized value (UTF-8 bytes of its JSON) a put accepts: DynamoDB's item limit
#: is 409,600 bytes; the rest of the index item (keys, timestamps, ids) stays well below
#: the difference.
MAX_VALUE_BYTES = 380_000
#: AgentCore record text limit (characters); longer searchable text is truncated.
MAX_RECORD_TEXT = 16_000
#: Metadata keys on records written by this store.
META_KEY = "lg_key"
META_AGENT = "lg_agent"
#: AgentCore metadata string values are <= 256 chars; a list holds <= 5 of them.
_META_CHUNK = 256
_META_CHUNKS = 5
#: Records per AgentCore batch request.
MAX_RECORD_BATCH = 100
#: AgentCore memory record ids (``mem-...``, 40-50 chars).
RECORD_ID = re.compile(r"mem-[a-zA-Z0-9_-]{36,46}")
# -- pure helpers ---------------------------------------------------------------------------


def _compare_values(item_value: Any, filter_value: Any) -> bool:
    """LangGraph InMemoryStore's filter semantics (JSONB-like, nested, with operators)."""
    if isinstance(filter_value, dict):
        if any(k.startswith("$") for k in filter_value):
            return all(
                _apply_operator(item_value, op_key, op_value)
                for op_key, op_value in filter_value.items()
            )
        if not isinstance(item_value, dict):
            return False
        return all(_compare_values(item_value.get(k), v) for k, v in filter_value.items())
    if isinstance(filter_value, (list, tuple)):
        return (
            isinstance(item_value, (list, tuple))
            and len(item_value) == len(filter_value)
            and all(
                _compare_values(iv, fv) for iv, fv in zip(item_value, filter_value, strict=False)
            )
        )
    return bool(item_value == filter_value)


def _apply_operator(value: Any, operator: str, op_value: Any) -> bool:
    if operator == "$eq":
        return bool(value == op_value)
    if operator == "$ne":
        return bool(value != op_value)
    if operator == "$gt":
        return float(value) > float(op_value)
    if operator == "$gte":
        return float(value) >= float(op_value)
    if operator == "$lt":
        return float(value) < float(op_value)
    if operator == "$lte":
        return float(value) <= float(op_value)
    raise ValueError(f"Unsupported filter operator: {operator}")


def _matches(value: dict[str, Any], flt: dict[str, Any] | None) -> bool:
    if not flt:
        return True
    return all(_compare_values(value.get(k), v) for k, v in flt.items())


def _does_match(cond: MatchCondition, ns: tuple[str, ...]) -> bool:
    """LangGraph's prefix/suffix namespace match with ``*`` wildcards."""
    path = tuple(cond.path)
    if len(ns) < len(path):
        return False
    if cond.match_type == "prefix":
        pairs = zip(ns, path, strict=False)
    elif cond.match_type == "suffix":
        pairs = zip(reversed(ns), reversed(path), strict=False)
    else:
        raise ValueError(f"Unsupported match type: {cond.match_type}")
    return all(p == "*" or k == p for k, p in pairs)


def _window(offset: int, limit: int) -> int | None:
    """How many matches a scan needs before it can stop (None = all, for negative bounds)."""
    return offset + limit if min(offset, limit) >= 0 else None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def _dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value))


def _attr(item: dict[str, Any], name: str, kind: str = "S") -> Any:
    return item.get(name, {}).get(kind)


def key_metadata(key: str) -> dict[str, Any]:
    """The ``lg_key`` metadata value naming a store key (escaped, chunked to fit)."""
    text = "k" + encode_label(key)
    chunks = [text[i : i + _META_CHUNK] for i in range(0, len(text), _META_CHUNK)]
    if len(chunks) > _META_CHUNKS:
        raise ValueError(
            f"key of {len(key)} chars is too long for AgentCore record metadata "
            f"({_META_CHUNK * _META_CHUNKS} chars once escaped)"
        )
    return {"stringListValue": chunks}


def key_from_metadata(value: dict[str, Any] | None) -> str | None:
    """Invert :func:`key_metadata` (None if the value is not one of ours)."""
    if not value:
        return None
    chunks = value.get("stringListValue")
    if not chunks:
        return None
    text = "".join(chunks)
    if not text.startswith("k"):
        return None
    from langgraph_agentcore.namespaces import decode_label

    try:
        return decode_label(text[1:])
    except ValueError:
        return None


@dataclass(frozen=True)
class _Put:
    """A validated, prepared put (or delete when ``value_json`` is None)."""

    namespace: tuple[str, ...]
    key: str
    sk: str
    path: str
    value_json: str | None
    fields: tuple[str, ...] | None  # searchable fields; None = not indexed
    text: str | None
    ttl_minutes: float | None


# -- the store ------------------------------------------------------------------------------


class AgentCoreMemoryStore(BaseStore):
    """LangGraph ``BaseStore`` whose items live in DynamoDB and are searchable in AgentCore.

    Args:
        memory_id: The AgentCore Memory that holds the searchable records.
        table_name: The DynamoDB table (the checkpointer's; create it with :meth:`setup`).
        agent_id: Owner of the items; they live under the agent's partition key.
        region_name, session, config: How to build clients (``config`` is merged over our
            retry defaults). ``endpoint_url`` is DynamoDB's, ``agentcore_endpoint_url``
            AgentCore's. ``dynamodb_client`` / ``agentcore_client``: ready boto3 clients.
            ``async_*_client_factory``: build aiobotocore client contexts per event loop.
        index: ``{"fields": [...]}`` (IndexConfig-like): which value fields become the
            record text AgentCore searches; default: the whole value as JSON.
        ttl: ``TTLConfig`` (``default_ttl`` in minutes, ``refresh_on_read``).
        pk_attr, sk_attr, pk_prefix: Match the checkpointer's table layout.
        tombstone_threshold: Stale records are deleted from AgentCore in batches of this.
        orphan_grace_seconds: :meth:`reconcile` deletes unreferenced records only when
            older than this (a concurrent put may be about to reference them).
        include_extracted: Also show records AgentCore's strategies extracted in
            ``search()`` without a query and in ``list_namespaces`` (one more
            ``ListMemoryRecords`` per 100 records of the subtree, sent concurrently with
            the first DynamoDB Query). Off by default: those calls then touch DynamoDB
            only. ``search(query=...)`` always includes them.
    """

    supports_ttl: bool = True

    def __init__(
        self,
        memory_id: str,
        table_name: str,
        agent_id: str,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        agentcore_endpoint_url: str | None = None,
        session: Any = None,
        dynamodb_client: Any = None,
        agentcore_client: Any = None,
        async_dynamodb_client_factory: Callable[[], Any] | None = None,
        async_agentcore_client_factory: Callable[[], Any] | None = None,
        config: Config | None = None,
        index: dict[str, Any] | None = None,
        ttl: TTLConfig | None = None,
        pk_attr: str = "pk",
        sk_attr: str = "sk",
        pk_prefix: str = "agent#",
        tombstone_threshold: int = MAX_RECORD_BATCH,
        orphan_grace_seconds: float = 900.0,
        include_extracted: bool = False,
    ) -> None:
        if not isinstance(memory_id, str) or not memory_id:
            raise ValueError(f"memory_id must be a non-empty str, got {memory_id!r}")
        self.memory_id = memory_id
        self.table_name = table_name
        self.agent_id = agent_id
        self.keys = KeySchema(
            agent_id=agent_id, pk_attr=pk_attr, sk_attr=sk_attr, pk_prefix=pk_prefix
        )
        self.io = StoreIO(
            table_name,
            memory_id,
            client=dynamodb_client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            config=config,
            async_client_factory=async_dynamodb_client_factory,
            agentcore_client=agentcore_client,
            agentcore_endpoint_url=agentcore_endpoint_url,
            async_agentcore_client_factory=async_agentcore_client_factory,
        )
        fields = list((index or {}).get("fields") or ["$"])
        for f in fields:
            if not isinstance(f, str) or not f:
                raise ValueError(f"index fields must be non-empty str paths, got {f!r}")
        self.index_config = dict(index) if index else None
        self._fields: tuple[str, ...] = tuple(fields)
        if ttl is not None:
            default = ttl.get("default_ttl")
            if default is not None and (
                isinstance(default, bool) or not isinstance(default, (int, float)) or default <= 0
            ):
                raise ValueError(f"ttl.default_ttl must be positive minutes, got {default!r}")
        self.ttl_config = ttl
        self.tombstone_threshold = max(1, int(tombstone_threshold))
        self.orphan_grace_seconds = float(orphan_grace_seconds)
        self.include_extracted = bool(include_extracted)
        self._agent_tag = hashlib.blake2b(agent_id.encode("utf-8"), digest_size=16).hexdigest()
        #: Clock (epoch seconds); tests replace it to exercise TTL.
        self._now: Callable[[], float] = time.time
        self._lock = threading.Lock()
        self._tombstones: set[str] = set()  # stale record ids to delete from AgentCore
        self._pending: set[tuple[tuple[str, ...], str]] = set()  # items awaiting a record
        self._expired: set[str] = set()  # sort keys of expired index items seen on reads

    # -- lifecycle --------------------------------------------------------------------------

    def setup(self) -> bool:
        """Create the table if missing and enable TTL on ``ttl`` (idempotent)."""
        return self.io.run(self._setup_plan())

    async def asetup(self) -> bool:
        """Async twin of :meth:`setup`."""
        return await self.io.arun(self._setup_plan())

    def _setup_plan(self) -> Plan[bool]:
        return setup_plan(self.table_name, self.keys.pk_attr, self.keys.sk_attr, "ttl")

    def close(self) -> None:
        """Flush queued record deletions, then release the sync clients."""
        try:
            self.flush()
        except AgentCoreStorageError as exc:
            logger.warning("AgentCoreMemoryStore.close: flush failed: %s", exc)
        self.io.close()

    async def aclose(self) -> None:
        """Async twin of :meth:`close` (releases the running loop's clients)."""
        try:
            await self.aflush()
        except AgentCoreStorageError as exc:
            logger.warning("AgentCoreMemoryStore.aclose: flush failed: %s", exc)
        await self.io.aclose()

    def __enter__(self) -> AgentCoreMemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> AgentCoreMemoryStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- BaseStore --------------------------------------------------------------------------

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        """Execute ops in order of kind (reads see the state before the batch's writes)."""
        return self.io.run(self._batch_plan(list(ops)))

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        """Async twin of :meth:`batch` (aiobotocore)."""
        return await self.io.arun(self._batch_plan(list(ops)))

    # -- maintenance ------------------------------------------------------------------------

    def flush(self) -> int:
        """Delete queued stale/expired records and expired index items now; returns count."""
        return self.io.run(self._flush_plan())

    async def aflush(self) -> int:
        """Async twin of :meth:`flush`."""
        return await self.io.arun(self._flush_plan())

    def sync_pending(self) -> int:
        """Create the AgentCore records of puts made while AgentCore was unavailable."""
        return self.io.run(self._sync_pending_plan())

    async def async_pending(self) -> int:
        """Async twin of :meth:`sync_pending`."""
        return await self.io.arun(self._sync_pending_plan())

    def reconcile(self) -> dict[str, int]:
        """Sweep orphans, expired items and pending syncs left by any process, then flush."""
        return self.io.run(self._reconcile_plan())

    async def areconcile(self) -> dict[str, int]:
        """Async twin of :meth:`reconcile`."""
        return await self.io.arun(self._reconcile_plan())

    @property
    def pending_count(self) -> int:
        """Items this process wrote that still await their AgentCore record."""
        with self._lock:
            return len(self._pending)

    @property
    def tombstone_count(self) -> int:
        """Stale record ids queued for deletion from AgentCore."""
        with self._lock:
            return len(self._tombstones)

    # -- validation -------------------------------------------------------------------------

    def _check_namespace(self, namespace: Any, *, for_put: bool) -> tuple[str, ...]:
        if not isinstance(namespace, tuple):
            raise InvalidNamespaceError(
                f"Namespace must be a tuple of str labels, got {type(namespace).__name__}: "
                f"{namespace!r}"
            )
        if for_put:
            _lg_validate_namespace(namespace)
        else:
            from langgraph.store.base import _validate_namespace_labels

            _validate_namespace_labels(namespace)
        try:
            to_path(namespace)  # AgentCore's 1024-char namespace limit
        except ValueError as exc:
            raise InvalidNamespaceError(str(exc)) from None
        return namespace

    @staticmethod
    def _check_key(key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(f"key must be a str, got {type(key).__name__}: {key!r}")
        return key

    def _prepare_put(self, op: PutOp) -> _Put:
        ns = self._check_namespace(op.namespace, for_put=op.value is not None)
        key = self._check_key(op.key)
        sk = item_sk(ns, key)
        path = to_path(ns)
        if op.value is None:
            return _Put(ns, key, sk, path, None, None, None, None)
        if not isinstance(op.value, dict):
            raise TypeError(
                f"store values must be dicts, got {type(op.value).__name__} for key {key!r}"
            )
        try:
            value_json = json.dumps(op.value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"value for key {key!r} is not JSON-serialisable: {exc}") from exc
        size = len(value_json.encode("utf-8"))
        if size > MAX_VALUE_BYTES:
            raise ItemTooLargeError(
                f"value for key {key!r} is {size} bytes as JSON; the limit is "
                f"{MAX_VALUE_BYTES} (DynamoDB item size)",
                resource=self.table_name,
                operation="put",
            )
        ttl = op.ttl
        if ttl is not None and (
            isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0
        ):
            raise ValueError(f"ttl must be positive minutes or None, got {ttl!r}")
        fields: tuple[str, ...] | None
        if op.index is False:
            fields = None
        elif op.index is None or op.index is True:
            fields = self._fields
        else:
            fields = tuple(op.index)
        text = self._text(op.value, fields) if fields is not None else None
        if text:
            key_metadata(key)  # raises if the key cannot be named in record metadata
        return _Put(ns, key, sk, path, value_json, fields, text or None, ttl)

    @staticmethod
    def _text(value: dict[str, Any], fields: Sequence[str]) -> str:
        """The searchable text of a value: its indexed fields (or JSON), <= 16,000 chars."""
        texts: list[str] = []
        for f in fields:
            texts.extend(get_text_at_path(value, f if f == "$" else tokenize_path(f)))
        return "\n".join(t for t in texts if t)[:MAX_RECORD_TEXT]

    def _validate(self, ops: list[Op]) -> dict[tuple[tuple[str, ...], str], _Put]:
        """Check every op before any request; returns the puts, last one per key wins."""
        puts: dict[tuple[tuple[str, ...], str], _Put] = {}
        for op in ops:
            if isinstance(op, PutOp):
                p = self._prepare_put(op)
                puts.pop((p.namespace, p.key), None)
                puts[(p.namespace, p.key)] = p
            elif isinstance(op, GetOp):
                self._check_namespace(op.namespace, for_put=False)
                self._check_key(op.key)
            elif isinstance(op, SearchOp):
                self._check_namespace(op.namespace_prefix, for_put=False)
                if op.filter is not None and not isinstance(op.filter, dict):
                    raise TypeError(f"search filter must be a dict, got {op.filter!r}")
            elif isinstance(op, ListNamespacesOp):
                for cond in op.match_conditions or ():
                    self._check_namespace(tuple(cond.path), for_put=False)
            else:
                raise ValueError(f"Unknown operation type: {type(op)}")
        return puts

    # -- request building -------------------------------------------------------------------

    def _key(self, sk: str) -> dict[str, Any]:
        return {self.keys.pk_attr: {"S": self.keys.agent_key}, self.keys.sk_attr: {"S": sk}}

    def _expired_item(self, item: dict[str, Any], now: float) -> bool:
        ttl = _attr(item, "ttl", "N")
        return ttl is not None and float(ttl) <= now

    def _to_item(self, item: dict[str, Any], cls: type[Item] = Item) -> Item:
        ns, key = parse_sk(item[self.keys.sk_attr]["S"])
        kwargs = {
            "namespace": ns,
            "key": key,
            "value": json.loads(item["value"]["S"]),
            "created_at": _dt(item["createdAt"]["S"]),
            "updated_at": _dt(item["updatedAt"]["S"]),
        }
        return cls(**kwargs)

    def _record_item(
        self, rec: dict[str, Any], score: float | None = None, path: str | None = None
    ) -> SearchItem:
        """An extracted AgentCore record as a store item (key = record id).

        ``path`` is the record namespace to report (default: its first).
        """
        path = path or (rec.get("namespaces") or ["/"])[0]
        created = _dt(rec.get("createdAt") or datetime.now(timezone.utc))
        return SearchItem(
            namespace=from_path(path),
            key=rec["memoryRecordId"],
            value={
                "text": rec.get("content", {}).get("text", ""),
                "strategy_id": rec.get("memoryStrategyId"),
                "metadata": _plain_metadata(rec.get("metadata") or {}),
                "namespace": path,
            },
            created_at=created,
            updated_at=_dt(rec.get("timestamp") or created),
            score=score,
        )

    def _record_input(self, p: _Put, now: float) -> dict[str, Any]:
        return {
            "requestIdentifier": uuid.uuid4().hex,
            "namespaces": [p.path],
            "content": {"text": p.text},
            "timestamp": datetime.fromtimestamp(now, timezone.utc),
            "metadata": {
                META_KEY: key_metadata(p.key),
                META_AGENT: {"stringValue": self._agent_tag},
            },
        }

    def _update_params(
        self, p: _Put, now: float, record_id: str | None, pending: bool, *, fresh: bool
    ) -> dict[str, Any]:
        """UpdateItem of an index item; ``fresh`` overwrites an expired predecessor."""
        names = {"#v": "value", "#ttl": "ttl"}
        values: dict[str, Any] = {":v": {"S": p.value_json}, ":now": {"S": _iso(now)}}
        sets = ["#v = :v", "updatedAt = :now", "entityType = :et"]
        values[":et"] = {"S": "store"}
        sets.append("createdAt = :now" if fresh else "createdAt = if_not_exists(createdAt, :now)")
        removes: list[str] = []
        if record_id:
            sets.append("recordId = :rid")
            values[":rid"] = {"S": record_id}
        else:
            removes.append("recordId")
        if pending:
            sets += ["syncPending = :true", "syncFields = :fields"]
            values[":true"] = {"BOOL": True}
            values[":fields"] = {"S": json.dumps(list(p.fields or ()))}
        else:
            removes += ["syncPending", "syncFields"]
        if p.ttl_minutes is not None:
            seconds = p.ttl_minutes * 60.0
            sets += ["#ttl = :ttl", "ttlSeconds = :ttls"]
            values[":ttl"] = {"N": str(math.ceil(now + seconds))}
            values[":ttls"] = {"N": repr(seconds)}
        else:
            removes += ["#ttl", "ttlSeconds"]
        expr = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._key(p.sk),
            "UpdateExpression": expr,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValues": "UPDATED_OLD",
        }
        if not fresh:
            params["ConditionExpression"] = "attribute_not_exists(#ttl) OR #ttl > :nows"
            values[":nows"] = {"N": str(math.floor(now))}
        return params

    def _refresh_params(self, sk: str, now: float) -> dict[str, Any]:
        """Extend an item's TTL by its own ``ttlSeconds`` (only if it still lives)."""
        return {
            "TableName": self.table_name,
            "Key": self._key(sk),
            "UpdateExpression": "SET #ttl = :now + ttlSeconds",
            "ConditionExpression": "attribute_exists(ttlSeconds) AND #ttl > :now",
            "ExpressionAttributeNames": {"#ttl": "ttl"},
            "ExpressionAttributeValues": {":now": {"N": str(math.ceil(now))}},
        }

    def _query_params(
        self, prefix: str, start: dict[str, Any] | None, projection: str | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :p)",
            "ExpressionAttributeNames": {"#pk": self.keys.pk_attr, "#sk": self.keys.sk_attr},
            "ExpressionAttributeValues": {
                ":pk": {"S": self.keys.agent_key},
                ":p": {"S": prefix},
            },
            "ConsistentRead": True,
        }
        if projection:
            params["ProjectionExpression"] = projection
            if "#ttl" in projection:
                params["ExpressionAttributeNames"]["#ttl"] = "ttl"
        if start:
            params["ExclusiveStartKey"] = start
        return params

    def _list_records_call(self, path: str, token: str | None = None) -> MemoryCall:
        """One page (100) of ListMemoryRecords under ``path``."""
        params: dict[str, Any] = {
            "memoryId": self.memory_id,
            "namespacePath": path,
            "maxResults": MAX_RECORD_BATCH,
        }
        if token:
            params["nextToken"] = token
        return MemoryCall("ListMemoryRecords", params)

    def _extracted_plan(
        self, root: str, first: dict[str, Any]
    ) -> Plan[list[tuple[dict[str, Any], str]]]:
        """Every extracted record under ``root``, with its namespace inside ``root``.

        ``first`` is the first ListMemoryRecords page (already fetched, concurrently
        with DynamoDB); later pages follow ``nextToken``. Records of any store (they
        carry ``lg_key``; the index items speak for them) and records outside the
        subtree (the service may match ``namespacePath`` as a string prefix) are dropped.
        """
        out: list[tuple[dict[str, Any], str]] = []
        foreign = 0
        resp = first
        while True:
            for rec in resp.get("memoryRecordSummaries", []):
                if META_KEY in (rec.get("metadata") or {}):
                    continue
                path = _path_within(rec, root)
                if path is None:
                    foreign += 1
                    continue
                out.append((rec, path))
            token = resp.get("nextToken")
            if not token:
                break
            resp = yield self._list_records_call(root, token)
        if foreign:
            logger.debug("dropped %d records outside %s from ListMemoryRecords", foreign, root)
        return out

    # -- queues ---------------------------------------------------------------------------------

    def _tombstone(self, *record_ids: str | None) -> None:
        with self._lock:
            self._tombstones.update(r for r in record_ids if r)

    def _take(self, which: set[Any]) -> list[Any]:
        with self._lock:
            out = sorted(which)
            which.clear()
            return out

    # -- plans ----------------------------------------------------------------------------------

    def _batch_plan(self, ops: list[Op]) -> Plan[list[Result]]:
        puts = self._validate(ops)
        results: list[Result] = [None] * len(ops)
        talked = False  # did AgentCore answer during this batch?
        for i, op in enumerate(ops):
            if isinstance(op, GetOp):
                results[i] = yield from self._get_plan(op)
            elif isinstance(op, SearchOp):
                if op.query:
                    results[i] = yield from self._query_plan(op)
                    talked = True
                else:
                    results[i] = yield from self._list_items_plan(op)
            elif isinstance(op, ListNamespacesOp):
                results[i] = yield from self._list_namespaces_plan(op)
        for p in puts.values():
            talked = (yield from self._put_plan(p)) or talked
        if talked:
            with self._lock:
                pending, stale = bool(self._pending), len(self._tombstones)
            if pending:
                try:
                    yield from self._sync_pending_plan()
                except AgentCoreStorageError as exc:
                    logger.warning("retrying pending AgentCore syncs failed: %s", exc)
            if stale >= self.tombstone_threshold:
                yield from self._delete_records_plan()
        return results

    def _get_plan(self, op: GetOp) -> Plan[Item | None]:
        sk = item_sk(op.namespace, op.key)
        resp = yield Call(
            "GetItem", {"TableName": self.table_name, "Key": self._key(sk), "ConsistentRead": True}
        )
        item = resp.get("Item")
        now = self._now()
        if item is not None:
            if self._expired_item(item, now):
                with self._lock:
                    self._expired.add(sk)
                return None
            if op.refresh_ttl and "ttlSeconds" in item:
                yield from self._refresh_plan([sk], now)
            return self._to_item(item)
        if not RECORD_ID.fullmatch(op.key):
            return None
        # Not in the index: maybe a record AgentCore's strategies extracted.
        try:
            rec = yield MemoryCall(
                "GetMemoryRecord", {"memoryId": self.memory_id, "memoryRecordId": op.key}
            )
        except MemoryRecordNotFoundError:
            return None
        record = rec.get("memoryRecord", {})
        if (record.get("metadata") or {}).get(META_KEY) is not None:
            return None  # one of ours, stale or orphaned
        want = labels(to_path(op.namespace))
        path = next((n for n in record.get("namespaces") or () if labels(n) == want), None)
        if path is None:
            return None  # the record lives in another namespace
        found = self._record_item(record, path=path)
        return Item(
            namespace=found.namespace,
            key=found.key,
            value=found.value,
            created_at=found.created_at,
            updated_at=found.updated_at,
        )

    def _refresh_plan(self, sks: list[str], now: float) -> Plan[None]:
        """Extend TTLs of items just read (one conditional UpdateItem each)."""
        for sk in sks:
            try:
                yield Call("UpdateItem", self._refresh_params(sk, now))
            except AgentCoreStorageError as exc:
                if "ConditionalCheckFailed" not in str(exc):
                    raise
                logger.debug("TTL refresh skipped for %s: item changed", sk)

    def _list_items_plan(self, op: SearchOp) -> Plan[list[SearchItem]]:
        prefix = ns_prefix(op.namespace_prefix)
        need = _window(op.offset, op.limit)
        now = self._now()
        found: list[tuple[SearchItem, bool]] = []
        start: dict[str, Any] | None = None
        root = to_path(op.namespace_prefix)
        listing = self._list_records_call(root) if self.include_extracted and need != 0 else None
        first: dict[str, Any] | None = None
        scanned: set[tuple[tuple[str, ...], str]] = set()  # live index items, matching or not
        while need is None or len(found) < need:
            query = Call("Query", self._query_params(prefix, start))
            if listing is not None:  # the first page of both services at once
                resp, first = yield [query, listing]
                listing = None
            else:
                resp = yield query
            for raw in resp.get("Items", []):
                if self._expired_item(raw, now):
                    with self._lock:
                        self._expired.add(raw[self.keys.sk_attr]["S"])
                    continue
                it = self._to_item(raw, SearchItem)
                scanned.add((it.namespace, it.key))
                if isinstance(it, SearchItem) and _matches(it.value, op.filter):
                    found.append((it, "ttlSeconds" in raw))
                    if need is not None and len(found) >= need:
                        break
            start = resp.get("LastEvaluatedKey")
            if not start:
                break
        if listing is not None:
            first = yield listing
        if first is not None:
            found = yield from self._merge_extracted(found, scanned, root, first, op.filter)
        page = found[op.offset : op.offset + op.limit]
        if op.refresh_ttl:
            sks = [item_sk(it.namespace, it.key) for it, has_ttl in page if has_ttl]
            if sks:
                yield from self._refresh_plan(sks, now)
        logger.debug("store search %s: %d items", op.namespace_prefix, len(page))
        return [it for it, _ in page]

    def _merge_extracted(
        self,
        found: list[tuple[SearchItem, bool]],
        scanned: set[tuple[tuple[str, ...], str]],
        root: str,
        first: dict[str, Any],
        flt: dict[str, Any] | None,
    ) -> Plan[list[tuple[SearchItem, bool]]]:
        """Index items plus the extracted records under ``root``, sorted by (namespace, key).

        An index item with the same namespace and key (``scanned``, whether it matched
        the filter or not) shadows a record, as in :meth:`get`. The index scan may have
        stopped at ``offset + limit`` matches: any item it did not reach sorts after
        those, and so does the record it would shadow, outside the page.
        """
        records = yield from self._extracted_plan(root, first)
        if not records:
            return found
        taken = set(scanned)
        merged = list(found)
        for rec, path in records:
            it = self._record_item(rec, path=path)
            if (it.namespace, it.key) not in taken and _matches(it.value, flt):
                taken.add((it.namespace, it.key))
                merged.append((it, False))
        merged.sort(key=lambda pair: (pair[0].namespace, pair[0].key))
        return merged

    def _retrieve_call(self, op: SearchOp, root: str, top_k: int) -> MemoryCall:
        assert op.query
        return MemoryCall(
            "RetrieveMemoryRecords",
            {
                "memoryId": self.memory_id,
                "namespacePath": root,
                "searchCriteria": {"searchQuery": op.query[:10_000], "topK": top_k},
                "maxResults": top_k,
            },
        )

    def _query_plan(self, op: SearchOp) -> Plan[list[SearchItem]]:
        """Semantic search: one retrieval, then one batched read of the index items.

        Records outside the requested subtree are dropped; if they filled the ``topK``,
        the retrieval is repeated once with the largest ``topK``.
        """
        assert op.query
        want = max(op.offset + op.limit, 1)
        top_k = min(MAX_RECORD_BATCH, want * (3 if op.filter else 2))
        root = to_path(op.namespace_prefix)
        resp = yield self._retrieve_call(op, root, top_k)
        got_all = resp.get("memoryRecordSummaries", [])
        records = [(r, p) for r in got_all if (p := _path_within(r, root)) is not None]
        if len(records) < len(got_all) and len(got_all) >= top_k and top_k < MAX_RECORD_BATCH:
            # Records of sibling namespaces (``namespacePath`` matched as a string prefix)
            # took retrieval slots: ask once more for as many candidates as allowed.
            logger.debug(
                "store query %s: %d foreign records, widening topK",
                root,
                len(got_all) - len(records),
            )
            resp = yield self._retrieve_call(op, root, MAX_RECORD_BATCH)
            got_all = resp.get("memoryRecordSummaries", [])
            records = [(r, p) for r in got_all if (p := _path_within(r, root)) is not None]
        wanted: dict[str, dict[str, Any]] = {}
        refs: list[tuple[dict[str, Any], str, str | None]] = []
        for rec, path in records:
            meta = rec.get("metadata") or {}
            key = key_from_metadata(meta.get(META_KEY))
            if key is None:
                refs.append((rec, path, None))
                continue
            ns = from_path(path)
            if not ns:
                continue
            try:
                sk = item_sk(ns, key)
            except ValueError:
                continue
            refs.append((rec, path, sk))
            wanted[sk] = self._key(sk)
        index: dict[str, dict[str, Any]] = {}
        if wanted:
            got = yield from batch_get_plan(self.table_name, list(wanted.values()))
            index = {it[self.keys.sk_attr]["S"]: it for it in got}
        now = self._now()
        out: list[tuple[SearchItem, bool]] = []
        seen: set[str] = set()
        for rec, path, ref in refs:
            score = rec.get("score")
            if ref is None:
                it = self._record_item(rec, score, path)
                has_ttl = False
            else:
                raw = index.get(ref)
                if raw is None or ref in seen:
                    continue
                if _attr(raw, "recordId") != rec["memoryRecordId"]:
                    continue  # stale record of an older value: its deletion is queued
                if self._expired_item(raw, now):
                    with self._lock:
                        self._expired.add(ref)
                    continue
                seen.add(ref)
                base = self._to_item(raw)
                it = SearchItem(
                    namespace=base.namespace,
                    key=base.key,
                    value=base.value,
                    created_at=base.created_at,
                    updated_at=base.updated_at,
                    score=score,
                )
                has_ttl = "ttlSeconds" in raw
            if _matches(it.value, op.filter):
                out.append((it, has_ttl))
        page = out[op.offset : op.offset + op.limit]
        if op.refresh_ttl:
            sks = [item_sk(it.namespace, it.key) for it, has in page if has]
            if sks:
                yield from self._refresh_plan(sks, now)
        logger.debug(
            "store query %s: %d records, %d kept", op.namespace_prefix, len(records), len(page)
        )
        return [it for it, _ in page]

    def _list_namespaces_plan(self, op: ListNamespacesOp) -> Plan[list[tuple[str, ...]]]:
        conds = list(op.match_conditions or ())
        lead: list[str] = []
        for cond in conds:
            if cond.match_type == "prefix":
                for label in cond.path:
                    if label == "*":
                        break
                    lead.append(label)
                break
        prefix = ns_prefix(lead)
        need = _window(op.offset, op.limit)
        now = self._now()
        out: list[tuple[str, ...]] = []
        start: dict[str, Any] | None = None
        root = to_path(lead)
        listing = self._list_records_call(root) if self.include_extracted and need != 0 else None
        first: dict[str, Any] | None = None
        while need is None or len(out) < need:
            query = Call("Query", self._query_params(prefix, start, "#sk, #ttl"))
            if listing is not None:  # the first page of both services at once
                resp, first = yield [query, listing]
                listing = None
            else:
                resp = yield query
            for raw in resp.get("Items", []):
                if self._expired_item(raw, now):
                    continue
                ns, _ = parse_sk(raw[self.keys.sk_attr]["S"])
                if not all(_does_match(c, ns) for c in conds):
                    continue
                if op.max_depth is not None:
                    ns = ns[: op.max_depth]
                if not out or out[-1] != ns:
                    out.append(ns)
                    if need is not None and len(out) >= need:
                        break
            start = resp.get("LastEvaluatedKey")
            if not start:
                break
        if listing is not None:
            first = yield listing
        if first is not None:
            extra: set[tuple[str, ...]] = set()
            for rec, _ in (yield from self._extracted_plan(root, first)):
                for path in rec.get("namespaces") or ():
                    ns = from_path(path)
                    if not ns or not within(path, root):
                        continue
                    if all(_does_match(c, ns) for c in conds):
                        extra.add(ns[: op.max_depth] if op.max_depth is not None else ns)
            if extra - set(out):
                out = sorted(extra.union(out))
        return out[op.offset : op.offset + op.limit]

    def _put_plan(self, p: _Put) -> Plan[bool]:
        """Write one item; returns True if AgentCore answered."""
        if p.value_json is None:
            return (yield from self._delete_plan(p))
        now = self._now()
        record_id: str | None = None
        pending = False
        talked = False
        if p.text:
            try:
                resp = yield MemoryCall(
                    "BatchCreateMemoryRecords",
                    {"memoryId": self.memory_id, "records": [self._record_input(p, now)]},
                )
                record_id = self._created_id(resp, "BatchCreateMemoryRecords")
                talked = True
            except AgentCoreUnavailableError as exc:
                logger.warning(
                    "AgentCore unavailable; %s/%r stored and readable, searchable later: %s",
                    p.path,
                    p.key,
                    exc,
                )
                pending = True
        try:
            try:
                resp = yield Call(
                    "UpdateItem", self._update_params(p, now, record_id, pending, fresh=False)
                )
            except AgentCoreStorageError as exc:
                if "ConditionalCheckFailed" not in str(exc):
                    raise
                # The previous item had expired (DynamoDB deletes lazily): start afresh.
                resp = yield Call(
                    "UpdateItem", self._update_params(p, now, record_id, pending, fresh=True)
                )
        except AgentCoreStorageError:
            self._tombstone(record_id)  # nothing references the new record
            raise
        old = _attr(resp.get("Attributes", {}), "recordId")
        if old and old != record_id:
            self._tombstone(old)
        with self._lock:
            if pending:
                self._pending.add((p.namespace, p.key))
            else:
                self._pending.discard((p.namespace, p.key))
        logger.debug("store put %s/%r record=%s pending=%s", p.path, p.key, record_id, pending)
        return talked

    def _created_id(self, resp: dict[str, Any], op: str) -> str:
        ok = resp.get("successfulRecords") or []
        if ok and ok[0].get("memoryRecordId"):
            return str(ok[0]["memoryRecordId"])
        failed = (resp.get("failedRecords") or [{}])[0]
        code = int(failed.get("errorCode") or 500)
        msg = (
            f"AgentCore Memory {op} on memory {self.memory_id!r}: record failed: "
            f"{code}: {failed.get('errorMessage', '')}"
        )
        if code == 429 or code >= 500:
            raise AgentCoreUnavailableError(msg, resource=self.memory_id, operation=op)
        raise AgentCoreMemoryError(msg, resource=self.memory_id, operation=op)

    def _delete_plan(self, p: _Put) -> Plan[bool]:
        resp = yield Call(
            "DeleteItem",
            {"TableName": self.table_name, "Key": self._key(p.sk), "ReturnValues": "ALL_OLD"},
        )
        with self._lock:
            self._pending.discard((p.namespace, p.key))
        old = resp.get("Attributes")
        if old:
            rid = _attr(old, "recordId")
            if not rid:
                return False
            try:
                r = yield MemoryCall(
                    "BatchDeleteMemoryRecords",
                    {"memoryId": self.memory_id, "records": [{"memoryRecordId": rid}]},
                )
            except AgentCoreStorageError as exc:
                logger.warning("record %s of deleted item queued for deletion: %s", rid, exc)
                self._tombstone(rid)
                return False
            for f in r.get("failedRecords") or []:
                if int(f.get("errorCode") or 500) != 404:
                    self._tombstone(f.get("memoryRecordId"))
            return True
        if RECORD_ID.fullmatch(p.key):
            with contextlib.suppress(MemoryRecordNotFoundError):
                yield MemoryCall(
                    "DeleteMemoryRecord",
                    {"memoryId": self.memory_id, "memoryRecordId": p.key, "namespace": p.path},
                )
            return True
        return False

    def _delete_records_plan(self) -> Plan[int]:
        """BatchDeleteMemoryRecords for every queued stale record (100 per request)."""
        ids = self._take(self._tombstones)
        done = 0
        for start in range(0, len(ids), MAX_RECORD_BATCH):
            chunk = ids[start : start + MAX_RECORD_BATCH]
            try:
                r = yield MemoryCall(
                    "BatchDeleteMemoryRecords",
                    {"memoryId": self.memory_id, "records": [{"memoryRecordId": i} for i in chunk]},
                )
            except AgentCoreStorageError:
                self._tombstone(*ids[start:])
                raise
            retry = [
                f.get("memoryRecordId")
                for f in r.get("failedRecords") or []
                if int(f.get("errorCode") or 500) != 404
            ]
            self._tombstone(*retry)
            done += len(chunk) - len(retry)
        logger.debug("deleted %d stale AgentCore records", done)
        return done

    def _flush_plan(self) -> Plan[int]:
        """Delete expired index items seen on reads, then every queued stale record."""
        now = self._now()
        for sk in self._take(self._expired):
            try:
                resp = yield Call(
                    "DeleteItem",
                    {
                        "TableName": self.table_name,
                        "Key": self._key(sk),
                        "ConditionExpression": "#ttl <= :now",
                        "ExpressionAttributeNames": {"#ttl": "ttl"},
                        "ExpressionAttributeValues": {":now": {"N": str(math.floor(now))}},
                        "ReturnValues": "ALL_OLD",
                    },
                )
            except AgentCoreStorageError as exc:
                if "ConditionalCheckFailed" not in str(exc):
                    raise
                continue  # rewritten or refreshed since: still alive
            self._tombstone(_attr(resp.get("Attributes", {}), "recordId"))
        return (yield from self._delete_records_plan())

    def _sync_pending_plan(self) -> Plan[int]:
        """Create records for items stored while AgentCore was down; returns how many."""
        pending = self._take(self._pending)
        if not pending:
            return 0
        now = self._now()
        todo: list[tuple[_Put, str, dict[str, Any]]] = []
        for ns, key in pending:
            sk = item_sk(ns, key)
            resp = yield Call(
                "GetItem",
                {"TableName": self.table_name, "Key": self._key(sk), "ConsistentRead": True},
            )
            raw = resp.get("Item")
            if not raw or not _attr(raw, "syncPending", "BOOL") or self._expired_item(raw, now):
                continue
            value = json.loads(raw["value"]["S"])
            fields = tuple(json.loads(_attr(raw, "syncFields") or "[]")) or self._fields
            text = self._text(value, fields)
            p = _Put(ns, key, sk, to_path(ns), raw["value"]["S"], fields, text or None, None)
            todo.append((p, raw["updatedAt"]["S"], self._record_input(p, now)))
        done = 0
        for start in range(0, len(todo), MAX_RECORD_BATCH):
            chunk = todo[start : start + MAX_RECORD_BATCH]
            try:
                resp = yield MemoryCall(
                    "BatchCreateMemoryRecords",
                    {"memoryId": self.memory_id, "records": [r for _, _, r in chunk]},
                )
            except AgentCoreUnavailableError:
                with self._lock:
                    self._pending.update((p.namespace, p.key) for p, _, _ in todo[start:])
                raise
            ids = {
                s["requestIdentifier"]: s["memoryRecordId"]
                for s in resp.get("successfulRecords") or []
            }
            for p, updated, rec in chunk:
                rid = ids.get(rec["requestIdentifier"])
                if rid is None:
                    with self._lock:
                        self._pending.add((p.namespace, p.key))
                    continue
                try:
                    yield Call(
                        "UpdateItem",
                        {
                            "TableName": self.table_name,
                            "Key": self._key(p.sk),
                            "UpdateExpression": (
                                "SET recordId = :rid REMOVE syncPending, syncFields"
                            ),
                            "ConditionExpression": "updatedAt = :u AND syncPending = :true",
                            "ExpressionAttributeValues": {
                                ":rid": {"S": rid},
                                ":u": {"S": updated},
                                ":true": {"BOOL": True},
                            },
                        },
                    )
                    done += 1
                except AgentCoreStorageError as exc:
                    self._tombstone(rid)  # the item changed meanwhile: record is stale
                    if "ConditionalCheckFailed" not in str(exc):
                        raise
        logger.debug("synced %d pending items to AgentCore", done)
        return done

    def _reconcile_plan(self) -> Plan[dict[str, int]]:
        now = self._now()
        live: dict[str, str | None] = {}
        expired = pending = 0
        start: dict[str, Any] | None = None
        while True:
            resp = yield Call(
                "Query",
                self._query_params(STORE_PREFIX, start, "#sk, #ttl, recordId, syncPending"),
            )
            for raw in resp.get("Items", []):
                sk = raw[self.keys.sk_attr]["S"]
                if self._expired_item(raw, now):
                    expired += 1
                    with self._lock:
                        self._expired.add(sk)
                    continue
                live[sk] = _attr(raw, "recordId")
                if _attr(raw, "syncPending", "BOOL"):
                    pending += 1
                    with self._lock:
                        self._pending.add(parse_sk(sk))
            start = resp.get("LastEvaluatedKey")
            if not start:
                break
        orphans = 0
        token: str | None = None
        while True:
            resp = yield self._list_records_call("/", token)
            for rec in resp.get("memoryRecordSummaries", []):
                meta = rec.get("metadata") or {}
                if (meta.get(META_AGENT) or {}).get("stringValue") != self._agent_tag:
                    continue
                key = key_from_metadata(meta.get(META_KEY))
                ns = from_path((rec.get("namespaces") or ["/"])[0])
                if key is None or not ns:
                    continue
                rid = rec["memoryRecordId"]
                if live.get(item_sk(ns, key)) == rid:
                    continue
                created = _dt(rec.get("createdAt") or datetime.now(timezone.utc)).timestamp()
                if created <= now - self.orphan_grace_seconds:
                    orphans += 1
                    self._tombstone(rid)
            token = resp.get("nextToken")
            if not token:
                break
        synced = yield from self._sync_pending_plan()
        deleted = yield from self._flush_plan()
        return {
            "expired": expired,
            "orphans": orphans,
            "pending": pending,
            "synced": synced,
            "deleted_records": deleted,
        }


def _path_within(rec: dict[str, Any], root: str) -> str | None:
    """The record's first namespace inside ``root`` (label by label), or None if outside.

    AgentCore documents ``namespacePath`` as a string prefix: ``/users/u1`` may answer
    with records of ``/users/u12``. Every record a subtree request returns is checked.
    """
    return next((n for n in rec.get("namespaces") or () if within(n, root)), None)


def _plain_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """AgentCore metadata values (``{"stringValue": ...}``) as plain JSON values."""
    out: dict[str, Any] = {}
    for k, v in meta.items():
        if isinstance(v, dict) and len(v) == 1:
            (val,) = v.values()
            out[k] = val.isoformat() if isinstance(val, datetime) else val
        else:
            out[k] = v
    return out
