"""``langgraph-agentcore demo``: a conversation that survives a new runtime session.

Starts an embedded DynamoDB on loopback (moto's server; no AWS account needed) unless an
endpoint or ``--aws`` is given, then runs a LangGraph chat in two "runtime sessions":
the second uses a fresh saver and a freshly compiled graph, as a new AgentCore Runtime
microVM would, and still continues the same thread. It prints the replies, the requests
each session made and the thread's checkpoint history.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.store.base import BaseStore

from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.offline import MODEL_LABEL, OfflineChatModel, heard_facts
from langgraph_agentcore.store import AgentCoreMemoryStore


def build_graph(saver: DynamoDBSaver, store: BaseStore | None = None) -> Any:
    """A one-node chat graph with ``saver`` as checkpointer and, optionally, a store.

    With a store, the node recalls what it knows about the user (semantic search over
    ``("users", user_id)``) before answering and saves the facts it heard afterwards.
    """
    model = OfflineChatModel()

    def chat(state: MessagesState, config: RunnableConfig) -> dict[str, list[BaseMessage]]:
        user_id = config["configurable"].get("user_id", "anonymous")
        messages = list(state["messages"])
        if store is not None:
            hits = store.search(("users", user_id), query=str(messages[-1].content), limit=5)
            if hits:
                messages.insert(0, SystemMessage("\n".join(h.value["text"] for h in hits)))
        reply = model.invoke(messages)
        if store is not None:
            for key, value in heard_facts(state["messages"]).items():
                store.put(("users", user_id, "profile"), key, {"text": f"{key}: {value}"})
        return {"messages": [reply]}

    async def achat(state: MessagesState, config: RunnableConfig) -> dict[str, list[BaseMessage]]:
        user_id = config["configurable"].get("user_id", "anonymous")
        messages = list(state["messages"])
        if store is not None:
            hits = await store.asearch(("users", user_id), query=str(messages[-1].content))
            if hits:
                messages.insert(0, SystemMessage("\n".join(h.value["text"] for h in hits)))
        reply = await model.ainvoke(messages)
        if store is not None:
            for key, value in heard_facts(state["messages"]).items():
                await store.aput(("users", user_id, "profile"), key, {"text": f"{key}: {value}"})
        return {"messages": [reply]}

    graph = StateGraph(MessagesState)
    graph.add_node("chat", RunnableLambda(chat, afunc=achat))
    graph.add_edge(START, "chat")
    return graph.compile(checkpointer=saver, store=store)


def _count_requests(saver: DynamoDBSaver, counts: Counter[str]) -> Callable[..., None]:
    def hook(event_name: str = "", **_: Any) -> None:
        counts[event_name.rsplit(".", 1)[-1]] += 1

    saver.io.client.meta.events.register("before-send", hook)
    return hook


@dataclass
class Target:
    """Where the demo runs: DynamoDB endpoint and, for long-term memory, AgentCore."""

    endpoint: str | None = None
    agentcore_endpoint: str | None = None
    memory_id: str | None = None


def _saver(args: argparse.Namespace, target: Target) -> DynamoDBSaver:
    return DynamoDBSaver(
        args.table, args.agent_id, endpoint_url=target.endpoint, region_name=args.region
    )


def _store(args: argparse.Namespace, target: Target) -> AgentCoreMemoryStore | None:
    if not target.memory_id:
        return None
    return AgentCoreMemoryStore(
        target.memory_id,
        args.table,
        args.agent_id,
        region_name=args.region,
        endpoint_url=target.endpoint,
        agentcore_endpoint_url=target.agentcore_endpoint,
        index={"fields": ["text"]},
    )


def _print(out: Callable[[str], None], who: str, text: str) -> None:
    out(f"  {who:>9}: {text}")


async def _second_session(args: argparse.Namespace, target: Target, config: Any, text: str) -> Any:
    saver, store = _saver(args, target), _store(args, target)
    try:
        graph = build_graph(saver, store)
        return await graph.ainvoke({"messages": [HumanMessage(text)]}, config)
    finally:
        await saver.aclose()
        if store is not None:
            await store.aclose()


def run_demo(args: argparse.Namespace, target: Target, out: Callable[[str], None]) -> int:
    """The demo proper, against ``target`` (endpoints None = AWS's regular resolution)."""
    thread_id = args.thread_id or f"demo-{uuid.uuid4().hex[:8]}"
    config: RunnableConfig = {"configurable": {"thread_id": thread_id, "user_id": args.user_id}}
    out(f"Model: {MODEL_LABEL}")
    out(f"Table {args.table!r}, agent {args.agent_id!r}, thread {thread_id!r}")
    if target.memory_id:
        out(f"Long-term memory: AgentCore Memory {target.memory_id!r}")
    else:
        out("Long-term memory: off (pass --memory-id to use an AgentCore Memory)")

    counts: Counter[str] = Counter()
    first = _saver(args, target)
    created = first.setup()
    out(f"Table {'created' if created else 'already existed'}.")
    _count_requests(first, counts)
    store = _store(args, target)
    out("\nRuntime session 1 (sync graph.invoke):")
    graph = build_graph(first, store)
    for text in ("Hi, I'm Ada.", "I live in Lisbon."):
        _print(out, "user", text)
        result = graph.invoke({"messages": [HumanMessage(text)]}, config)
        _print(out, "assistant", str(result["messages"][-1].content))
    out(f"  DynamoDB requests of the checkpointer: {dict(counts)}")
    first.close()
    if store is not None:
        store.close()
    del graph, first, store  # the session ends: nothing in memory survives

    out("\nRuntime session 2 (same thread; fresh saver and graph; async graph.ainvoke):")
    question = "Do you remember who I am and where I live?"
    _print(out, "user", question)
    result = asyncio.run(_second_session(args, target, config, question))
    answer = str(result["messages"][-1].content)
    _print(out, "assistant", answer)
    ok = "Ada" in answer and "Lisbon" in answer

    if target.memory_id:
        out("\nRuntime session 3 (a NEW thread: no history, only long-term memory):")
        new_config: RunnableConfig = {
            "configurable": {"thread_id": f"{thread_id}-new", "user_id": args.user_id}
        }
        saver, store = _saver(args, target), _store(args, target)
        question = "Where do I live?"
        _print(out, "user", question)
        result = build_graph(saver, store).invoke(
            {"messages": [HumanMessage(question)]}, new_config
        )
        recalled = str(result["messages"][-1].content)
        _print(out, "assistant", recalled)
        ok = ok and "long-term memory" in recalled and "Lisbon" in recalled
        saver.close()
        if store is not None:
            store.close()

    out("\nThread history, newest first (get_state_history on a fresh saver):")
    last = _saver(args, target)
    for snap in build_graph(last).get_state_history(config):
        meta = snap.metadata or {}
        out(
            f"  {snap.config['configurable']['checkpoint_id']}  step={meta.get('step'):>2}  "
            f"source={meta.get('source'):<6} messages={len(snap.values.get('messages', []))}"
        )
    last.close()
    out(
        "\nThe conversation survived new runtime sessions."
        if ok
        else "\nERROR: a later session did not see what an earlier one stored."
    )
    return 0 if ok else 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``demo`` subcommand."""
    parser.add_argument("--table", default="langgraph-agentcore-demo", help="DynamoDB table")
    parser.add_argument("--agent-id", default="demo-agent", help="agent id (partition key)")
    parser.add_argument("--thread-id", default=None, help="thread id (default: a new one)")
    parser.add_argument("--user-id", default="ada", help="user id (store namespace)")
    parser.add_argument("--region", default="us-east-1", help="AWS region")
    parser.add_argument(
        "--memory-id", default=None, help="AgentCore Memory id (with --aws or --endpoint-url)"
    )
    parser.add_argument(
        "--agentcore-endpoint-url", default=None, help="AgentCore endpoint (with --endpoint-url)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--endpoint-url", default=None, help="use this DynamoDB endpoint")
    where.add_argument(
        "--aws", action="store_true", help="use real AWS (your credentials; creates the table)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo on an embedded local stack, on given endpoints, or on real AWS."""
    if args.aws or args.endpoint_url:
        target = Target(args.endpoint_url, args.agentcore_endpoint_url, args.memory_id)
        return run_demo(args, target, print)
    import os

    from langgraph_agentcore.local import LocalStack

    print("Starting an embedded local stack on 127.0.0.1 (DynamoDB: moto; AgentCore Memory: twin)")
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    with LocalStack(extraction_delay=None) as stack:
        os.environ.update(
            {k: v for k, v in stack.env().items() if k.startswith("AWS_") and "ENDPOINT" not in k}
        )
        try:
            print(f"DynamoDB at {stack.dynamodb_endpoint}, AgentCore at {stack.agentcore_endpoint}")
            memory_id = stack.create_memory("DemoMemory")
            target = Target(stack.dynamodb_endpoint, stack.agentcore_endpoint, memory_id)
            return run_demo(args, target, print)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
