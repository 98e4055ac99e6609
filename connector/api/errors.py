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

    @app.errorhandler(Exception)
    def view_error(exc: Exception) -> ResponseReturnValue:
        status, body, headers = exception_answer(exc)
        response = jsonify(body)
        response.headers.update(headers)
        return response, status

    app.extensions["view_error_handler"] = view_error  # mirrored by the webhook layer


def exception_answer(exc: Exception) -> tuple[int, dict[str, str], dict[str, str]]:
    """(status, JSON body, extra headers) for an exception a view raised that is not an
    HTTP error: the Flask handler above and the webhook layer in front of Flask
    (connector/webhooks/fastpath.py) both answer with it."""
    if isinstance(exc, sa_exc.SQLAlchemyError):
        if isinstance(exc, STORE_DOWN):
            log.warning(
                "http.store.unavailable",
                extra={"error": type(getattr(exc, "orig", exc)).__name__},
            )
            return (
                503,
                {
                    "error": "store_unavailable",
                    "message": "the message store is unavailable; retry later",
                },
                {"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
            )
        if isinstance(exc, sa_exc.DataError):  # a value the database cannot hold
            log.info(
                "http.store.data_refused", extra={"error": type(exc.orig).__name__}
            )
            return (
                400,
                {
                    "error": "unstorable_value",
                    "message": "the body holds a value the store cannot hold",
                },
                {},
            )
    log.exception("http.request.error", exc_info=exc)
    return 500, {"error": "internal_error", "message": "unexpected server error"}, {}
