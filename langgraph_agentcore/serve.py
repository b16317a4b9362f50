"""``langgraph-agentcore serve`` and ``invoke``: run an AgentCore Runtime app, talk to it.

``serve module:attr`` imports ``attr`` (a ``BedrockAgentCoreApp``, a compiled graph, or a
function returning either) and serves it with uvicorn, as AgentCore Runtime's container
does. ``--local`` first starts the embedded local stack (DynamoDB and the AgentCore
Memory twin on 127.0.0.1), creates the table and a memory, and points the environment
at them *before* the module is imported, so an app built from environment variables
runs offline unchanged.

``invoke`` posts one turn with the headers AgentCore Runtime sends (session id, a bearer
token, request id) and prints the reply, or the stream as it arrives. Its ``--actor``
token is a local development token (HS256 with a fixed, public key): fine for an app
that decodes the token AgentCore validated, meaningless anywhere else.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import importlib
import importlib.util
import json
import logging
import os
import signal
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any

from langgraph_agentcore.runtime import ACTOR_HEADER, SESSION_HEADER

#: Environment variables the ``--local`` stack sets (and ``examples/runtime_app.py`` reads).
TABLE_ENV = "AGENTCORE_TABLE"
AGENT_ID_ENV = "AGENTCORE_AGENT_ID"
MEMORY_ID_ENV = "AGENTCORE_MEMORY_ID"
DEFAULT_TABLE = "langgraph-agentcore"
LOCAL_MEMORY_NAME = "LocalRuntimeMemory"

REQUEST_ID_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Request-Id"
#: The key of local development tokens. Public on purpose: these tokens prove nothing.
LOCAL_TOKEN_KEY = b"langgraph-agentcore local development token (not a secret)"


# ---------------------------------------------------------------- tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def local_token(actor: str, *, claim: str = "sub", ttl: float = 3600.0, **claims: Any) -> str:
    """A signed-looking JWT naming ``actor`` in ``claim``, for local runs only.

    Signed with :data:`LOCAL_TOKEN_KEY` (HS256) so it has the shape AgentCore Identity
    forwards; nobody should ever accept that key.
    """
    now = int(time.time())
    payload = {
        "iss": "langgraph-agentcore-local",
        "iat": now,
        "exp": now + int(ttl),
        **claims,
        claim: actor,
    }
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(LOCAL_TOKEN_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def runtime_headers(
    session: str | None,
    *,
    actor: str | None = None,
    token: str | None = None,
    claim: str = "sub",
    via: str = "token",
    stream: bool = False,
) -> dict[str, str]:
    """The headers AgentCore Runtime sends the container for one invocation."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if stream else "application/json",
        REQUEST_ID_HEADER: str(uuid.uuid4()),
    }
    if session is not None:
        headers[SESSION_HEADER] = session
    if token is None and actor is not None and via in ("token", "both"):
        token = local_token(actor, claim=claim)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if actor is not None and via in ("header", "both"):
        headers[ACTOR_HEADER] = actor
    return headers


# ---------------------------------------------------------------- serve


def load_target(spec: str) -> Any:
    """The object named by ``module:attr`` or ``path/to/file.py:attr`` (attr default ``app``)."""
    module_name, _, attr = spec.partition(":")
    attr = attr or "app"
    if not module_name:
        raise SystemExit(f"serve: expected module:attr, got {spec!r}")
    if module_name.endswith(".py") or os.sep in module_name or "/" in module_name:
        path = Path(module_name).resolve()
        if not path.is_file():
            raise SystemExit(f"serve: no such file {module_name!r}")
        sys.path.insert(0, str(path.parent))
        loader = importlib.util.spec_from_file_location(path.stem, path)
        if loader is None or loader.loader is None:  # pragma: no cover - defensive
            raise SystemExit(f"serve: cannot import {module_name!r}")
        module = importlib.util.module_from_spec(loader)
        sys.modules[path.stem] = module
        loader.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise SystemExit(f"serve: {module_name!r} has no attribute {attr!r}") from None


