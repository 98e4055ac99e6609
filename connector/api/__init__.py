"""HTTP API besides webhooks: ops endpoints, JSON errors, token-protected routes
(availability, jobs) and the OpenAPI description."""

from __future__ import annotations

from flask import Flask

from connector.api.auth import register_auth_limit
from connector.api.availability import register_availability
from connector.api.errors import register_error_handlers
from connector.api.jobs import bp as jobs_bp
from connector.api.messages import bp as ops_api_bp
from connector.api.openapi import register_openapi
from connector.api.ops import bp as ops_bp
from connector.fluent_connect.api import register_fluent_connect


def register_api(app: Flask) -> None:
    register_error_handlers(app)
    register_auth_limit(app)
    app.register_blueprint(ops_bp)
    register_availability(app)
    app.register_blueprint(jobs_bp)
    register_fluent_connect(app)
    app.register_blueprint(ops_api_bp)
    register_openapi(app)
