"""Where the examples and ``langgraph-agentcore demo`` run: offline (default) or on AWS.

Offline, :func:`open_target` starts the embedded :class:`~langgraph_agentcore.local.LocalStack`
(DynamoDB on moto and the AgentCore Memory twin, both on 127.0.0.1), creates a memory with
the semantic, user-preference and summary strategies, and puts the stack's endpoints and
dummy credentials into ``os.environ`` until the block ends. Code inside the block is
therefore exactly the code that runs on AWS: ``DynamoDBSaver("my-table", "my-agent")``,
no endpoint arguments. The chat model is a deterministic offline one, labelled as such.

With ``--aws``: your credentials (checked before anything else; without them
:class:`TargetError`, which :func:`run` turns into one line on stderr and exit code 2),
a real DynamoDB table (``--table``, created if missing by ``setup()``), a real AgentCore
Memory (``--memory-id`` or ``$AGENTCORE_MEMORY_ID``) and ``ChatBedrockConverse``
(``--model-id``) from langchain-aws.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langgraph_agentcore.namespaces import within
from langgraph_agentcore.twin.server import BUILTIN_STRATEGIES

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from langgraph_agentcore.local import LocalStack
    from langgraph_agentcore.memory import RetrievalConfig

__all__ = [
    "DEFAULT_MODEL_ID",
    "MEMORY_STRATEGIES",
    "Target",
    "TargetError",
    "add_arguments",
    "check_aws_credentials",
    "create_memory",
    "actor_roots",
    "list_records",
    "memory_strategies",
    "mentions",
    "open_target",
    "retrieval_for",
    "run",
    "wait_for_records",
]

#: Bedrock model for ``--aws`` unless ``--model-id`` (or ``$BEDROCK_MODEL_ID``) names another.
DEFAULT_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

#: The strategies ``--create-memory`` gives a new memory: the twin's built-in ones, so a
#: real memory and a local one have the same namespaces.
MEMORY_STRATEGIES: list[dict[str, Any]] = BUILTIN_STRATEGIES

#: Variables that would point boto3 at a real account while the local stack runs.
_MASKED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


class TargetError(Exception):
    """The chosen target cannot be used (no credentials, no memory id): exit code 2."""


@dataclass
class Target:
    """Where this run goes: the table, the memory, the model, and how to name them.

    ``stack`` is the running local stack offline (None on AWS); ``args`` the parsed
    command line, for options of the example itself.
    """

    aws: bool
    region: str
    table: str
    memory_id: str | None
    model_id: str | None
    args: argparse.Namespace
    stack: LocalStack | None = None
    created_memory: bool = field(default=False)

    @property
    def where(self) -> str:
        """One line saying where requests go."""
        if self.aws:
            return f"AWS, region {self.region}"
        return "the embedded local stack on 127.0.0.1 (DynamoDB: moto; AgentCore Memory: twin)"

    @property
    def model_label(self) -> str:
        """What answers: the Bedrock model id, or the offline model's label."""
        if self.aws:
            return f"Amazon Bedrock {self.model_id} (ChatBedrockConverse)"
        from langgraph_agentcore.offline import MODEL_LABEL

        return MODEL_LABEL

    def chat_model(self, offline: Callable[[], BaseChatModel]) -> BaseChatModel:
        """``ChatBedrockConverse`` on AWS, else ``offline()`` (a deterministic model)."""
        if not self.aws:
            return offline()
        try:
            from langchain_aws import ChatBedrockConverse
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise TargetError(
                "--aws needs langchain-aws: pip install 'langgraph-agentcore[aws]'"
            ) from exc
        model: BaseChatModel = ChatBedrockConverse(
            model=self.model_id or DEFAULT_MODEL_ID, region_name=self.region
        )
        return model

    def require_memory(self) -> str:
        """The memory id, or :class:`TargetError` naming how to give one."""
        if not self.memory_id:
            hint = " or --create-memory" if hasattr(self.args, "create_memory") else ""
            raise TargetError(
                f"--aws needs an AgentCore Memory: pass --memory-id ID{hint} (or set "
                "AGENTCORE_MEMORY_ID)"
            )
        return self.memory_id

    def client(self, service: str) -> Any:
        """A boto3 client of ``service`` for this target (offline: the stack's endpoint)."""
        import boto3

        return boto3.client(service, region_name=self.region)

    def describe(self, out: Callable[[str], None] = print) -> None:
        """Print where requests go, the model, the table and the memory."""
        out(f"Running on {self.where}")
        out(f"Model: {self.model_label}")
        memory = f", memory {self.memory_id!r}" if self.memory_id else ""
        out(f"Table {self.table!r}{memory}")


