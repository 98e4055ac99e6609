"""commercetools error bodies and the exception the sandbox raises to answer with one.

Owns the shape of every non-2xx body (reference §3): ``{"statusCode", "message",
"errors": [{"code", "message", ...code-specific fields}]}``. Handlers raise ``CtError``;
the app turns it into a response. Nothing here knows about resources.
"""

from __future__ import annotations

from typing import Any

# CT's codes for injected faults, by status (used for the shared fault-injection body).
_FAULT_CODES = {
    429: "TooManyRequests",
    500: "General",
    502: "General",
    503: "OverCapacity",
    504: "General",
}


class CtError(Exception):
    """An API error answered as a CT error body with ``status``."""

    def __init__(self, status: int, code: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status = status
        self.errors: list[dict[str, Any]] = [
            {"code": code, "message": message, **fields}
        ]
        self.headers: dict[str, str] = {}
        self.oauth_error: str | None = None

    @property
    def message(self) -> str:
        return str(self.errors[0]["message"])

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "statusCode": self.status,
            "message": self.message,
            "errors": self.errors,
        }
        if self.oauth_error is not None:
            body["error"] = self.oauth_error
            body["error_description"] = self.message
        return body


def error_body(status: int, message: str) -> dict[str, Any]:
    """Error body for faults injected by the shared instrumentation."""
    code = _FAULT_CODES.get(status, "General")
    return {
        "statusCode": status,
        "message": message,
        "errors": [{"code": code, "message": message}],
    }


def not_found(ident: str, by: str = "ID") -> CtError:
    msg = f"The Resource with {by} '{ident}' was not found."
    return CtError(404, "ResourceNotFound", msg)


def invalid_input(message: str) -> CtError:
    return CtError(400, "InvalidInput", message)


def invalid_operation(message: str, **fields: Any) -> CtError:
    return CtError(400, "InvalidOperation", message, **fields)


def invalid_json(detail: str) -> CtError:
    """CT answers structural problems (missing/ill-typed values, bad enums) this way."""
    msg = "Request body does not contain valid JSON."
    return CtError(400, "InvalidJsonInput", msg, detailedErrorMessage=detail)


def invalid_field(
    field: str, value: Any, allowed: list[Any] | None = None, message: str | None = None
) -> CtError:
    fields: dict[str, Any] = {"field": field, "invalidValue": value}
    if allowed is not None:
        fields["allowedValues"] = allowed
    msg = message or f"The value {value!r} is not valid for field '{field}'."
    return CtError(400, "InvalidField", msg, **fields)


def required_field(field: str, message: str | None = None) -> CtError:
    msg = message or f"A value is required for field '{field}'."
    return CtError(400, "RequiredField", msg, field=field)


def duplicate_field(field: str, value: Any, message: str | None = None) -> CtError:
    msg = message or f"A duplicate value '\"{value}\"' exists for field '{field}'."
    return CtError(400, "DuplicateField", msg, field=field, duplicateValue=value)


def referenced_not_found(type_id: str, ident: dict[str, Any]) -> CtError:
    which = {k: ident[k] for k in ("id", "key") if k in ident}
    label = ", ".join(f"{k} '{v}'" for k, v in which.items()) or "no id or key"
    msg = (
        f"The referenced object of type '{type_id}' with {label} was not found. It either "
        "doesn't exist, or it can't be accessed from this endpoint."
    )
    return CtError(400, "ReferencedResourceNotFound", msg, typeId=type_id, **which)


def concurrent_modification(res_id: str, expected: int, actual: int) -> CtError:
    msg = (
        f"Object {res_id} has a different version than expected. "
        f"Expected: {expected} - Actual: {actual}."
    )
    return CtError(409, "ConcurrentModification", msg, currentVersion=actual)


def oauth_error(status: int, code: str, message: str) -> CtError:
    """Errors of the auth endpoint and of bearer checks carry OAuth's ``error`` too."""
    err = CtError(status, code, message)
    err.oauth_error = code
    return err
