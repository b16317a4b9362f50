"""LangMem's memory tools on AgentCoreMemoryStore: the agent decides what to remember.

What it shows: LangMem's own ``create_manage_memory_tool`` and ``create_search_memory_tool``
(unchanged, nothing copied) given to a ``create_agent`` whose ``store=`` is an
``AgentCoreMemoryStore``. The namespace ``("memories", "{langgraph_user_id}")`` is filled
from the run's config, so each user has their own memories. A memory saved in one thread
is found from another thread; another user finds nothing.

Run it (needs ``pip install langmem``)::

    python examples/langmem_tools.py               # offline: embedded local stack, offline model
    python examples/langmem_tools.py --aws --memory-id MEMORY_ID [--table T] [--model-id M]
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any

from langchain.agents import create_agent
from langmem import create_manage_memory_tool, create_search_memory_tool

from langgraph_agentcore import AgentCoreMemoryStore, DynamoDBSaver, targets
from langgraph_agentcore.offline import ScriptedToolModel, ToolRule

NAMESPACE = ("memories", "{langgraph_user_id}")


def offline_model() -> ScriptedToolModel:
    """Offline and deterministic: 'remember: X' saves X, 'recall: Q' searches for Q."""
    return ScriptedToolModel(
        rules=[
            ToolRule(r"^remember: ", "manage_memory", lambda t: {"content": t.split(": ", 1)[1]}),
            ToolRule(r"^recall: ", "search_memory", lambda t: {"query": t.split(": ", 1)[1]}),
        ]
    )


def main(target: targets.Target) -> int:
    target.describe()
    saver = DynamoDBSaver(target.table, "langmem-example", region_name=target.region)
    saver.setup()  # creates the table if it is missing
    store = AgentCoreMemoryStore(
        target.require_memory(),
        target.table,
        "langmem-example",
        region_name=target.region,
        index={"fields": ["content"]},  # LangMem stores {"content": ...}
    )
    agent = create_agent(
        target.chat_model(offline_model),
        tools=[create_manage_memory_tool(NAMESPACE), create_search_memory_tool(NAMESPACE)],
        system_prompt="Save what the user asks you to remember; search memory to answer.",
        checkpointer=saver,
        store=store,
    )
    run = uuid.uuid4().hex[:6]

    def say(user: str, text: str) -> list[Any]:
        config = {"configurable": {"thread_id": uuid.uuid4().hex, "langgraph_user_id": user}}
        result = agent.invoke({"messages": [("user", text)]}, config)
        calls = [m for m in result["messages"] if m.type == "tool"]
        print(f"  {user}: {text}")
        for call in calls:
            if call.name == "search_memory":  # LangMem answers with the items as JSON
                found = [hit["value"]["content"] for hit in json.loads(call.text)]
                print(f"    tool search_memory found {found}")
            else:
                print(f"    tool {call.name}: {call.text}")
        print(f"  agent: {result['messages'][-1].text[:120]}")
        return calls

    alice, bob = f"alice-{run}", f"bob-{run}"
    print("\nThread 1:")
    say(alice, "remember: Alice drinks oat milk flat whites")
    print("\nThread 2 (a new thread, same user):")
    say(alice, "recall: what coffee does Alice drink")
    print("\nThread 3 (another user):")
    say(bob, "recall: what coffee does Alice drink")

    items = store.search(("memories", alice))
    print(f"\nIn the store under ('memories', {alice!r}): {[i.value['content'] for i in items]}")
    print(f"Under ('memories', {bob!r}): {store.search(('memories', bob))}")
    store.close()
    saver.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    targets.add_arguments(parser)
    sys.exit(targets.run(main, parser))
