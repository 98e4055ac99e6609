"""The fulfilment handler (stage 2): Fluent fulfilments -> CT line item progress.

Reads the order with its items and fulfilments from Fluent, matches order items to CT
line items and writes, in one versioned update, only what differs: custom fields
(``mode: custom_fields``, default; named by the field profile, connector.ct_fields; the
fluent profile also reads the fulfilment locations' names), line item state transitions
(``mode: states``) or both. A line whose custom fields already show a newer fulfilment read is left alone.
It must not change order states or deliveries.
"""

from __future__ import annotations

import logging
from typing import Any

from connector.context import HandlerContext
from connector.ct_fields import FieldProfile, profile_of
from connector.fluent_orders.ct_orders import (
    custom_type_id,
    match_line_items,
)
from connector.fluent_orders.ct_types import (
    CtSetup,
    ct_setup,
    field_def,
    type_draft,
)
from connector.fluent_orders.fetch import location_names
from connector.fluent_orders.pair import CtOrderHandle, with_order
from connector.modules.fulfilments.mapping import (
    FIELD_NAMES,
    FIELDS,
    LineProgress,
    custom_field_actions,
    is_stale,
    line_progress,
    state_transitions,
)
from connector.modules.fulfilments.options import FulfilmentOptions

log = logging.getLogger(__name__)

MODULE = "fulfilments"
INITIAL_STATE_KEY = "Initial"


def line_item_type_draft(key: str) -> dict[str, Any]:
    return type_draft(
        key,
        "Fluent fulfilment progress",
        ["line-item"],
        [field_def(name, kind, label) for name, kind, label in FIELDS],
    )


def fluent_line_item_type_draft(profile: FieldProfile, key: str) -> dict[str, Any]:
    """The Fluent profile's type: one JSON field with the per-fulfilment metadata."""
    return type_draft(
        key,
        profile.label("line_item_type"),
        ["line-item"],
        [
            field_def(
                profile.key("fulfilment_metadata"),
                "String",
                profile.label("fulfilment_metadata"),
            )
        ],
    )


def handle(ctx: HandlerContext) -> dict[str, Any]:
    runtime = ctx.services
    setup = ct_setup(runtime.caches)
    options = FulfilmentOptions.from_section(
        runtime.config.options(MODULE), ctx.route.options
    )
    mode = options.mode
    ct = runtime.ct()
    profile = profile_of(runtime.config)
    type_id = None
    metadata_field = profile.key("fulfilment_metadata") if profile.fluent else None
    if mode in ("custom_fields", "both"):
        type_key = options.line_item_type_key or profile.key("line_item_type")
        draft = (
            fluent_line_item_type_draft(profile, type_key)
            if metadata_field
            else line_item_type_draft(type_key)
        )
        type_id = setup.ensure_type(ct, draft).id
    state_ids: dict[str, str] = {}
    if mode in ("states", "both"):
        states = options.states
        state_ids = {
            role: setup.ensure_state(ct, str(states[role]))
            for role in ("filled", "rejected")
        }
        state_ids["initial"] = setup.ensure_state(ct, INITIAL_STATE_KEY)

    def work(order: dict[str, Any], handle: CtOrderHandle) -> dict[str, Any]:
        ct_order = handle.body
        report: dict[str, Any] = {}
        names: dict[str, str] = {}
        if type_id is not None and metadata_field:
            # every fulfilment's location (the matched lines use some of them),
            # remembered for minutes: rarely a Fluent call
            names = location_names(
                runtime.fluent(),
                [
                    str(f["fromLocationRef"])
                    for f in order["fulfilments"]
                    if f["fromLocationRef"]
                ],
                cache=runtime.caches.get("fluent_orders.location_names", dict),
            )
        match = match_line_items(ct_order, order["items"])
        progress = line_progress(order, match)

        def build(current: dict[str, Any]) -> list[dict[str, Any]]:
            actions: list[dict[str, Any]] = []
            report.update(skipped=[], stale=[])
            for line in current.get("lineItems") or []:
                found = progress.get(line["id"])
                if found is None:
                    continue
                if is_stale(line, found, metadata_field):
                    report["stale"].append(line["id"])
                    continue
                if type_id is not None:
                    if metadata_field:
                        wanted = {metadata_field: found.metadata(names)}
                    else:
                        wanted = found.fields()
                    line_actions = _custom_actions(
                        ct, setup, line, found, type_id, wanted
                    )
                    if line_actions is None:
                        report["skipped"].append(line["id"])
                        continue
                    actions += line_actions
                if state_ids:
                    actions += state_transitions(
                        line,
                        {
                            state_ids["filled"]: found.filled,
                            state_ids["rejected"]: found.rejected,
                        },
                        state_ids["initial"],
                    )
            return actions

        updated, applied = handle.update(build, setup)
        return {
            "fluentOrder": order["ref"],
            "ctOrder": ct_order["id"],
            "mode": mode,
            "lines": len(progress),
            "unmatchedItems": len(order["items"]) - len(match),
            "actions": [a["action"] for a in applied],
            "skippedLines": report.get("skipped", []),
            "staleLines": report.get("stale", []),
            "version": updated.get("version"),
        }

    result = with_order(runtime, ctx.message, work, fulfilments=True)
    if result["skippedLines"]:
        log.warning(
            "fulfilments.line_item.foreign_type",
            extra={"ct_order": result["ctOrder"], "lines": len(result["skippedLines"])},
        )
    return result


def _custom_actions(
    ct: Any,
    setup: CtSetup,
    line: dict[str, Any],
    progress: LineProgress,
    type_id: str,
    wanted: dict[str, Any],
) -> list[dict[str, Any]] | None:
    other = custom_type_id(line)
    other_fields = None
    if other and other != type_id:
        found = setup.type_by_id(ct, other)
        other_fields = found.fields if found else None
    names = FIELD_NAMES if set(wanted) <= FIELD_NAMES else frozenset(wanted)
    return custom_field_actions(line, progress, type_id, other_fields, wanted, names)
