"""The twin's front doors: in-process boto3/aiobotocore clients and a loopback HTTP server.

:class:`MemoryTwin` is the facade: it owns the backend, the fault injector and the
dispatcher. ``twin.client("bedrock-agentcore")`` gives a boto3 client whose requests
are answered in-process (botocore's ``before-send`` hook, no sockets); ``twin.attach``
does the same for an existing boto3 or aiobotocore client; ``twin.serve()`` starts a
``ThreadingHTTPServer`` on 127.0.0.1 for code that only takes an ``endpoint_url``.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from langchain_core.embeddings import Embeddings

from langgraph_agentcore.inprocess import attach_responder
from langgraph_agentcore.twin.faults import FaultInjector
from langgraph_agentcore.twin.models import Clock, MemoryBackend
from langgraph_agentcore.twin.responses import SERVED, Dispatcher, Reply

logger = logging.getLogger(__name__)

#: Strategies of ``MemoryTwin.create_memory(strategies="default")`` and ``local --create-memory``.
BUILTIN_STRATEGIES: list[dict[str, Any]] = [
    {"semanticMemoryStrategy": {"name": "facts", "namespaces": ["/users/{actorId}/facts"]}},
    {
        "userPreferenceMemoryStrategy": {
            "name": "preferences",
            "namespaces": ["/users/{actorId}/preferences"],
        }
    },
    {
        "summaryMemoryStrategy": {
            "name": "summaries",
            "namespaces": ["/summaries/{actorId}/{sessionId}"],
        }
    },
]


# One shared boto3 session: its loader caches the service models, so clients are cheap.
_SESSION: Any = None
_SESSION_LOCK = threading.Lock()


class _RawBody(io.BytesIO):
    """The ``raw`` object botocore reads a response body from."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        data = self.read()
        while data:
            yield data
            data = self.read()


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if hasattr(body, "read"):
        data = body.read()
        if hasattr(body, "seek"):
            body.seek(0)
        return data if isinstance(data, bytes) else str(data).encode()
    return bytes(body)


class _QuietHTTPServer(ThreadingHTTPServer):
    """socketserver prints every handler error to stderr; a client that hangs up (a
    timed-out or cancelled request, a process exiting) is routine here: DEBUG. Anything
    else is logged with its traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            logger.debug("client %s went away: %r", client_address, exc)
        else:
            logger.exception("twin: error serving %s", client_address)


class TwinServer:
    """The twin on a loopback HTTP port (``port=0`` = ephemeral); a context manager."""

    def __init__(self, dispatcher: Dispatcher, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = _handler_class(dispatcher)
        self._httpd = _QuietHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``: pass as ``endpoint_url`` for either plane."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> TwinServer:
        """Serve in a daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="agentcore-twin-http",
                daemon=True,
            )
            self._thread.start()
            logger.debug("twin serving on %s", self.endpoint_url)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> TwinServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _handler_class(dispatcher: Dispatcher) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "AgentCoreMemoryTwin/1"
        # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every reply on loopback.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = dispatcher.handle(self.command, self.path, dict(self.headers), body)
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            logger.debug("http %s", format % args)

    return Handler


