"""langgraph-agentcore: durable LangGraph threads on DynamoDB, long-term memory on AgentCore."""

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
