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
import re
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.graph import START, MessagesState, StateGraph

from langgraph_agentcore.checkpoint import DynamoDBSaver

MODEL_LABEL = "offline deterministic chat model (no LLM is called)"


class OfflineChatModel(BaseChatModel):
    """A tiny rule-based chat model: remembers names and places said earlier in the thread."""

    @property
    def _llm_type(self) -> str:
        return "offline-demo"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        facts: dict[str, str] = {}
        for m in messages:
            if isinstance(m, HumanMessage):
                text = str(m.content)
                if name := re.search(r"\b(?:I'm|I am|my name is)\s+([A-Z][a-z]+)", text):
                    facts["name"] = name.group(1)
                if place := re.search(r"\blive in\s+([A-Z][a-zA-Z ]+?)[.!?]?$", text):
                    facts["place"] = place.group(1)
        last = str(messages[-1].content) if messages else ""
        turns = sum(isinstance(m, HumanMessage) for m in messages)
        if "?" in last and facts:
            parts = []
            if "name" in facts:
                parts.append(f"your name is {facts['name']}")
            if "place" in facts:
                parts.append(f"you live in {facts['place']}")
            reply = "From this thread I remember that " + " and ".join(parts) + "."
        elif facts:
            reply = "Noted: " + ", ".join(f"{k} = {v}" for k, v in facts.items()) + "."
        else:
            reply = "Tell me something about yourself."
        reply += f" (turn {turns})"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


def build_graph(saver: DynamoDBSaver) -> Any:
    """A one-node chat graph compiled with ``saver`` as its checkpointer."""
    model = OfflineChatModel()

    def chat(state: MessagesState) -> dict[str, list[BaseMessage]]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("chat", chat)
    graph.add_edge(START, "chat")
    return graph.compile(checkpointer=saver)


def _count_requests(saver: DynamoDBSaver, counts: Counter[str]) -> Callable[..., None]:
    def hook(event_name: str = "", **_: Any) -> None:
        counts[event_name.rsplit(".", 1)[-1]] += 1

    saver.io.client.meta.events.register("before-send", hook)
    return hook


def _saver(args: argparse.Namespace, endpoint: str | None) -> DynamoDBSaver:
    return DynamoDBSaver(args.table, args.agent_id, endpoint_url=endpoint, region_name=args.region)


def _print(out: Callable[[str], None], who: str, text: str) -> None:
    out(f"  {who:>9}: {text}")


async def _second_session(saver: DynamoDBSaver, config: Any, text: str) -> Any:
    graph = build_graph(saver)
    try:
        return await graph.ainvoke({"messages": [HumanMessage(text)]}, config)
    finally:
        await saver.aclose()


def run_demo(args: argparse.Namespace, endpoint: str | None, out: Callable[[str], None]) -> int:
    """The demo proper, against ``endpoint`` (None = AWS's regular endpoint resolution)."""
    thread_id = args.thread_id or f"demo-{uuid.uuid4().hex[:8]}"
    config = {"configurable": {"thread_id": thread_id}}
    out(f"Model: {MODEL_LABEL}")
    out(f"Table {args.table!r}, agent {args.agent_id!r}, thread {thread_id!r}")

    counts: Counter[str] = Counter()
    first = _saver(args, endpoint)
    created = first.setup()
    out(f"Table {'created' if created else 'already existed'}.")
    _count_requests(first, counts)
    out("\nRuntime session 1 (sync graph.invoke):")
    graph = build_graph(first)
    for text in ("Hi, I'm Ada.", "I live in Lisbon."):
        _print(out, "user", text)
        result = graph.invoke({"messages": [HumanMessage(text)]}, config)
        _print(out, "assistant", str(result["messages"][-1].content))
    out(f"  requests: {dict(counts)}")
    first.close()
    del graph, first  # the session ends: nothing in memory survives

    out("\nRuntime session 2 (fresh saver, fresh graph, async graph.ainvoke):")
    second = _saver(args, endpoint)
    question = "Do you remember who I am and where I live?"
    _print(out, "user", question)
    result = asyncio.run(_second_session(second, config, question))
    answer = str(result["messages"][-1].content)
    _print(out, "assistant", answer)

    out("\nThread history, newest first (get_state_history on a third fresh saver):")
    third = _saver(args, endpoint)
    history = list(build_graph(third).get_state_history(config))
    for snap in history:
        meta = snap.metadata or {}
        out(
            f"  {snap.config['configurable']['checkpoint_id']}  step={meta.get('step'):>2}  "
            f"source={meta.get('source'):<6} messages={len(snap.values.get('messages', []))}"
        )
    third.close()
    survived = "Ada" in answer and "Lisbon" in answer
    out(
        "\nThe thread survived the new session."
        if survived
        else "\nERROR: the second session did not see the first session's messages."
    )
    return 0 if survived else 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``demo`` subcommand."""
    parser.add_argument("--table", default="langgraph-agentcore-demo", help="DynamoDB table")
    parser.add_argument("--agent-id", default="demo-agent", help="agent id (partition key)")
    parser.add_argument("--thread-id", default=None, help="thread id (default: a new one)")
    parser.add_argument("--region", default="us-east-1", help="AWS region")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--endpoint-url", default=None, help="use this DynamoDB endpoint")
    target.add_argument(
        "--aws", action="store_true", help="use real AWS (your credentials; creates the table)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo against an embedded local DynamoDB, an endpoint, or real AWS."""
    if args.aws or args.endpoint_url:
        return run_demo(args, args.endpoint_url, print)
    import os

    from langgraph_agentcore.local import LocalStack

    print("Starting an embedded DynamoDB (moto) on 127.0.0.1 ...")
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    with LocalStack(extraction_delay=None) as stack:
        os.environ.update(
            {k: v for k, v in stack.env().items() if k.startswith("AWS_") and "ENDPOINT" not in k}
        )
        try:
            print(f"DynamoDB at {stack.dynamodb_endpoint}")
            return run_demo(args, stack.dynamodb_endpoint, print)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return 1
