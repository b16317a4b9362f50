"""``langgraph-agentcore local``: DynamoDB (moto) and the AgentCore Memory twin on loopback.

The command prints ``export`` lines (endpoints, dummy credentials, region and, with
``--create-memory``, the memory id) so unmodified AWS code pointed at them works, then
serves until Ctrl-C or SIGTERM. :class:`LocalStack` is the reusable part (the ``demo``
command and tests start the same stack in-process).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType, TracebackType
from typing import Any

from langgraph_agentcore.twin import MemoryTwin, TwinServer

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class LocalStack:
    """DynamoDB (moto's threaded server) and the AgentCore Memory twin on 127.0.0.1.

    Ports default to 0 (ephemeral); read the chosen ones from :attr:`dynamodb_endpoint`
    and :attr:`agentcore_endpoint` or from :meth:`env`. Use as a context manager.
    """

    def __init__(
        self,
        *,
        dynamodb_port: int = 0,
        agentcore_port: int = 0,
        region: str = "us-east-1",
        persist_path: str | None = None,
        extraction_delay: float | None = 2.0,
        with_dynamodb: bool = True,
        **twin_kwargs: Any,
    ) -> None:
        self.region = region
        self._dynamodb_port = dynamodb_port
        self._agentcore_port = agentcore_port
        self._with_dynamodb = with_dynamodb
        self.twin = MemoryTwin(
            region=region,
            persist_path=persist_path,
            extraction_delay=extraction_delay,
            **twin_kwargs,
        )
        self._moto: Any = None
        self._server: TwinServer | None = None
        self.memory_id: str | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> LocalStack:
        """Start both servers (DynamoDB first, so a failure leaves nothing running)."""
        if self._with_dynamodb and self._moto is None:
            try:
                from moto.server import ThreadedMotoServer
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise RuntimeError(
                    "the local stack needs moto's server: pip install 'langgraph-agentcore[local]'"
                ) from exc
            self._moto = ThreadedMotoServer(
                ip_address=LOOPBACK, port=self._dynamodb_port, verbose=False
            )
            self._moto.start()
        if self._server is None:
            self._server = self.twin.serve(LOOPBACK, self._agentcore_port)
        logger.debug("local stack up: %s", self.env())
        return self

    def stop(self) -> None:
        """Stop both servers and the twin's extraction timer (state persists if configured)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self.twin.close()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------ endpoints

    @property
    def dynamodb_endpoint(self) -> str | None:
        """``http://127.0.0.1:PORT`` of DynamoDB, or None when not started."""
        if self._moto is None:
            return None
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    @property
    def agentcore_endpoint(self) -> str | None:
        """``http://127.0.0.1:PORT`` serving both AgentCore planes, or None when not started."""
        return self._server.endpoint_url if self._server is not None else None

    def env(self) -> dict[str, str]:
        """Environment variables that point unmodified AWS SDK code at this stack."""
        out: dict[str, str] = {}
        if self.dynamodb_endpoint:
            out["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamodb_endpoint
        if self.agentcore_endpoint:
            out["AWS_ENDPOINT_URL_BEDROCK_AGENTCORE"] = self.agentcore_endpoint
            out["AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL"] = self.agentcore_endpoint
        out.update(DUMMY_CREDENTIALS)
        out["AWS_DEFAULT_REGION"] = self.region
        out["AWS_REGION"] = self.region
        if self.memory_id:
            out["AGENTCORE_MEMORY_ID"] = self.memory_id
        return out

    def create_memory(self, name: str) -> str:
        """An ACTIVE memory with the built-in strategies; reuses a persisted one of that name."""
        with self.twin.backend.lock:
            existing = [m.id for m in self.twin.backend.memories.values() if m.name == name]
        self.memory_id = existing[0] if existing else str(self.twin.create_memory(name)["id"])
        return self.memory_id


# ---------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``langgraph-agentcore local``."""
    parser.add_argument(
        "--dynamodb-port", type=int, default=0, help="DynamoDB port (default: ephemeral)"
    )
    parser.add_argument(
        "--agentcore-port",
        type=int,
        default=0,
        help="AgentCore Memory twin port, both planes (default: ephemeral)",
    )
    parser.add_argument("--region", default="us-east-1", help="region to report (us-east-1)")
    parser.add_argument(
        "--persist", metavar="FILE", help="keep the twin's state in this JSON file across runs"
    )
    parser.add_argument(
        "--create-memory",
        metavar="NAME",
        help="create (or reuse) a ready memory with the semantic, user preference and "
        "summary strategies and export its id as AGENTCORE_MEMORY_ID",
    )
    parser.add_argument(
        "--extraction-delay",
        type=float,
        default=2.0,
        help="seconds after new events before long-term extraction runs (default 2)",
    )


def export_lines(env: dict[str, str]) -> list[str]:
    """``export NAME=value`` lines, shell-quoted."""
    return [f"export {key}={shlex.quote(value)}" for key, value in env.items()]


def run(args: argparse.Namespace) -> int:
    """Start the stack, print the exports, serve until SIGINT/SIGTERM; 0 on a clean stop."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    stack = LocalStack(
        dynamodb_port=args.dynamodb_port,
        agentcore_port=args.agentcore_port,
        region=args.region,
        persist_path=args.persist,
        extraction_delay=args.extraction_delay,
    )
    try:
        stack.start()
        if args.create_memory:
            stack.create_memory(args.create_memory)
        for line in export_lines(stack.env()):
            print(line)
        print("# local stack running on 127.0.0.1; Ctrl-C to stop", file=sys.stderr)
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("# local stack stopped", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m langgraph_agentcore.local`` (the same as ``langgraph-agentcore local``)."""
    parser = argparse.ArgumentParser(prog="langgraph-agentcore local", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
