"""Namespace codec: LangGraph namespace tuples <-> AgentCore namespace paths and sort keys.

Pure functions, no I/O.

AgentCore namespaces allow only ``[A-Za-z0-9/*_:-]`` (and ``:`` only when followed by
another allowed character), while LangGraph labels are any non-empty text without ``.``.
Every label is therefore escaped: characters outside ``[A-Za-z0-9_-]`` become ``:`` plus
two uppercase hex digits per UTF-8 byte. ``:`` itself is escaped, so decoding is
unambiguous, and ``/`` inside a label can never be mistaken for a separator::

    ("users", "alice@example.com", "facts")  <->  /users/alice:40example:2Ecom/facts

The same escaping makes store keys safe as AgentCore record metadata values.
In DynamoDB the index items use :func:`langgraph_agentcore.keys.encode_segment`, which is
order-preserving, so a Query returns items sorted like ``(namespace, key)`` tuples.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langgraph_agentcore.keys import SEP, decode_segment, encode_segment

#: AgentCore's namespace length limit (characters).
MAX_PATH_CHARS = 1024
#: DynamoDB sort-key limit (bytes of UTF-8).
MAX_SK_BYTES = 1024
#: Sort-key prefix of store index items (the checkpointer uses ``context#``).
STORE_PREFIX = "store" + SEP

_SAFE = re.compile(r"[A-Za-z0-9_-]")
_ESCAPED = re.compile(r"(?::[0-9A-F]{2})+")


def encode_label(label: str) -> str:
    """Escape ``label`` into AgentCore's namespace charset (injective, reversible)."""
    out: list[str] = []
    for ch in label:
        if _SAFE.fullmatch(ch):
            out.append(ch)
        else:
            out.extend(f":{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def decode_label(encoded: str) -> str:
    """Invert :func:`encode_label`; raises ValueError on text it cannot have produced."""
    out: list[str] = []
    pos = 0
    for match in _ESCAPED.finditer(encoded):
        plain = encoded[pos : match.start()]
        if not all(_SAFE.fullmatch(c) for c in plain):
            raise ValueError(f"not an encoded namespace label: {encoded!r}")
        out.append(plain)
        raw = bytes(
            int(match.group()[i + 1 : i + 3], 16) for i in range(0, match.end() - match.start(), 3)
        )
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"not an encoded namespace label: {encoded!r}") from exc
        pos = match.end()
    tail = encoded[pos:]
    if not all(_SAFE.fullmatch(c) for c in tail):
        raise ValueError(f"not an encoded namespace label: {encoded!r}")
    out.append(tail)
    return "".join(out)


def to_path(namespace: Sequence[str]) -> str:
    """AgentCore namespace path of a namespace tuple: ``/`` + encoded labels joined by ``/``.

    The empty tuple maps to ``/`` (the root, used as a search prefix).
    """
    path = "/" + "/".join(encode_label(label) for label in namespace)
    if len(path) > MAX_PATH_CHARS:
        raise ValueError(
            f"namespace {tuple(namespace)!r} encodes to an AgentCore namespace of {len(path)} "
            f"chars; the limit is {MAX_PATH_CHARS}"
        )
    return path


def from_path(path: str) -> tuple[str, ...]:
    """Namespace tuple of an AgentCore namespace path (inverse of :func:`to_path`).

    Paths written by others (e.g. strategy templates such as ``/strategies/x/actors/y/``)
    are decoded label by label; a label that is not valid escaped text is kept verbatim.
    """
    labels = [part for part in path.split("/") if part]
    out: list[str] = []
    for label in labels:
        try:
            out.append(decode_label(label))
        except ValueError:
            out.append(label)
    return tuple(out)


# -- DynamoDB sort keys of index items ------------------------------------------------------


def ns_prefix(namespace: Sequence[str]) -> str:
    """Sort-key prefix shared by every item in ``namespace`` and its sub-namespaces."""
    return STORE_PREFIX + "".join(encode_segment(label) + SEP for label in namespace)


def item_sk(namespace: Sequence[str], key: str) -> str:
    """Sort key of the index item of ``(namespace, key)``: ``store#l1#l2##key``.

    Labels are non-empty, so ``##`` ends the namespace unambiguously, and a prefix Query
    on ``store#a#`` never matches namespace ``("ab",)``.
    """
    sk = ns_prefix(namespace) + SEP + encode_segment(key)
    if len(sk.encode("utf-8")) > MAX_SK_BYTES:
        raise ValueError(
            f"namespace {tuple(namespace)!r} and key of {len(key)} chars are too long for a "
            f"DynamoDB sort key ({MAX_SK_BYTES} bytes)"
        )
    return sk


def parse_sk(sk: str) -> tuple[tuple[str, ...], str]:
    """Invert :func:`item_sk`."""
    if not sk.startswith(STORE_PREFIX):
        raise ValueError(f"not a store sort key: {sk!r}")
    parts = sk[len(STORE_PREFIX) :].split(SEP)
    try:
        end = parts.index("")
    except ValueError:
        raise ValueError(f"not a store sort key: {sk!r}") from None
    if end == 0 or end + 2 != len(parts):
        raise ValueError(f"not a store sort key: {sk!r}")
    return tuple(decode_segment(p) for p in parts[:end]), decode_segment(parts[end + 1])
