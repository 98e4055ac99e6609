"""Catalogue mapping rules shared by the categories and products modules (pure).

The category ref (CT ``key``, fallback the CT ``id``), the CategoryKey shape, the
INACTIVE/ACTIVE statuses, text truncation and the locale rule (configured locale, then
the fallback locales, then a locale with the same language, then the first locale
present in alphabetical order). Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SUMMARY_MAX = 255

INACTIVE = "INACTIVE"

ACTIVE = "ACTIVE"


def localized(value: Any, locales: Sequence[str]) -> str | None:
    """Text of a CT LocalizedString by the locale rule (None when there is none)."""
    if isinstance(value, str):
        return value or None
    if not isinstance(value, Mapping) or not value:
        return None
    for locale in locales:
        text = value.get(locale)
        if isinstance(text, str) and text:
            return text
    present = sorted(k for k, v in value.items() if isinstance(v, str) and v)
    for locale in locales:
        language = locale.split("-")[0].lower()
        for key in present:
            if key.split("-")[0].lower() == language:
                return str(value[key])
    return str(value[present[0]]) if present else None


def truncate(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def category_ref(category: Mapping[str, Any]) -> str:
    """Fluent ref of a CT category: its key, else its id."""
    return str(category.get("key") or category["id"])


def catalogue_key(catalogue: str) -> dict[str, str]:
    return {"ref": catalogue}


def category_key(ref: str, catalogue: str) -> dict[str, Any]:
    """A Fluent ``CategoryKey``."""
    return {"ref": ref, "catalogue": catalogue_key(catalogue)}


def inactive_payload(kind: str, ref: str, catalogue: str) -> dict[str, Any]:
    """A deactivation: update ``status`` to INACTIVE if the entity exists, else nothing."""
    return {
        "kind": kind,
        "ref": ref,
        "catalogue": catalogue_key(catalogue),
        "status": INACTIVE,
        "_only_if_exists": True,
    }
