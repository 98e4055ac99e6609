"""``GET /api/v1/availability``: available-to-promise for storefronts (API token).

Only HTTP here: parse and validate the query (400 naming the parameter), ask the
availability service (cache, then one bounded Fluent call) and turn its outcomes into
status codes: Fluent down/slow -> 503 + Retry-After, Fluent refusing -> 502, module
disabled -> 404, Fluent not configured -> 503. The only endpoint that calls out during a
request, by nature (a synchronous storefront API); the service bounds it in time.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from connector.api.auth import require_token
from connector.api.docs import ERROR, INVALID, UNAVAILABLE, documented, json_response
from connector.errors import ConfigError
from connector.fluent_connect.effective import refresh
from connector.modules.availability.mapping import UnknownLocation
from connector.modules.availability.schemas import QuerySchema, load_query
from connector.modules.availability.service import (
    AvailabilityService,
    FluentFailed,
    FluentUnavailable,
)
from connector.runtime import Runtime

MODULE = "availability"
bp = Blueprint("availability", __name__)


def service() -> AvailabilityService:
    return current_app.extensions["availability"]  # type: ignore[no-any-return]


def invalid(messages: Any) -> ResponseReturnValue:
    """400 naming each bad parameter: ``parameters`` maps name -> messages."""
    if not isinstance(messages, dict):
        messages = {"_": messages}
    parameters = {
        str(name): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
        if not isinstance(msgs, dict)
        else [f"entry {int(k) + 1}: {' '.join(map(str, v))}" for k, v in msgs.items()]
        for name, msgs in messages.items()
    }
    text = "; ".join(f"{k}: {' '.join(v)}" for k, v in parameters.items())
    return jsonify(error="invalid_parameter", message=text, parameters=parameters), 400


DESCRIPTION = """For storefronts (product page, checkout). Items are given as repeated `sku`
(with one `quantity` for all, or one per `sku` in the same order) and/or as
`items=SKU:QTY,SKU:QTY` (quantity defaults to 1; the last `:` splits it off, so use `sku=`
for SKUs containing commas); at least one SKU is needed. The same SKU twice is merged
(quantities summed). `lat` and `lon` go together; `order_type` only with `mode=options`.

`mode=stock` (default) answers the overall quantity of each SKU (sum of the ACTIVE
positions of `FLUENT_VIRTUAL_CATALOGUE_REF`) and the quantity per location, nearest first
with distance in km when `lat`/`lon` are given. `location` restricts the list to those
pickup locations. `mode=options` asks Fluent for fulfilment plans with ETA; `order_type`
defaults to CC with a `location`, HD otherwise.

Answers are cached for a few seconds (`modules.availability.cache_ttl_seconds`);
`X-Cache` and `cached` say whether this one came from the cache. If Fluent is down,
throttling or slower than the time budget the answer is 503 with `Retry-After`; if Fluent
rejects the request it is 502."""


@bp.get("/api/v1/availability")
@require_token
@documented(
    "getAvailability",
    "Available-to-promise per SKU and location, or fulfilment plans with ETA",
    tags=["storefront"],
    description=DESCRIPTION,
    query=QuerySchema,
    responses={
        200: json_response(
            "The answer (stock or options)",
            {
                "oneOf": [
                    {"$ref": "#/components/schemas/StockAnswer"},
                    {"$ref": "#/components/schemas/OptionsAnswer"},
                ]
            },
            headers={"X-Cache": {"type": "string", "enum": ["HIT", "MISS"]}},
        ),
        400: INVALID,
        401: ERROR,
        404: ERROR,
        502: ERROR,
        503: UNAVAILABLE,
    },
)
def availability() -> ResponseReturnValue:
    runtime: Runtime = current_app.extensions["connector"]
    if MODULE not in {spec.name for spec in runtime.specs}:
        return jsonify(
            error="module_disabled", message="the availability module is not enabled"
        ), 404
    svc = service()
    try:
        query = load_query(request.args, max_items=svc.options.max_items)
    except ValidationError as exc:
        return invalid(exc.messages)
    try:
        if not runtime.config.fluent.virtual_catalogue_ref:
            refresh(runtime)  # from Fluent's connector settings (fluent_connect)
        answer = svc.answer(query)
    except UnknownLocation as exc:
        return invalid({"location": [str(exc)]})
    except FluentUnavailable as exc:
        response = jsonify(
            error=exc.error, message=exc.message, retry_after=exc.retry_after
        )
        response.status_code = 503
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except FluentFailed as exc:
        return jsonify(error="fluent_error", message=str(exc)), 502
    except ConfigError as exc:  # e.g. a missing FLUENT_* variable
        return jsonify(error="not_configured", message=str(exc)), 503
    response = jsonify({**answer.body, "cached": answer.cached})
    response.headers["X-Cache"] = "HIT" if answer.cached else "MISS"
    ttl = int(svc.options.cache_ttl_seconds)
    response.headers["Cache-Control"] = f"private, max-age={ttl}" if ttl else "no-store"
    return response


def register_availability(app: Flask) -> None:
    """The blueprint plus its service (options validated now, Fluent client on use)."""
    app.extensions["availability"] = AvailabilityService(app.extensions["connector"])
    app.register_blueprint(bp)
