"""``langgraph-agentcore local``: DynamoDB (moto) and the AgentCore Memory twin on loopback.

The command prints ``export`` lines (endpoints, dummy credentials, region and, with
``--create-memory``, the memory id) so unmodified AWS code pointed at them works, then
serves until Ctrl-C or SIGTERM. :class:`LocalStack` is the reusable part (the ``demo``
command and tests start the same stack in-process).

Both servers are quiet: each request is logged at DEBUG (``langgraph_agentcore.local``
for DynamoDB, the twin's logger for AgentCore), never printed. With ``persist_path``
both keep their state across restarts: the twin in that file (written on every change),
DynamoDB in ``{stem}.dynamodb.json`` beside it (tables, TTL settings and items, written
shortly after each change and on stop, restored on start).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType, TracebackType
from typing import Any

from langgraph_agentcore.table import Call, Plan, TableIO, batch_write_plan
from langgraph_agentcore.twin import MemoryTwin, TwinServer

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

#: DynamoDB operations that change nothing (any other request marks the state dirty).
_READ_OPS = ("Get", "BatchGet", "Query", "Scan", "Describe", "List", "TransactGet")
#: Format version of the DynamoDB snapshot file.
SNAPSHOT_VERSION = 1


def dynamodb_persist_path(persist_path: str) -> str:
    """Where DynamoDB's snapshot goes for a ``--persist`` file: ``{stem}.dynamodb.json``."""
    stem, _ = os.path.splitext(persist_path)
    return f"{stem}.dynamodb.json"


