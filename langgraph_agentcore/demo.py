"""``langgraph-agentcore demo``: the whole mission, shown step by step.

1. Session 1: a LangChain ``create_agent`` (tools, ``AgentCoreMemoryMiddleware``,
   ``DynamoDBSaver`` as checkpointer, ``AgentCoreMemoryStore`` as store) talks with a user;
   its turns become AgentCore Memory events (listed).
2. Extraction: AgentCore's strategies turn those events into long-term records, some
   time later; the demo polls ``ListMemoryRecords`` (with a progress indicator) and shows
   them (strategy, namespace, text, record id).
3. Session 2: fresh objects, a new thread, the same user: the ``<user_context>`` block the
   model received (recalled from those records) and its answer.
4. Session 3: fresh objects resume session 1's thread from DynamoDB: its history, and the
   requests the session sent, per service (counted with botocore's ``before-send`` hook).

The success line is printed only when the checks behind it hold (the thread's history
is complete in DynamoDB and in AgentCore's events, and the recall was not empty); the
command exits 1 otherwise. Offline by default (the embedded local stack and a
deterministic model); ``--aws`` uses Bedrock (ChatBedrockConverse), DynamoDB and AgentCore
Memory in your account (see :mod:`langgraph_agentcore.targets`).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langgraph_agentcore import targets
from langgraph_agentcore.checkpoint import DynamoDBSaver
from langgraph_agentcore.memory import AgentCoreMemory, RetrievalConfig
from langgraph_agentcore.store import META_KEY, AgentCoreMemoryStore

Out = Callable[[str], None]

SESSION_1 = (
    "Hi, I'm Ada. I'm vegetarian and I live in Lisbon.",
    "What's the weather in Lisbon today?",
    "Please save Time Out Market as my favourite place.",
)
SESSION_2 = "Where do I live, and what should I eat tonight?"
SESSION_3 = "Do you remember who I am?"


def build_graph(saver: DynamoDBSaver, store: AgentCoreMemoryStore | None = None) -> Any:
    """The demo's agent on ``saver`` (and ``store``), without the memory loop; offline model."""
    from langgraph_agentcore.demo_agent import build_agent

    return build_agent(saver, store)


# -- one runtime session: fresh objects, counted requests -----------------------------------------


class Session:
    """Everything one runtime session builds (a fresh boto3 session, saver, store, memory, agent).

    Every request any of its clients sends is counted per service and operation, by a
    ``before-send`` handler on the boto3 session (its clients inherit it).
    """

    def __init__(
        self, target: targets.Target, agent_id: str, retrieval: dict[str, RetrievalConfig]
    ) -> None:
        import boto3

        from langgraph_agentcore.demo_agent import SystemPromptRecorder, build_agent, offline_model

        self.requests: Counter[tuple[str, str]] = Counter()
        self.boto = boto3.session.Session(region_name=target.region)
        self.boto.events.register("before-send", self._count)
        memory_id = target.require_memory()
        common: dict[str, Any] = {"session": self.boto, "region_name": target.region}
        self.saver = DynamoDBSaver(target.table, agent_id, **common)
        self.store = AgentCoreMemoryStore(
            memory_id, target.table, agent_id, index={"fields": ["text"]}, **common
        )
        self.memory = AgentCoreMemory(
            memory_id, retrieval=retrieval, table_name=target.table, agent_id=agent_id, **common
        )
        self.prompts = SystemPromptRecorder()
        self.agent = build_agent(
            self.saver,
            self.store,
            self.memory,
            model=target.chat_model(offline_model),
            recorder=self.prompts,
        )

    def _count(self, event_name: str = "", **kwargs: Any) -> None:
        _, service, op = (event_name.split(".", 2) + ["", ""])[:3]
        self.requests[(service, op)] += 1

    def turn(self, text: str, thread_id: str, actor_id: str, out: Out) -> dict[str, Any]:
        config = {"configurable": {"thread_id": thread_id}}
        result: dict[str, Any] = self.agent.invoke(
            {"messages": [("user", text)]}, config, context={"actor_id": actor_id}
        )
        out(f"    user:  {text}")
        messages = result["messages"]
        start = max(i for i, m in enumerate(messages) if m.type == "human")
        for message in messages[start + 1 :]:
            if message.type == "ai" and message.tool_calls:
                calls = ", ".join(f"{c['name']}({_args(c['args'])})" for c in message.tool_calls)
                out(f"    agent calls {calls}")
            elif message.type == "tool":
                out(f"    tool {message.name}: {message.text}")
        out(f"    agent: {result['messages'][-1].text}")
        return result

    def close(self) -> None:
        """Flush the background captures, then release every client."""
        self.memory.close()
        self.store.close()
        self.saver.close()


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


