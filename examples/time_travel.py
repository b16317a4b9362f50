"""Time travel on the DynamoDB checkpointer: history, replay and fork.

What it shows: every step of a thread is a checkpoint in DynamoDB, so
``get_state_history`` lists them (newest first), ``invoke(None, past_config)`` replays from
one of them, and ``update_state(past_config, ...)`` forks a new branch there, while the
original branch stays as it was.

Run it::

    python examples/time_travel.py                 # offline: embedded local stack, offline model
    python examples/time_travel.py --aws [--table T] [--model-id M]
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableLambda
from langgraph.graph import START, MessagesState, StateGraph

from langgraph_agentcore import DynamoDBSaver, targets
from langgraph_agentcore.offline import OfflineChatModel


def build_graph(model: BaseChatModel, saver: DynamoDBSaver) -> Any:
    """A one-node chatbot: START -> chat."""

    def chat(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    async def achat(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("chat", RunnableLambda(chat, afunc=achat))
    builder.add_edge(START, "chat")
    return builder.compile(checkpointer=saver)


def last_reply(state: dict[str, Any]) -> str:
    return str(state["messages"][-1].text)


def main(target: targets.Target) -> int:
    target.describe()
    saver = DynamoDBSaver(target.table, "time-travel-example", region_name=target.region)
    saver.setup()  # creates the table if it is missing
    graph = build_graph(target.chat_model(OfflineChatModel), saver)
    config = {"configurable": {"thread_id": f"travel-{uuid.uuid4().hex[:8]}"}}

    print("\nThe conversation:")
    for text in ("Hi, I'm Ada.", "I live in Lisbon.", "Where do I live?"):
        result = graph.invoke({"messages": [HumanMessage(text, id=f"user-{text[:4]}")]}, config)
        print(f"  user: {text}\n  bot:  {last_reply(result)}")

    print("\nHistory (get_state_history, newest first):")
    history = list(graph.get_state_history(config))
    for snap in history:
        step, source = snap.metadata.get("step"), snap.metadata.get("source")
        last = snap.values["messages"][-1].text[:48] if snap.values.get("messages") else "-"
        print(
            f"  {snap.config['configurable']['checkpoint_id']}  step={step:>2} {source:<6}"
            f" next={','.join(snap.next) or '-':<9} last: {last}"
        )

    # Replay: the checkpoint taken just before the model answered "Where do I live?".
    before_answer = next(s for s in history if s.next == ("chat",))
    print(f"\nReplay from step {before_answer.metadata['step']} (the model answers again):")
    replayed = graph.invoke(None, before_answer.config)
    print(f"  bot:  {last_reply(replayed)}")

    # Fork: back to the checkpoint before "I live in Lisbon." was answered; change it.
    before_lisbon = next(
        s
        for s in history
        if s.next == ("chat",) and s.values["messages"][-1].text.startswith("I live")
    )
    fork = graph.update_state(
        before_lisbon.config, {"messages": [HumanMessage("I live in Porto.", id="user-I li")]}
    )
    graph.invoke(None, fork)  # the model answers the edited message on the new branch
    forked = graph.invoke({"messages": [HumanMessage("Where do I live?")]}, config)
    step = before_lisbon.metadata["step"]
    print(f"\nFork at step {step}: 'I live in Lisbon.' -> 'I live in Porto.' (a new branch)")
    print(f"  user: Where do I live?\n  bot:  {last_reply(forked)}")
    original = graph.get_state(history[0].config).values
    print(f"  the original branch is intact: {last_reply(original)}")
    total = len(list(graph.get_state_history(config)))
    print(f"\nThe thread now has {total} checkpoints (was {len(history)}).")
    saver.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    targets.add_arguments(parser, memory=False)
    sys.exit(targets.run(main, parser))
