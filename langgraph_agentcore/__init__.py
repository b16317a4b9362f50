"""langgraph-agentcore: durable LangGraph threads on DynamoDB, long-term memory on AgentCore."""

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.errors import (
    AgentCoreMemoryError,
    AgentCoreStorageError,
    AgentCoreUnavailableError,
    CorruptItemError,
    ItemTooLargeError,
    MemoryNotFoundError,
    MemoryRecordNotFoundError,
    TableNotFoundError,
)
from langgraph_agentcore.store import AgentCoreMemoryStore

__all__ = [
    "AgentCoreMemoryError",
    "AgentCoreMemoryStore",
    "AgentCoreStorageError",
    "AgentCoreUnavailableError",
    "CorruptItemError",
    "DynamoDBSaver",
    "ItemTooLargeError",
    "MemoryNotFoundError",
    "MemoryRecordNotFoundError",
    "TableNotFoundError",
]
__version__ = "0.1.0"
