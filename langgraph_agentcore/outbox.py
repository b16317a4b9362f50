"""The capture outbox: captures AgentCore could not take yet, kept in the DynamoDB table.

One item per failed capture, under the agent's partition key (``KeySchema.agent_key``)::

    pk = agent#{agent_id}
    sk = outbox#{actorId}#{created ms, 13 digits}#{clientToken of its first event}

``calls`` holds the capture's CreateEvent requests (:class:`~langgraph_agentcore.events.EventSpec`
JSON, zlib-compressed), each with its ``clientToken`` and ``eventTimestamp``, so a redelivery
sends byte-for-byte the request of the first attempt and AgentCore's idempotency makes it
exactly-once. The actor in the sort key lets ``forget`` find one user's items with one
prefix Query. A capture too large for one item (over 380,000 compressed bytes) is cut into
part items ``...#p00``, ``...#p01`` written in one TransactWriteItems. Pure functions, no I/O.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langgraph_agentcore.errors import ItemTooLargeError
from langgraph_agentcore.events import EventSpec
from langgraph_agentcore.keys import SEP, KeySchema, encode_segment

#: Sort-key prefix of outbox items (the checkpointer uses ``context#``, the store ``store#``).
OUTBOX_PREFIX = "outbox" + SEP
#: Largest compressed ``calls`` attribute; DynamoDB items hold 409,600 bytes in all.
MAX_OUTBOX_BYTES = 380_000
#: Part items per capture at most (TransactWriteItems: <= 100 actions, <= 4 MB in all).
MAX_PARTS = 10
_PART = SEP + "p"


@dataclass(frozen=True)
class OutboxEntry:
    """One queued capture: its events and how many messages they hold."""

    specs: tuple[EventSpec, ...]
    messages: int
    created_ms: int
    sk: str = ""
    #: Sort keys of its items (one, or its parts).
    sks: tuple[str, ...] = ()

    @property
    def actor_id(self) -> str:
        return self.specs[0].actor_id

    @property
    def session_id(self) -> str:
        return self.specs[0].session_id


def actor_prefix(actor_id: str) -> str:
    """Sort-key prefix of one actor's outbox items."""
    return OUTBOX_PREFIX + encode_segment(actor_id) + SEP


def outbox_sk(entry: OutboxEntry) -> str:
    """Sort key of an entry (unique per capture: its first event's client token)."""
    return (
        f"{actor_prefix(entry.actor_id)}{entry.created_ms:013d}{SEP}{entry.specs[0].client_token}"
    )


def encode_items(keys: KeySchema, entry: OutboxEntry) -> list[dict[str, Any]]:
    """The DynamoDB items of an entry: one, or parts written together in one transaction.

    A capture whose compressed requests exceed one item (:data:`MAX_OUTBOX_BYTES`) is cut
    into up to :data:`MAX_PARTS` part items (sort key ``...#p00``, ``#p01``, ...) that
    TransactWriteItems writes atomically. Beyond that: ItemTooLargeError.
    """
    blob = zlib.compress(
        json.dumps([s.to_json() for s in entry.specs], separators=(",", ":")).encode("utf-8")
    )
    if len(blob) > MAX_OUTBOX_BYTES * MAX_PARTS:
        raise ItemTooLargeError(
            f"capture of {entry.messages} messages compresses to {len(blob)} bytes; the "
            f"outbox holds {MAX_OUTBOX_BYTES * MAX_PARTS} per capture",
            operation="TransactWriteItems",
        )
    chunks = [blob[i : i + MAX_OUTBOX_BYTES] for i in range(0, len(blob), MAX_OUTBOX_BYTES)]
    base = outbox_sk(entry)
    items = []
    for n, chunk in enumerate(chunks):
        item = {
            keys.pk_attr: {"S": keys.agent_key},
            keys.sk_attr: {"S": base if len(chunks) == 1 else f"{base}{_PART}{n:02d}"},
            "calls": {"B": chunk},
            "messages": {"N": str(entry.messages)},
            "sessionId": {"S": entry.session_id},
            "createdMs": {"N": str(entry.created_ms)},
        }
        if len(chunks) > 1:
            item["parts"] = {"N": str(len(chunks))}
        items.append(item)
    return items


def encode_entry(keys: KeySchema, entry: OutboxEntry) -> dict[str, Any]:
    """The single DynamoDB item of a small entry (ItemTooLargeError if it needs parts)."""
    items = encode_items(keys, entry)
    if len(items) != 1:
        raise ItemTooLargeError(
            f"capture of {entry.messages} messages needs {len(items)} outbox items",
            operation="PutItem",
        )
    return items[0]


def decode_entry(keys: KeySchema, item: dict[str, Any]) -> OutboxEntry:
    """Invert :func:`encode_entry`."""
    (entry,) = decode_items(keys, [item])[0]
    return entry


def decode_items(
    keys: KeySchema, items: Sequence[dict[str, Any]]
) -> tuple[list[OutboxEntry], list[str]]:
    """Entries of outbox items (parts joined), and the sort keys of unreadable ones.

    Items must come sorted by sort key, as a Query returns them. Part sets that miss a
    part, and items that do not decode, are returned as sort keys instead of entries.
    """
    groups = group_items(keys, items)
    entries: list[OutboxEntry] = []
    bad: list[str] = []
    for base, group in groups.items():
        sks = tuple(it[keys.sk_attr]["S"] for it in group)
        try:
            if len(group) != int(group[0].get("parts", {}).get("N", "1")):
                raise ValueError("missing parts")
            blob = b"".join(bytes(it["calls"]["B"]) for it in group)
            specs = tuple(EventSpec.from_json(d) for d in json.loads(zlib.decompress(blob)))
            head = group[0]
            messages, created = int(head["messages"]["N"]), int(head["createdMs"]["N"])
        except (KeyError, TypeError, ValueError, IndexError, zlib.error):
            bad.extend(sks)
            continue
        entries.append(OutboxEntry(specs, messages, created, base, sks))
    return entries, bad


def group_items(
    keys: KeySchema, items: Sequence[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Outbox items by capture (a capture's part items share its base sort key)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        sk = item[keys.sk_attr]["S"]
        base = sk.rsplit(_PART, 1)[0] if "parts" in item else sk
        groups.setdefault(base, []).append(item)
    return groups


def query_params(
    table_name: str, keys: KeySchema, prefix: str = OUTBOX_PREFIX, start: Any = None
) -> dict[str, Any]:
    """A strongly consistent Query for the outbox items whose sort key starts with ``prefix``."""
    params: dict[str, Any] = {
        "TableName": table_name,
        "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
        "ExpressionAttributeNames": {"#pk": keys.pk_attr, "#sk": keys.sk_attr},
        "ExpressionAttributeValues": {
            ":pk": {"S": keys.agent_key},
            ":prefix": {"S": prefix},
        },
        "ConsistentRead": True,
    }
    if start:
        params["ExclusiveStartKey"] = start
    return params


def item_key(keys: KeySchema, sk: str) -> dict[str, Any]:
    """The DynamoDB key of an outbox item."""
    return {keys.pk_attr: {"S": keys.agent_key}, keys.sk_attr: {"S": sk}}


def delete_requests(keys: KeySchema, sks: Sequence[str]) -> list[dict[str, Any]]:
    """BatchWriteItem delete requests for outbox items."""
    return [{"DeleteRequest": {"Key": item_key(keys, sk)}} for sk in sks]
