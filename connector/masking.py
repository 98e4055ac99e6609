"""Personal data masked out of message payloads before an operator sees them (ops API,
console): names, emails, phone numbers and addresses.

A key naming personal data (``firstName``, ``customerEmail``, ``primaryPhone``,
``shippingAddress``, ``street`` ...) has every scalar below it masked, keeping the
structure; any other string that looks like an email address is masked too. Masks keep
no characters of the value (a short value is as revealing as a long one).
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
# substrings of a normalised key (lower case, no "_" / "-") that name personal data
PII_PARTS = (
    "firstname",
    "lastname",
    "middlename",
    "fullname",
    "customername",
    "contactname",
    "username",
    "salutation",
    "email",
    "phone",
    "mobile",
    "fax",
    "address",
    "street",
    "postcode",
    "postalcode",
    "zipcode",
    "dateofbirth",
    "birthdate",
)
EMAIL = re.compile(r"[^@\s\"'<>]+@[^@\s\"'<>]+\.[a-zA-Z]{2,}")


def is_personal(key: str) -> bool:
    norm = key.lower().replace("_", "").replace("-", "")
    return any(part in norm for part in PII_PARTS)


def _mask_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_all(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    return MASK


def mask(value: Any) -> Any:
    """A copy of ``value`` with personal data masked."""
    if isinstance(value, dict):
        return {
            k: _mask_all(v) if is_personal(str(k)) else mask(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return EMAIL.sub(MASK, value)
    return value
