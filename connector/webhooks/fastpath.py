"""The fixed webhook paths served in a WSGI layer in front of Flask (``app.wsgi_app``).

For every request Flask builds a request and an app context, binds and matches the URL
map, opens a (null) session, runs the hooks and builds a ``Response``: at ingress that
was about a third of the web process's instructions per webhook (bench/README.md,
bench_ingress). A delivery that needs none of it — a POST to one of ``PATHS`` with a
``Content-Length`` within the body limit — is run here through the same stage 1
(``receive``) and answered with the bytes Flask would send: the same JSON, the same
headers, the same 429 after too many 401s (``failed_auth_answer``), the same answers
for a store that is down or a bug (``exception_answer``).

Everything else goes to Flask unchanged: other paths and methods, external routes
(``/webhooks/external/<name>``), unknown sources, bodies without a length (chunked),
over the limit (Flask's 413) or cut short (Flask's 400), an app in debug mode or with a
non-default JSON provider (its answers are formatted differently), and every request
while the app has a hook, teardown function or request-signal receiver the layer
would skip (``mirrored``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from flask import signals
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import EnvironHeaders, ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from connector.api.auth import failed_auth_answer
from connector.api.errors import exception_answer
from connector.inbound.pipeline import receive
from connector.webhooks import source_for

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

# path -> webhook source: the blueprint's fixed-path routes (connector/webhooks)
PATHS = {
    "/api/v1/fluent-connect/webhook": "fluent",
    "/webhooks/fluent": "fluent",
    "/webhooks/commercetools": "commercetools",
}
NO_ARGS: ImmutableMultiDict[str, str] = ImmutableMultiDict()
BLUEPRINT = "webhooks"  # the blueprint that serves PATHS
# Flask's request signals; a receiver (an APM, a test) sends the paths back to Flask
REQUEST_SIGNALS = (
    signals.request_started,
    signals.request_finished,
    signals.got_request_exception,
    signals.request_tearing_down,
    signals.appcontext_pushed,
    signals.appcontext_popped,
    signals.appcontext_tearing_down,
)
CSRF_HOOK = "CSRFProtect.init_app.<locals>.csrf_protect"


def _csrf_check_off(app: Flask, hook: Callable[..., Any]) -> bool:
    """Flask-WTF's app-wide hook, when it checks nothing by default (the console
    checks its own forms): it returns before reading the request."""
    return getattr(hook, "__qualname__", "") == CSRF_HOOK and not (
        app.config.get("WTF_CSRF_ENABLED", True)
        and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    )


def mirrored(app: Flask) -> bool:
    """True while Flask would run nothing for a webhook path that this layer does not
    run too: no request hook of the app or the webhooks blueprint other than the
    failed-auth limiter (mirrored) and a CSRF hook that checks nothing, no error
    handler for other exceptions than the one ``exception_answer`` mirrors (HTTP
    errors are not raised on this path), no teardown function, no URL value
    preprocessor and no receiver of a request signal. Anything
    else added later (an app-wide hook, an APM's signal receiver) sends every request
    to Flask."""
    limiter_hook = app.extensions.get("auth_limit_hook")
    error_handler = app.extensions.get("view_error_handler")
    for scope in (None, BLUEPRINT):
        for handlers in app.error_handler_spec.get(scope, {}).values():
            for exc_class, handler in handlers.items():
                if handler is not error_handler and not issubclass(
                    exc_class, HTTPException
                ):
                    return False
        if any(
            not _csrf_check_off(app, hook)
            for hook in app.before_request_funcs.get(scope, ())
        ):
            return False
        if any(
            hook is not limiter_hook for hook in app.after_request_funcs.get(scope, ())
        ):
            return False
        if app.teardown_request_funcs.get(scope) or app.url_value_preprocessors.get(
            scope
        ):
            return False
    if app.teardown_appcontext_funcs:
        return False
    return not any(signal.receivers for signal in REQUEST_SIGNALS)


class WebhookLayer:
    """``app.wsgi_app = WebhookLayer(app, app.wsgi_app)`` (``install``)."""

    def __init__(self, app: Flask, flask_wsgi: WSGIApplication) -> None:
        self.app = app
        self.flask_wsgi = flask_wsgi

    def _length(self, environ: WSGIEnvironment) -> int | None:
        """The body's length when this layer can serve the request, else None."""
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or "HTTP_TRANSFER_ENCODING" in environ
        ):
            return None
        text = environ.get("CONTENT_LENGTH")
        if not text or not (text.isascii() and text.isdigit()):
            return None
        length = int(text)
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and length > limit:
            return None
        json = self.app.json
        if type(json) is not DefaultJSONProvider or json.compact is False:
            return None
        if json.compact is None and self.app.debug:
            return None
        if not mirrored(self.app):
            return None
        return length

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        name = PATHS.get(environ.get("PATH_INFO", ""))
        length = None if name is None else self._length(environ)
        source = None if name is None or length is None else source_for(self.app, name)
        if source is None or length is None:
            return self.flask_wsgi(environ, start_response)
        app = self.app
        stream = environ["wsgi.input"]
        raw = stream.read(length) if length else b""
        if len(raw) != length:  # the client went away mid-body
            return self._flask_answer(environ, start_response, raw)
        query = environ.get("QUERY_STRING")
        args = Request(environ).args if query else NO_ARGS
        status: int
        headers: dict[str, str] = {}
        try:
            answer = receive(
                app.extensions["connector"], source, raw, EnvironHeaders(environ), args
            )
            status, body = answer.status, answer.body
        except Exception as exc:  # noqa: BLE001 - Flask's error handlers' answers
            status, body, headers = exception_answer(exc)
        if status == 401:
            limited = failed_auth_answer(
                app.extensions["auth_limiter"], environ.get("REMOTE_ADDR")
            )
            if limited is not None:
                status = 429
                body, headers = limited
        json = cast(DefaultJSONProvider, app.json)  # checked in _length
        data = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        response_headers = [
            ("Content-Type", json.mimetype),
            ("Content-Length", str(len(data))),
            *headers.items(),
        ]
        start_response(
            f"{status} {HTTP_STATUS_CODES[status].upper()}", response_headers
        )
        return [data]

    def _flask_answer(
        self, environ: WSGIEnvironment, start_response: StartResponse, raw: bytes
    ) -> Iterable[bytes]:
        """A body shorter than its Content-Length: Flask answers it (its 400), reading
        what was read again."""
        environ["wsgi.input"] = io.BytesIO(raw)
        return self.flask_wsgi(environ, start_response)


def install(app: Flask) -> None:
    """Put the layer in front of the app's WSGI callable (after every hook and handler
    it mirrors is registered)."""
    wsgi: Callable[..., Any] = app.wsgi_app
    app.wsgi_app = WebhookLayer(app, wsgi)  # type: ignore[method-assign]