def add_arguments(
    parser: argparse.ArgumentParser,
    *,
    table: str = "langgraph-agentcore-examples",
    memory: bool = True,
    model: bool = True,
) -> None:
    """``--aws``, ``--region``, ``--table`` and, as needed, ``--memory-id`` / ``--model-id``."""
    parser.add_argument(
        "--aws",
        action="store_true",
        help="run against AWS with your credentials (default: the embedded local stack)",
    )
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        help="AWS region (default: $AWS_REGION or us-east-1)",
    )
    parser.add_argument(
        "--table", default=table, help=f"DynamoDB table, created if missing (default {table})"
    )
    if memory:
        parser.add_argument(
            "--memory-id",
            default=None,
            help="with --aws: the AgentCore Memory id (default: $AGENTCORE_MEMORY_ID)",
        )
    if model:
        parser.add_argument(
            "--model-id",
            default=os.environ.get("BEDROCK_MODEL_ID", DEFAULT_MODEL_ID),
            help=f"with --aws: the Bedrock model for ChatBedrockConverse (default "
            f"$BEDROCK_MODEL_ID or {DEFAULT_MODEL_ID})",
        )


def check_aws_credentials(region: str) -> None:
    """:class:`TargetError` unless boto3 finds credentials (no request is sent)."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        credentials = boto3.session.Session(region_name=region).get_credentials()
    except BotoCoreError as exc:  # e.g. a profile that does not exist
        raise TargetError(f"--aws: cannot load AWS credentials: {exc}") from exc
    if credentials is None:
        raise TargetError(
            "--aws needs AWS credentials and none were found (set AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`)"
        )


def create_memory(
    control: Any, name: str, *, timeout: float = 600.0, on_wait: Callable[[str], None] | None = None
) -> str:
    """Create a memory with :data:`MEMORY_STRATEGIES` and wait until it is ACTIVE.

    ``control`` is a ``bedrock-agentcore-control`` client. Polls GetMemory every few
    seconds (``on_wait(status)`` each time); a memory that FAILED or is not ACTIVE within
    ``timeout`` seconds raises :class:`TargetError`.
    """
    memory = control.create_memory(
        name=name,
        description="created by langgraph-agentcore (semantic, user preference, summary)",
        eventExpiryDuration=30,
        memoryStrategies=MEMORY_STRATEGIES,
    )["memory"]
    memory_id = str(memory["id"])
    deadline = time.monotonic() + timeout
    status = str(memory.get("status", "CREATING"))
    while status != "ACTIVE":
        if status == "FAILED":
            raise TargetError(f"memory {memory_id} failed: {memory.get('failureReason')}")
        if time.monotonic() > deadline:
            raise TargetError(f"memory {memory_id} not ACTIVE after {timeout:.0f}s ({status})")
        if on_wait is not None:
            on_wait(status)
        time.sleep(0.2 if "127.0.0.1" in str(control.meta.endpoint_url) else 5.0)
        memory = control.get_memory(memoryId=memory_id)["memory"]
        status = str(memory.get("status"))
    return memory_id


def memory_strategies(control: Any, memory_id: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """strategy id -> (its name, its namespace templates), from one GetMemory."""
    from langgraph_agentcore.recall import parse_strategies

    response = control.get_memory(memoryId=memory_id)
    templates = parse_strategies(response)
    names = {
        str(s.get("strategyId")): str(s.get("name") or s.get("type") or "?")
        for s in response.get("memory", {}).get("strategies") or []
    }
    return {sid: (names.get(sid, sid), tpls) for sid, tpls in templates.items()}


def retrieval_for(
    strategies: dict[str, tuple[str, tuple[str, ...]]],
    *,
    top_k: int = 5,
    relevance_score: float = 0.2,
) -> dict[str, RetrievalConfig]:
    """``retrieval=`` for every per-user namespace template of the memory's strategies."""
    from langgraph_agentcore.recall import ACTOR, RetrievalConfig

    return {
        template: RetrievalConfig(top_k=top_k, relevance_score=relevance_score)
        for _, templates in strategies.values()
        for template in templates
        if ACTOR in template
    }


def actor_roots(strategies: dict[str, tuple[str, tuple[str, ...]]], actor_id: str) -> list[str]:
    """The namespaces that hold one actor's records under these strategies (all sessions)."""
    from langgraph_agentcore.namespaces import actor_id as encode_actor
    from langgraph_agentcore.recall import forget_roots

    layout = {sid: templates for sid, (_, templates) in strategies.items()}
    return forget_roots({}, layout, encode_actor(actor_id), None)


