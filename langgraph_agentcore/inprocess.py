"""Wire botocore and aiobotocore clients to an in-process HTTP handler (no sockets).

botocore emits ``before-send`` just before it would open a connection; a handler that
returns a response short-circuits the network. moto's ``mock_aws`` and the AgentCore
Memory twin both answer that way. aiobotocore awaits ``response.content``, which a plain
botocore ``AWSResponse`` cannot satisfy, so async clients get a thin awaitable wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

#: A synchronous in-process responder: gets the prepared request, returns a response or None.
Responder = Callable[..., "AWSResponse | None"]


class _AsyncBody:
    """The minimal async ``raw`` body aiobotocore reads from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self, *_: Any) -> bytes:
        return self._data

    def release(self) -> None:
        """aiobotocore may release the connection; nothing to do in-process."""


def to_async_response(response: AWSResponse) -> AWSResponse:
    """Re-wrap a finished botocore response so aiobotocore can await its body."""
    from aiobotocore.awsrequest import AioAWSResponse

    body = response.content if response.content is not None else b""
    return AioAWSResponse(
        response.url, response.status_code, dict(response.headers), _AsyncBody(body)
    )


def is_async_client(client: Any) -> bool:
    """True for aiobotocore clients (their ``_make_api_call`` is a coroutine function)."""
    import inspect

    return inspect.iscoroutinefunction(getattr(client, "_make_api_call", None))


def attach_responder(client: Any, responder: Responder) -> None:
    """Route every request of ``client`` (sync or async) to ``responder``, first.

    The responder is called as ``responder(request=..., event_name=...)``; returning
    ``None`` lets the request continue to the next handler (or the network). botocore
    runs *every* ``before-send`` handler, so when moto's ``mock_aws`` is active its stub
    is taken off this client: otherwise it would answer the same request again.
    """
    import sys

    if "moto.core.models" in sys.modules:
        from moto.core.models import botocore_stubber

        client.meta.events.unregister("before-send", botocore_stubber)
    if is_async_client(client):

        def handler(request: AWSPreparedRequest, event_name: str = "", **_: Any) -> Any:
            response = responder(request=request, event_name=event_name)
            return None if response is None else to_async_response(response)

        client.meta.events.register_first("before-send", handler)
    else:
        client.meta.events.register_first("before-send", responder)


def attach_moto(client: Any) -> Any:
    """Make ``client`` (sync or async) answer from moto's in-process backends.

    Use inside ``moto.mock_aws()``. For aiobotocore clients this swaps moto's own
    ``before-send`` stub for one whose response aiobotocore can await. Returns the client.
    """
    from moto.core.models import botocore_stubber

    if is_async_client(client):
        attach_responder(client, botocore_stubber)
    return client


class _AttachingClientContext:
    """An aiobotocore client context that wires the client in-process on entry."""

    def __init__(self, inner: Any, wire: Callable[[Any], Any]) -> None:
        self._inner = inner
        self._wire = wire

    async def __aenter__(self) -> Any:
        client = await self._inner.__aenter__()
        self._wire(client)
        return client

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._inner.__aexit__(*exc)


def async_client_factory(
    service_name: str, wire: Callable[[Any], Any] = attach_moto, **client_kwargs: Any
) -> Callable[[], Any]:
    """A factory of aiobotocore client contexts whose clients answer in-process.

    Pass it as ``async_client_factory=`` to a saver or store: each event loop then gets
    a client created by aiobotocore and wired by ``wire`` (default: moto's backends).
    """

    def factory() -> Any:
        from aiobotocore.session import get_session

        return _AttachingClientContext(
            get_session().create_client(service_name, **client_kwargs), wire
        )

    return factory
