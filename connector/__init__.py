"""commercetools <-> Fluent Commerce connector: ``create_app`` and nothing else."""

from __future__ import annotations

from flask import Flask

from connector.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app (webhooks, API, ops endpoints) with its Celery app attached."""
    from connector.api import register_api
    from connector.console import register_console
    from connector.extensions import celery_init_app
    from connector.logs import configure_logging
    from connector.runtime import Runtime
    from connector.webhooks import register_webhooks
    from connector.webhooks.fastpath import install as install_webhook_layer

    config = config or Config.from_env()
    configure_logging()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    runtime = Runtime(config)
    runtime.registry  # noqa: B018 - validate routes and handlers at start
    runtime.store  # noqa: B018 - created before request threads race for it
    app.extensions["connector"] = runtime
    celery_init_app(app, runtime)
    register_webhooks(app)
    register_api(app)
    register_console(app)
    install_webhook_layer(app)  # last: it mirrors the hooks and handlers above
    return app
