"""Item encoding: serialized values <-> DynamoDB attributes, compression and chunking.

Pure functions, no I/O. Values reach this module already serialized by the saver's
``serde`` as ``(type, bytes)`` pairs; here they are framed into one binary payload,
optionally compressed, and either stored inline or split into chunk items when the item
would exceed DynamoDB's 400 KB limit. A chunked payload is referenced by a small
descriptor (blob id, chunk count, size, SHA-256) that is written *last*, so a reader sees
the whole value or nothing.
"""

from __future__ import annotations

import hashlib
import struct
import time
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from langgraph_agentcore.errors import CorruptItemError

#: DynamoDB's item limit is 409,600 bytes (moto enforces 405,000). Items are kept below
#: this budget by our own size estimate, leaving room for the estimate's slack.
MAX_INLINE_ITEM_BYTES = 380_000
#: Payload bytes per chunk item.
CHUNK_BYTES = 380_000
#: Payloads below this size are never compressed (not worth the CPU).
COMPRESS_MIN_BYTES = 1024

Typed = tuple[str, bytes]
AttrValue = dict[str, Any]


def now_iso_offset(seconds: float = 0.0) -> str:
    """ISO-8601 UTC timestamp (milliseconds) ``seconds`` from now, as ``updatedAt`` uses."""
    moment = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """ISO-8601 UTC timestamp with milliseconds, for ``updatedAt``."""
    return now_iso_offset()


def ttl_value(ttl_seconds: float | None, now: float | None = None) -> int | None:
    """Epoch seconds at which an item written now expires, or None without TTL."""
    if ttl_seconds is None:
        return None
    return int((time.time() if now is None else now) + ttl_seconds)


def is_expired(item: dict[str, AttrValue], now: float | None = None) -> bool:
    """True if the item's ``ttl`` has passed (DynamoDB deletes expired items lazily)."""
    ttl = item.get("ttl")
    if ttl is None or "N" not in ttl:
        return False
    return float(ttl["N"]) <= (time.time() if now is None else now)


# -- framing ----------------------------------------------------------------------------


def frame(parts: list[Typed]) -> bytes:
    """Concatenate typed values into one self-delimiting binary payload."""
    out = bytearray()
    for type_, data in parts:
        t = type_.encode("utf-8")
        out += struct.pack(">HQ", len(t), len(data)) + t + data
    return bytes(out)


def unframe(payload: bytes) -> list[Typed]:
    """Split a payload made by :func:`frame` back into typed values."""
    parts: list[Typed] = []
    pos, end = 0, len(payload)
    header = struct.calcsize(">HQ")
    while pos < end:
        if pos + header > end:
            raise CorruptItemError("truncated payload header")
        tlen, dlen = struct.unpack_from(">HQ", payload, pos)
        pos += header
        if pos + tlen + dlen > end:
            raise CorruptItemError("truncated payload body")
        type_ = payload[pos : pos + tlen].decode("utf-8")
        pos += tlen
        parts.append((type_, payload[pos : pos + dlen]))
        pos += dlen
    return parts


# -- compression ------------------------------------------------------------------------


def compress(payload: bytes, enabled: bool) -> tuple[bytes, str | None]:
    """zlib-compress when enabled and it pays off; returns (bytes, encoding or None)."""
    if enabled and len(payload) >= COMPRESS_MIN_BYTES:
        packed = zlib.compress(payload, 6)
        if len(packed) < len(payload):
            return packed, "zlib"
    return payload, None


def decompress(payload: bytes, encoding: str | None) -> bytes:
    """Undo :func:`compress`."""
    if encoding is None:
        return payload
    if encoding == "zlib":
        return zlib.decompress(payload)
    raise CorruptItemError(f"unknown payload encoding {encoding!r}")


# -- size accounting --------------------------------------------------------------------


def attr_size(value: AttrValue) -> int:
    """Approximate stored size of one attribute value, per DynamoDB's sizing rules."""
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "B":
        return len(v)
    if kind == "N":
        return len(v) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + attr_size(x) + 1 for k, x in v.items())
    if kind == "L":
        return 3 + sum(attr_size(x) + 1 for x in v)
    if kind in ("SS", "BS", "NS"):
        return sum(len(x) if isinstance(x, bytes) else len(str(x).encode()) for x in v)
    raise ValueError(f"unsupported attribute type {kind}")


def item_size(item: dict[str, AttrValue]) -> int:
    """Approximate stored size of an item, attribute names included."""
    return sum(len(k.encode("utf-8")) + attr_size(v) for k, v in item.items())


# -- inline or chunked payloads ---------------------------------------------------------


@dataclass(frozen=True)
class Chunked:
    """A payload too large for its item, split into chunk items."""

    blob_id: str
    chunks: list[bytes]
    digest: str
    size: int

    def descriptor(self) -> AttrValue:
        """The small map stored in the referencing item in place of the payload."""
        return {
            "M": {
                "id": {"S": self.blob_id},
                "n": {"N": str(len(self.chunks))},
                "size": {"N": str(self.size)},
                "sha256": {"S": self.digest},
            }
        }


def split(payload: bytes, chunk_bytes: int = CHUNK_BYTES) -> Chunked:
    """Split ``payload`` into chunks under a fresh blob id."""
    chunks = [payload[i : i + chunk_bytes] for i in range(0, len(payload), chunk_bytes)] or [b""]
    return Chunked(
        blob_id=uuid.uuid4().hex,
        chunks=chunks,
        digest=hashlib.sha256(payload).hexdigest(),
        size=len(payload),
    )


@dataclass(frozen=True)
class ChunkRef:
    """A parsed chunk descriptor: where to find a large payload and how to verify it."""

    blob_id: str
    count: int
    size: int
    digest: str

    @classmethod
    def parse(cls, value: AttrValue) -> ChunkRef:
        """Read a descriptor written by :meth:`Chunked.descriptor`."""
        m = value["M"]
        return cls(m["id"]["S"], int(m["n"]["N"]), int(m["size"]["N"]), m["sha256"]["S"])

    def join(self, chunks: list[bytes]) -> bytes:
        """Reassemble and verify; raise if a chunk is missing or altered."""
        if len(chunks) != self.count:
            raise CorruptItemError(
                f"blob {self.blob_id}: expected {self.count} chunks, found {len(chunks)}"
            )
        payload = b"".join(chunks)
        if len(payload) != self.size or hashlib.sha256(payload).hexdigest() != self.digest:
            raise CorruptItemError(f"blob {self.blob_id}: size or checksum mismatch")
        return payload


def binary(value: AttrValue) -> bytes:
    """The bytes of a ``B`` attribute (boto3 gives bytes; some peers give str)."""
    data = value["B"]
    return bytes(data) if not isinstance(data, str) else data.encode("latin-1")