# -- showing things ------------------------------------------------------------------------------


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def table(rows: Sequence[Sequence[str]], header: Sequence[str], widths: Sequence[int]) -> list[str]:
    """Rows as fixed-width text columns (each cell clipped to its width)."""
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(_clip(c, w).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
    return lines


class Progress:
    """A one-line progress indicator: redrawn in place on a terminal, sparse lines otherwise."""

    FRAMES = "|/-\\"

    def __init__(self, out: Out, label: str, stream: Any = None) -> None:
        self.out, self.label = out, label
        self.stream = stream if stream is not None else sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.polls = 0
        self._last_line = -1.0

    def __call__(self, elapsed: float, count: int) -> None:
        self.polls += 1
        text = f"{self.label} {elapsed:5.1f} s, {count} records so far"
        if self.tty and self.out is print:
            frame = self.FRAMES[self.polls % len(self.FRAMES)]
            self.stream.write(f"\r  {frame} {text}")
            self.stream.flush()
        elif elapsed - self._last_line >= 5.0 or self._last_line < 0:
            self._last_line = elapsed
            self.out(f"  ... {text}")

    def done(self, text: str) -> None:
        if self.tty and self.out is print:
            self.stream.write("\r" + " " * 70 + "\r")
        self.out(f"  {text}")


def _events(data: Any, memory_id: str, actor: str, session: str) -> list[dict[str, Any]]:
    pages = data.get_paginator("list_events").paginate(
        memoryId=memory_id, actorId=actor, sessionId=session, includePayloads=True
    )
    events = [e for page in pages for e in page.get("events", [])]
    return sorted(events, key=lambda e: (e["eventTimestamp"], e["eventId"]))


def _payload_lines(event: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for item in event.get("payload", []):
        conv = item.get("conversational")
        if conv:
            out.append((str(conv.get("role", "?")), str(conv.get("content", {}).get("text", ""))))
    return out


def _per_service(requests: Counter[tuple[str, str]], what: str) -> list[str]:
    """``what``, then one line per service: total and per operation."""
    by_service: dict[str, Counter[str]] = {}
    for (service, op), n in sorted(requests.items()):
        by_service.setdefault(service, Counter())[op] += n
    lines = [f"    {what}:"]
    for service, ops in by_service.items():
        detail = ", ".join(f"{op} {n}" for op, n in ops.items())
        lines.append(f"      {service:<18} {sum(ops.values()):>3}  ({detail})")
    return lines


# -- the demo ----------------------------------------------------------------------------------


@dataclass
class Checks:
    """What the success line claims; every field must hold."""

    history_complete: bool = False
    events_complete: bool = False
    recalled: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.history_complete and self.events_complete and self.recalled > 0


def run_demo(target: targets.Target, args: argparse.Namespace, out: Out = print) -> int:
    """The demo proper on ``target``; 0 when every check holds, 1 otherwise."""
    from langgraph_agentcore.namespaces import actor_id as encode_actor
    from langgraph_agentcore.namespaces import session_id as encode_session

    run_id = uuid.uuid4().hex[:8]
    actor = args.user_id or f"ada-{run_id}"
    thread_1 = args.thread_id or f"demo-{run_id}-session-1"
    thread_2 = f"{thread_1}-new"
    target.describe(out)
    if target.created_memory:
        out(f"Created memory {target.memory_id} (semantic, user preference, summary strategies)")
    out(f"User (actor id) {actor!r}, agent id {args.agent_id!r}")
    data = target.client("bedrock-agentcore")
    memory_id = target.require_memory()
    strategies = targets.memory_strategies(target.client("bedrock-agentcore-control"), memory_id)
    retrieval = targets.retrieval_for(strategies)  # every per-user template of the memory
    if not retrieval:
        out(f"FAILED: memory {memory_id} has no strategy with an {{actorId}} namespace")
        return 1
    out("Recalling from " + ", ".join(retrieval) + " (the memory's strategies)")
    checks = Checks()

    # -- session 1 ----------------------------------------------------------------------
    out(f"\n== Session 1: create_agent + memory middleware, thread {thread_1!r}")
    s1 = Session(target, args.agent_id, retrieval)
    out(f"  table {'created' if s1.saver.setup() else 'exists'}: {target.table!r}")
    for text in SESSION_1:
        s1.turn(text, thread_1, actor, out)
    first_messages = s1.agent.get_state({"configurable": {"thread_id": thread_1}}).values[
        "messages"
    ]
    favourites = [item.value["text"] for item in s1.store.search(("users", actor, "favourites"))]
    out(f"  the store, written by the save_favourite tool: {favourites}")
    s1.close()  # waits for the background captures
    events = _events(data, memory_id, encode_actor(actor), encode_session(thread_1))
    captured = [line for e in events for line in _payload_lines(e)]
    out(
        f"  -> {len(SESSION_1)} turns, {len(first_messages)} messages in the thread; "
        f"AgentCore Memory has {len(events)} events with {len(captured)} messages:"
    )
    for event in events:
        for role, text in _payload_lines(event):
            out(f"     {event['eventId'][-16:]}  {role:<9} {_clip(text, 70)}")

    # -- extraction -----------------------------------------------------------------------
    out("\n== Extraction: AgentCore's strategies turn the events into long-term records")
    where = (
        "the twin extracts a moment" if not target.aws else "AWS takes tens of seconds to minutes"
    )
    out(f"  (asynchronous: {where} after the latest event; polling ListMemoryRecords)")
    progress = Progress(out, "waiting")
    started = time.monotonic()
    records = targets.wait_for_records(
        data,
        memory_id,
        actor,
        roots=targets.actor_roots(strategies, actor),
        until=targets.mentions(
            "Lisbon", "vegetarian", strategy_ids=targets.cross_session(strategies)
        ),
        timeout=args.extraction_timeout,
        interval=0.25 if not target.aws else 3.0,
        on_poll=progress,
    )
    extracted = [r for r in records if META_KEY not in (r.get("metadata") or {})]  # not the store's
    progress.done(
        f"{len(extracted)} records after {time.monotonic() - started:.1f} s "
        f"({progress.polls} polls)"
    )
    names = {sid: name for sid, (name, _) in strategies.items()}
    rows = [
        (
            names.get(str(r.get("memoryStrategyId")), str(r.get("memoryStrategyId", "-"))),
            (r.get("namespaces") or ["-"])[0],
            str(r.get("content", {}).get("text", "")),
            str(r.get("memoryRecordId", "")),
        )
        for r in sorted(extracted, key=lambda r: str(r.get("memoryStrategyId")))
    ]
    widths = [
        min(max([len(row[i]) for row in rows] + [9]), cap) for i, cap in enumerate((16, 48, 56, 40))
    ]
    for line in table(rows, ("strategy", "namespace", "text", "record id"), widths):
        out(f"  {line}")

    # -- session 2 -------------------------------------------------------------------------
    out(f"\n== Session 2: fresh objects, a NEW thread {thread_2!r}, the same user")
    s2 = Session(target, args.agent_id, retrieval)
    s2.turn(SESSION_2, thread_2, actor, out)
    s2.close()
    prompt = s2.prompts.prompts[0] if s2.prompts.prompts else ""
    block = re.search(r"<user_context>\n(.*?)\n</user_context>", prompt, re.S)
    recalled = [line for line in (block.group(1).splitlines() if block else []) if line.strip()]
    checks.recalled = len(recalled)
    out("  the system prompt the model received (the block is in the request, not the thread):")
    for line in prompt.splitlines():
        out(f"    | {line}")
    if not recalled:
        checks.problems.append("session 2 recalled nothing (no <user_context> block)")

    # -- session 3 --------------------------------------------------------------------------
    out(f"\n== Session 3: fresh objects resume session 1's thread {thread_1!r}")
    s3 = Session(target, args.agent_id, retrieval)
    s3.turn(SESSION_3, thread_1, actor, out)
    s3.memory.flush()  # the turn's capture, sent in the background, is counted too
    turn_requests = Counter(s3.requests)
    config = {"configurable": {"thread_id": thread_1}}
    messages = s3.agent.get_state(config).values["messages"]
    history = list(s3.agent.get_state_history(config))
    read_requests = s3.requests - turn_requests
    s3.close()
    out(f"  the thread's history, read back from DynamoDB ({len(history)} checkpoints):")
    for message in messages:
        text = message.text or _args({c["name"]: c["args"] for c in message.tool_calls})
        out(f"    {message.type:<6} {_clip(text, 90)}")
    ids = [m.id for m in messages]
    checks.history_complete = (
        ids[: len(first_messages)] == [m.id for m in first_messages]
        and sum(m.type == "human" for m in messages) == len(SESSION_1) + 1
        and messages[-1].type == "ai"
    )
    if not checks.history_complete:
        checks.problems.append("session 3 did not see session 1's whole thread")
    events = _events(data, memory_id, encode_actor(actor), encode_session(thread_1))
    captured = [line for e in events for line in _payload_lines(e)]
    checks.events_complete = len(captured) == len(messages)
    if not checks.events_complete:
        checks.problems.append(
            f"AgentCore has {len(captured)} messages of the thread's {len(messages)}"
        )
    out("  requests session 3 sent, per service (botocore before-send hook):")
    for line in _per_service(turn_requests, "the turn (recall, model + tool loop, capture)"):
        out(line)
    for line in _per_service(read_requests, "reading the state and the history"):
        out(line)

    out("")
    if checks.ok:
        out(
            f"OK: session 1's thread survived fresh objects ({len(messages)} messages, each "
            f"captured once as AgentCore events), and a new thread recalled "
            f"{checks.recalled} long-term records for the same user."
        )
        return 0
    out("FAILED: " + "; ".join(checks.problems))
    return 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``demo`` subcommand."""
    targets.add_arguments(parser, table="langgraph-agentcore-demo")
    parser.add_argument(
        "--create-memory",
        action="store_true",
        help="with --aws: create a memory (semantic, user preference and summary strategies) "
        "and wait until it is ACTIVE",
    )
    parser.add_argument("--agent-id", default="demo-agent", help="agent id (partition key)")
    parser.add_argument("--user-id", default=None, help="user (actor) id (default: a new one)")
    parser.add_argument("--thread-id", default=None, help="session 1's thread id (default: new)")
    parser.add_argument(
        "--extraction-timeout",
        type=float,
        default=300.0,
        help="seconds to wait for AgentCore's extraction (default 300)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo offline (the embedded local stack) or on AWS (``--aws``)."""
    try:
        import langchain.agents  # noqa: F401
    except ImportError:
        print(
            "error: the demo needs LangChain: pip install 'langgraph-agentcore[local,langchain]'",
            file=sys.stderr,
        )
        return 2
    if not args.aws:
        print("Starting the embedded local stack on 127.0.0.1 ...", flush=True)
    try:
        with targets.open_target(
            args, memory_name="LanggraphAgentcoreDemo", extraction_delay=1.0
        ) as target:
            return run_demo(target, args)
    except targets.TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
