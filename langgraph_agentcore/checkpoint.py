"""DynamoDBSaver: a LangGraph checkpointer on one DynamoDB table.

Every operation is a *plan* (see :mod:`langgraph_agentcore.table`) built here once from
pure key building (:mod:`~langgraph_agentcore.keys`) and item encoding
(:mod:`~langgraph_agentcore.items`); the sync methods drive it with boto3 and the async
methods with aiobotocore, so both behave identically.

Requests per call when items fit in 400 KB: ``put`` 1 PutItem; ``put_writes`` 1
UpdateItem (all writes of a task live in one item, so they land atomically); ``get_tuple``
1 Query (the newest checkpoint sorts right after its writes); ``list`` 1 Query per 1 MB
page. Larger values add one BatchWriteItem per 25 chunks on write and one BatchGetItem
per 100 chunks on read; the referencing item is written last, so a reader sees all of a
value or none of it.
"""

from __future__ import annotations

import logging
import random
from builtins import list as _list  # the class defines list(); keep the builtin at hand
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, cast

from botocore.config import Config
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    PendingWrite,
    get_checkpoint_id,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

from langgraph_agentcore import items as codec
from langgraph_agentcore.keys import KeySchema
from langgraph_agentcore.table import (
    Call,
    Emit,
    Plan,
    TableIO,
    batch_get_plan,
    batch_write_plan,
    setup_plan,
)

logger = logging.getLogger(__name__)

CHECKPOINT = "checkpoint"
WRITES = "writes"
CHUNK = "chunk"

#: Items read by the first page of a "latest checkpoint" Query. Descending, the writes
#: items of the newest checkpoint (one per task) come first, then the checkpoint. A
#: finished run's newest checkpoint has no writes, an interrupted one usually one task's,
#: so 2 items answer most reads in one Query without reading older checkpoints (capacity
#: is charged for every item read); later pages grow 4x (8, 32, ...).
FIRST_PAGE_LIMIT = 2


@dataclass(frozen=True)
class _Target:
    """A parsed, validated config: which thread/namespace/checkpoint it names."""

    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str | None


def _next_item(rng: Plan[None]) -> Plan[dict[str, Any] | None]:
    """Run an item-emitting sub-plan until its next item (None when it is done).

    Its requests pass through to the driver, so a caller can consume a paged Query item
    by item: ``while (item := (yield from _next_item(rng))) is not None: ...``.
    """
    reply: Any = None
    while True:
        try:
            step = rng.send(reply)
        except StopIteration:
            return None
        if isinstance(step, Emit):
            return step.value
        reply = yield step


def _write_attr(idx: int) -> str:
    return f"w{idx}"


