"""Server-side request validation driven by botocore's own service model.

botocore's client-side validator checks only required members, types and minimums; the
real service also enforces maximum lengths, patterns, enums, list/map bounds, numeric
ranges and unions. This module walks the operation's input shape over the decoded
request (wire form) and reports every violation the way AgentCore does: a
ValidationException with ``reason=FieldValidationFailed`` and a ``fieldList``.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from langgraph_agentcore.twin.errors import ValidationError

logger = logging.getLogger(__name__)

_MAX_REPORTED = 10


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


class _Walker:
    """Collects (field path, message) violations while walking one value tree."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str, Any]] = []

    def fail(self, path: str, value: Any, message: str) -> None:
        self.errors.append((path, message, value))

    def walk(self, shape: Shape, value: Any, path: str) -> None:
        kind = shape.type_name
        if shape.metadata.get("document"):
            return  # free-form JSON document
        if kind == "structure":
            self._structure(shape, value, path)
        elif kind == "list":
            self._list(shape, value, path)
        elif kind == "map":
            self._map(shape, value, path)
        elif kind == "string":
            self._string(shape, value, path)
        elif kind in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(path, value, "Member must be an integer")
            else:
                self._range(shape, value, path)
        elif kind in ("float", "double"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                self.fail(path, value, "Member must be a number")
            else:
                self._range(shape, value, path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.fail(path, value, "Member must be a boolean")
        elif kind == "timestamp":
            if not isinstance(value, (int, float, str)) or isinstance(value, bool):
                self.fail(path, value, "Member must be a timestamp")
        elif kind == "blob" and not isinstance(value, str):
            self.fail(path, value, "Member must be base64 text")

    def _structure(self, shape: StructureShape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, value, "Member must be a structure")
            return
        prefix = f"{path}." if path else ""
        for name in shape.required_members:
            if value.get(name) is None:
                self.fail(prefix + name, None, "Member must not be null")
        present = [k for k, v in value.items() if v is not None and k in shape.members]
        if shape.metadata.get("union") and len(present) != 1:
            self.fail(
                path or shape.name,
                value,
                f"Member must have exactly one of {sorted(shape.members)} set",
            )
        for name in present:
            self.walk(shape.members[name], value[name], prefix + name)

    def _size(self, shape: Shape, size: int, value: Any, path: str, what: str) -> None:
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None and size < lo:
            self.fail(path, value, f"Member must have {what} greater than or equal to {lo}")
        if hi is not None and size > hi:
            self.fail(path, value, f"Member must have {what} less than or equal to {hi}")

    def _list(self, shape: ListShape, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.fail(path, value, "Member must be a list")
            return
        self._size(shape, len(value), value, path, "length")
        for i, item in enumerate(value):
            if item is None:
                self.fail(f"{path}.{i + 1}.member", None, "Member must not be null")
            else:
                self.walk(shape.member, item, f"{path}.{i + 1}.member")

    def _map(self, shape: MapShape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, value, "Member must be a map")
            return
        self._size(shape, len(value), value, path, "length")
        for key, item in value.items():
            self.walk(shape.key, key, f"{path}.{key}.key")
            if item is not None:
                self.walk(shape.value, item, f"{path}.{key}.value")

    def _string(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(path, value, "Member must be a string")
            return
        self._size(shape, len(value), value, path, "length")
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            self.fail(path, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = shape.metadata.get("pattern")
        if pattern and not _regex(pattern).fullmatch(value):
            self.fail(path, value, f"Member must satisfy regular expression pattern: {pattern}")

    def _range(self, shape: Shape, value: float, path: str) -> None:
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None and value < lo:
            self.fail(path, value, f"Member must have value greater than or equal to {lo}")
        if hi is not None and value > hi:
            self.fail(path, value, f"Member must have value less than or equal to {hi}")


def validate(shape: StructureShape | None, params: dict[str, Any]) -> None:
    """Raise ValidationError listing every constraint ``params`` break in ``shape``."""
    if shape is None:
        return
    walker = _Walker()
    walker.walk(shape, params, "")
    if not walker.errors:
        return
    shown = walker.errors[:_MAX_REPORTED]
    parts = [
        f"Value '{_show(v)}' at '{p}' failed to satisfy constraint: {m}"
        if v is not None
        else f"Value null at '{p}' failed to satisfy constraint: {m}"
        for p, m, v in shown
    ]
    count = len(walker.errors)
    message = f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(parts)
    logger.debug("validation failed: %s", message)
    raise ValidationError(
        message,
        reason="FieldValidationFailed",
        field_list=[{"name": p, "message": m} for p, m, _ in shown],
    )
