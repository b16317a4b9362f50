"""Run moto's server one request at a time, so no write is lost on loopback.

moto's DynamoDB backend is not thread-safe, and its threaded server runs requests
concurrently. ``Table.items`` is a ``defaultdict`` keyed by partition key whose hashing
runs Python code, so two requests writing the first items of a *new* partition key can
each create that key's dict; the later one replaces the other, and with it the item
already stored there. A saver writes exactly that way: with ``durability="async"`` a
thread's first checkpoint (PutItem) and its input writes (UpdateItem) are in flight
together, and on a fresh table they are the partition's first items. Real DynamoDB has no
such race; serializing moto's request handling removes it from the local engine (moto
holds the GIL while it handles a request anyway, so little concurrency is lost).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


class SerializedApp:
    """A WSGI app wrapper that handles one request at a time, response body included."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return [body]


def serialize_moto(server: Any) -> Any:
    """Make a started moto ``ThreadedMotoServer`` (or a werkzeug server) serial; returns it."""
    inner = getattr(server, "_server", None) or server
    if not isinstance(inner.app, SerializedApp):
        inner.app = SerializedApp(inner.app)
    return server
