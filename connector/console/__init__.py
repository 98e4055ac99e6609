"""The operators' web console at ``/console``: sign in with an API token, see the
overview (modules, runs, checkpoints, messages, queues, a 24 h chart), failed messages
with their errors and replay them, a message's detail, run history.

Server-rendered Jinja templates with a stylesheet served by the app (no build step, no
internet). The session is Flask's signed cookie (HTTP-only, SameSite=Lax, path
``/console``, 8 h; ``Secure`` with ``CONNECTOR_COOKIE_SECURE``), signed with
``CONNECTOR_SECRET_KEY`` or, if unset, a key derived from ``CONNECTOR_API_TOKENS`` (the
same in every worker; rotating the tokens signs everyone out). Every POST carries a
Flask-WTF CSRF token; only the console's views are CSRF-checked (webhooks and the API
are not forms).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from connector.api.docs import not_in_api
from connector.config import Config

SESSION_HOURS = 8
csrf = CSRFProtect()


def secret_key(config: Config) -> str:
    """``CONNECTOR_SECRET_KEY``, else derived from the API tokens, else random (then
    nobody can sign in anyway: the console needs a token)."""
    if config.secret_key:
        return config.secret_key
    if config.api_tokens:
        joined = "\n".join(sorted(config.api_tokens)).encode()
        return hmac.new(
            b"connector-console-session-v1", joined, hashlib.sha256
        ).hexdigest()
    return secrets.token_hex(32)


def register_console(app: Flask) -> None:
    from connector.console.views import bp

    config: Config = app.extensions["connector"].config
    app.secret_key = secret_key(config)
    app.config.update(
        SESSION_COOKIE_NAME="connector_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in the console's before_request only
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
    )
    csrf.init_app(app)
    app.register_blueprint(bp)
    for endpoint, view in app.view_functions.items():  # HTML pages, not API operations
        if endpoint.startswith(bp.name + ".") and not endpoint.endswith(".static"):
            not_in_api("HTML console")(view)
