"""Every error answer is JSON ``{"error": code, "message": text}`` with a fitting status,
keeping the headers the HTTP error carries (``Allow`` on a 405, ``Retry-After``...)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            message = (
                f"request body is larger than the limit of "
                f"{app.config.get('MAX_CONTENT_LENGTH')} bytes"
            )
        response = jsonify(error=_code(exc), message=message)
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("http.request.error")
        return jsonify(error="internal_error", message="unexpected server error"), 500
