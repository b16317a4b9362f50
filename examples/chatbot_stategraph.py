"""A StateGraph chatbot with a DynamoDB checkpointer and AgentCore long-term memory.

What it shows: ``START -> recall -> chat -> capture -> END`` with ``recall_node`` /
``capture_node`` from ``langgraph_agentcore.nodes`` and ``checkpointer=DynamoDBSaver``.
Alice tells the bot about herself in one thread; her turns become AgentCore events and
AgentCore's strategies extract facts from them; in a *new* thread the bot recalls those
facts into its system prompt.

Run it::

    python examples/chatbot_stategraph.py          # offline: embedded local stack, offline model
    python examples/chatbot_stategraph.py --aws --memory-id MEMORY_ID [--table T] [--model-id M]

With ``--aws`` it recalls from ``/users/{actorId}/facts`` and
``/users/{actorId}/preferences``: the memory's strategies should write there
(``langgraph-agentcore demo --aws --create-memory`` makes such a memory).
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableLambda
from langgraph.graph import END, START, StateGraph

from langgraph_agentcore import AgentCoreMemory, DynamoDBSaver, RetrievalConfig, targets
from langgraph_agentcore.nodes import (
    MemoryState,
    capture_node,
    recall_node,
    system_message_with_memory,
)
from langgraph_agentcore.offline import OfflineChatModel

SYSTEM_PROMPT = "You are a friendly, concise assistant."


def build_chatbot(
    model: BaseChatModel, memory: AgentCoreMemory, saver: DynamoDBSaver, prompts: list[str]
) -> Any:
    """The chatbot graph: recall, chat (system prompt + recalled block), capture.

    ``prompts`` collects the system prompt of every model call, to show what was recalled.
    """

    def prompt(state: MemoryState) -> list[BaseMessage]:
        system = system_message_with_memory(SYSTEM_PROMPT, state.get("memory_context"))
        prompts.append(system.text)
        return [system, *state["messages"]]

    def chat(state: MemoryState) -> dict[str, Any]:
        return {"messages": [model.invoke(prompt(state))]}

    async def achat(state: MemoryState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(prompt(state))]}

    builder = StateGraph(MemoryState)
    builder.add_node("recall", recall_node(memory))
    builder.add_node("chat", RunnableLambda(chat, afunc=achat))
    builder.add_node("capture", capture_node(memory))
    builder.add_edge(START, "recall")
    builder.add_edge("recall", "chat")
    builder.add_edge("chat", "capture")
    builder.add_edge("capture", END)
    return builder.compile(checkpointer=saver)


def main(target: targets.Target) -> int:
    target.describe()
    saver = DynamoDBSaver(target.table, "chatbot-example", region_name=target.region)
    saver.setup()  # creates the table if it is missing
    memory = AgentCoreMemory(
        target.require_memory(),
        retrieval={
            "/users/{actorId}/facts": RetrievalConfig(top_k=5, relevance_score=0.2),
            "/users/{actorId}/preferences": RetrievalConfig(top_k=5, relevance_score=0.2),
        },
        table_name=target.table,  # a capture AgentCore cannot take now waits there
        region_name=target.region,
    )
    model = target.chat_model(OfflineChatModel)
    prompts: list[str] = []
    graph = build_chatbot(model, memory, saver, prompts)
    actor = f"alice-{uuid.uuid4().hex[:6]}"  # a fresh user, so earlier runs do not interfere

    def turn(thread: str, text: str) -> str:
        config = {"configurable": {"thread_id": thread, "actor_id": actor}}
        result = graph.invoke({"messages": [("user", text)]}, config)
        print(f"  user: {text}\n  bot:  {result['messages'][-1].text}")
        return str(result.get("memory_context") or "")

    print(f"\nThread 1 (actor {actor}):")
    turn(f"{actor}-t1", "Hi, I'm Alice and I live in Lisbon.")
    turn(f"{actor}-t1", "I'm vegetarian.")
    memory.flush()  # the captures ran in the background; make sure they are in

    print("\nWaiting for AgentCore to extract long-term records ...", flush=True)
    data = target.client("bedrock-agentcore")
    records = targets.wait_for_records(
        data,
        memory.memory_id,
        actor,
        until=targets.mentions("Lisbon", "vegetarian", namespace="/facts"),
    )
    for rec in records:
        print(f"  {rec['namespaces'][0]}: {rec['content']['text']}")

    print("\nThread 2 (a new thread, same actor):")
    config = {"configurable": {"thread_id": f"{actor}-t2", "actor_id": actor}}
    question = "Where do I live, and what should I cook tonight?"
    result = graph.invoke({"messages": [("user", question)]}, config)
    print(f"  user: {question}\n  bot:  {result['messages'][-1].text}")
    state = graph.get_state(config).values
    print(f"  thread 2 holds {len(state['messages'])} messages (no memory block among them)")
    print("  the model's system prompt (the recalled block goes into the request only):")
    print("    " + prompts[-1].replace("\n", "\n    "))
    memory.close()
    saver.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    targets.add_arguments(parser)
    sys.exit(targets.run(main, parser))
