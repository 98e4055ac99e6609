"""Small WSGI test helpers shared by the sandbox server tests."""

from __future__ import annotations

from typing import Any

from flask import Flask


def fail_on_raw_path(app: Flask) -> Flask:
    """Make ``GET /raw`` raise outside Flask's error handling: an application error
    that reaches the server (which must answer werkzeug's 500 page and close)."""
    flask_wsgi = app.wsgi_app

    def wsgi(environ: dict, start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/raw":
            raise RuntimeError("an application error reaching the server")
        return flask_wsgi(environ, start_response)

    app.wsgi_app = wsgi  # type: ignore[method-assign]
    return app
