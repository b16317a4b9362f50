"""Exceptions raised by langgraph-agentcore.

Every AWS failure that cannot be retried surfaces as a subclass of
:class:`AgentCoreStorageError` naming the resource and the operation, with the original
botocore error chained as ``__cause__``.
"""

from __future__ import annotations


class AgentCoreStorageError(RuntimeError):
    """A storage request failed and was not retryable (or retries ran out)."""

    def __init__(self, message: str, *, resource: str = "", operation: str = "") -> None:
        super().__init__(message)
        self.resource = resource
        self.operation = operation


class TableNotFoundError(AgentCoreStorageError):
    """The DynamoDB table does not exist (call ``setup()`` or check ``table_name``)."""


class ItemTooLargeError(AgentCoreStorageError, ValueError):
    """A value is larger than this backend can store."""


class CorruptItemError(AgentCoreStorageError):
    """A stored item is incomplete or fails its integrity check."""


class AgentCoreMemoryError(AgentCoreStorageError):
    """An AgentCore Memory request failed (names the memory and the operation)."""


class AgentCoreUnavailableError(AgentCoreMemoryError):
    """AgentCore Memory is throttling or down (after botocore's own retries)."""


class MemoryRecordNotFoundError(AgentCoreMemoryError):
    """The memory record (or event) does not exist; the memory itself does."""


class MemoryNotFoundError(AgentCoreMemoryError):
    """The AgentCore Memory itself does not exist (check ``memory_id`` and the region)."""


class MemoryIdentityError(ValueError):
    """No usable actor (or session) id: the memory loop fails closed, before any request."""
