"""``langgraph-agentcore threads``: look at and clean up an agent's threads without code.

``list`` (threads with their checkpoint count and last write), ``show THREAD`` (the
latest checkpoint as JSON: values, metadata, pending writes), ``history THREAD``
(checkpoints newest first) and ``delete THREAD``, for one table and agent id. Reads go
through :class:`~langgraph_agentcore.DynamoDBSaver`, so they see exactly what a graph
would; ``list`` reads only key attributes.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime
import enum
import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.base import CheckpointTuple

from langgraph_agentcore.checkpoint import CHECKPOINT, DynamoDBSaver
from langgraph_agentcore.errors import AgentCoreStorageError
from langgraph_agentcore.table import Call, Emit, Plan


@dataclass(frozen=True)
class ThreadSummary:
    """One thread of an agent: how many checkpoints (all namespaces) and the last write."""

    thread_id: str
    checkpoints: int
    namespaces: int
    updated_at: str


def thread_summaries(saver: DynamoDBSaver) -> Iterator[ThreadSummary]:
    """Every thread of the saver's agent, in key order per shard (key attributes only)."""
    yield from saver.io.iterate(_summaries_plan(saver))


def _summaries_plan(saver: DynamoDBSaver) -> Plan[None]:
    keys = saver.keys
    lo = keys.sk_prefix
    hi = lo[:-1] + chr(ord(lo[-1]) + 1)
    for pk in keys.partition_keys():
        current: str | None = None
        count, updated = 0, ""
        namespaces: set[str] = set()
        start = None
        while True:
            params: dict[str, Any] = {
                "TableName": saver.table_name,
                "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
                "FilterExpression": "#et = :cp",
                "ProjectionExpression": "#tid, #ns, #up",
                "ExpressionAttributeNames": {
                    "#pk": keys.pk_attr,
                    "#sk": keys.sk_attr,
                    "#et": "entityType",
                    "#tid": "threadId",
                    "#ns": "checkpointNs",
                    "#up": "updatedAt",
                },
                "ExpressionAttributeValues": {
                    ":pk": {"S": pk},
                    ":lo": {"S": lo},
                    ":hi": {"S": hi},
                    ":cp": {"S": CHECKPOINT},
                },
                "ConsistentRead": True,
            }
            if start:
                params["ExclusiveStartKey"] = start
            resp = yield Call("Query", params)
            for item in resp.get("Items", []):
                thread_id = item["threadId"]["S"]
                if thread_id != current:
                    if current is not None:
                        yield Emit(ThreadSummary(current, count, len(namespaces), updated))
                    current, count, namespaces, updated = thread_id, 0, set(), ""
                count += 1
                namespaces.add(item["checkpointNs"]["S"])
                updated = max(updated, item.get("updatedAt", {}).get("S", ""))
            start = resp.get("LastEvaluatedKey")
            if not start:
                break
        if current is not None:
            yield Emit(ThreadSummary(current, count, len(namespaces), updated))


