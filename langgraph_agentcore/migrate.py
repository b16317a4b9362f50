"""``langgraph-agentcore migrate``: copy threads from langgraph-checkpoint-aws into ours.

The incumbent's ``DynamoDBSaver`` (``langgraph_checkpoint_aws``) keeps a table keyed
``PK``/``SK`` with three kinds of items:

=====================  ===========================================  =====================
item                   ``PK``                                       ``SK``
=====================  ===========================================  =====================
checkpoint (metadata)  ``CHECKPOINT_{thread}``                      ``{ns}#{checkpoint_id}``
one pending write      ``WRITES_{thread}#{ns}#{checkpoint_id}``     ``{task_id}#{idx}``
a value's payload      ``CHUNK_{...}`` (named by ``ref_key``)       ``CHUNK``
=====================  ===========================================  =====================

Checkpoint items carry ``id``, ``ns``, ``parent_checkpoint_id``, ``type`` (the serde
type), ``compression`` (``gzip``) and ``ref_loc``/``ref_key``: where the payload is, a
``CHUNK`` item or, above 350 KB with S3 offloading configured, an S3 object (key
``{key_prefix}/{ref_key}``). The payload of a checkpoint is
``serde.dumps_typed({"checkpoint": ..., "metadata": ...})``; of a write, the value's.

Migration reads those with plain Queries and BatchGetItem (S3 GetObject for offloaded
values), decodes them with LangGraph's serde (the incumbent's default,
``JsonPlusSerializer``), and writes through :class:`~langgraph_agentcore.DynamoDBSaver`'s
own ``put_writes`` and ``put``, so the target format has a single source. Per checkpoint
the writes go first and the checkpoint item last: a checkpoint present in the target is
complete, and a rerun skips it (one key-only Query per thread finds them). A checkpoint is
copied whole or not at all: if one of its values is in S3 and no bucket is configured it
is skipped and reported, and a rerun with ``--s3-bucket`` completes it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from langgraph_agentcore.checkpoint import CHECKPOINT, DynamoDBSaver
from langgraph_agentcore.errors import AgentCoreStorageError, TableNotFoundError
from langgraph_agentcore.table import Call, Plan, S3Call, SourceIO, batch_get_plan

logger = logging.getLogger(__name__)

#: The incumbent's key names and prefixes (its table is always keyed PK/SK).
SOURCE_PK = "PK"
SOURCE_SK = "SK"
CHECKPOINT_PREFIX = "CHECKPOINT_"
WRITES_PREFIX = "WRITES_"
PAYLOAD_SK = "CHUNK"
IN_DYNAMODB = "DYNAMODB"
IN_S3 = "S3"

#: Threads (or checkpoints) read together: their first Query pages are sent at once, and a
#: batch of checkpoints shares BatchGetItem requests for its payloads (100 keys each).
BATCH = 25
#: Checkpoints written to the target at once (each: its writes, then its checkpoint item).
WORKERS = 8

Progress = Callable[[int, int], None]


# -- the incumbent's layout (pure) ------------------------------------------------------------


def source_checkpoint_pk(thread_id: str) -> str:
    """Partition key of a thread's checkpoint items in the incumbent's table."""
    return f"{CHECKPOINT_PREFIX}{thread_id}"


def source_writes_pk(thread_id: str, checkpoint_ns: str, checkpoint_id: str) -> str:
    """Partition key of one checkpoint's write items in the incumbent's table."""
    return f"{WRITES_PREFIX}{thread_id}#{checkpoint_ns}#{checkpoint_id}"


@dataclass(frozen=True)
class PayloadRef:
    """Where the incumbent keeps one serialized value, and how it is encoded."""

    location: str  # "DYNAMODB" (a CHUNK item) or "S3"
    key: str
    type: str
    compression: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PayloadRef:
        return cls(
            location=item["ref_loc"]["S"],
            key=item["ref_key"]["S"],
            type=item["type"]["S"],
            compression=item.get("compression", {}).get("S"),
        )


@dataclass(frozen=True)
class SourceCheckpoint:
    """One checkpoint item of the incumbent (without its payload)."""

    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    parent_id: str | None
    payload: PayloadRef

    @classmethod
    def from_item(cls, thread_id: str, item: dict[str, Any]) -> SourceCheckpoint:
        return cls(
            thread_id=thread_id,
            checkpoint_ns=item["ns"]["S"],
            checkpoint_id=item["id"]["S"],
            parent_id=item.get("parent_checkpoint_id", {}).get("S"),
            payload=PayloadRef.from_item(item),
        )

    @property
    def key(self) -> tuple[str, str]:
        return (self.checkpoint_ns, self.checkpoint_id)


@dataclass(frozen=True)
class SourceWrite:
    """One pending-write item of the incumbent (without its payload)."""

    task_id: str
    task_path: str
    idx: int
    channel: str
    payload: PayloadRef

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> SourceWrite:
        return cls(
            task_id=item["task_id"]["S"],
            task_path=item.get("task_path", {}).get("S", ""),
            idx=int(item["idx"]["N"]),
            channel=item["channel"]["S"],
            payload=PayloadRef.from_item(item),
        )


def decode_value(serde: SerializerProtocol, ref: PayloadRef, data: bytes) -> Any:
    """Decode a payload the incumbent wrote (gzip if marked, then LangGraph's serde)."""
    if ref.compression == "gzip":
        data = gzip.decompress(data)
    elif ref.compression:
        raise ValueError(f"unknown compression {ref.compression!r} on payload {ref.key!r}")
    return serde.loads_typed((ref.type, data))


def our_version(version: Any) -> Any:
    """An incumbent channel version (an int) in :class:`DynamoDBSaver`'s string format.

    LangGraph compares a channel's new version with its previous one, so a thread must
    not mix ints (the incumbent's ``get_next_version``) with our ``"{n:032}.{random}"``
    strings. The mapping is deterministic and keeps the order.
    """
    if isinstance(version, int) and not isinstance(version, bool):
        return f"{version:032}.{0.0:016}"
    return version


def convert_versions(checkpoint: Any) -> Any:
    """A copy of a checkpoint with ``channel_versions`` and ``versions_seen`` in our format."""
    out = dict(checkpoint)
    out["channel_versions"] = {
        ch: our_version(v) for ch, v in (checkpoint.get("channel_versions") or {}).items()
    }
    out["versions_seen"] = {
        node: {ch: our_version(v) for ch, v in seen.items()}
        for node, seen in (checkpoint.get("versions_seen") or {}).items()
    }
    return out


def task_writes(
    writes: Sequence[tuple[SourceWrite, Any]],
) -> list[tuple[str, str, list[tuple[str, Any]]]]:
    """Group decoded writes into ``(task_id, task_path, [(channel, value), ...])``.

    Regular writes keep their order (by index); special channels (negative indexes:
    errors, interrupts, ...) follow. ``put_writes`` gives special channels their fixed
    index, so every write keeps its position relative to the task's other writes.
    """
    by_task: dict[str, list[tuple[SourceWrite, Any]]] = defaultdict(list)
    for write, value in writes:
        by_task[write.task_id].append((write, value))
    out = []
    for task_id in sorted(by_task):
        entries = by_task[task_id]
        regular = sorted((e for e in entries if e[0].idx >= 0), key=lambda e: e[0].idx)
        special = sorted((e for e in entries if e[0].idx < 0), key=lambda e: -e[0].idx)
        ordered = regular + special
        out.append((task_id, ordered[0][0].task_path, [(w.channel, v) for w, v in ordered]))
    return out


# -- report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skip:
    """A checkpoint that was not copied, and why."""

    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    reason: str


@dataclass
class MigrationReport:
    """What a migration copied (or, with ``dry_run``, would copy)."""

    source_table: str
    target_table: str
    agent_id: str
    dry_run: bool = False
    threads: int = 0
    checkpoints: int = 0
    writes: int = 0
    bytes: int = 0
    already_migrated: int = 0
    orphans: int = 0
    skipped: list[Skip] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing had to be skipped."""
        return not self.skipped

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"complete": self.complete}

    def lines(self) -> list[str]:
        """The human-readable summary."""
        verb = "would copy" if self.dry_run else "copied"
        out = [
            f"{'dry run: ' if self.dry_run else ''}{verb} {self.threads} threads, "
            f"{self.checkpoints} checkpoints, {self.writes} writes, {_size(self.bytes)} "
            f"from {self.source_table!r} to {self.target_table!r} (agent {self.agent_id!r})"
        ]
        if self.already_migrated:
            out.append(f"already in the target (earlier run): {self.already_migrated} checkpoints")
        if self.orphans:
            out.append(
                f"ignored {self.orphans} items whose payload is missing "
                "(the incumbent ignores them too)"
            )
        if self.skipped:
            out.append(f"skipped {len(self.skipped)} checkpoints:")
            out += [
                f"  thread {s.thread_id!r} ns {s.checkpoint_ns!r} checkpoint {s.checkpoint_id}: "
                f"{s.reason}"
                for s in self.skipped
            ]
        return out


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


# -- I/O: the source table and S3 ------------------------------------------------------------


# -- the migration ---------------------------------------------------------------------------


def paged_queries_plan(queries: Sequence[dict[str, Any]]) -> Plan[list[list[dict[str, Any]]]]:
    """The items of several Queries: every first page at once, then the rest of each."""
    if not queries:
        return []
    first = yield [Call("Query", q) for q in queries]
    out = []
    for params, resp in zip(queries, first, strict=True):
        items = list(resp.get("Items", []))
        start = resp.get("LastEvaluatedKey")
        while start:
            more = yield Call("Query", params | {"ExclusiveStartKey": start})
            items += more.get("Items", [])
            start = more.get("LastEvaluatedKey")
        out.append(items)
    return out


@dataclass
class _Decoded:
    """A checkpoint read and decoded from the source, ready to write."""

    cp: SourceCheckpoint
    checkpoint: Any
    metadata: Any
    writes: list[tuple[SourceWrite, Any]]
    size: int


class Migrator:
    """Copies threads from an incumbent table into a :class:`DynamoDBSaver`'s table.

    Args:
        source_table: The langgraph-checkpoint-aws table.
        target: Our saver (table, agent id, shards, compression, TTL as the app uses them).
        source_client, region_name, endpoint_url, session: How to reach the source table
            (a boto3 client, or options to build one).
        s3_bucket, s3_key_prefix, s3_client, s3_endpoint_url: The incumbent's
            ``s3_offload_config`` (``bucket_name``, ``key_prefix``, ``endpoint_url``).
            Without a bucket, checkpoints with offloaded values are skipped and reported.
        serde: The serializer the incumbent used (its default: ``JsonPlusSerializer``).
        workers: Checkpoints written at once (threads of a pool; 1 writes in order).
    """

    def __init__(
        self,
        source_table: str,
        target: DynamoDBSaver,
        *,
        source_client: Any = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        session: Any = None,
        s3_bucket: str | None = None,
        s3_key_prefix: str | None = None,
        s3_client: Any = None,
        s3_endpoint_url: str | None = None,
        serde: SerializerProtocol | None = None,
        workers: int = WORKERS,
    ) -> None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be an int >= 1, got {workers!r}")
        if source_table == target.table_name:
            raise ValueError(
                f"source and target table are both {source_table!r}: the incumbent's table "
                "is keyed PK/SK and ours pk/sk, so they must be different tables"
            )
        self.source_table = source_table
        self.target = target
        self.io = SourceIO(
            source_table,
            client=source_client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            s3_client=s3_client,
            s3_endpoint_url=s3_endpoint_url,
        )
        self.s3_bucket = s3_bucket
        self.s3_key_prefix = s3_key_prefix.strip("/") if s3_key_prefix else None
        self.serde: SerializerProtocol = serde or JsonPlusSerializer()
        self.workers = workers

    def close(self) -> None:
        """Close the clients this migrator created."""
        self.io.close()

    # -- reading the source -------------------------------------------------------------------

    def thread_ids(self) -> list[str]:
        """Every thread in the source table (a Scan: the incumbent has no thread index)."""
        return self.io.run(self._thread_ids_plan())

    def _thread_ids_plan(self) -> Plan[list[str]]:
        found: set[str] = set()
        start = None
        while True:
            params: dict[str, Any] = {
                "TableName": self.source_table,
                "ProjectionExpression": "#pk",
                "FilterExpression": "begins_with(#pk, :cp)",
                "ExpressionAttributeNames": {"#pk": SOURCE_PK},
                "ExpressionAttributeValues": {":cp": {"S": CHECKPOINT_PREFIX}},
            }
            if start:
                params["ExclusiveStartKey"] = start
            resp = yield Call("Scan", params)
            found |= {it[SOURCE_PK]["S"][len(CHECKPOINT_PREFIX) :] for it in resp.get("Items", [])}
            start = resp.get("LastEvaluatedKey")
            if not start:
                return sorted(found)

    def _query_params(self, pk: str) -> dict[str, Any]:
        return {
            "TableName": self.source_table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": SOURCE_PK},
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }

    def _checkpoints_plan(self, thread_ids: Sequence[str]) -> Plan[list[list[SourceCheckpoint]]]:
        """The checkpoint items of several threads, each sorted by (namespace, id)."""
        pages = yield from paged_queries_plan(
            [self._query_params(source_checkpoint_pk(t)) for t in thread_ids]
        )
        return [
            sorted((SourceCheckpoint.from_item(t, it) for it in items), key=lambda c: c.key)
            for t, items in zip(thread_ids, pages, strict=True)
        ]

    def _writes_plan(self, cps: Sequence[SourceCheckpoint]) -> Plan[list[list[SourceWrite]]]:
        """The write items of several checkpoints."""
        pages = yield from paged_queries_plan(
            [
                self._query_params(source_writes_pk(c.thread_id, c.checkpoint_ns, c.checkpoint_id))
                for c in cps
            ]
        )
        return [[SourceWrite.from_item(it) for it in items] for items in pages]

    def _payloads_plan(self, refs: Sequence[PayloadRef]) -> Plan[dict[tuple[str, str], bytes]]:
        """Fetch payloads: CHUNK items by BatchGetItem, S3 objects by GetObject (if configured).

        Missing payloads are absent from the result.
        """
        chunk_keys = sorted({r.key for r in refs if r.location == IN_DYNAMODB})
        found: dict[tuple[str, str], bytes] = {}
        if chunk_keys:
            keys = [{SOURCE_PK: {"S": k}, SOURCE_SK: {"S": PAYLOAD_SK}} for k in chunk_keys]
            items = yield from batch_get_plan(self.source_table, keys)
            for it in items:
                data = it.get("payload", {}).get("B")
                if data is not None:
                    found[(IN_DYNAMODB, it[SOURCE_PK]["S"])] = bytes(data)
        s3_keys = sorted({r.key for r in refs if r.location == IN_S3})
        if s3_keys and self.s3_bucket:
            resps = yield [
                S3Call("GetObject", {"Bucket": self.s3_bucket, "Key": self._s3_key(k)})
                for k in s3_keys
            ]
            for k, resp in zip(s3_keys, resps, strict=True):
                if resp.get("Body") is not None:
                    found[(IN_S3, k)] = resp["Body"]
        return found

    def _s3_key(self, ref_key: str) -> str:
        return f"{self.s3_key_prefix}/{ref_key}" if self.s3_key_prefix else ref_key

    # -- reading the target -------------------------------------------------------------------

    def _done_plan(self, thread_ids: Sequence[str]) -> Plan[list[set[tuple[str, str]]]]:
        """Per thread, (ns, checkpoint id) of its checkpoints already in the target."""
        keys = self.target.keys
        queries = []
        for thread_id in thread_ids:
            lo, hi = keys.thread_checkpoint_range(thread_id)
            queries.append(
                {
                    "TableName": self.target.table_name,
                    "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
                    "FilterExpression": "#et = :cp",
                    "ProjectionExpression": "#ns, #cid",
                    "ExpressionAttributeNames": {
                        "#pk": keys.pk_attr,
                        "#sk": keys.sk_attr,
                        "#et": "entityType",
                        "#ns": "checkpointNs",
                        "#cid": "checkpointId",
                    },
                    "ExpressionAttributeValues": {
                        ":pk": {"S": keys.pk(thread_id)},
                        ":lo": {"S": lo},
                        ":hi": {"S": hi},
                        ":cp": {"S": CHECKPOINT},
                    },
                    "ConsistentRead": True,
                }
            )
        try:
            pages = yield from paged_queries_plan(queries)
        except TableNotFoundError:
            return [set() for _ in thread_ids]  # nothing copied yet (a dry run creates nothing)
        return [
            {(it["checkpointNs"]["S"], it["checkpointId"]["S"]) for it in items} for items in pages
        ]

    # -- the run --------------------------------------------------------------------------------

    def run(
        self,
        thread_ids: Sequence[str] | None = None,
        *,
        dry_run: bool = False,
        on_progress: Progress | None = None,
    ) -> MigrationReport:
        """Copy the given threads (default: all) and report what was copied.

        With ``dry_run`` everything is read and decoded, nothing is written. Without it,
        the target table is created if missing. ``on_progress(done, total)`` is called
        after each checkpoint (total: checkpoints still to copy).
        """
        if isinstance(thread_ids, str):
            raise TypeError("thread_ids must be a sequence of thread ids, not a str")
        report = MigrationReport(
            self.source_table, self.target.table_name, self.target.keys.agent_id, dry_run
        )
        threads = list(dict.fromkeys(thread_ids)) if thread_ids is not None else self.thread_ids()
        for t in threads:
            self.target.keys.check_ids(thread_id=t)
        todo: list[list[SourceCheckpoint]] = []
        for start in range(0, len(threads), BATCH):
            group = threads[start : start + BATCH]
            found = self.io.run(self._checkpoints_plan(group))
            done = self.target.io.run(self._done_plan(group))
            for thread_id, cps, copied in zip(group, found, done, strict=True):
                if not cps:
                    logger.warning("migrate: thread %r has no checkpoints in the source", thread_id)
                report.already_migrated += sum(1 for c in cps if c.key in copied)
                rest = [c for c in cps if c.key not in copied]
                if rest:
                    todo.append(rest)
        if todo and not dry_run:
            self.target.setup()  # after reading the source: a wrong source creates nothing
        total = sum(len(cps) for cps in todo)
        progress = _Counter(total, on_progress)
        pool = ThreadPoolExecutor(self.workers) if self.workers > 1 and not dry_run else None
        try:
            for cps in todo:
                copied_any = False
                for start in range(0, len(cps), BATCH):
                    batch = cps[start : start + BATCH]
                    ready = self._read_batch(batch, report)
                    progress.add(len(batch) - len(ready))  # skipped ones are done too
                    for item in self._write_all(ready, pool, dry_run):
                        report.checkpoints += 1
                        report.writes += len(item.writes)
                        report.bytes += item.size
                        copied_any = True
                        progress.add(1)
                report.threads += copied_any
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return report

    def _read_batch(
        self, batch: Sequence[SourceCheckpoint], report: MigrationReport
    ) -> list[_Decoded]:
        """Read and decode a batch of checkpoints with their writes (skips are reported)."""
        writes = self.io.run(self._writes_plan(batch))
        refs = [c.payload for c in batch] + [w.payload for ws in writes for w in ws]
        payloads = self.io.run(self._payloads_plan(refs))
        out = []
        for cp, cp_writes in zip(batch, writes, strict=True):
            item = self._decode(cp, cp_writes, payloads, report)
            if item is not None:
                out.append(item)
        return out

    def _write_all(
        self, items: list[_Decoded], pool: ThreadPoolExecutor | None, dry_run: bool
    ) -> Iterator[_Decoded]:
        """Write checkpoints (concurrently with a pool); yields each once it is stored."""
        if dry_run:
            yield from items
        elif pool is None:
            for item in items:
                self._write(item)
                yield item
        else:
            futures = {pool.submit(self._write, item): item for item in items}
            for future in as_completed(futures):
                future.result()
                yield futures[future]

    def _decode(
        self,
        cp: SourceCheckpoint,
        writes: list[SourceWrite],
        payloads: dict[tuple[str, str], bytes],
        report: MigrationReport,
    ) -> _Decoded | None:
        def skip(reason: str) -> None:
            report.skipped.append(Skip(cp.thread_id, cp.checkpoint_ns, cp.checkpoint_id, reason))

        in_s3 = [r for r in [cp.payload, *(w.payload for w in writes)] if r.location == IN_S3]
        if in_s3 and not self.s3_bucket:
            skip(
                f"{len(in_s3)} value(s) offloaded to S3 and no S3 bucket configured "
                "(pass --s3-bucket, and --s3-prefix if the incumbent used key_prefix)"
            )
            return None
        data = payloads.get((cp.payload.location, cp.payload.key))
        if data is None:
            # The incumbent's readers skip a checkpoint without payload; so do we.
            report.orphans += 1
            logger.warning("migrate: checkpoint %s of %r has no payload", cp.key, cp.thread_id)
            return None
        try:
            value = decode_value(self.serde, cp.payload, data)
            decoded: list[tuple[SourceWrite, Any]] = []
            size = len(data)
            for w in writes:
                wdata = payloads.get((w.payload.location, w.payload.key))
                if wdata is None:
                    report.orphans += 1  # the incumbent ignores writes without payload
                    continue
                decoded.append((w, decode_value(self.serde, w.payload, wdata)))
                size += len(wdata)
            return _Decoded(
                cp, convert_versions(value["checkpoint"]), value["metadata"], decoded, size
            )
        except Exception as exc:  # a payload we cannot decode must not stop the others
            skip(f"cannot decode: {type(exc).__name__}: {exc}")
            return None

    def _write(self, item: _Decoded) -> None:
        """Store one checkpoint: its writes first, the checkpoint item (the marker) last."""
        cp = item.cp
        base = {"thread_id": cp.thread_id, "checkpoint_ns": cp.checkpoint_ns}
        target_config: RunnableConfig = {"configurable": base | {"checkpoint_id": cp.checkpoint_id}}
        for task_id, task_path, task in task_writes(item.writes):
            self.target.put_writes(target_config, task, task_id, task_path)
        parent: RunnableConfig = {"configurable": dict(base)}
        if cp.parent_id:
            parent["configurable"]["checkpoint_id"] = cp.parent_id
        self.target.put(parent, item.checkpoint, item.metadata, {})
        logger.debug("migrate: copied %r %s", cp.thread_id, cp.key)


class _Counter:
    """Counts processed checkpoints and reports them to an ``on_progress`` callback."""

    def __init__(self, total: int, callback: Progress | None) -> None:
        self.total = total
        self.done = 0
        self.callback = callback
        if callback is not None:
            callback(0, total)

    def add(self, n: int) -> None:
        for _ in range(n):
            self.done += 1
            if self.callback is not None:
                self.callback(self.done, self.total)


# -- progress bar ----------------------------------------------------------------------------


class ProgressBar:
    """A one-line progress bar on a terminal; on anything else a line per 10%."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_decile = -1
        self._open = False  # a bar is on screen without its newline

    def break_line(self) -> None:
        """End a half-drawn bar, so a following message starts on its own line."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        if self.tty:
            filled = self.width * done // total
            bar = "#" * filled + "." * (self.width - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r[{bar}] {done}/{total} checkpoints{end}")
            self._open = not end
        else:
            decile = 10 * done // total
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(f"migrate: {done}/{total} checkpoints ({10 * decile}%)\n")
        self.stream.flush()


# -- CLI -------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``langgraph-agentcore migrate``."""
    parser.add_argument(
        "--from-table", required=True, help="the langgraph-checkpoint-aws DynamoDBSaver table"
    )
    parser.add_argument("--to-table", required=True, help="our table (created if missing)")
    parser.add_argument("--agent-id", required=True, help="agent id the threads will belong to")
    parser.add_argument(
        "--thread",
        action="append",
        dest="threads",
        metavar="THREAD_ID",
        help="copy this thread (repeatable; default: every thread, found by a Scan)",
    )
    parser.add_argument("--dry-run", action="store_true", help="read and decode, write nothing")
    parser.add_argument("--region", default=None, help="AWS region (default: the SDK's)")
    parser.add_argument("--endpoint-url", default=None, help="DynamoDB endpoint (both tables)")
    parser.add_argument(
        "--s3-bucket", default=None, help="the incumbent's s3_offload_config bucket_name"
    )
    parser.add_argument("--s3-prefix", default=None, help="its s3_offload_config key_prefix")
    parser.add_argument("--s3-endpoint-url", default=None, help="its s3_offload_config endpoint")
    parser.add_argument(
        "--shards", type=int, default=1, help="DynamoDBSaver shards of the target (default 1)"
    )
    parser.add_argument("--compression", action="store_true", help="target uses compression")
    parser.add_argument("--ttl-seconds", type=float, default=None, help="target items expire")
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"checkpoints written at once ({WORKERS})"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    """Migrate; 0 when complete, 1 when checkpoints were skipped or a request failed."""
    saver = DynamoDBSaver(
        args.to_table,
        args.agent_id,
        region_name=args.region,
        endpoint_url=args.endpoint_url,
        shards=args.shards,
        compression=args.compression,
        ttl_seconds=args.ttl_seconds,
    )
    migrator = Migrator(
        args.from_table,
        saver,
        region_name=args.region,
        endpoint_url=args.endpoint_url,
        s3_bucket=args.s3_bucket,
        s3_key_prefix=args.s3_prefix,
        s3_endpoint_url=args.s3_endpoint_url,
        workers=args.workers,
    )
    bar = ProgressBar()
    try:
        report = migrator.run(
            args.threads,
            dry_run=args.dry_run,
            on_progress=None if args.no_progress else bar,
        )
    except AgentCoreStorageError as exc:
        bar.break_line()
        print(f"migrate: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.break_line()
        print("migrate: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    finally:
        migrator.close()
        saver.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print("\n".join(report.lines()))
    return 0 if report.complete else 1
