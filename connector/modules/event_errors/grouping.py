"""Group Fluent failed events for one summary (pure functions).

Group key: (entity type, rule or event name, message). The entity type is
``context.entityType`` (else ``rootEntityType``); the rule is the ``ruleName``
attribute when Fluent's audit record has one, else the event ``name``; the message is
the ``message`` attribute (else ``exception``), first line, 160 characters.
``attributes`` may be a list of ``{name, value}`` or a mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connector.notify import Notification

MAX_SAMPLES = 3


def attribute(event: Mapping[str, Any], name: str) -> Any:
    attrs = event.get("attributes")
    if isinstance(attrs, Mapping):
        return attrs.get(name)
    if isinstance(attrs, list):
        for item in attrs:
            if isinstance(item, Mapping) and item.get("name") == name:
                return item.get("value")
    return None


def parse_generated_on(text: Any) -> datetime | None:
    """Fluent's ``2025-05-01T10:00:00.000+0000`` (or ISO with Z/offset) -> aware UTC."""
    if not isinstance(text, str) or not text:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    if len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass
class EventGroup:
    entity_type: str
    rule: str
    message: str
    count: int = 0
    refs: list[str] = field(default_factory=list)


def key_of(event: Mapping[str, Any]) -> tuple[str, str, str]:
    context = event.get("context") or {}
    entity = context.get("entityType") or context.get("rootEntityType") or "UNKNOWN"
    rule = attribute(event, "ruleName") or event.get("name") or "(unnamed)"
    message = attribute(event, "message") or attribute(event, "exception") or ""
    first = str(message).strip().splitlines()[0] if str(message).strip() else ""
    return str(entity), str(rule), first[:160] or "(no message)"


def group_events(events: Iterable[Mapping[str, Any]]) -> list[EventGroup]:
    groups: dict[tuple[str, str, str], EventGroup] = {}
    for event in events:
        key = key_of(event)
        item = groups.get(key)
        if item is None:
            item = groups[key] = EventGroup(*key)
        item.count += 1
        context = event.get("context") or {}
        ref = context.get("rootEntityRef") or context.get("entityRef")
        if ref and len(item.refs) < MAX_SAMPLES and str(ref) not in item.refs:
            item.refs.append(str(ref))
    return sorted(
        groups.values(), key=lambda g: (-g.count, g.entity_type, g.rule, g.message)
    )


def build_summary(
    groups: list[EventGroup],
    since: datetime,
    until: datetime,
    *,
    max_groups: int = 25,
) -> Notification:
    total = sum(g.count for g in groups)
    title = (
        f"Fluent: {total} failed event{'s' if total != 1 else ''} between "
        f"{since:%Y-%m-%d %H:%M:%S} and {until:%H:%M:%S} UTC"
    )
    lines = []
    for item in groups[:max_groups]:
        refs = f" (e.g. {', '.join(item.refs)})" if item.refs else ""
        lines.append(
            f"{item.entity_type} · {item.rule} · {item.message} × {item.count}{refs}"
        )
    if len(groups) > max_groups:
        lines.append(f"… and {len(groups) - max_groups} more groups")
    return Notification(title, tuple(lines), "event_errors", total)