def as_app(obj: Any) -> Any:
    """A ``BedrockAgentCoreApp`` from an app, a compiled graph, or a factory of either."""
    from bedrock_agentcore.runtime import BedrockAgentCoreApp

    from langgraph_agentcore.runtime import create_app

    for _ in range(2):
        if isinstance(obj, BedrockAgentCoreApp):
            return obj
        if hasattr(obj, "astream") and hasattr(obj, "checkpointer"):
            return create_app(obj)
        if callable(obj):
            obj = obj()
            continue
        break
    raise SystemExit(
        f"serve: expected a BedrockAgentCoreApp, a compiled graph or a factory, got {obj!r}"
    )


def start_local_stack(extraction_delay: float | None = 2.0) -> Any:
    """Start the local stack, create the table and a memory, export them to ``os.environ``."""
    from langgraph_agentcore.checkpoint import DynamoDBSaver
    from langgraph_agentcore.local import LocalStack

    stack = LocalStack(extraction_delay=extraction_delay).start()
    try:
        memory_id = stack.create_memory(LOCAL_MEMORY_NAME)
        os.environ.update(stack.env())
        os.environ.setdefault(TABLE_ENV, DEFAULT_TABLE)
        os.environ[MEMORY_ID_ENV] = memory_id
        saver = DynamoDBSaver(os.environ[TABLE_ENV], "setup", endpoint_url=stack.dynamodb_endpoint)
        try:
            saver.setup()
        finally:
            saver.close()
    except BaseException:
        stack.stop()
        raise
    return stack