class MotoDynamoDB:
    """moto's server on a werkzeug thread whose request log goes to DEBUG, not stderr.

    moto's ``ThreadedMotoServer`` uses werkzeug's request handler, which prints a
    (coloured) access-log line per request through the ``werkzeug`` logger, adding its
    own stderr handler when none is configured. This handler logs to our logger instead,
    and tells ``on_write`` about every request that may change state.
    """

    def __init__(self, host: str, port: int, on_write: Any = None) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        class QuietHandler(MotoRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                target = self.headers.get("X-Amz-Target", "")
                op = target.rsplit(".", 1)[-1]
                logger.debug("dynamodb %s %s -> %s", self.requestline, op or "-", code)
                if on_write is not None and op and not op.startswith(_READ_OPS):
                    on_write()

        from langgraph_agentcore.wsgi import SerializedApp

        # One request at a time: moto loses concurrent first writes to a new partition.
        app = SerializedApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-dynamodb", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def get_host_and_port(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def _av_to_json(value: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB attribute value as JSON (binary as base64)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(bytes(inner)).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(bytes(b)).decode() for b in inner]}
    if kind == "M":
        return {"M": {k: _av_to_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_av_to_json(v) for v in inner]}
    return {kind: inner}


def _av_from_json(value: dict[str, Any]) -> dict[str, Any]:
    """Invert :func:`_av_to_json`."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _av_from_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_av_from_json(v) for v in inner]}
    return {kind: inner}


def snapshot_plan() -> Plan[dict[str, Any]]:
    """Every table of the endpoint: key schema, indexes, TTL attribute and items."""
    names: list[str] = []
    start = None
    while True:
        resp = yield Call("ListTables", {"ExclusiveStartTableName": start} if start else {})
        names += resp.get("TableNames", [])
        start = resp.get("LastEvaluatedTableName")
        if not start:
            break
    tables = []
    for name in names:
        desc = (yield Call("DescribeTable", {"TableName": name}))["Table"]
        ttl = (yield Call("DescribeTimeToLive", {"TableName": name})).get(
            "TimeToLiveDescription", {}
        )
        items: list[dict[str, Any]] = []
        scan_start = None
        while True:
            params: dict[str, Any] = {"TableName": name}
            if scan_start:
                params["ExclusiveStartKey"] = scan_start
            page = yield Call("Scan", params)
            items += [{k: _av_to_json(v) for k, v in it.items()} for it in page.get("Items", [])]
            scan_start = page.get("LastEvaluatedKey")
            if not scan_start:
                break
        table: dict[str, Any] = {
            "TableName": name,
            "KeySchema": desc["KeySchema"],
            "AttributeDefinitions": desc["AttributeDefinitions"],
            "TimeToLive": ttl.get("AttributeName")
            if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
            else None,
            "Items": items,
        }
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if desc.get(kind):
                table[kind] = [
                    {k: ix[k] for k in ("IndexName", "KeySchema", "Projection")}
                    for ix in desc[kind]
                ]
        tables.append(table)
    return {"version": SNAPSHOT_VERSION, "tables": tables}


def restore_plan(snapshot: dict[str, Any]) -> Plan[int]:
    """Create the snapshot's missing tables (on demand) and put their items; returns how many.

    Tables that already exist are left as they are (a restart within one process keeps
    moto's state, which is at least as new as the snapshot).
    """
    existing: set[str] = set()
    start = None
    while True:
        resp = yield Call("ListTables", {"ExclusiveStartTableName": start} if start else {})
        existing |= set(resp.get("TableNames", []))
        start = resp.get("LastEvaluatedTableName")
        if not start:
            break
    restored = 0
    for table in snapshot.get("tables", []):
        name = table["TableName"]
        if name in existing:
            continue
        params: dict[str, Any] = {
            "TableName": name,
            "KeySchema": table["KeySchema"],
            "AttributeDefinitions": table["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if table.get(kind):
                params[kind] = table[kind]
        yield Call("CreateTable", params)
        if table.get("TimeToLive"):
            yield Call(
                "UpdateTimeToLive",
                {
                    "TableName": name,
                    "TimeToLiveSpecification": {
                        "Enabled": True,
                        "AttributeName": table["TimeToLive"],
                    },
                },
            )
        puts = [
            {"PutRequest": {"Item": {k: _av_from_json(v) for k, v in it.items()}}}
            for it in table.get("Items", [])
        ]
        yield from batch_write_plan(name, puts)
        restored += 1
    return restored


class LocalStack:
    """DynamoDB (moto's threaded server) and the AgentCore Memory twin on 127.0.0.1.

    Ports default to 0 (ephemeral); read the chosen ones from :attr:`dynamodb_endpoint`
    and :attr:`agentcore_endpoint` or from :meth:`env`. Use as a context manager.

    ``persist_path`` keeps both services' state across restarts: the twin's in that file,
    DynamoDB's in :func:`dynamodb_persist_path` (saved ``persist_interval`` seconds after
    a change, and on :meth:`stop`; restored by :meth:`start`).
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
        persist_interval: float = 1.0,
        **twin_kwargs: Any,
    ) -> None:
        self.region = region
        if persist_path:  # a new directory is fine: both state files go there
            os.makedirs(os.path.dirname(os.path.abspath(persist_path)), exist_ok=True)
        self.dynamodb_persist_path = (
            dynamodb_persist_path(os.fspath(persist_path))
            if persist_path and with_dynamodb
            else None
        )
        self.persist_interval = persist_interval
        self._dirty = threading.Event()
        self._saving = threading.Lock()
        self._stop_saver = threading.Event()
        self._saver: threading.Thread | None = None
        self._table_io: TableIO | None = None
        self._io_lock = threading.Lock()
        self._dynamodb_port = dynamodb_port
        self._agentcore_port = agentcore_port
        self._with_dynamodb = with_dynamodb
        self.twin = MemoryTwin(
            region=region,
            persist_path=persist_path,
            extraction_delay=extraction_delay,
            **twin_kwargs,
        )
        self._moto: MotoDynamoDB | None = None
        self._server: TwinServer | None = None
        self.memory_id: str | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> LocalStack:
        """Start both servers (DynamoDB first, so a failure leaves nothing running)."""
        if self._with_dynamodb and self._moto is None:
            try:
                self._moto = MotoDynamoDB(LOOPBACK, self._dynamodb_port, self._dirty.set)
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise RuntimeError(
                    "the local stack needs moto's server: pip install 'langgraph-agentcore[local]'"
                ) from exc
            self._moto.start()
            if self.dynamodb_persist_path:
                self._restore()
                self._dirty.clear()
                self._stop_saver.clear()
                self._saver = threading.Thread(
                    target=self._save_loop, name="local-dynamodb-persist", daemon=True
                )
                self._saver.start()
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
            if self._saver is not None:
                self._stop_saver.set()
                self._saver.join()
                self._saver = None
            if self.dynamodb_persist_path:
                self.save()
            if self._table_io is not None:
                self._table_io.close()
                self._table_io = None
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

    # ------------------------------------------------------------ DynamoDB persistence

    def _io(self) -> TableIO:
        """A client of our DynamoDB endpoint for snapshots (built once: clients are slow)."""
        with self._io_lock:
            if self._table_io is None:
                self._table_io = self._new_io()
            return self._table_io

    def _new_io(self) -> TableIO:
        import boto3

        session = boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        )
        return TableIO(
            "(local stack)",
            session=session,
            region_name=self.region,
            endpoint_url=self.dynamodb_endpoint,
        )

    def save(self) -> None:
        """Write DynamoDB's tables and items to :attr:`dynamodb_persist_path` (atomically)."""
        path = self.dynamodb_persist_path
        if not path or self._moto is None:
            return
        with self._saving:
            self._dirty.clear()
            snapshot = self._io().run(snapshot_plan())
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
            tmp = f"{path}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(snapshot, fh)
            os.replace(tmp, path)
        logger.debug("persisted %d DynamoDB tables to %s", len(snapshot["tables"]), path)

    def _restore(self) -> None:
        path = self.dynamodb_persist_path
        if not path or not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as fh:
            snapshot = json.load(fh)
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(
                f"{path}: unknown DynamoDB snapshot version {snapshot.get('version')!r}"
            )
        count = self._io().run(restore_plan(snapshot))
        logger.debug("restored %d DynamoDB tables from %s", count, path)

    def _save_loop(self) -> None:
        self._io()  # build the client now, off the request path, so saves are quick
        while not self._stop_saver.is_set():
            if self._dirty.wait(0.2) and not self._stop_saver.wait(self.persist_interval):
                try:
                    self.save()
                except Exception:  # noqa: BLE001 - keep serving; stop() saves again
                    logger.exception("could not persist DynamoDB state")

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
        "--persist",
        metavar="FILE",
        help="keep all state across runs: the twin's in FILE, DynamoDB's (tables and items) "
        "in FILE's stem + .dynamodb.json",
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
    if getattr(args, "verbose", False):
        # --verbose is for the requests the servers answer; the stack's own snapshot
        # client would otherwise add botocore's internals for every save.
        for name in ("botocore", "urllib3"):
            logging.getLogger(name).setLevel(logging.INFO)
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
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
