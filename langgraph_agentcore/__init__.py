"""langgraph-agentcore: durable LangGraph threads on DynamoDB, long-term memory on AgentCore."""

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.errors import (
    AgentCoreStorageError,
    CorruptItemError,
    ItemTooLargeError,
    TableNotFoundError,
)

__all__ = [
    "AgentCoreStorageError",
    "CorruptItemError",
    "DynamoDBSaver",
    "ItemTooLargeError",
    "TableNotFoundError",
]
__version__ = "0.1.0"
