"""An offline twin of Amazon Bedrock AgentCore Memory for tests and local development.

Unmodified boto3 / aiobotocore clients of ``bedrock-agentcore`` (data plane) and
``bedrock-agentcore-control`` (control plane) talk to it in-process or over loopback
HTTP; see ``docs/twin.md``.
"""

from __future__ import annotations

from langgraph_agentcore.twin.errors import NotFoundError, TwinError, ValidationError
from langgraph_agentcore.twin.faults import FaultInjector, FaultRule
from langgraph_agentcore.twin.models import MemoryBackend
from langgraph_agentcore.twin.server import BUILTIN_STRATEGIES, MemoryTwin, TwinServer

__all__ = [
    "BUILTIN_STRATEGIES",
    "FaultInjector",
    "FaultRule",
    "MemoryBackend",
    "MemoryTwin",
    "NotFoundError",
    "TwinError",
    "TwinServer",
    "ValidationError",
]