class MemoryTwin:
    """An offline Amazon Bedrock AgentCore Memory (data and control plane).

    ``extraction_delay`` seconds after events arrive, a background thread runs long-term
    extraction (None = only when ``run_extractions()`` is called). ``activation_delay`` is
    how long a new memory stays CREATING. ``namespace_path_semantics="string-prefix"``
    makes ``namespacePath`` a plain string prefix (``/users/u1`` also matches
    ``/users/u12``), as AWS's documentation can be read, to test that clients drop
    foreign records; default ``"subtree"``. It applies in-process and over HTTP, and can
    be changed at run time through :attr:`namespace_path_semantics`.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        activation_delay: float = 0.2,
        extraction_delay: float | None = 2.0,
        embeddings: Embeddings | None = None,
        extractor: Any = None,
        persist_path: str | os.PathLike[str] | None = None,
        clock: Clock = time.time,
        fault_seed: int | None = 0,
        namespace_path_semantics: str = "subtree",
    ) -> None:
        self.region = region
        self.backend = MemoryBackend(
            region=region,
            account_id=account_id,
            activation_delay=activation_delay,
            extraction_delay=extraction_delay,
            embeddings=embeddings,
            extractor=extractor,
            persist_path=persist_path,
            clock=clock,
            namespace_path_semantics=namespace_path_semantics,
        )
        self.faults = FaultInjector(seed=fault_seed)
        self.dispatcher = Dispatcher(self.backend, self.faults)
        self._servers: list[TwinServer] = []
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        if extraction_delay is not None:
            self._worker = threading.Thread(
                target=self._extract_loop, name="agentcore-twin-extraction", daemon=True
            )
            self._worker.start()

    @property
    def namespace_path_semantics(self) -> str:
        """``"subtree"`` or ``"string-prefix"``: how ``namespacePath`` matches records."""
        return self.backend.namespace_path_semantics

    @namespace_path_semantics.setter
    def namespace_path_semantics(self, value: str) -> None:
        self.backend.namespace_path_semantics = value

    # ------------------------------------------------------------ in-process

    def responder(self, request: AWSPreparedRequest, event_name: str = "", **_: Any) -> Any:
        """botocore ``before-send`` handler: answer AgentCore Memory requests in-process."""
        service = event_name.split(".")[1] if event_name.count(".") >= 2 else None
        if service is not None and service not in SERVED:
            return None
        reply: Reply = self.dispatcher.handle(
            request.method or "GET",
            request.url or "/",
            dict(request.headers.items()),
            _body_bytes(request.body),
            service,
        )
        return AWSResponse(request.url, reply.status, reply.headers, _RawBody(reply.body))

    def attach(self, client: Any) -> Any:
        """Answer every request of an existing boto3 or aiobotocore client here; returns it."""
        attach_responder(client, self.responder)
        return client

    def client(self, service_name: str = "bedrock-agentcore", **kwargs: Any) -> Any:
        """A boto3 client for ``bedrock-agentcore`` or ``bedrock-agentcore-control``, in-process.

        Region and dummy credentials default so no AWS configuration is needed.
        """
        import boto3

        kwargs.setdefault("region_name", self.region)
        if "aws_access_key_id" not in kwargs:
            kwargs["aws_access_key_id"] = "testing"
            kwargs.setdefault("aws_secret_access_key", "testing")
        with _SESSION_LOCK:
            global _SESSION
            if _SESSION is None:
                _SESSION = boto3.session.Session()
            client = _SESSION.client(service_name, **kwargs)
        return self.attach(client)

    # ------------------------------------------------------------ server

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> TwinServer:
        """Start an HTTP server for both planes on ``host:port`` (0 = ephemeral)."""
        server = TwinServer(self.dispatcher, host, port).start()
        self._servers.append(server)
        return server

    # ------------------------------------------------------------ conveniences

    def run_extractions(self, *, force: bool = True) -> int:
        """Run pending long-term extraction now; returns records written or updated."""
        return self.backend.run_extractions(force=force)

    def create_memory(
        self,
        name: str = "TwinMemory",
        *,
        strategies: list[dict[str, Any]] | str | None = "default",
        event_expiry_days: int = 30,
        indexed_keys: list[dict[str, str]] | None = None,
        ready: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """Create a memory directly (ACTIVE at once unless ``ready=False``); returns it.

        ``strategies="default"`` = semantic facts, user preferences and session summaries
        (see :data:`BUILTIN_STRATEGIES`); pass a list of ``MemoryStrategyInput`` dicts or
        None for a short-term-only memory.
        """
        params: dict[str, Any] = {"name": name, "eventExpiryDuration": event_expiry_days, **extra}
        if strategies == "default":
            params["memoryStrategies"] = BUILTIN_STRATEGIES
        elif strategies:
            params["memoryStrategies"] = strategies
        if indexed_keys:
            params["indexedKeys"] = indexed_keys
        from langgraph_agentcore.twin.responses import service_model
        from langgraph_agentcore.twin.validation import validate

        validate(
            service_model("bedrock-agentcore-control").operation_model("CreateMemory").input_shape,
            params,
        )
        return dict(self.backend.create_memory(params, ready=ready)["memory"])

    # ------------------------------------------------------------ lifecycle

    def _extract_loop(self) -> None:
        while not self._stop.wait(0.1):
            due = self.backend.next_due()
            if due is not None and due <= self.backend.clock():
                try:
                    self.backend.run_extractions(force=False)
                except Exception:  # noqa: BLE001 - keep the timer alive
                    logger.exception("background extraction failed")

    def close(self) -> None:
        """Stop servers and the extraction timer."""
        self._stop.set()
        for server in self._servers:
            server.stop()
        self._servers.clear()
        if self._worker is not None:
            self._worker.join(timeout=5)
            self._worker = None

    def __enter__(self) -> MemoryTwin:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
