"""Errors the twin's backend raises; the HTTP layer turns them into modelled AWS errors.

Each error carries the modelled error code (the shape name in botocore's service model),
so the response layer can look up its HTTP status and boto3 raises the matching class.
"""

from __future__ import annotations

from typing import Any


class TwinError(Exception):
    """A modelled AgentCore error: ``code`` is the error shape name, ``fields`` extra members."""

    code = "ServiceException"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def body(self) -> dict[str, Any]:
        """The JSON error body (``message`` plus any modelled members)."""
        return {"message": self.message, **self.fields}


class ValidationError(TwinError):
    """ValidationException (400) with ``reason`` and optional ``fieldList``."""

    code = "ValidationException"

    def __init__(
        self,
        message: str,
        *,
        reason: str = "FieldValidationFailed",
        field_list: list[dict[str, str]] | None = None,
    ) -> None:
        fields: dict[str, Any] = {"reason": reason}
        if field_list:
            fields["fieldList"] = field_list
        super().__init__(message, **fields)


class NotFoundError(TwinError):
    """ResourceNotFoundException (404): well-formed identifier of nothing that exists."""

    code = "ResourceNotFoundException"


class ConflictError(TwinError):
    """ConflictException (409, control plane)."""

    code = "ConflictException"


class ModelledError(TwinError):
    """Any other modelled error, named explicitly (used by fault injection)."""

    def __init__(self, code: str, message: str, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.code = code