def list_records(
    data: Any, memory_id: str, actor_id: str, roots: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Every long-term record of one actor under ``roots`` (default: the built-in layout,
    ``/users/{actor}`` and ``/summaries/{actor}``; see :func:`actor_roots`).

    ListMemoryRecords over each subtree, all pages; records outside it (AWS matches
    ``namespacePath`` as a string prefix) are dropped.
    """
    from langgraph_agentcore.namespaces import actor_id as encode_actor

    actor = encode_actor(actor_id)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for root in roots if roots is not None else (f"/users/{actor}", f"/summaries/{actor}"):
        pages = data.get_paginator("list_memory_records").paginate(
            memoryId=memory_id, namespacePath=root
        )
        for page in pages:
            for rec in page.get("memoryRecordSummaries", []):
                rid = str(rec.get("memoryRecordId"))
                if rid not in seen and any(within(ns, root) for ns in rec.get("namespaces", [])):
                    seen.add(rid)
                    out.append(rec)
    return out


def mentions(
    *words: str, namespace: str | None = None, strategy_ids: Collection[str] | None = None
) -> Callable[[list[dict[str, Any]]], bool]:
    """A :func:`wait_for_records` condition: every word is in some record (any case).

    Strategies extract independently, so a session summary may mention the words before
    the facts exist. ``namespace`` counts only records in a namespace containing that text
    (say ``"/facts"``), ``strategy_ids`` only records of those strategies (see
    :func:`cross_session`).
    """

    def check(records: list[dict[str, Any]]) -> bool:
        if namespace is not None:
            records = [r for r in records if any(namespace in n for n in r.get("namespaces") or [])]
        if strategy_ids is not None:
            records = [r for r in records if str(r.get("memoryStrategyId")) in strategy_ids]
        text = " ".join(str(r.get("content", {}).get("text", "")) for r in records).lower()
        return all(w.lower() in text for w in words)

    return check


def cross_session(strategies: dict[str, tuple[str, tuple[str, ...]]]) -> set[str]:
    """Ids of the strategies whose records outlive a session (no ``{sessionId}`` in any of
    their namespace templates): facts and preferences, not session summaries."""
    from langgraph_agentcore.recall import SESSION

    return {
        sid
        for sid, (_, templates) in strategies.items()
        if templates and not any(SESSION in t for t in templates)
    }


def wait_for_records(
    data: Any,
    memory_id: str,
    actor_id: str,
    *,
    roots: Sequence[str] | None = None,
    until: Callable[[list[dict[str, Any]]], bool] = bool,
    timeout: float = 300.0,
    interval: float = 0.25,
    on_poll: Callable[[float, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Poll :func:`list_records` until ``until(records)`` holds or ``timeout`` expires.

    Extraction is asynchronous: the twin runs it a moment after the latest event, AWS
    tens of seconds to minutes later. ``on_poll(elapsed, count)`` is called after each
    poll (for a progress indicator). Returns the last records seen, satisfied or not.
    """
    start = time.monotonic()
    while True:
        records = list_records(data, memory_id, actor_id, roots)
        elapsed = time.monotonic() - start
        if on_poll is not None:
            on_poll(elapsed, len(records))
        if until(records) or elapsed >= timeout:
            return records
        time.sleep(interval)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set ``values`` (and hide real-account variables) in ``os.environ``, then restore."""
    keys = set(values) | set(_MASKED)
    saved = {k: os.environ.get(k) for k in keys}
    for k in _MASKED:
        os.environ.pop(k, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def open_target(
    args: argparse.Namespace,
    *,
    memory_name: str = "LanggraphAgentcoreExamples",
    extraction_delay: float | None = 0.3,
) -> Iterator[Target]:
    """The target the parsed ``args`` choose (see the module docstring); cleaned up after.

    Offline, the twin extracts ``extraction_delay`` seconds after a session's latest event
    (as AWS does, later). On AWS nothing is created here except, with
    ``args.create_memory``, a new memory (see :func:`create_memory`).
    """
    region = str(args.region)
    memory_id = getattr(args, "memory_id", None)
    model_id = getattr(args, "model_id", None)
    if args.aws:
        check_aws_credentials(region)
        memory_id = memory_id or os.environ.get("AGENTCORE_MEMORY_ID")
        target = Target(True, region, args.table, memory_id, model_id, args)
        creating = bool(getattr(args, "create_memory", False))
        if hasattr(args, "memory_id") and not memory_id and not creating:
            target.require_memory()  # before any request: one clear line, exit code 2
        if creating:
            import boto3

            control = boto3.client("bedrock-agentcore-control", region_name=region)
            target.memory_id = create_memory(control, memory_name)
            target.created_memory = True
        yield target
        return

    from langgraph_agentcore.local import LocalStack

    with LocalStack(region=region, extraction_delay=extraction_delay) as stack:
        memory_id = stack.create_memory(memory_name)
        with _environment(stack.env()):
            yield Target(False, region, args.table, memory_id, None, args, stack)


def run(
    main: Callable[[Target], int | None],
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None = None,
    **open_kwargs: Any,
) -> int:
    """Parse ``argv``, open the target, call ``main(target)``; exit code (2 on TargetError)."""
    args = parser.parse_args(argv)
    try:
        with open_target(args, **open_kwargs) as target:
            return main(target) or 0
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
