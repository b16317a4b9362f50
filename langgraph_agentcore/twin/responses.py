"""REST-JSON routing and (de)serialization for the twin, driven by botocore's service models.

Each served operation's ``http.method`` and ``http.requestUri`` come from the model, so
routes, URI labels, query strings and response codes stay in step with the SDK. The
raw path is split on ``/`` *before* percent-decoding, so identifiers that contain ``/``
or ``:`` (actor ids, memory ARNs) survive. Errors are answered with the modelled HTTP
status, the ``x-amzn-errortype`` header and a ``__type`` body member, which is what
botocore's rest-json parser reads to raise the modelled exception class.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session
from botocore.model import NoShapeFoundError, OperationModel, ServiceModel, Shape

from langgraph_agentcore.twin.errors import ModelledError, TwinError, ValidationError
from langgraph_agentcore.twin.faults import FaultInjector
from langgraph_agentcore.twin.models import MemoryBackend
from langgraph_agentcore.twin.validation import validate

logger = logging.getLogger(__name__)

DATA_PLANE = "bedrock-agentcore"
CONTROL_PLANE = "bedrock-agentcore-control"

#: The operations the twin serves, per service.
SERVED: dict[str, tuple[str, ...]] = {
    DATA_PLANE: (
        "CreateEvent",
        "GetEvent",
        "ListEvents",
        "DeleteEvent",
        "ListActors",
        "ListSessions",
        "RetrieveMemoryRecords",
        "ListMemoryRecords",
        "GetMemoryRecord",
        "DeleteMemoryRecord",
        "BatchCreateMemoryRecords",
        "BatchUpdateMemoryRecords",
        "BatchDeleteMemoryRecords",
        "StartMemoryExtractionJob",
        "ListMemoryExtractionJobs",
    ),
    CONTROL_PLANE: ("CreateMemory", "GetMemory", "ListMemories", "UpdateMemory", "DeleteMemory"),
}

#: HTTP status of error codes a service model does not declare (e.g. fault injection).
_FALLBACK_STATUS = {
    "ThrottledException": 429,
    "ServiceQuotaExceededException": 402,
    "RetryableConflictException": 409,
    "ConflictException": 409,
    "ServiceException": 500,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "UnknownOperationException": 404,
}

_LABEL = re.compile(r"^\{([^}+]+)\+?\}$")


@lru_cache(maxsize=4)
def service_model(service_name: str) -> ServiceModel:
    """botocore's service model for ``service_name`` (cached)."""
    return botocore.session.get_session().get_service_model(service_name)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Route:
    """One operation's method and URI template, split into literal and label segments."""

    service: str
    operation: OperationModel
    method: str
    segments: tuple[str, ...]
    labels: tuple[str | None, ...]

    @property
    def literals(self) -> int:
        return sum(1 for label in self.labels if label is None)

    def match(self, method: str, segments: list[str]) -> dict[str, str] | None:
        """The URI label values if ``segments`` (decoded) fit this route, else None."""
        if method != self.method or len(segments) != len(self.segments):
            return None
        found: dict[str, str] = {}
        for seg, lit, label in zip(segments, self.segments, self.labels, strict=True):
            if label is None:
                if seg != lit:
                    return None
            elif not seg:
                return None
            else:
                found[label] = seg
        return found


@lru_cache(maxsize=1)
def routes() -> tuple[Route, ...]:
    """All routes of the served operations, most specific (most literal segments) first."""
    out = []
    for service, ops in SERVED.items():
        model = service_model(service)
        for name in ops:
            op = model.operation_model(name)
            template = op.http["requestUri"].split("?", 1)[0]
            parts = template.split("/")[1:]
            labels = []
            for part in parts:
                m = _LABEL.match(part)
                labels.append(m.group(1) if m else None)
            out.append(Route(service, op, op.http["method"], tuple(parts), tuple(labels)))
    out.sort(key=lambda r: -r.literals)
    return tuple(out)


