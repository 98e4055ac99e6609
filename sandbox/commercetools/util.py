"""Small helpers shared by the commercetools sandbox: timestamps, ids, money, draft checks.

Everything here is pure (no store access). Draft checks raise ``CtError`` with the codes the
real API uses for structural problems (``InvalidJsonInput`` with a detailed message).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from .errors import CtError, invalid_json

_DATETIME_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
)


def now_iso() -> str:
    """Current UTC time as CT prints it: ISO 8601 with milliseconds and ``Z``."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def new_id() -> str:
    return str(uuid.uuid4())


def normalize_datetime(value: str) -> str | None:
    """Return ``value`` in canonical ``YYYY-MM-DDTHH:MM:SS.mmmZ`` form, or None if not one."""
    match = _DATETIME_RE.match(value)
    if match is None:
        return None
    date, time_part, frac, zone = match.groups()
    if len(time_part) == 5:
        time_part += ":00"
    if zone in (None, "Z", "+00:00", "+0000", "-00:00"):
        ms = (frac or ".000")[1:4].ljust(3, "0")
        return f"{date}T{time_part}.{ms}Z"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    utc = parsed.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def require_datetime(value: Any, path: str) -> str:
    if not isinstance(value, str) or (norm := normalize_datetime(value)) is None:
        raise invalid_json(f"{path}: Invalid date time '{value}'.")
    return norm


def require(
    obj: dict[str, Any], name: str, kind: type | tuple[type, ...], path: str = ""
) -> Any:
    """Return ``obj[name]``, raising InvalidJsonInput when missing or of the wrong JSON type."""
    where = f"{path}{name}"
    if name not in obj or obj[name] is None:
        raise invalid_json(f"{where}: Missing required value")
    return check_type(obj[name], kind, where)


def optional(
    obj: dict[str, Any], name: str, kind: type | tuple[type, ...], path: str = ""
) -> Any:
    value = obj.get(name)
    if value is None:
        return None
    return check_type(value, kind, f"{path}{name}")


def check_type(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise invalid_json(f"{where}: JSON {_json_name(value)} cannot be used here.")
    if not isinstance(value, kinds):
        raise invalid_json(f"{where}: JSON {_json_name(value)} cannot be used here.")
    return value


def _json_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def require_enum(
    obj: dict[str, Any],
    name: str,
    allowed: tuple[str, ...],
    path: str = "",
    required: bool = True,
) -> str | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    value = require(obj, name, str, path)
    if value not in allowed:
        raise invalid_json(
            f"{path}{name}: Invalid enum value '{value}'. "
            f"Allowed values: {', '.join(allowed)}."
        )
    return str(value)


def localized(value: Any, where: str, required: bool = True) -> dict[str, str] | None:
    """Validate a LocalizedString (object of locale -> string)."""
    if value is None:
        if required:
            raise invalid_json(f"{where}: Missing required value")
        return None
    check_type(value, dict, where)
    for locale, text in value.items():
        check_type(text, str, f"{where} -> {locale}")
    return dict(value)


def money(value: Any, where: str) -> dict[str, Any]:
    """Normalise a Money draft to CT's CentPrecisionMoney."""
    check_type(value, dict, where)
    currency = require(value, "currencyCode", str, f"{where} -> ")
    cents = require(value, "centAmount", int, f"{where} -> ")
    digits = value.get("fractionDigits", 2)
    check_type(digits, int, f"{where} -> fractionDigits")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise CtError(
            400,
            "InvalidField",
            f"The value '{currency}' is not valid for field 'currencyCode'.",
            field="currencyCode",
            invalidValue=currency,
        )
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": digits,
    }


def resource_identifier(value: Any, type_id: str, where: str) -> dict[str, Any]:
    """Validate a ResourceIdentifier (``{typeId?, id | key}``) pointing at ``type_id``."""
    check_type(value, dict, where)
    if value.get("typeId", type_id) != type_id:
        raise invalid_json(f"{where} -> typeId: expected '{type_id}'")
    if not isinstance(value.get("id"), str) and not isinstance(value.get("key"), str):
        raise CtError(
            400,
            "InvalidJsonInput",
            "Request body does not contain valid JSON.",
            detailedErrorMessage=f"{where}: Either 'id' or 'key' must be set.",
        )
    return value


def ref(type_id: str, res_id: str) -> dict[str, str]:
    return {"typeId": type_id, "id": res_id}


def address(value: Any, where: str) -> dict[str, Any]:
    """Validate an address draft: ``country`` (ISO 3166-1 alpha-2) is required."""
    check_type(value, dict, where)
    country = require(value, "country", str, f"{where} -> ")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise CtError(
            400,
            "InvalidField",
            f"The value '{country}' is not valid for field 'country'.",
            field="country",
            invalidValue=country,
        )
    for name, field_value in value.items():
        if name != "custom" and field_value is not None:
            check_type(field_value, str, f"{where} -> {name}")
    return dict(value)
