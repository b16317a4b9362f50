"""Key schema: how thread ids, namespaces and checkpoint ids become DynamoDB keys.

Pure functions, no I/O. One table holds every agent; each agent owns the partition key
``agent#{agent_id}`` (or ``shards`` keys derived from it) and each thread the sort-key
range ``context#{thread_id}#...``:

========================  ==========================================================
item                      sort key
========================  ==========================================================
checkpoint                ``context#{thread}#{ns}#{checkpoint_id}``
pending writes of a task  ``context#{thread}#{ns}#{checkpoint_id}#{task_id}``
chunk of a large value    ``context#{thread}#!{blob_id}#{n}``
========================  ==========================================================

Segments are escaped so that the encoding is injective *and* order-preserving: every
character at or below ``$`` becomes ``$`` followed by one character, so an encoded
segment never contains ``#`` and every character in it sorts above ``#``. Hence:

* no thread id, namespace or checkpoint id can reach into another's key range, even when
  one is a prefix of another or contains ``#``, ``:``, ``/`` or unicode;
* the writes of a checkpoint sort right after it and before the next checkpoint, so one
  descending Query returns the newest checkpoint together with its pending writes;
* the chunk region (``#!``) sorts below every namespace (``##`` for the root namespace,
  ``#$...`` and above for others), so checkpoint queries never read chunks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SEP = "#"
ESC = "$"
_ESC_BASE = 0x40  # "$" + chr(0x40 + ord(c)) for c <= "$": "@" .. "d"
_CHUNK_MARK = "!"

#: DynamoDB key limits (bytes of UTF-8).
MAX_PK_BYTES = 2048
MAX_SK_BYTES = 1024


def encode_segment(value: str) -> str:
    """Escape ``value`` so it contains no separator and sorts like the original."""
    if all(ord(c) > 0x24 for c in value):
        return value
    return "".join(ESC + chr(_ESC_BASE + ord(c)) if ord(c) <= 0x24 else c for c in value)


def decode_segment(value: str) -> str:
    """Invert :func:`encode_segment`."""
    if ESC not in value:
        return value
    out: list[str] = []
    chars = iter(value)
    for c in chars:
        if c == ESC:
            nxt = next(chars, None)
            if nxt is None or not _ESC_BASE <= ord(nxt) <= _ESC_BASE + 0x24:
                raise ValueError(f"malformed escaped key segment: {value!r}")
            out.append(chr(ord(nxt) - _ESC_BASE))
        else:
            out.append(c)
    return "".join(out)


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}: {value!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid unicode text: {value!r}") from exc
    return value


@dataclass(frozen=True)
class KeySchema:
    """Builds and parses keys for one agent in one table."""

    agent_id: str
    pk_attr: str = "pk"
    sk_attr: str = "sk"
    pk_prefix: str = "agent#"
    sk_prefix: str = "context#"
    shards: int = 1

    def __post_init__(self) -> None:
        _check_text("agent_id", self.agent_id)
        if not self.agent_id:
            raise ValueError("agent_id must be a non-empty string")
        for name in ("pk_attr", "sk_attr", "pk_prefix", "sk_prefix"):
            _check_text(name, getattr(self, name))
        if not self.pk_attr or not self.sk_attr or self.pk_attr == self.sk_attr:
            raise ValueError("pk_attr and sk_attr must be distinct non-empty names")
        if not self.sk_prefix:
            raise ValueError("sk_prefix must be non-empty (it separates threads from other data)")
        if not isinstance(self.shards, int) or isinstance(self.shards, bool) or self.shards < 1:
            raise ValueError(f"shards must be an int >= 1, got {self.shards!r}")

    # -- partition keys ---------------------------------------------------------------

    @property
    def agent_key(self) -> str:
        """The agent's base partition key ``agent#{agent_id}``."""
        return self.pk_prefix + encode_segment(self.agent_id)

    def partition_keys(self) -> list[str]:
        """Every partition key this agent's threads can live under."""
        if self.shards == 1:
            return [self.agent_key]
        return [self._shard_key(n) for n in range(self.shards)]

    def _shard_key(self, n: int) -> str:
        return f"{self.agent_key}{SEP}shard-{n:03d}"

    def pk(self, thread_id: str) -> str:
        """Partition key of a thread: stable for the thread's whole life."""
        if self.shards == 1:
            return self.agent_key
        digest = hashlib.blake2b(thread_id.encode("utf-8"), digest_size=8).digest()
        return self._shard_key(int.from_bytes(digest, "big") % self.shards)

    # -- sort keys --------------------------------------------------------------------

    def thread_prefix(self, thread_id: str) -> str:
        """Prefix shared by every item of a thread (checkpoints, writes, chunks)."""
        return self.sk_prefix + encode_segment(thread_id) + SEP

    def thread_checkpoint_range(self, thread_id: str) -> tuple[str, str]:
        """Inclusive bounds covering every namespace of a thread but not its chunks."""
        base = self.sk_prefix + encode_segment(thread_id)
        return base + SEP + SEP, base + ESC

    def ns_prefix(self, thread_id: str, checkpoint_ns: str) -> str:
        """Prefix of one namespace's checkpoints and writes within a thread."""
        return self.thread_prefix(thread_id) + encode_segment(checkpoint_ns) + SEP

    def checkpoint_sk(self, thread_id: str, checkpoint_ns: str, checkpoint_id: str) -> str:
        """Sort key of a checkpoint item."""
        return self.ns_prefix(thread_id, checkpoint_ns) + encode_segment(checkpoint_id)

    def writes_sk(
        self, thread_id: str, checkpoint_ns: str, checkpoint_id: str, task_id: str
    ) -> str:
        """Sort key of the item holding one task's pending writes for a checkpoint."""
        return (
            self.checkpoint_sk(thread_id, checkpoint_ns, checkpoint_id)
            + SEP
            + encode_segment(task_id)
        )

    def chunk_prefix(self, thread_id: str) -> str:
        """Prefix of the chunk items of a thread's large values."""
        return self.thread_prefix(thread_id) + _CHUNK_MARK

    def chunk_sk(self, thread_id: str, blob_id: str, index: int) -> str:
        """Sort key of chunk ``index`` of blob ``blob_id``."""
        return f"{self.chunk_prefix(thread_id)}{blob_id}{SEP}{index:05d}"

    def key(self, thread_id: str, sk: str) -> dict[str, dict[str, str]]:
        """A DynamoDB ``Key`` for an item of ``thread_id``."""
        return {self.pk_attr: {"S": self.pk(thread_id)}, self.sk_attr: {"S": sk}}

    # -- validation -------------------------------------------------------------------

    def check_ids(self, **ids: object) -> None:
        """Raise a clear error if an id is not text or makes a key too long."""
        for name, value in ids.items():
            _check_text(name, value)
        thread = ids.get("thread_id", "")
        longest = self.sk_prefix + "".join(encode_segment(str(v)) + SEP for v in ids.values())
        if len(longest.encode("utf-8")) + 8 > MAX_SK_BYTES:
            raise ValueError(
                f"ids too long for a DynamoDB sort key ({MAX_SK_BYTES} bytes): "
                + ", ".join(f"{k}={len(str(v))} chars" for k, v in ids.items())
            )
        if len(self.pk(str(thread)).encode("utf-8")) > MAX_PK_BYTES:
            raise ValueError(f"agent_id too long for a DynamoDB partition key: {self.agent_id!r}")
