"""``create_app``: the Fluent sandbox as a Flask app (serve it with ``SandboxServer``).

Routes: ``POST /oauth/token``, ``POST /graphql``, ``/api/v4.1/event/...`` (Bearer token
required), and the control API under ``/_sandbox`` (shared calls/faults/reset from
``sandbox.common`` plus ``control.py`` and ``control_flow.py``). Injected
faults answer with Fluent's ``{"errors": [{"code", "message"}]}`` body.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from .. import defaults
from ..common import install_instrumentation
from .auth import Credentials, auth_blueprint, install_bearer_check
from .control import data_control_blueprint
from .control_flow import flow_control_blueprint
from .events import event_blueprint
from .graphql_api import graphql_blueprint, schema
from .state import FluentSandbox


def fluent_error_body(status: int, message: str) -> dict[str, Any]:
    """Fluent's REST error shape, used for injected faults and HTTP errors."""
    return {"errors": [{"code": str(status), "message": message}]}


def create_app(
    account_id: str = defaults.FLUENT_ACCOUNT_ID,
    retailer_id: str = defaults.FLUENT_RETAILER_ID,
    client_id: str = defaults.FLUENT_CLIENT_ID,
    client_secret: str = defaults.FLUENT_CLIENT_SECRET,
    username: str = defaults.FLUENT_USERNAME,
    password: str = defaults.FLUENT_PASSWORD,
    webhook_url: str | None = None,
) -> Flask:
    """A fresh Fluent sandbox app; its state is ``app.extensions["fluent_sandbox"]``."""
    schema()  # build and validate the SDL once, up front
    credentials = Credentials(
        client_id, client_secret, username, password, str(retailer_id)
    )
    state = FluentSandbox(
        account_id=account_id, credentials=credentials, webhook_url=webhook_url
    )
    app = Flask("fluent_sandbox", static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["fluent_sandbox"] = state
    install_instrumentation(
        app,
        calls=state.calls,
        faults=state.faults,
        error_body=fluent_error_body,
        on_reset=state.reset,
    )
    install_bearer_check(app, state.tokens)
    app.register_blueprint(auth_blueprint(state.tokens, credentials))
    app.register_blueprint(graphql_blueprint(state))
    app.register_blueprint(event_blueprint(state))
    app.register_blueprint(data_control_blueprint(state))
    app.register_blueprint(flow_control_blueprint(state))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        return jsonify(fluent_error_body(status, exc.description or exc.name)), status

    return app
