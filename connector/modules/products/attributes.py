"""Pure conversion of CT attribute values to typed Fluent attributes, and the gtin rule.

Attribute values are looked up by name in an ordered list of sources (a variant's own
attributes before the product-level ones; for the standard product the product-level
ones before the master variant's). Conversion by the configured Fluent type:
STRING/TEXT (text; localized values by the locale rule, enums as label or key, sets
joined with ", "), INTEGER, FLOAT, BOOLEAN (values that do not convert are left out),
JSON (the CT value unchanged).

gtin (mandatory in Fluent, at most 20 characters): the first configured attribute with
a non-empty value of at most 20 characters; else, with ``gtin_fallback: ref``, the
entity's own ref (SKU for a variant, product ref for a standard product) when it fits
in 20 characters; else ``gtin_placeholder`` (default ``NOTAVAILABLE``). Must not do I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connector.catalogue.mapping import localized

from .options import GTIN_MAX, AttributeSpec, ProductOptions
from .prices import money_value


def attribute_values(*sources: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    """Name -> value; the first source holding a name wins."""
    values: dict[str, Any] = {}
    for source in sources:
        for attr in source or []:
            name = attr.get("name")
            if isinstance(name, str) and name not in values and "value" in attr:
                values[name] = attr["value"]
    return values


def _plain(value: Any, use: str, locales: Sequence[str]) -> Any:
    if isinstance(value, list):
        return [_plain(v, use, locales) for v in value]
    if not isinstance(value, Mapping):
        return value
    if "key" in value and "label" in value:  # enum / localized enum
        if use == "key":
            return value["key"]
        label = value["label"]
        return localized(label, locales) if isinstance(label, Mapping) else label
    if "currencyCode" in value and "centAmount" in value:
        return money_value(value)
    if "typeId" in value and "id" in value:  # reference
        return value["id"]
    return localized(value, locales)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def convert(value: Any, spec: AttributeSpec, locales: Sequence[str]) -> Any:
    """The Fluent value of a CT attribute value, or None when it does not convert."""
    if spec.type == "JSON":
        return value
    plain = _plain(value, spec.use, locales)
    if spec.type in ("STRING", "TEXT"):
        if isinstance(plain, list):
            parts = [_text(p) for p in plain]
            return ", ".join(p for p in parts if p) or None
        return _text(plain)
    if isinstance(plain, list):
        return None
    if spec.type == "BOOLEAN":
        if isinstance(plain, bool):
            return plain
        if isinstance(plain, str) and plain.strip().lower() in ("true", "false"):
            return plain.strip().lower() == "true"
        return None
    number = _number(plain)
    if number is None:
        return None
    if spec.type == "INTEGER":
        return int(number) if number.is_integer() else None
    return number


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text or None


def fluent_attributes(
    values: Mapping[str, Any],
    options: ProductOptions,
    images: Sequence[Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    """The configured attributes (and the first image URL) as Fluent AttributeInputs."""
    out: list[dict[str, Any]] = []
    for spec in options.attributes:
        if spec.name not in values:
            continue
        converted = convert(values[spec.name], spec, options.locales)
        if converted is not None:
            out.append(
                {"name": spec.fluent_name, "type": spec.type, "value": converted}
            )
    url = (images or [{}])[0].get("url") if images else None
    if options.image_attribute and isinstance(url, str) and url:
        out.append({"name": options.image_attribute, "type": "STRING", "value": url})
    return out


def gtin(values: Mapping[str, Any], ref: str, options: ProductOptions) -> str:
    """The gtin by the documented rule (attribute, then ref, then placeholder)."""
    for name in options.gtin_attributes:
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue
        text = str(value).strip()
        if text and len(text) <= GTIN_MAX:
            return text
    if options.gtin_fallback == "ref" and len(ref) <= GTIN_MAX:
        return ref
    return options.gtin_placeholder