def to_jsonable(value: Any) -> Any:
    """A JSON-friendly rendering of checkpoint values (messages, models, bytes, ...)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, (datetime.datetime, datetime.date, uuid.UUID)):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):  # pydantic models, LangChain messages
        try:
            return to_jsonable(dump())
        except Exception:  # noqa: BLE001 - fall back to repr below
            pass
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "_asdict"):
        return to_jsonable(value._asdict())
    return repr(value)


def tuple_json(tup: CheckpointTuple) -> dict[str, Any]:
    """The JSON document ``show`` prints for one checkpoint."""
    conf = tup.config["configurable"]
    parent = tup.parent_config["configurable"]["checkpoint_id"] if tup.parent_config else None
    return {
        "thread_id": conf["thread_id"],
        "checkpoint_ns": conf.get("checkpoint_ns", ""),
        "checkpoint_id": conf["checkpoint_id"],
        "parent_checkpoint_id": parent,
        "created_at": tup.checkpoint.get("ts"),
        "metadata": to_jsonable(tup.metadata),
        "values": to_jsonable(tup.checkpoint.get("channel_values", {})),
        "pending_writes": [
            {"task_id": task_id, "channel": channel, "value": to_jsonable(value)}
            for task_id, channel, value in tup.pending_writes or []
        ],
    }


def history_line(tup: CheckpointTuple) -> str:
    """One ``history`` line: id, step, source, what was written, pending writes."""
    md = tup.metadata or {}
    conf = tup.config["configurable"]
    ns = conf.get("checkpoint_ns", "")
    step = md.get("step")
    written = ",".join(sorted((tup.checkpoint.get("channel_versions") or {}).keys()))
    parts = [
        conf["checkpoint_id"],
        f"step={step if step is not None else '?':>3}",
        f"source={md.get('source', '?')}",
        f"created={tup.checkpoint.get('ts', '?')}",
    ]
    if ns:
        parts.append(f"ns={ns}")
    if tup.pending_writes:
        parts.append(f"pending={len(tup.pending_writes)}")
    parts.append(f"channels={written}")
    return "  ".join(parts)


# -- CLI -------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``langgraph-agentcore threads``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--table", required=True, help="the DynamoDBSaver table")
    common.add_argument("--agent-id", required=True, help="the agent whose threads to read")
    common.add_argument("--endpoint-url", default=None, help="DynamoDB endpoint (e.g. local)")
    common.add_argument("--region", default=None, help="AWS region (default: the SDK's)")
    common.add_argument("--shards", type=int, default=1, help="the saver's shards (default 1)")
    sub = parser.add_subparsers(dest="threads_command", required=True)
    ls = sub.add_parser("list", parents=[common], help="threads with checkpoint counts")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    show = sub.add_parser("show", parents=[common], help="latest state of a thread as JSON")
    show.add_argument("thread_id", metavar="THREAD")
    show.add_argument("--ns", default="", help="checkpoint namespace (default: root graph)")
    show.add_argument("--checkpoint-id", default=None, help="this checkpoint, not the latest")
    hist = sub.add_parser("history", parents=[common], help="a thread's checkpoints, newest first")
    hist.add_argument("thread_id", metavar="THREAD")
    hist.add_argument("--ns", default=None, help="only this namespace (default: all)")
    hist.add_argument("--limit", type=int, default=None, help="at most this many")
    hist.add_argument("--json", action="store_true", help="one JSON object per line")
    delete = sub.add_parser("delete", parents=[common], help="delete every item of a thread")
    delete.add_argument("thread_id", metavar="THREAD")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _saver(args: argparse.Namespace) -> DynamoDBSaver:
    return DynamoDBSaver(
        args.table,
        args.agent_id,
        region_name=args.region,
        endpoint_url=args.endpoint_url,
        shards=args.shards,
    )


def _exists(saver: DynamoDBSaver, thread_id: str) -> bool:
    return next(saver.list({"configurable": {"thread_id": thread_id}}, limit=1), None) is not None


def run(args: argparse.Namespace) -> int:
    """Run one ``threads`` subcommand: 0 on success, 1 if the thread or table is missing."""
    saver = _saver(args)
    try:
        return _COMMANDS[args.threads_command](saver, args)
    except AgentCoreStorageError as exc:
        print(f"threads: {exc}", file=sys.stderr)
        return 1
    except (TypeError, ValueError) as exc:
        print(f"threads: {exc}", file=sys.stderr)
        return 2
    finally:
        saver.close()


def _list(saver: DynamoDBSaver, args: argparse.Namespace) -> int:
    found = 0
    for s in thread_summaries(saver):
        found += 1
        if args.json:
            print(json.dumps(dataclasses.asdict(s)))
        else:
            print(f"{s.thread_id}\t{s.checkpoints} checkpoints\t{s.namespaces} ns\t{s.updated_at}")
    if not found and not args.json:
        print(f"no threads for agent {saver.keys.agent_id!r} in table {saver.table_name!r}")
    return 0


def _missing(saver: DynamoDBSaver, thread_id: str) -> int:
    print(
        f"threads: no thread {thread_id!r} for agent {saver.keys.agent_id!r} "
        f"in table {saver.table_name!r}",
        file=sys.stderr,
    )
    return 1


def _show(saver: DynamoDBSaver, args: argparse.Namespace) -> int:
    conf: dict[str, Any] = {"thread_id": args.thread_id, "checkpoint_ns": args.ns}
    if args.checkpoint_id:
        conf["checkpoint_id"] = args.checkpoint_id
    tup = saver.get_tuple({"configurable": conf})
    if tup is None:
        return _missing(saver, args.thread_id)
    print(json.dumps(tuple_json(tup), indent=2, ensure_ascii=False))
    return 0


def _history(saver: DynamoDBSaver, args: argparse.Namespace) -> int:
    conf: dict[str, Any] = {"thread_id": args.thread_id}
    if args.ns is not None:
        conf["checkpoint_ns"] = args.ns
    found = 0
    for tup in saver.list({"configurable": conf}, limit=args.limit):
        found += 1
        if args.json:
            print(json.dumps(tuple_json(tup), ensure_ascii=False))
        else:
            print(history_line(tup))
    if not found:
        return _missing(saver, args.thread_id)
    return 0


def _delete(saver: DynamoDBSaver, args: argparse.Namespace) -> int:
    if not _exists(saver, args.thread_id):
        return _missing(saver, args.thread_id)
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                "threads: refusing to delete without --yes (stdin is not a terminal)",
                file=sys.stderr,
            )
            return 2
        answer = input(f"delete thread {args.thread_id!r} of agent {saver.keys.agent_id!r}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("not deleted")
            return 1
    saver.delete_thread(args.thread_id)
    print(f"deleted thread {args.thread_id!r} of agent {saver.keys.agent_id!r}")
    return 0


_COMMANDS = {"list": _list, "show": _show, "history": _history, "delete": _delete}