def _write_entries(item: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The ``(idx, map)`` of each write stored in a writes item (attributes ``w{idx}``)."""
    for attr, value in item.items():
        if attr.startswith("w") and attr[1:].lstrip("-").isdigit():
            yield int(attr[1:]), value["M"]


def _chunk_refs(item: dict[str, Any]) -> _list[codec.ChunkRef]:
    """The chunked payloads an item references: its own and those of its writes."""
    refs = [codec.ChunkRef.parse(item["chunks"])] if "chunks" in item else []
    refs += [codec.ChunkRef.parse(m["ref"]) for _, m in _write_entries(item) if "ref" in m]
    return refs


def _one_of(name: str, value: Any, alias: str, alias_value: Any) -> Any:
    """The value of an option that also has an alias; giving both is an error."""
    if value is not None and alias_value is not None:
        raise TypeError(f"DynamoDBSaver: pass {name}= or its alias {alias}=, not both")
    return value if value is not None else alias_value


def _placeholder(idx: int) -> str:
    return f"#w{idx}" if idx >= 0 else f"#wm{-idx}"


class DynamoDBSaver(BaseCheckpointSaver[str]):
    """A LangGraph checkpointer storing threads in DynamoDB, sync and async.

    Args:
        table_name: The DynamoDB table (create it with :meth:`setup`).
        agent_id: Owner of the threads; the partition key is ``agent#{agent_id}``.
        region_name, endpoint_url, session, config: How to build clients (a
            ``boto3.Session``, a ``botocore.config.Config`` merged over our retry
            defaults). ``dynamodb_client`` / ``async_client``: ready boto3 / aiobotocore
            clients. ``async_dynamodb_client_factory``: builds an aiobotocore client
            context per event loop (e.g.
            :func:`langgraph_agentcore.inprocess.async_client_factory`). These are the
            store's names; ``client`` and ``async_client_factory`` are accepted aliases
            (passing a name and its alias is an error).
        serde: Serializer (defaults to LangGraph's JsonPlusSerializer, no pickle).
        pk_attr, sk_attr, pk_prefix, sk_prefix: Map an existing table's key names and
            prefixes.
        shards: Spread the agent's threads over this many partition keys (fixed for the
            life of the data: changing it relocates threads).
        ttl_seconds: Items expire this long after they are written (``ttl`` attribute).
        compression: zlib-compress payloads of 1 KB and more when it helps.
        orphan_grace_seconds: ``prune`` removes chunks of interrupted large writes only
            when they are older than this (an in-flight write may still reference them).
    """

    def __init__(
        self,
        table_name: str,
        agent_id: str,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        session: Any = None,
        dynamodb_client: Any = None,
        async_client: Any = None,
        config: Config | None = None,
        async_dynamodb_client_factory: Callable[[], Any] | None = None,
        client: Any = None,
        async_client_factory: Callable[[], Any] | None = None,
        serde: SerializerProtocol | None = None,
        pk_attr: str = "pk",
        sk_attr: str = "sk",
        pk_prefix: str = "agent#",
        sk_prefix: str = "context#",
        shards: int = 1,
        ttl_seconds: float | None = None,
        compression: bool = False,
        orphan_grace_seconds: float = 900.0,
    ) -> None:
        super().__init__(serde=serde)
        self.keys = KeySchema(
            agent_id=agent_id,
            pk_attr=pk_attr,
            sk_attr=sk_attr,
            pk_prefix=pk_prefix,
            sk_prefix=sk_prefix,
            shards=shards,
        )
        if ttl_seconds is not None and (
            isinstance(ttl_seconds, bool)
            or not isinstance(ttl_seconds, (int, float))
            or ttl_seconds <= 0
        ):
            raise ValueError(f"ttl_seconds must be a positive number, got {ttl_seconds!r}")
        self.io = TableIO(
            table_name,
            client=_one_of("dynamodb_client", dynamodb_client, "client", client),
            async_client=async_client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            config=config,
            async_client_factory=_one_of(
                "async_dynamodb_client_factory",
                async_dynamodb_client_factory,
                "async_client_factory",
                async_client_factory,
            ),
        )
        self.table_name = table_name
        self.ttl_seconds = ttl_seconds
        self.compression = bool(compression)
        self.orphan_grace_seconds = float(orphan_grace_seconds)

    # -- construction helpers -----------------------------------------------------------

    @classmethod
    @contextmanager
    def from_conn_info(
        cls, table_name: str, agent_id: str, **kwargs: Any
    ) -> Iterator[DynamoDBSaver]:
        """Build a saver, create its table if missing, and close it on exit."""
        saver = cls(table_name, agent_id, **kwargs)
        try:
            saver.setup()
            yield saver
        finally:
            saver.close()

    @classmethod
    @asynccontextmanager
    async def afrom_conn_info(
        cls, table_name: str, agent_id: str, **kwargs: Any
    ) -> AsyncIterator[DynamoDBSaver]:
        """Async twin of :meth:`from_conn_info`."""
        saver = cls(table_name, agent_id, **kwargs)
        try:
            await saver.asetup()
            yield saver
        finally:
            await saver.aclose()

    def __enter__(self) -> DynamoDBSaver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> DynamoDBSaver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def close(self) -> None:
        """Release the sync client's connections."""
        self.io.close()

    async def aclose(self) -> None:
        """Release the async client of the running event loop."""
        await self.io.aclose()

    def setup(self) -> bool:
        """Create the table if it is missing and enable TTL if configured (idempotent)."""
        return self.io.run(self._setup_plan())

    async def asetup(self) -> bool:
        """Async twin of :meth:`setup`."""
        return await self.io.arun(self._setup_plan())

    def _setup_plan(self) -> Plan[bool]:
        ttl_attr = "ttl" if self.ttl_seconds is not None else None
        return setup_plan(self.table_name, self.keys.pk_attr, self.keys.sk_attr, ttl_attr)

    # -- public API: sync ---------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The checkpoint named by ``config`` (or the thread's newest) with its writes."""
        return self.io.run(self._get_tuple_plan(config))

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """Checkpoints newest first; ``config=None`` lists every thread of the agent."""
        yield from self.io.iterate(self._list_plan(config, filter, before, limit))

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store a checkpoint (one PutItem when it fits in an item)."""
        return self.io.run(self._put_plan(config, checkpoint, metadata))

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store a task's pending writes atomically (one UpdateItem)."""
        self.io.run(self._put_writes_plan(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        """Delete every item of a thread: checkpoints, writes and chunks."""
        self.io.run(self._delete_thread_plan(thread_id))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Delete the checkpoints (and their writes) created by the given runs."""
        self.io.run(self._delete_for_runs_plan(run_ids))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint and write of one thread to another."""
        self.io.run(self._copy_thread_plan(source_thread_id, target_thread_id))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Keep only each namespace's newest checkpoint, or delete all (``"delete"``)."""
        self.io.run(self._prune_plan(thread_ids, strategy))

    # -- public API: async --------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """Async twin of :meth:`get_tuple`."""
        return await self.io.arun(self._get_tuple_plan(config))

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """Async twin of :meth:`list`."""
        async for tup in self.io.aiterate(self._list_plan(config, filter, before, limit)):
            yield tup

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Async twin of :meth:`put`."""
        return await self.io.arun(self._put_plan(config, checkpoint, metadata))

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Async twin of :meth:`put_writes`."""
        await self.io.arun(self._put_writes_plan(config, writes, task_id, task_path))

    async def adelete_thread(self, thread_id: str) -> None:
        """Async twin of :meth:`delete_thread`."""
        await self.io.arun(self._delete_thread_plan(thread_id))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """Async twin of :meth:`delete_for_runs`."""
        await self.io.arun(self._delete_for_runs_plan(run_ids))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Async twin of :meth:`copy_thread`."""
        await self.io.arun(self._copy_thread_plan(source_thread_id, target_thread_id))

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """Async twin of :meth:`prune`."""
        await self.io.arun(self._prune_plan(thread_ids, strategy))

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """DeltaChannel history of a checkpoint's ancestors from one descending Query scan.

        Same result as the base implementation (one get_tuple per ancestor), but the
        ancestors are read in 1 MB pages: a Query per page instead of a request each.
        """
        return self.io.run(self._delta_history_plan(config, channels))

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        """Async twin of :meth:`get_delta_channel_history`."""
        return await self.io.arun(self._delta_history_plan(config, channels))

    def get_next_version(self, current: str | None, channel: None) -> str:
        """Monotonic string versions ``{counter:032}.{random:016}``, as LangGraph's savers."""
        if current is None:
            current_v = 0
        elif isinstance(current, int):
            current_v = current
        else:
            current_v = int(str(current).split(".")[0])
        return f"{current_v + 1:032}.{random.random():016}"

    # -- config parsing -------------------------------------------------------------------

    def _check_ids(self, op: str, **ids: object) -> None:
        """``KeySchema.check_ids`` with errors that name the saver operation."""
        try:
            self.keys.check_ids(**ids)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"DynamoDBSaver.{op}: {exc}") from None

    def _target(self, config: Any, op: str, *, need_checkpoint: bool = False) -> _Target:
        """Validate a RunnableConfig and pull out thread, namespace and checkpoint id."""
        if not isinstance(config, dict):
            raise TypeError(
                f"DynamoDBSaver.{op}: config must be a dict, got {type(config).__name__}"
            )
        conf = config.get("configurable")
        if not isinstance(conf, dict) or conf.get("thread_id") is None:
            raise ValueError(f"DynamoDBSaver.{op}: config['configurable']['thread_id'] is required")
        thread_id = conf["thread_id"]
        if isinstance(thread_id, int) and not isinstance(thread_id, bool):
            thread_id = str(thread_id)
        ns = conf.get("checkpoint_ns", "")
        ns = "" if ns is None else ns
        checkpoint_id = get_checkpoint_id(cast(RunnableConfig, config))
        ids: dict[str, object] = {"thread_id": thread_id, "checkpoint_ns": ns}
        if checkpoint_id is not None:
            ids["checkpoint_id"] = checkpoint_id
        self._check_ids(op, **ids)
        if need_checkpoint and not checkpoint_id:
            raise ValueError(
                f"DynamoDBSaver.{op}: config['configurable']['checkpoint_id'] is required"
            )
        return _Target(thread_id, ns, checkpoint_id)

    def _base_item(self, t: _Target, sk: str, entity: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            self.keys.pk_attr: {"S": self.keys.pk(t.thread_id)},
            self.keys.sk_attr: {"S": sk},
            "entityType": {"S": entity},
            "updatedAt": {"S": codec.now_iso()},
            "threadId": {"S": t.thread_id},
            "checkpointNs": {"S": t.checkpoint_ns},
        }
        if t.checkpoint_id is not None:
            item["checkpointId"] = {"S": t.checkpoint_id}
        ttl = codec.ttl_value(self.ttl_seconds)
        if ttl is not None:
            item["ttl"] = {"N": str(ttl)}
        return item

    def _chunk_puts(
        self, thread_id: str, chunked: codec.Chunked, base: dict[str, Any]
    ) -> _list[dict[str, Any]]:
        """BatchWriteItem put requests for the chunks of one large payload."""
        reqs = []
        for i, data in enumerate(chunked.chunks):
            item = dict(base)
            item[self.keys.sk_attr] = {"S": self.keys.chunk_sk(thread_id, chunked.blob_id, i)}
            item["entityType"] = {"S": CHUNK}
            item["blobId"] = {"S": chunked.blob_id}
            item["data"] = {"B": data}
            reqs.append({"PutRequest": {"Item": item}})
        return reqs

    # -- put ---------------------------------------------------------------------------

    def _put_plan(
        self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata
    ) -> Plan[RunnableConfig]:
        t = self._target(config, "put")
        if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("id"), str):
            raise TypeError(
                "DynamoDBSaver.put: checkpoint must be a Checkpoint dict with a str 'id'"
            )
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError("DynamoDBSaver.put: metadata must be a dict")
        parent_id = t.checkpoint_id
        target = _Target(t.thread_id, t.checkpoint_ns, checkpoint["id"])
        self._check_ids(
            "put",
            thread_id=t.thread_id,
            checkpoint_ns=t.checkpoint_ns,
            checkpoint_id=checkpoint["id"],
        )
        full_metadata = get_checkpoint_metadata(config, metadata)
        payload = codec.frame(
            [self.serde.dumps_typed(checkpoint), self.serde.dumps_typed(full_metadata)]
        )
        payload, encoding = codec.compress(payload, self.compression)
        sk = self.keys.checkpoint_sk(t.thread_id, t.checkpoint_ns, checkpoint["id"])
        item = self._base_item(target, sk, CHECKPOINT)
        if parent_id:
            item["parentCheckpointId"] = {"S": parent_id}
        run_id = full_metadata.get("run_id")
        if isinstance(run_id, str) and run_id:
            item["runId"] = {"S": run_id}
        if encoding:
            item["enc"] = {"S": encoding}
        item["payload"] = {"B": payload}
        if codec.item_size(item) > codec.MAX_INLINE_ITEM_BYTES:
            del item["payload"]
            chunked = codec.split(payload)
            item["chunks"] = chunked.descriptor()
            logger.debug("put: checkpoint %s chunked into %d", sk, len(chunked.chunks))
            yield from batch_write_plan(
                self.table_name,
                self._chunk_puts(t.thread_id, chunked, self._base_item(target, sk, CHUNK)),
            )
        yield Call("PutItem", {"TableName": self.table_name, "Item": item})
        return {
            "configurable": {
                "thread_id": t.thread_id,
                "checkpoint_ns": t.checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    # -- put_writes ----------------------------------------------------------------------

    def _put_writes_plan(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> Plan[None]:
        t = self._target(config, "put_writes", need_checkpoint=True)
        if not isinstance(task_id, str):
            raise TypeError(f"DynamoDBSaver.put_writes: task_id must be a str, got {task_id!r}")
        if not isinstance(task_path, str):
            raise TypeError(f"DynamoDBSaver.put_writes: task_path must be a str, got {task_path!r}")
        self._check_ids(
            "put_writes",
            thread_id=t.thread_id,
            checkpoint_ns=t.checkpoint_ns,
            checkpoint_id=t.checkpoint_id or "",
            task_id=task_id,
        )
        if isinstance(writes, (str, bytes)) or not isinstance(writes, Sequence):
            raise TypeError(
                "DynamoDBSaver.put_writes: writes must be a sequence of (channel, value) pairs, "
                f"got {type(writes).__name__}"
            )
        values: dict[int, dict[str, Any]] = {}
        for idx, write in enumerate(writes):
            if (
                not isinstance(write, (tuple, list))
                or len(write) != 2
                or not isinstance(write[0], str)
            ):
                raise TypeError(
                    f"DynamoDBSaver.put_writes: writes[{idx}] must be a (channel: str, value) pair"
                )
            channel, value = write
            widx = WRITES_IDX_MAP.get(channel, idx)
            type_, data = self.serde.dumps_typed(value)
            data, encoding = codec.compress(data, self.compression)
            entry: dict[str, Any] = {"c": {"S": channel}, "t": {"S": type_}, "v": {"B": data}}
            if encoding:
                entry["z"] = {"S": encoding}
            values[widx] = {"M": entry}  # a repeated special channel: the last one wins
        if not values:
            return
        assert t.checkpoint_id is not None
        sk = self.keys.writes_sk(t.thread_id, t.checkpoint_ns, t.checkpoint_id, task_id)
        base = self._base_item(t, sk, WRITES)
        base["taskId"] = {"S": task_id}
        base["taskPath"] = {"S": task_path}
        # Spill the largest values to chunks until the item fits.
        chunk_reqs: _list[dict[str, Any]] = []
        size = codec.item_size(base) + sum(
            len(_write_attr(i)) + codec.attr_size(v) for i, v in values.items()
        )
        for widx in sorted(values, key=lambda i: -codec.attr_size(values[i])):
            if size <= codec.MAX_INLINE_ITEM_BYTES:
                break
            entry = values[widx]["M"]
            before = codec.attr_size(values[widx])
            chunked = codec.split(codec.binary(entry.pop("v")))
            entry["ref"] = chunked.descriptor()
            chunk_reqs += self._chunk_puts(t.thread_id, chunked, self._base_item(t, sk, CHUNK))
            size += codec.attr_size(values[widx]) - before
        if chunk_reqs:
            logger.debug("put_writes: %s spilled %d chunks", sk, len(chunk_reqs))
            yield from batch_write_plan(self.table_name, chunk_reqs)
        names: dict[str, str] = {}
        vals: dict[str, Any] = {}
        sets: _list[str] = []
        for n, (attr, value) in enumerate(
            (k, v) for k, v in base.items() if k not in (self.keys.pk_attr, self.keys.sk_attr)
        ):
            names[f"#a{n}"] = attr
            vals[f":a{n}"] = value
            sets.append(f"#a{n} = :a{n}")
        for widx, value in values.items():
            ph = _placeholder(widx)
            names[ph] = _write_attr(widx)
            vals[":" + ph[1:]] = value
            if widx >= 0:  # regular writes: insert if absent (a retried task keeps its first)
                sets.append(f"{ph} = if_not_exists({ph}, :{ph[1:]})")
            else:  # special channels (errors, interrupts, ...): upsert
                sets.append(f"{ph} = :{ph[1:]}")
        yield Call(
            "UpdateItem",
            {
                "TableName": self.table_name,
                "Key": {k: base[k] for k in (self.keys.pk_attr, self.keys.sk_attr)},
                "UpdateExpression": "SET " + ", ".join(sets),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": vals,
            },
        )

    # -- reading ---------------------------------------------------------------------------

    def _query(
        self,
        pk: str,
        lo: str,
        hi: str,
        *,
        descending: bool = True,
        limit: int | None = None,
        start: dict[str, Any] | None = None,
        exclude_chunks: bool = False,
    ) -> dict[str, Any]:
        """Parameters of a strongly consistent Query over ``lo <= sk <= hi``."""
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
            "ExpressionAttributeNames": {"#pk": self.keys.pk_attr, "#sk": self.keys.sk_attr},
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":lo": {"S": lo}, ":hi": {"S": hi}},
            "ConsistentRead": True,
            "ScanIndexForward": not descending,
        }
        if limit:
            params["Limit"] = limit
        if start:
            params["ExclusiveStartKey"] = start
        if exclude_chunks:
            params["FilterExpression"] = "#et <> :chunk"
            params["ExpressionAttributeNames"]["#et"] = "entityType"
            params["ExpressionAttributeValues"][":chunk"] = {"S": CHUNK}
        return params

    def _scan_range(
        self,
        pk: str,
        lo: str,
        hi: str,
        *,
        descending: bool = True,
        first_limit: int | None = None,
        exclude_chunks: bool = False,
    ) -> Plan[None]:
        """Yield Calls for every Query page of a key range; Emit each live item."""
        start = None
        limit = first_limit
        while True:
            resp = yield Call(
                "Query",
                self._query(
                    pk,
                    lo,
                    hi,
                    descending=descending,
                    limit=limit,
                    start=start,
                    exclude_chunks=exclude_chunks,
                ),
            )
            for item in resp.get("Items", []):
                if not codec.is_expired(item):
                    yield Emit(item)
            start = resp.get("LastEvaluatedKey")
            if not start:
                return
            limit = limit * 4 if limit else None

    def _resolve_chunks(
        self, thread_id: str, refs: _list[codec.ChunkRef]
    ) -> Plan[dict[str, bytes]]:
        """Fetch and verify the payloads of chunked values (one BatchGetItem per 100)."""
        if not refs:
            return {}
        keys = [
            self.keys.key(thread_id, self.keys.chunk_sk(thread_id, ref.blob_id, i))
            for ref in refs
            for i in range(ref.count)
        ]
        found = yield from batch_get_plan(self.table_name, keys)
        by_blob: dict[str, dict[int, bytes]] = defaultdict(dict)
        for item in found:
            idx = int(item[self.keys.sk_attr]["S"].rsplit("#", 1)[1])
            by_blob[item["blobId"]["S"]][idx] = codec.binary(item["data"])
        out = {}
        for ref in refs:
            parts = by_blob.get(ref.blob_id, {})
            out[ref.blob_id] = ref.join([parts[i] for i in sorted(parts)])
        return out

    def _assemble(
        self, cp_item: dict[str, Any], write_items: _list[dict[str, Any]]
    ) -> Plan[CheckpointTuple]:
        """Decode a checkpoint item and its writes items into a CheckpointTuple."""
        thread_id = cp_item["threadId"]["S"]
        refs = [ref for it in (cp_item, *write_items) for ref in _chunk_refs(it)]
        blobs = yield from self._resolve_chunks(thread_id, refs)
        if "chunks" in cp_item:
            payload = blobs[codec.ChunkRef.parse(cp_item["chunks"]).blob_id]
        else:
            payload = codec.binary(cp_item["payload"])
        payload = codec.decompress(payload, cp_item.get("enc", {}).get("S"))
        cp_typed, md_typed = codec.unframe(payload)
        checkpoint = self.serde.loads_typed(cp_typed)
        metadata = self.serde.loads_typed(md_typed)
        ns = cp_item["checkpointNs"]["S"]
        checkpoint_id = cp_item["checkpointId"]["S"]
        pending: _list[tuple[str, int, str, str, Any]] = []
        for w in write_items:
            task_id = w["taskId"]["S"]
            task_path = w.get("taskPath", {}).get("S", "")
            for idx, m in _write_entries(w):
                data = (
                    blobs[codec.ChunkRef.parse(m["ref"]).blob_id]
                    if "ref" in m
                    else codec.binary(m["v"])
                )
                data = codec.decompress(data, m.get("z", {}).get("S"))
                pending.append(
                    (
                        task_path,
                        idx,
                        task_id,
                        m["c"]["S"],
                        self.serde.loads_typed((m["t"]["S"], data)),
                    )
                )
        pending.sort(key=lambda p: (p[0], p[2], p[1]))
        parent = cp_item.get("parentCheckpointId", {}).get("S")
        return CheckpointTuple(
            config={
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": ns,
                    "checkpoint_id": checkpoint_id,
                }
            },
            checkpoint=checkpoint,
            metadata=metadata,
            parent_config=(
                {
                    "configurable": {
                        "thread_id": thread_id,
                        "checkpoint_ns": ns,
                        "checkpoint_id": parent,
                    }
                }
                if parent
                else None
            ),
            pending_writes=[(task_id, ch, v) for _, _, task_id, ch, v in pending],
        )

    def _get_tuple_plan(self, config: RunnableConfig) -> Plan[CheckpointTuple | None]:
        t = self._target(config, "get_tuple")
        pk = self.keys.pk(t.thread_id)
        if t.checkpoint_id:
            lo = self.keys.checkpoint_sk(t.thread_id, t.checkpoint_ns, t.checkpoint_id)
            rng = self._scan_range(pk, lo, lo + "$", descending=True)
        else:
            prefix = self.keys.ns_prefix(t.thread_id, t.checkpoint_ns)
            rng = self._scan_range(pk, prefix, prefix[:-1] + "$", first_limit=FIRST_PAGE_LIMIT)
        writes: dict[str, _list[dict[str, Any]]] = defaultdict(list)
        while (item := (yield from _next_item(rng))) is not None:
            entity = item["entityType"]["S"]
            if entity == WRITES:
                writes[item["checkpointId"]["S"]].append(item)
            elif entity == CHECKPOINT:
                rng.close()
                cid = item["checkpointId"]["S"]
                return (yield from self._assemble(item, writes.get(cid, [])))
        return None

    def _delta_history_plan(
        self, config: RunnableConfig, channels: Sequence[str]
    ) -> Plan[dict[str, DeltaChannelHistory]]:
        t = self._target(config, "get_delta_channel_history")
        if not channels:
            return {}
        remaining = set(channels)
        collected: dict[str, _list[PendingWrite]] = {c: [] for c in channels}
        seeds: dict[str, Any] = {}
        prefix = self.keys.ns_prefix(t.thread_id, t.checkpoint_ns)
        hi = prefix[:-1] + "$"
        if t.checkpoint_id:
            hi = self.keys.checkpoint_sk(t.thread_id, t.checkpoint_ns, t.checkpoint_id) + "$"
        rng = self._scan_range(self.keys.pk(t.thread_id), prefix, hi)
        writes: dict[str, _list[dict[str, Any]]] = defaultdict(list)
        found_target = False
        cursor: str | None = None
        while (item := (yield from _next_item(rng))) is not None:
            cid = item["checkpointId"]["S"]
            if item["entityType"]["S"] == WRITES:
                writes[cid].append(item)
                continue
            if item["entityType"]["S"] != CHECKPOINT:
                continue
            if not found_target:
                if t.checkpoint_id and cid != t.checkpoint_id:
                    break
                found_target = True
                cursor = item.get("parentCheckpointId", {}).get("S")
            elif cursor is not None and cid == cursor:
                tup = yield from self._assemble(item, writes.get(cid, []))
                for write in reversed(tup.pending_writes or []):
                    if write[1] in remaining:
                        collected[write[1]].append(write)
                for ch in [c for c in remaining if c in tup.checkpoint["channel_values"]]:
                    seeds[ch] = tup.checkpoint["channel_values"][ch]
                    remaining.discard(ch)
                cursor = (
                    tup.parent_config["configurable"]["checkpoint_id"]
                    if (tup.parent_config)
                    else None
                )
            elif cursor is not None and cid < cursor:
                break  # the parent is missing: the chain ends here, as with get_tuple
            writes.pop(cid, None)
            if cursor is None or not remaining:
                break
        rng.close()
        result: dict[str, DeltaChannelHistory] = {}
        for ch in channels:
            entry: DeltaChannelHistory = {"writes": list(reversed(collected[ch]))}
            if ch in seeds:
                entry["seed"] = seeds[ch]
            result[ch] = entry
        return result

    def _list_scopes(
        self, config: RunnableConfig | None, before_id: str | None = None
    ) -> _list[tuple[str, str, str]]:
        """The (pk, lo, hi) key ranges a list() call has to read.

        Within one namespace, ``before`` becomes the range's upper bound, so newer
        checkpoints are never read (the ``before`` checkpoint itself is skipped later).
        """
        if config is None:
            lo, hi = (
                self.keys.sk_prefix,
                self.keys.sk_prefix[:-1] + chr(ord(self.keys.sk_prefix[-1]) + 1),
            )
            return [(pk, lo, hi) for pk in self.keys.partition_keys()]
        t = self._target(config, "list")
        pk = self.keys.pk(t.thread_id)
        conf = config.get("configurable", {})
        if t.checkpoint_id:
            lo = self.keys.checkpoint_sk(t.thread_id, t.checkpoint_ns, t.checkpoint_id)
            return [(pk, lo, lo + "$")]
        if conf.get("checkpoint_ns") is None:
            lo, hi = self.keys.thread_checkpoint_range(t.thread_id)
            return [(pk, lo, hi)]
        prefix = self.keys.ns_prefix(t.thread_id, t.checkpoint_ns)
        if before_id is not None:
            return [(pk, prefix, self.keys.checkpoint_sk(t.thread_id, t.checkpoint_ns, before_id))]
        return [(pk, prefix, prefix[:-1] + "$")]

    def _list_plan(
        self,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
        limit: int | None,
    ) -> Plan[None]:
        if filter is not None and not isinstance(filter, dict):
            raise TypeError("DynamoDBSaver.list: filter must be a dict of metadata values")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise TypeError(f"DynamoDBSaver.list: limit must be an int, got {limit!r}")
        if before is not None and not isinstance(before, dict):
            raise TypeError(f"DynamoDBSaver.list: before must be a config dict, got {before!r}")
        before_id = get_checkpoint_id(before) if before else None
        if before_id is not None and not isinstance(before_id, str):
            raise TypeError(
                f"DynamoDBSaver.list: before's checkpoint_id must be a str, got {before_id!r}"
            )
        scopes = self._list_scopes(config, before_id)
        if limit is not None and limit <= 0:
            return
        remaining = limit
        for pk, lo, hi in scopes:
            writes: dict[tuple[str, str, str], _list[dict[str, Any]]] = defaultdict(list)
            rng = self._scan_range(pk, lo, hi, exclude_chunks=config is None)
            while (item := (yield from _next_item(rng))) is not None:
                entity = item["entityType"]["S"]
                group = (
                    item["threadId"]["S"],
                    item["checkpointNs"]["S"],
                    item["checkpointId"]["S"],
                )
                if entity == WRITES:
                    writes[group].append(item)
                    continue
                if entity != CHECKPOINT:
                    continue
                if before_id is not None and group[2] >= before_id:
                    continue
                tup = yield from self._assemble(item, writes.pop(group, []))
                if filter and not all(tup.metadata.get(k) == v for k, v in filter.items()):
                    continue
                yield Emit(tup)
                if remaining is not None:
                    remaining -= 1
                    if remaining <= 0:
                        rng.close()
                        return

    # -- deletion, copy, prune ---------------------------------------------------------------

    def _thread_items(self, thread_id: str) -> Plan[_list[dict[str, Any]]]:
        """Every item of a thread, chunks included (paged Query)."""
        prefix = self.keys.thread_prefix(thread_id)
        pk = self.keys.pk(thread_id)
        found: _list[dict[str, Any]] = []
        start = None
        while True:
            params = self._query(pk, prefix, prefix[:-1] + "$", descending=False, start=start)
            resp = yield Call("Query", params)
            found.extend(resp.get("Items", []))
            start = resp.get("LastEvaluatedKey")
            if not start:
                return found

    def _delete_requests(self, items: _list[dict[str, Any]]) -> _list[dict[str, Any]]:
        return [
            {"DeleteRequest": {"Key": {k: it[k] for k in (self.keys.pk_attr, self.keys.sk_attr)}}}
            for it in items
        ]

    def _thread_arg(self, thread_id: Any, op: str) -> str:
        """Validate a bare thread id argument (ints are accepted, as in configs)."""
        if isinstance(thread_id, int) and not isinstance(thread_id, bool):
            thread_id = str(thread_id)
        self._check_ids(op, thread_id=thread_id)
        return str(thread_id)

    def _delete_thread_plan(self, thread_id: str) -> Plan[None]:
        thread_id = self._thread_arg(thread_id, "delete_thread")
        found = yield from self._thread_items(thread_id)
        # Heads first, chunks last: an interrupted delete never leaves a head without data.
        found.sort(key=lambda it: it["entityType"]["S"] == CHUNK)
        yield from batch_write_plan(self.table_name, self._delete_requests(found))

    def _delete_for_runs_plan(self, run_ids: Sequence[str]) -> Plan[None]:
        if isinstance(run_ids, str) or not all(isinstance(r, str) for r in run_ids):
            raise TypeError(
                f"DynamoDBSaver.delete_for_runs: run_ids must be a sequence of str, got {run_ids!r}"
            )
        runs = set(run_ids)
        if not runs:
            return
        lo = self.keys.sk_prefix
        hi = lo[:-1] + chr(ord(lo[-1]) + 1)
        doomed: _list[dict[str, Any]] = []
        for pk in self.keys.partition_keys():
            cps: set[tuple[str, str, str]] = set()
            writes: _list[dict[str, Any]] = []
            start = None
            while True:
                params = self._query(pk, lo, hi, descending=False, start=start, exclude_chunks=True)
                resp = yield Call("Query", params)
                for item in resp.get("Items", []):
                    group = (
                        item["threadId"]["S"],
                        item["checkpointNs"]["S"],
                        item["checkpointId"]["S"],
                    )
                    if (
                        item["entityType"]["S"] == CHECKPOINT
                        and item.get("runId", {}).get("S") in runs
                    ):
                        cps.add(group)
                        doomed.append(item)
                    elif item["entityType"]["S"] == WRITES:
                        writes.append(item)
                start = resp.get("LastEvaluatedKey")
                if not start:
                    break
            doomed += [
                w
                for w in writes
                if (w["threadId"]["S"], w["checkpointNs"]["S"], w["checkpointId"]["S"]) in cps
            ]
        chunk_keys = [{"DeleteRequest": {"Key": k}} for k in self._chunk_keys(doomed)]
        yield from batch_write_plan(self.table_name, self._delete_requests(doomed) + chunk_keys)

    def _chunk_keys(self, heads: _list[dict[str, Any]]) -> _list[dict[str, Any]]:
        """Keys of the chunk items referenced by checkpoint / writes items."""
        keys = []
        for it in heads:
            thread_id = it["threadId"]["S"]
            for ref in _chunk_refs(it):
                keys += [
                    self.keys.key(thread_id, self.keys.chunk_sk(thread_id, ref.blob_id, i))
                    for i in range(ref.count)
                ]
        return keys

    def _copy_thread_plan(self, source: str, target: str) -> Plan[None]:
        source = self._thread_arg(source, "copy_thread")
        target = self._thread_arg(target, "copy_thread")
        found = yield from self._thread_items(source)
        src_prefix = self.keys.thread_prefix(source)
        dst_prefix = self.keys.thread_prefix(target)
        dst_pk = {"S": self.keys.pk(target)}
        puts = []
        now = codec.now_iso()
        for it in found:
            new = dict(it)
            new[self.keys.pk_attr] = dst_pk
            new[self.keys.sk_attr] = {
                "S": dst_prefix + it[self.keys.sk_attr]["S"][len(src_prefix) :]
            }
            new["threadId"] = {"S": target}
            new["updatedAt"] = {"S": now}
            puts.append(new)
        # Chunks first, then writes, checkpoints last: a reader never sees a head early.
        order = {CHUNK: 0, WRITES: 1, CHECKPOINT: 2}
        puts.sort(key=lambda it: order.get(it["entityType"]["S"], 1))
        yield from batch_write_plan(self.table_name, [{"PutRequest": {"Item": it}} for it in puts])

    def _prune_plan(self, thread_ids: Sequence[str], strategy: str) -> Plan[None]:
        if strategy not in ("keep_latest", "delete"):
            raise ValueError(
                f"DynamoDBSaver.prune: unknown strategy {strategy!r} "
                "(use 'keep_latest' or 'delete')"
            )
        if isinstance(thread_ids, str):
            raise TypeError("DynamoDBSaver.prune: thread_ids must be a sequence of str")
        # check every id first: a bad one must not half-prune
        thread_ids = [self._thread_arg(t, "prune") for t in thread_ids]
        for thread_id in thread_ids:
            if strategy == "delete":
                yield from self._delete_thread_plan(thread_id)
                continue
            found = yield from self._thread_items(thread_id)
            checkpoints: dict[tuple[str, str], dict[str, Any]] = {}
            latest: dict[str, str] = {}
            for it in found:
                if it["entityType"]["S"] == CHECKPOINT and not codec.is_expired(it):
                    ns, cid = it["checkpointNs"]["S"], it["checkpointId"]["S"]
                    checkpoints[(ns, cid)] = it
                    if cid > latest.get(ns, ""):
                        latest[ns] = cid
            kept: set[tuple[str, str]] = set()
            for ns, cid in latest.items():
                chain = yield from self._delta_chain(checkpoints, ns, cid)
                kept |= {(ns, c) for c in chain}
            keep: _list[dict[str, Any]] = []
            drop: _list[dict[str, Any]] = []
            chunks: _list[dict[str, Any]] = []
            for it in found:
                entity = it["entityType"]["S"]
                if entity == CHUNK:
                    chunks.append(it)
                elif (it["checkpointNs"]["S"], it["checkpointId"]["S"]) in kept:
                    keep.append(it)
                else:
                    drop.append(it)
            kept_blobs = {k[self.keys.sk_attr]["S"] for k in self._chunk_keys(keep)}
            cutoff = codec.now_iso_offset(-self.orphan_grace_seconds)
            drop += [
                c
                for c in chunks
                if c[self.keys.sk_attr]["S"] not in kept_blobs and c["updatedAt"]["S"] <= cutoff
            ]
            drop.sort(key=lambda it: it["entityType"]["S"] == CHUNK)
            yield from batch_write_plan(self.table_name, self._delete_requests(drop))

    def _delta_chain(
        self, checkpoints: dict[tuple[str, str], dict[str, Any]], ns: str, latest: str
    ) -> Plan[set[str]]:
        """Checkpoint ids ``keep_latest`` must keep so DeltaChannel state still rebuilds.

        The newest checkpoint's metadata names the delta channels that changed since their
        last ``_DeltaSnapshot`` (``counters_since_delta_snapshot``). Walk its parent chain
        until every such channel has a stored value; those ancestors (and their writes)
        stay. Threads without delta channels keep just the newest checkpoint.
        """
        keep = {latest}
        tup = yield from self._assemble(checkpoints[(ns, latest)], [])
        pending = set((tup.metadata or {}).get("counters_since_delta_snapshot") or {})
        pending -= set(tup.checkpoint.get("channel_values", {}))
        while pending and tup.parent_config is not None:
            parent = tup.parent_config["configurable"]["checkpoint_id"]
            item = checkpoints.get((ns, parent))
            if item is None:
                break
            keep.add(parent)
            tup = yield from self._assemble(item, [])
            pending -= set(tup.checkpoint.get("channel_values", {}))
        return keep
