"""A LangChain ``create_agent`` with a tool, AgentCore memory, and a thread that survives a restart.

What it shows: ``create_agent(model, tools, middleware=[AgentCoreMemoryMiddleware(memory)],
checkpointer=DynamoDBSaver(...))``. The first "process" holds a conversation with a tool
call; then every object is thrown away and built again, as after a restart (or in a new
AgentCore Runtime microVM), and the same thread goes on where it stopped, its history
read back from DynamoDB. Each turn was captured into AgentCore Memory as an event, once.

Run it::

    python examples/create_agent_memory.py         # offline: embedded local stack, offline model
    python examples/create_agent_memory.py --aws --memory-id MEMORY_ID [--table T] [--model-id M]

With ``--aws`` it recalls from ``/users/{actorId}/facts``: the memory's strategies should
write there (``langgraph-agentcore demo --aws --create-memory`` makes such a memory).
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from typing import Any

from langchain.agents import create_agent
from langchain_core.tools import tool

from langgraph_agentcore import (
    AgentCoreMemory,
    AgentCoreMemoryMiddleware,
    DynamoDBSaver,
    RetrievalConfig,
    targets,
)
from langgraph_agentcore.offline import ScriptedToolModel, ToolRule


@tool
def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return f"sunny and 24 C in {city}"


def _city(text: str) -> dict[str, Any]:
    match = re.search(r"\bin ([A-Z][a-z]+)", text)
    return {"city": match.group(1) if match else "Lisbon"}


def offline_model() -> ScriptedToolModel:
    """Offline and deterministic: calls get_weather when the user asks about the weather."""
    return ScriptedToolModel(rules=[ToolRule(r"\bweather\b", "get_weather", args=_city)])


def build(target: targets.Target) -> tuple[Any, AgentCoreMemory, DynamoDBSaver]:
    """Everything a process builds at start-up: saver, memory, agent."""
    saver = DynamoDBSaver(target.table, "agent-example", region_name=target.region)
    memory = AgentCoreMemory(
        target.require_memory(),
        retrieval={"/users/{actorId}/facts": RetrievalConfig(top_k=5, relevance_score=0.2)},
        table_name=target.table,
        region_name=target.region,
    )
    agent = create_agent(
        target.chat_model(offline_model),
        tools=[get_weather],
        system_prompt="You are a helpful assistant. Use get_weather for weather questions.",
        middleware=[AgentCoreMemoryMiddleware(memory)],
        checkpointer=saver,
    )
    return agent, memory, saver


def main(target: targets.Target) -> int:
    target.describe()
    actor = f"ada-{uuid.uuid4().hex[:6]}"
    config = {"configurable": {"thread_id": f"{actor}-thread"}}
    context = {"actor_id": actor}  # who the user is: recall and capture are per actor

    def say(agent: Any, text: str) -> None:
        result = agent.invoke({"messages": [("user", text)]}, config, context=context)
        tools = [m.name for m in result["messages"] if m.type == "tool"]
        print(f"  user:  {text}\n  agent: {result['messages'][-1].text}")
        if tools:
            print(f"         (tool calls so far in this thread: {', '.join(tools)})")

    print(f"\nProcess 1 (thread {config['configurable']['thread_id']!r}):")
    agent, memory, saver = build(target)
    saver.setup()  # creates the table if it is missing
    say(agent, "Hi, I'm Ada and I live in Porto.")
    say(agent, "What's the weather in Porto today?")
    memory.close()  # waits for the background captures
    saver.close()
    del agent, memory, saver  # the process ends: nothing in memory survives

    print("\nProcess 2 (fresh objects, the same thread):")
    agent, memory, saver = build(target)
    say(agent, "Do you remember who I am?")
    history = list(agent.get_state_history(config))
    messages = agent.get_state(config).values["messages"]
    print(f"  the thread has {len(messages)} messages and {len(history)} checkpoints in DynamoDB")
    memory.close()
    events = target.client("bedrock-agentcore").list_events(
        memoryId=memory.memory_id, actorId=actor, sessionId=f"{actor}-thread", maxResults=100
    )["events"]
    captured = sum(len(e["payload"]) for e in events)
    print(f"  AgentCore Memory holds {len(events)} events with {captured} messages of it")
    saver.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    targets.add_arguments(parser)
    sys.exit(targets.run(main, parser))
