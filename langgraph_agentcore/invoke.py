"""``langgraph-agentcore invoke``: post one turn to an AgentCore Runtime app (see serve.py)."""

from langgraph_agentcore.serve import add_invoke_arguments as add_arguments
from langgraph_agentcore.serve import run_invoke as run

__all__ = ["add_arguments", "run"]
