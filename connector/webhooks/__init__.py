"""Webhook endpoints: the blueprint at /webhooks/<source> (+ Fluent's own path) and
/webhooks/external/<name> (one external route per name).

No business logic and no outbound calls here: each source verifies and validates, the
pipeline records and enqueues (pipeline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from connector.inbound.commercetools import CommercetoolsSource
from connector.inbound.external import ExternalSource, handle_external
from connector.inbound.fluent import FluentSource
from connector.inbound.pipeline import Source, receive
from connector.runtime import Runtime

SourceFactory = Callable[[Any], Source]
SOURCES: dict[str, SourceFactory] = {
    "fluent": FluentSource,
    "commercetools": CommercetoolsSource,
}

bp = Blueprint("webhooks", __name__)


def _source(name: str) -> Source | None:
    cache: dict[str, Source] = current_app.extensions.setdefault("webhook_sources", {})
    if name not in cache:
        factory = SOURCES.get(name)
        if factory is None:
            return None
        cache[name] = factory(current_app.extensions["connector"].config)
    return cache[name]


def handle(source_name: str) -> ResponseReturnValue:
    runtime: Runtime = current_app.extensions["connector"]
    source = _source(source_name)
    if source is None:
        return jsonify(
            error="unknown_source", message=f"no webhook source named {source_name!r}"
        ), 404
    raw = request.get_data(cache=False)
    answer = receive(runtime, source, raw, request.headers, request.args)
    return jsonify(answer.body), answer.status


@bp.post("/webhooks/<source_name>")
def webhook(source_name: str) -> ResponseReturnValue:
    return handle(source_name)


@bp.post("/webhooks/external/<name>")
def external_webhook(name: str) -> ResponseReturnValue:
    """External systems: one route per ``<name>`` (webhooks/external.py)."""
    return handle_external(name)


@bp.post("/api/v1/fluent-connect/webhook")
def fluent_connect_webhook() -> ResponseReturnValue:
    return handle("fluent")


def register_webhooks(app: Flask) -> None:
    """Mount the endpoints; external routes are checked now, so a bad option or an
    unset secret variable stops the process at start with its name."""
    app.register_blueprint(bp)
    runtime: Runtime = app.extensions["connector"]
    for route in runtime.registry.routes:
        if route.source == "external":
            ExternalSource(route)