def serve(app: Any, host: str, port: int, *, out: IO[str] | None = None) -> None:
    """Serve ``app`` with uvicorn until SIGINT/SIGTERM; prints the bound address."""
    import uvicorn

    out = out or sys.stderr

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            for server in self.servers:
                for sock in server.sockets:
                    bound_host, bound_port = sock.getsockname()[:2]
                    print(
                        f"serving on http://{bound_host}:{bound_port} "
                        "(POST /invocations, GET /ping)",
                        file=out,
                        flush=True,
                    )

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM (lifespan: memory flushed), then
    # re-raises the signal into the previous handler: make that a no-op, so the caller's
    # cleanup runs (the local stack stops) and the exit code is 0.
    quiet = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        Server(config).run()
    finally:
        for sig, handler in quiet.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: FrameType | None) -> None:
    """A signal handler that does nothing (see :func:`serve`)."""


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``langgraph-agentcore serve``."""
    parser.add_argument(
        "target", help="module:attr or file.py:attr of a BedrockAgentCoreApp or compiled graph"
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = ephemeral)")
    parser.add_argument(
        "--local",
        action="store_true",
        help="start the embedded local stack first (DynamoDB + AgentCore Memory twin on "
        f"127.0.0.1; creates ${TABLE_ENV} and a memory, exported as ${MEMORY_ID_ENV})",
    )
    parser.add_argument(
        "--extraction-delay",
        type=float,
        default=2.0,
        help="with --local: seconds after new events before the twin extracts (default 2)",
    )


def run_serve(args: argparse.Namespace) -> int:
    """``langgraph-agentcore serve``: 0 after a clean shutdown."""
    stack = None
    if args.local:
        stack = start_local_stack(args.extraction_delay)
        print(
            f"local stack: DynamoDB {stack.dynamodb_endpoint}, AgentCore "
            f"{stack.agentcore_endpoint}, table {os.environ[TABLE_ENV]!r}, memory "
            f"{os.environ[MEMORY_ID_ENV]!r}",
            file=sys.stderr,
            flush=True,
        )
    try:
        app = as_app(load_target(args.target))
        # The SDK's app logger writes its own JSON lines (as in AgentCore's CloudWatch
        # logs); do not print each of them a second time through the root logger.
        logging.getLogger("bedrock_agentcore.app").propagate = False
        serve(app, args.host, args.port)
    finally:
        if stack is not None:
            stack.stop()
    return 0


# ---------------------------------------------------------------- invoke


def iter_sse(lines: Iterator[bytes]) -> Iterator[Any]:
    """The JSON ``data:`` payloads of a Server-Sent Events byte stream, one per event."""
    data: list[str] = []
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield json.loads("\n".join(data))
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    if data:
        yield json.loads("\n".join(data))


def _print_interrupts(body: Mapping[str, Any], args: argparse.Namespace, out: IO[str]) -> None:
    for item in body.get("interrupts") or ():
        print(f"interrupt {item.get('id')}: {json.dumps(item.get('value'))}", file=out)
    if body.get("interrupts"):
        print(
            f"(answer with: langgraph-agentcore invoke --session {args.session} "
            "--actor ... --resume '<json>')",
            file=out,
        )


def add_invoke_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``langgraph-agentcore invoke``."""
    parser.add_argument("prompt", nargs="?", help="the user's message")
    parser.add_argument(
        "--url", default="http://127.0.0.1:8080", help="app URL (default http://127.0.0.1:8080)"
    )
    parser.add_argument(
        "--session", required=True, help="runtime session id = thread id (33+ characters)"
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--actor", help="actor id, sent in a local development bearer token")
    who.add_argument("--token", help="a bearer token to send as it is")
    parser.add_argument("--claim", default="sub", help="claim of --actor's token (default sub)")
    parser.add_argument(
        "--via",
        choices=("token", "header", "both"),
        default="token",
        help=f"how --actor travels: token, the {ACTOR_HEADER} header, or both",
    )
    parser.add_argument("--resume", help="answer an interrupt (JSON, or plain text)")
    parser.add_argument("--stream", action="store_true", help="stream the reply (SSE)")
    parser.add_argument("--json", action="store_true", help="print raw JSON (every event)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds (default 300)")


def run_invoke(args: argparse.Namespace, out: IO[str] | None = None) -> int:
    """``langgraph-agentcore invoke``: 0 on a reply, 1 on an error response, 2 unreachable."""
    out = out or sys.stdout
    if (args.prompt is None) == (args.resume is None):
        print("invoke: give a prompt or --resume (one of them)", file=sys.stderr)
        return 2
    payload: dict[str, Any] = {}
    if args.prompt is not None:
        payload["prompt"] = args.prompt
    else:
        try:
            payload["resume"] = json.loads(args.resume)
        except json.JSONDecodeError:
            payload["resume"] = args.resume
    if args.stream:
        payload["stream"] = True
    url = args.url.rstrip("/")
    url = url if url.endswith("/invocations") else url + "/invocations"
    headers = runtime_headers(
        args.session,
        actor=args.actor,
        token=args.token,
        claim=args.claim,
        via=args.via,
        stream=args.stream,
    )
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        response = urllib.request.urlopen(request, timeout=args.timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        try:
            message = json.loads(text).get("error", text)
        except (json.JSONDecodeError, AttributeError):
            message = text
        print(f"error {exc.code}: {message}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"invoke: cannot reach {url}: {exc}", file=sys.stderr)
        return 2
    with response:
        if "text/event-stream" not in response.headers.get("Content-Type", ""):
            body = json.loads(response.read())
            if args.json:
                print(json.dumps(body), file=out)
            else:
                print(body.get("response") or "(no reply)", file=out)
                _print_interrupts(body, args, out)
            return 0
        streamed = False
        for event in iter_sse(iter(response.readline, b"")):
            if args.json:
                print(json.dumps(event), file=out, flush=True)
                if isinstance(event, dict) and event.get("event") == "error":
                    return 1
                continue
            kind = event.get("event") if isinstance(event, dict) else None
            if kind == "token":
                print(event.get("text", ""), end="", file=out, flush=True)
                streamed = True
            elif kind == "error":
                print(f"\nerror: {event.get('error')}", file=sys.stderr)
                return 1
            elif kind is None and isinstance(event, dict) and "thread_id" in event:
                if not streamed:
                    print(event.get("response") or "(no reply)", end="", file=out)
                print(file=out)
                _print_interrupts(event, args, out)
    return 0


#: ``langgraph-agentcore serve`` (the CLI's module protocol; ``invoke`` is in invoke.py).
add_arguments = add_serve_arguments
run = run_serve


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    """``python -m langgraph_agentcore.serve serve|invoke ...``."""
    parser = argparse.ArgumentParser(prog="langgraph-agentcore")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(sub.add_parser("serve"))
    add_invoke_arguments(sub.add_parser("invoke"))
    args = parser.parse_args(argv)
    return run_serve(args) if args.command == "serve" else run_invoke(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
