"""Poll commercetools Messages since the checkpoint and accept them like webhooks.

Window: ``createdAt >= since - overlap`` sorted by ``createdAt asc, id asc`` and paged
with the compound cursor ``createdAt > T or (createdAt = T and id > X)``. Only message
types some route listens to are read. Already-stored ids are duplicates (no effect), so
the overlap costs an index lookup per message, never a second handling.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from connector.clients.commercetools import ct_in, ct_str
from connector.context import Services
from connector.inbound.commercetools import CHANGE_TYPES, inbound_from_notification
from connector.inbound.jsonbody import unstorable
from connector.inbound.pipeline import Rejected, accept
from connector.models import utcnow
from connector.store import checkpoints

log = logging.getLogger(__name__)

MODULE = "ct_messages"
PAGE_SIZE = 500
MAX_PAGES_PER_POLL = 20
LEASE_SECONDS = 300.0


def routed_types(runtime: Services) -> tuple[list[str] | None, list[str]]:
    """(message types, resource type ids) the commercetools routes accept.

    Types None means some route takes every message of its resource types.
    """
    types: set[str] = set()
    resources: set[str] = set()
    open_ended = False
    for route in runtime.registry.routes:
        if route.source != "commercetools":
            continue
        wanted = [t for t in route.types if t not in CHANGE_TYPES]
        if route.types and not wanted:
            continue  # a change-notification-only route: nothing to poll
        if wanted:
            types.update(wanted)
        else:
            open_ended = True
        resources.update(route.resource_types)
    return (None if open_ended else sorted(types)), sorted(resources)


def _where(
    types: list[str] | None,
    resources: list[str],
    since: str | None,
    after: tuple[str, str] | None,
) -> list[str]:
    clauses: list[str] = []
    if types is not None:
        clauses.append(f"type in {ct_in(types)}")
    elif resources:
        clauses.append(f"resource(typeId in {ct_in(resources)})")
    if after is not None:
        at, last_id = after
        clauses.append(
            f"(createdAt > {ct_str(at)} or (createdAt = {ct_str(at)} "
            f"and id > {ct_str(last_id)}))"
        )
    elif since is not None:
        clauses.append(f"createdAt >= {ct_str(since)}")
    return clauses


def poll(runtime: Services, *, overlap_seconds: float = 30.0) -> dict[str, Any]:
    """Read new messages into the store; returns counts."""
    client = runtime.ct()
    scope = f"ct:{client.project_key}"
    owner = f"poller:{id(runtime)}"
    types, resources = routed_types(runtime)
    if types == [] and not resources:
        return {"status": "idle", "reason": "no commercetools routes"}
    checkpoint = checkpoints.acquire(runtime.store, MODULE, scope, owner, LEASE_SECONDS)
    if checkpoint is None:
        return {"status": "skipped", "reason": "another poll is running"}
    counts = {"read": 0, "accepted": 0, "duplicate": 0, "ignored": 0, "invalid": 0}
    try:
        cursor = dict(checkpoint.cursor or {})
        since = cursor.get("since")
        start = None
        if since:
            start = datetime.fromisoformat(since.replace("Z", "+00:00")) - timedelta(
                seconds=overlap_seconds
            )
        lower = (
            start.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            if start
            else None
        )
        after: tuple[str, str] | None = None
        newest = since
        for _ in range(MAX_PAGES_PER_POLL):
            page = client.query(
                "messages",
                where=_where(types, resources, lower, after),
                sort=["createdAt asc", "id asc"],
                limit=PAGE_SIZE,
            )
            results = page["results"]
            for message in results:
                counts["read"] += 1
                try:
                    problem = unstorable(
                        message
                    )  # NUL / lone surrogate: no store holds it
                    if problem:
                        raise Rejected(400, "malformed_body", problem)
                    inbound = inbound_from_notification(
                        {"notificationType": "Message", **message}
                    )
                except Rejected as exc:
                    counts["invalid"] += 1
                    log.warning(
                        "ct.message.invalid",
                        extra={"message_id": message.get("id"), "reason": exc.message},
                    )
                    continue
                answer = accept(runtime, "commercetools", inbound)
                counts[answer.body["status"]] += 1
                newest = max(newest or "", message["createdAt"])
            if len(results) < PAGE_SIZE:
                break
            after = (results[-1]["createdAt"], results[-1]["id"])
        if newest and newest != since:
            cursor["since"] = newest
            cursor["polled_at"] = utcnow().isoformat()
            checkpoints.save(runtime.store, MODULE, scope, owner, cursor, LEASE_SECONDS)
    finally:
        checkpoints.release(runtime.store, MODULE, scope, owner)
    if counts["accepted"]:
        log.info("ct.messages.polled", extra=counts)
    return {"status": "ok", **counts}
