"""langgraph-agentcore: durable LangGraph threads on DynamoDB, long-term memory on AgentCore."""

from typing import TYPE_CHECKING, Any

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.errors import (
    AgentCoreMemoryError,
    AgentCoreStorageError,
    AgentCoreUnavailableError,
    CorruptItemError,
    ItemTooLargeError,
    MemoryIdentityError,
    MemoryNotFoundError,
    MemoryRecordNotFoundError,
    TableNotFoundError,
)
from langgraph_agentcore.memory import (
    AgentCoreMemory,
    CaptureResult,
    ForgetReport,
    MemoryRecord,
    RetrievalConfig,
    format_records,
)
from langgraph_agentcore.store import AgentCoreMemoryStore

__all__ = [
    "AgentCoreMemory",
    "AgentCoreMemoryError",
    "AgentCoreMemoryStore",
    "AgentCoreStorageError",
    "AgentCoreUnavailableError",
    "CaptureResult",
    "CorruptItemError",
    "DynamoDBSaver",
    "ForgetReport",
    "ItemTooLargeError",
    "MemoryIdentityError",
    "MemoryNotFoundError",
    "MemoryRecord",
    "MemoryRecordNotFoundError",
    "RetrievalConfig",
    "TableNotFoundError",
    "format_records",
]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from langgraph_agentcore.middleware import (
        AgentCoreMemoryMiddleware as AgentCoreMemoryMiddleware,
    )


def __getattr__(name: str) -> Any:
    """``AgentCoreMemoryMiddleware`` is imported on first use: it needs the ``langchain``
    extra, and the base package must import without it (so it is not in ``__all__``)."""
    if name == "AgentCoreMemoryMiddleware":
        from langgraph_agentcore.middleware import AgentCoreMemoryMiddleware

        return AgentCoreMemoryMiddleware
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
