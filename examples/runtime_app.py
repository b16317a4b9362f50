"""An agent for Amazon Bedrock AgentCore Runtime: threads in DynamoDB, memories in AgentCore.

A LangChain ``create_agent`` with the AgentCore memory middleware, a ``DynamoDBSaver``
checkpointer and one tool that asks the user to confirm (``interrupt``), served by
:func:`langgraph_agentcore.runtime.create_app`. Everything is built once, from
environment variables, and shared by every session the process serves.

Offline (the embedded local stack and a deterministic model; no AWS account)::

    langgraph-agentcore serve examples/runtime_app.py:app --local
    S=session-0123456789abcdef0123456789abcdef      # AgentCore wants 33+ characters
    langgraph-agentcore invoke --session $S --actor alice "I'm Ada and I live in Lisbon."
    langgraph-agentcore invoke --session $S --actor alice "Book a table for 2 at Nopa"
    langgraph-agentcore invoke --session $S --actor alice --resume yes

On AgentCore Runtime see docs/runtime.md (container, ``agentcore configure``/``launch``,
IAM). Environment:

- ``AGENTCORE_TABLE`` DynamoDB table (threads, and the memory outbox), ``AGENTCORE_AGENT_ID``
  the agent id (partition key, what the IAM policy's ``dynamodb:LeadingKeys`` names);
- ``AGENTCORE_MEMORY_ID`` (or ``BEDROCK_AGENTCORE_MEMORY_ID``, which the starter toolkit
  sets) the AgentCore Memory; unset = threads without long-term memory;
- ``AGENTCORE_MEMORY_NAMESPACES`` comma-separated namespace templates to recall from
  (default ``/users/{actorId}/facts,/users/{actorId}/preferences``);
- ``AGENTCORE_MODEL`` a Bedrock model id for ``ChatBedrockConverse`` (langchain-aws), or
  ``offline`` (the default) for the deterministic model; ``AWS_REGION``.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import tool
from langgraph.types import interrupt

from langgraph_agentcore import AgentCoreMemory, DynamoDBSaver, RetrievalConfig
from langgraph_agentcore.middleware import AgentCoreMemoryMiddleware
from langgraph_agentcore.offline import MODEL_LABEL, ScriptedToolModel, ToolRule
from langgraph_agentcore.runtime import create_app

logger = logging.getLogger("runtime_app")

TABLE = os.environ.get("AGENTCORE_TABLE", "langgraph-agentcore")
AGENT_ID = os.environ.get("AGENTCORE_AGENT_ID", "runtime-example")
MEMORY_ID = os.environ.get("AGENTCORE_MEMORY_ID") or os.environ.get("BEDROCK_AGENTCORE_MEMORY_ID")
NAMESPACES = os.environ.get(
    "AGENTCORE_MEMORY_NAMESPACES", "/users/{actorId}/facts,/users/{actorId}/preferences"
)
MODEL = os.environ.get("AGENTCORE_MODEL", "offline")
REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")

SYSTEM_PROMPT = (
    "You are a concise assistant. Use what you know about the user. "
    "Book restaurant tables with the book_table tool."
)


@tool
def book_table(restaurant: str, people: int) -> str:
    """Book a table at a restaurant, after the user confirms."""
    answer = interrupt(
        {"question": f"Book a table for {people} at {restaurant}?", "answer": "yes or no"}
    )
    if str(answer).strip().lower() in ("yes", "y", "ok"):
        return f"booked a table for {people} at {restaurant}"
    return "the booking was cancelled"


def _booking(text: str) -> dict[str, Any]:
    people = re.search(r"\bfor (\d+)", text)
    place = re.search(r"\bat ([A-Z][\w' ]*)", text)
    return {
        "restaurant": place.group(1).strip() if place else "the usual place",
        "people": int(people.group(1)) if people else 2,
    }


def build_model() -> BaseChatModel:
    """``ChatBedrockConverse`` for a model id, else the offline model (labelled as such)."""
    if MODEL != "offline":
        from langchain_aws import ChatBedrockConverse

        return ChatBedrockConverse(model=MODEL, region_name=REGION)
    logger.info("model: %s", MODEL_LABEL)
    return ScriptedToolModel(rules=[ToolRule(r"\bbook\b", "book_table", args=_booking)])


saver = DynamoDBSaver(TABLE, AGENT_ID, region_name=REGION)
memory = (
    AgentCoreMemory(
        MEMORY_ID,
        retrieval={
            template.strip(): RetrievalConfig(top_k=5, relevance_score=0.2)
            for template in NAMESPACES.split(",")
            if template.strip()
        },
        table_name=TABLE,  # failed captures wait in an outbox item, never lost
        agent_id=AGENT_ID,
        region_name=REGION,
    )
    if MEMORY_ID
    else None
)
agent = create_agent(
    build_model(),
    [book_table],
    system_prompt=SYSTEM_PROMPT,
    middleware=[AgentCoreMemoryMiddleware(memory)] if memory is not None else [],
    checkpointer=saver,
)
app = create_app(agent, memory=memory)

if __name__ == "__main__":  # the starter toolkit's container runs ``python -m runtime_app``
    app.run()  # port 8080; the SDK binds 0.0.0.0 inside a container
