"""HTTP API besides webhooks: ops endpoints, JSON errors, token-protected routes."""

from __future__ import annotations

from flask import Flask

from connector.api.errors import register_error_handlers
from connector.api.ops import bp as ops_bp


def register_api(app: Flask) -> None:
    register_error_handlers(app)
    app.register_blueprint(ops_bp)
