"""Every error answer is JSON ``{"error": code, "message": text}`` with a fitting status,
keeping the headers the HTTP error carries (``Allow`` on a 405, ``Retry-After``...).

The store unreachable (connection refused, pool exhausted, database locked or gone) is a
503 with ``Retry-After`` on every endpoint — webhooks and ``/api/v1/*`` alike — so a
sender retries later instead of reading a bug; nothing was recorded, so nothing was
published. A value the database refuses to hold is the sender's 400, never a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

STORE_RETRY_AFTER_SECONDS = 5
STORE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


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

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def store_error(exc: sa_exc.SQLAlchemyError) -> ResponseReturnValue:
        if isinstance(exc, STORE_DOWN):
            log.warning(
                "http.store.unavailable",
                extra={"error": type(getattr(exc, "orig", exc)).__name__},
            )
            response = jsonify(
                error="store_unavailable",
                message="the message store is unavailable; retry later",
            )
            response.headers["Retry-After"] = str(STORE_RETRY_AFTER_SECONDS)
            return response, 503
        if isinstance(exc, sa_exc.DataError):  # a value the database cannot hold
            log.info(
                "http.store.data_refused", extra={"error": type(exc.orig).__name__}
            )
            return jsonify(
                error="unstorable_value",
                message="the body holds a value the store cannot hold",
            ), 400
        return unexpected(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("http.request.error")
        return jsonify(error="internal_error", message="unexpected server error"), 500
