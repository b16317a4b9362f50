"""The capture outbox: captures AgentCore could not take yet, kept in the DynamoDB table.

One item per failed capture, under the agent's partition key (``KeySchema.agent_key``)::

    pk = agent#{agent_id}
    sk = outbox#{actorId}#{created ms, 13 digits}#{clientToken of its first event}

``calls`` holds the capture's CreateEvent requests (:class:`~langgraph_agentcore.events.EventSpec`
JSON, zlib-compressed), each with its ``clientToken`` and ``eventTimestamp``, so a redelivery
sends byte-for-byte the request of the first attempt and AgentCore's idempotency makes it
exactly-once. The actor in the sort key lets ``forget`` find one user's items with one
prefix Query. Pure functions, no I/O.
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


@dataclass(frozen=True)
class OutboxEntry:
    """One queued capture: its events and how many messages they hold."""

    specs: tuple[EventSpec, ...]
    messages: int
    created_ms: int
    sk: str = ""

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


def encode_entry(keys: KeySchema, entry: OutboxEntry) -> dict[str, Any]:
    """The DynamoDB item of an entry; ItemTooLargeError if it cannot fit in one item."""
    blob = zlib.compress(
        json.dumps([s.to_json() for s in entry.specs], separators=(",", ":")).encode("utf-8")
    )
    if len(blob) > MAX_OUTBOX_BYTES:
        raise ItemTooLargeError(
            f"capture of {entry.messages} messages compresses to {len(blob)} bytes; an outbox "
            f"item holds {MAX_OUTBOX_BYTES}",
            operation="PutItem",
        )
    return {
        keys.pk_attr: {"S": keys.agent_key},
        keys.sk_attr: {"S": outbox_sk(entry)},
        "calls": {"B": blob},
        "messages": {"N": str(entry.messages)},
        "sessionId": {"S": entry.session_id},
        "createdMs": {"N": str(entry.created_ms)},
    }


def decode_entry(keys: KeySchema, item: dict[str, Any]) -> OutboxEntry:
    """Invert :func:`encode_entry`."""
    raw = item["calls"]["B"]
    specs = tuple(EventSpec.from_json(d) for d in json.loads(zlib.decompress(bytes(raw))))
    return OutboxEntry(
        specs,
        int(item["messages"]["N"]),
        int(item["createdMs"]["N"]),
        item[keys.sk_attr]["S"],
    )


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