@dataclass
class Reply:
    """An HTTP answer: status, headers and JSON body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


def _convert(shape: Shape, raw: str) -> Any:
    """Turn a URI label / query / header string into the member's wire type."""
    if shape.type_name in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return raw
    if shape.type_name == "boolean":
        return raw.lower() == "true" if raw.lower() in ("true", "false") else raw
    if shape.type_name in ("float", "double"):
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


class Dispatcher:
    """Decodes a REST-JSON request, validates it, calls the backend, encodes the answer."""

    def __init__(self, backend: MemoryBackend, faults: FaultInjector) -> None:
        self.backend = backend
        self.faults = faults

    def route(self, method: str, path: str, service: str | None) -> tuple[Route, dict[str, str]]:
        """Find the operation for ``method path`` (optionally within one service)."""
        raw_segments = path.split("/")[1:]
        segments = [unquote(s) for s in raw_segments]
        candidates = [r for r in routes() if service is None or r.service == service]
        for route in candidates:
            labels = route.match(method.upper(), segments)
            if labels is not None:
                return route, labels
        raise ModelledError(
            "UnknownOperationException", f"No AgentCore Memory operation for {method} {path}"
        )

    def decode(
        self,
        route: Route,
        labels: Mapping[str, str],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        """Build the operation's input members (wire form) from the HTTP request parts."""
        shape = route.operation.input_shape
        params: dict[str, Any] = {}
        if body.strip():
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise ValidationError(
                    "Request body is not valid JSON", reason="CannotParse"
                ) from exc
            if not isinstance(decoded, dict):
                raise ValidationError("Request body must be a JSON object", reason="CannotParse")
            params.update(decoded)
        if shape is None:
            return params
        qs = parse_qs(query, keep_blank_values=True)
        lowered = {k.lower(): v for k, v in headers.items()}
        for name, member in shape.members.items():
            loc = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if loc == "uri" and wire in labels:
                params[name] = _convert(member, labels[wire])
            elif loc == "querystring" and wire in qs:
                values = qs[wire]
                params[name] = (
                    [_convert(member.member, v) for v in values]
                    if member.type_name == "list"
                    else _convert(member, values[0])
                )
            elif loc == "header" and wire.lower() in lowered:
                params[name] = _convert(member, lowered[wire.lower()])
        return params

    def handle(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        service: str | None = None,
    ) -> Reply:
        """Answer one HTTP request (never raises: errors become modelled error replies)."""
        parts = urlsplit(url)
        operation = "?"
        owner = service or DATA_PLANE
        try:
            route, labels = self.route(method, parts.path or "/", service)
            operation, owner = route.operation.name, route.service
            self.faults.check(operation)
            params = self.decode(route, labels, parts.query, headers, body)
            validate(route.operation.input_shape, params)
            logger.debug("%s %s", owner, operation)
            result = getattr(self.backend, _snake(operation))(params)
            status = int(route.operation.http.get("responseCode", 200))
            return self._reply(status, result)
        except TwinError as err:
            return self._error(owner, err)
        except Exception as exc:  # noqa: BLE001 - a bug must still answer like AWS would
            logger.exception("twin failed on %s", operation)
            return self._error(owner, ModelledError("ServiceException", f"Internal error: {exc}"))

    @staticmethod
    def _reply(status: int, result: Any) -> Reply:
        body = json.dumps(result, separators=(",", ":")).encode()
        return Reply(
            status,
            {
                "Content-Type": "application/json",
                "x-amzn-RequestId": str(uuid.uuid4()),
                "Content-Length": str(len(body)),
            },
            body,
        )

    @staticmethod
    def _error(service: str, err: TwinError) -> Reply:
        try:
            meta = service_model(service).shape_for(err.code).metadata.get("error", {})
            status = int(meta.get("httpStatusCode", 400))
        except NoShapeFoundError:
            status = _FALLBACK_STATUS.get(err.code, 400)
        payload = {"__type": err.code, **err.body()}
        body = json.dumps(payload).encode()
        return Reply(
            status,
            {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": err.code,
                "x-amzn-RequestId": str(uuid.uuid4()),
                "Content-Length": str(len(body)),
            },
            body,
        )
