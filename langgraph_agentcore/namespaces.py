"""Namespace codec: LangGraph namespace tuples <-> AgentCore namespace paths and sort keys.

Pure functions, no I/O.

AgentCore namespaces allow only ``[A-Za-z0-9/*_:-]`` (and ``:`` only when followed by
another allowed character), while LangGraph labels are any non-empty text without ``.``.
Every label is therefore escaped: characters outside ``[A-Za-z0-9_-]`` become ``:`` plus
two uppercase hex digits per UTF-8 byte. ``:`` itself is escaped, so decoding is
unambiguous, and ``/`` inside a label can never be mistaken for a separator::

    ("users", "alice@example.com", "facts")  <->  /users/alice:40example:2Ecom/facts

An encoded label always starts with a letter or digit (AgentCore's rule for actor ids): a
label whose escaped form would not, or would start with zeros followed by ``:``, gets one
more leading ``0`` (and a leading ``_`` / ``-`` is escaped too). Decoding strips one ``0``
from a form that starts with zeros and ``:``; plain forms never do, so the map stays
injective.

The same escaping makes store keys safe as AgentCore record metadata values, and
:func:`actor_id` uses it for user identities, so ``("users", user, "facts")`` in the
store and ``/users/{actorId}/facts`` in the memory loop name the same namespace.
In DynamoDB the index items use :func:`langgraph_agentcore.keys.encode_segment`, which is
order-preserving, so a Query returns items sorted like ``(namespace, key)`` tuples.
"""

from __future__ import annotations

import hashlib
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
_ZEROS_COLON = re.compile(r"0*:")
_ALNUM = re.compile(r"[A-Za-z0-9]")


def encode_label(label: str) -> str:
    """Escape ``label`` into AgentCore's namespace charset (injective, reversible).

    The result starts with a letter or digit (see the module docstring).
    """
    out: list[str] = []
    for i, ch in enumerate(label):
        if _SAFE.fullmatch(ch) and (i > 0 or _ALNUM.fullmatch(ch)):
            out.append(ch)
        else:
            out.extend(f":{b:02X}" for b in ch.encode("utf-8"))
    enc = "".join(out)
    if _ZEROS_COLON.match(enc):
        enc = "0" + enc
    return enc


def decode_label(encoded: str) -> str:
    """Invert :func:`encode_label`; raises ValueError on text it cannot have produced."""
    if _ZEROS_COLON.match(encoded):
        if not encoded.startswith("0"):
            raise ValueError(f"not an encoded namespace label: {encoded!r}")
        encoded = encoded[1:]
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
    out: list[str] = []
    for label in labels(path):
        try:
            out.append(decode_label(label))
        except ValueError:
            out.append(label)
    return tuple(out)


def labels(path: str) -> tuple[str, ...]:
    """The raw (still encoded) labels of an AgentCore namespace path."""
    return tuple(part for part in path.split("/") if part)


def within(path: str, root: str) -> bool:
    """Whether namespace ``path`` is ``root`` or below it, compared label by label.

    AgentCore documents ``namespacePath`` as a string prefix, so ``/users/u1`` may also
    match ``/users/u12/facts``: every record a service returns for a subtree is checked
    with this before it is used.
    """
    want = labels(root)
    return labels(path)[: len(want)] == want


# -- identities ------------------------------------------------------------------------------

#: AgentCore's limits on actor and session ids (characters).
MAX_ACTOR_ID = 255
MAX_SESSION_ID = 100
_SESSION_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
#: Hashed ids look like this; a raw id of this form is hashed too, so the map is injective
#: up to a BLAKE2b-160 collision.
_HASHED = re.compile(r"lgh-[0-9a-f]{40}")


def _hashed(raw: str) -> str:
    return "lgh-" + hashlib.blake2b(raw.encode("utf-8"), digest_size=20).hexdigest()


def actor_id(raw: str) -> str:
    """The AgentCore actor id (and namespace label) of a user identity.

    Ids of letters, digits, ``_`` and ``-`` that start with a letter or digit pass
    unchanged; others (emails, dots, spaces, ``:``, ``/``, unicode) are escaped by
    :func:`encode_label`, the store's label codec. An escaped form over 255 characters
    becomes ``lgh-`` + a BLAKE2b hash.
    """
    if not isinstance(raw, str) or not raw:
        raise ValueError(f"an actor id must be a non-empty str, got {raw!r}")
    enc = encode_label(raw)
    if len(enc) > MAX_ACTOR_ID or _HASHED.fullmatch(enc):
        return _hashed(raw)
    return enc


def session_id(raw: str) -> str:
    """The AgentCore session id of a session or thread id.

    Ids AgentCore accepts (``[A-Za-z0-9][A-Za-z0-9_-]*``, at most 100 characters) pass
    unchanged; any other becomes ``lgh-`` + a BLAKE2b hash (44 characters).
    """
    if not isinstance(raw, str) or not raw:
        raise ValueError(f"a session id must be a non-empty str, got {raw!r}")
    if len(raw) <= MAX_SESSION_ID and _SESSION_OK.fullmatch(raw) and not _HASHED.fullmatch(raw):
        return raw
    return _hashed(raw)


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
