"""Webhook endpoints: the blueprint at /webhooks/<source> (+ Fluent's own path) and
/webhooks/external/<name> (one external route per name).

No business logic and no outbound calls here: each source verifies and validates, the
pipeline records and enqueues (pipeline.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Request, current_app, jsonify, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue

from connector.api.docs import documented
from connector.errors import ConfigError
from connector.inbound.commercetools import CommercetoolsSource
from connector.inbound.external import SOURCE as EXTERNAL
from connector.inbound.external import ExternalSource
from connector.inbound.fluent import FluentSource
from connector.inbound.pipeline import Source, receive
from connector.runtime import Runtime
from connector.webhooks.docs import EXTERNAL as EXTERNAL_DOC
from connector.webhooks.docs import FLUENT as FLUENT_DOC
from connector.webhooks.docs import SOURCE as SOURCE_DOC

SourceFactory = Callable[[Any], Source]
SOURCES: dict[str, SourceFactory] = {
    "fluent": FluentSource,
    "commercetools": CommercetoolsSource,
}

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


def source_for(app: Flask, name: str) -> Source | None:
    """The app's webhook source named ``name`` (built once), None for an unknown name."""
    cache: dict[str, Source] = app.extensions.setdefault("webhook_sources", {})
    if name not in cache:
        factory = SOURCES.get(name)
        if factory is None:
            return None
        cache[name] = factory(app.extensions["connector"].config)
    return cache[name]


def handle(source_name: str) -> ResponseReturnValue:
    runtime: Runtime = current_app.extensions["connector"]
    source = source_for(current_app, source_name)
    if source is None:
        return jsonify(
            error="unknown_source", message=f"no webhook source named {source_name!r}"
        ), 404
    raw = request.get_data(cache=False)
    answer = receive(runtime, source, raw, request.headers, request.args)
    return jsonify(answer.body), answer.status


@bp.post("/webhooks/<source_name>")
@documented(**SOURCE_DOC)
def webhook(source_name: str) -> ResponseReturnValue:
    return handle(source_name)


@bp.post("/webhooks/external/<name>")
@documented(**EXTERNAL_DOC)
def external_webhook(name: str) -> ResponseReturnValue:
    """External systems: one route per ``<name>`` (inbound/external.py)."""
    return handle_external(name)


@bp.post("/api/v1/fluent-connect/webhook")
@documented(**FLUENT_DOC)
def fluent_connect_webhook() -> ResponseReturnValue:
    return handle("fluent")


# Every path this blueprint serves starts with one of these.
WEBHOOK_PATHS = ("/webhooks/", "/api/v1/fluent-connect/webhook")


class WebhookSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions (the console's), except for webhook deliveries.

    Flask opens the session of every request before it matches the URL: with a secret
    key that builds an itsdangerous serializer and reads the cookie, per webhook. A
    webhook never uses the session, so its requests get Flask's null session (never
    saved, no cookie written; any write to it raises)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(WEBHOOK_PATHS):
            return self.make_null_session(app)
        return super().open_session(app, request)


def register_webhooks(app: Flask) -> None:
    """Mount the endpoints; external routes are checked now, so a bad option or an
    unset secret variable stops the process at start with its name."""
    app.register_blueprint(bp)
    app.session_interface = WebhookSessionInterface()
    runtime: Runtime = app.extensions["connector"]
    for route in runtime.registry.routes:
        if route.source == "external":
            ExternalSource(route)


def _source_for(runtime: Runtime, name: str) -> ExternalSource | None:
    route = runtime.registry.route(name)
    if route is None or route.source != EXTERNAL:
        return None
    cache: dict[str, Any] = current_app.extensions.setdefault("external_sources", {})
    cached = cache.get(name)
    if cached is not None and cached.route is route:
        return cached  # type: ignore[no-any-return]
    source = ExternalSource(route)
    cache[name] = source
    return source


def handle_external(name: str) -> ResponseReturnValue:
    """The view of ``POST /webhooks/external/<name>``."""
    runtime: Runtime = current_app.extensions["connector"]
    try:
        source = _source_for(runtime, name)
    except ConfigError as exc:
        log.error(
            "webhook.external.misconfigured", extra={"route": name, "error": str(exc)}
        )
        return jsonify(
            error="route_misconfigured",
            message=f"external route {name!r} is not configured correctly",
        ), 500
    if source is None:
        return jsonify(
            error="unknown_route", message=f"no external route named {name!r}"
        ), 404
    raw = request.get_data(cache=False)
    answer = receive(runtime, source, raw, request.headers, request.args)  # type: ignore[arg-type]
    return jsonify(answer.body), answer.status
