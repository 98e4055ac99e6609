"""The WSGI layer in front of Flask (connector/webhooks/fastpath.py) answers exactly as
Flask's views do, and leaves everything it does not serve to Flask.

Each case sends the same delivery once through the layer (``app.wsgi_app``) and once
straight to Flask (``app.wsgi_app.flask_wsgi``) and compares status, headers and body
bytes (row ids aside), on every backend of the foundation stack.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from werkzeug.test import EnvironBuilder, run_wsgi_app

from connector.store import messages
from connector.webhooks import fastpath
from tests.support.signing import fluent_body, sign, signed_headers

FLUENT = "/api/v1/fluent-connect/webhook"
TOKEN = "test-token-1"  # tests/support/stack.py


def call(
    wsgi: Any, path: str, body: bytes | None = None, **kw: Any
) -> tuple[str, list[tuple[str, str]], bytes]:
    kw.setdefault("method", "POST")
    environ = EnvironBuilder(path=path, data=body, **kw).get_environ()
    out, status, headers = run_wsgi_app(wsgi, environ, buffered=True)
    return status, list(headers.items()), b"".join(out)


def both(stack: Any, path: str, body: bytes | None = None, **kw: Any) -> list[Any]:
    layer = stack.app.wsgi_app
    assert isinstance(layer, fastpath.WebhookLayer)
    return [call(layer, path, body, **kw), call(layer.flask_wsgi, path, body, **kw)]


def without_ids(answer: tuple[str, list[tuple[str, str]], bytes]) -> Any:
    status, headers, body = answer
    return status, headers, re.sub(rb'"id":\d+', b'"id":N', body)


def test_layer_is_installed_in_front_of_flask(stack):
    assert isinstance(stack.app.wsgi_app, fastpath.WebhookLayer)


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("unsigned", 401),
        ("bad_signature", 401),
        ("malformed", 400),
        ("missing_field", 400),
        ("foreign_account", 403),
        ("unknown_name", 200),
    ],
)
def test_refusals_and_ignored_are_answered_as_flask_does(stack, case, status):
    body = fluent_body(id=f"layer-{case}")
    headers = signed_headers(body)
    if case == "unsigned":
        headers = {}
    elif case == "bad_signature":
        headers = {"fluent-signature": "bm9wZQ=="}
    elif case == "malformed":
        body = b"{not json"
        headers = {"fluent-signature": sign(body)}
    elif case == "missing_field":
        envelope = json.loads(body)
        del envelope["entityRef"]
        body = json.dumps(envelope).encode()
        headers = signed_headers(body)
    elif case == "foreign_account":
        body = fluent_body(id="layer-foreign", accountId="SOMEONE_ELSE")
        headers = signed_headers(body)
    elif case == "unknown_name":
        layer_body = fluent_body(id="layer-ignored-1", name="nobody.routes.this")
        flask_body = fluent_body(id="layer-ignored-2", name="nobody.routes.this")
        layer = call(
            stack.app.wsgi_app, FLUENT, layer_body, headers=signed_headers(layer_body)
        )
        flask = call(
            stack.app.wsgi_app.flask_wsgi,
            FLUENT,
            flask_body,
            headers=signed_headers(flask_body),
        )
        assert layer[0] == f"{status} OK"
        assert without_ids(layer) == without_ids(flask)
        assert b'"status":"ignored"' in layer[2]
        return
    layer, flask = both(stack, FLUENT, body, headers=headers)
    assert layer == flask
    assert layer[0].startswith(str(status))
    assert sum(messages.counts_by_status(stack.runtime.store).values()) == 0


def test_accepted_and_duplicate_answers_match_and_record_one_row_each(stack):
    first = fluent_body(id="layer-accept-1")
    second = fluent_body(id="layer-accept-2")
    layer = call(stack.app.wsgi_app, FLUENT, first, headers=signed_headers(first))
    flask = call(
        stack.app.wsgi_app.flask_wsgi, FLUENT, second, headers=signed_headers(second)
    )
    assert layer[0] == "200 OK" and b'"status":"accepted"' in layer[2]
    assert without_ids(layer) == without_ids(flask)
    row_id = json.loads(layer[2])["id"]
    assert stack.wait_for(row_id).message_id == "layer-accept-1"
    # the same message again, each way: a duplicate, nothing recorded
    dup_layer = call(stack.app.wsgi_app, FLUENT, second, headers=signed_headers(second))
    dup_flask = call(
        stack.app.wsgi_app.flask_wsgi, FLUENT, first, headers=signed_headers(first)
    )
    assert dup_layer == dup_flask
    assert dup_layer[2] == b'{"status":"duplicate"}\n'
    assert sum(messages.counts_by_status(stack.runtime.store).values()) == 2


def test_commercetools_token_in_query_or_header(stack):
    raw = json.dumps(
        {"notificationType": "Message", "id": "m-layer-1", "type": "OrderCreated"}
    ).encode()
    for kw in (
        {"query_string": {"token": "wrong"}},
        {"headers": {"Authorization": "Bearer wrong"}},
    ):
        layer, flask = both(stack, "/webhooks/commercetools", raw, **kw)
        assert layer == flask and layer[0].startswith("401")
    layer = call(
        stack.app.wsgi_app,
        "/webhooks/commercetools",
        raw,
        query_string={"token": TOKEN},
    )
    assert not layer[0].startswith("401"), layer


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (RuntimeError("a bug"), "500"),
        (sa_exc.OperationalError("INSERT", {}, Exception("connection refused")), "503"),
        (sa_exc.DataError("INSERT", {}, ValueError("out of range")), "400"),
    ],
    ids=["bug", "store_down", "unstorable"],
)
def test_errors_are_answered_as_flasks_handlers_do(stack, monkeypatch, error, status):
    import connector.webhooks as webhooks

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(fastpath, "receive", fail)
    monkeypatch.setattr(webhooks, "receive", fail)
    body = fluent_body(id="layer-error")
    layer, flask = both(stack, FLUENT, body, headers=signed_headers(body))
    assert layer == flask
    assert layer[0].split()[0] == status


def test_too_many_failed_signatures_become_429_on_both_paths(stack, monkeypatch):
    monkeypatch.setattr(stack.app.extensions["auth_limiter"], "limit", 2)
    body = fluent_body(id="layer-429")
    seen = []
    for wsgi, addr in (
        (stack.app.wsgi_app, "10.9.8.1"),
        (stack.app.wsgi_app.flask_wsgi, "10.9.8.2"),
    ):
        answers = [
            call(
                wsgi,
                FLUENT,
                body,
                headers={"fluent-signature": "bm9wZQ=="},
                environ_overrides={"REMOTE_ADDR": addr},
            )
            for _ in range(3)
        ]
        assert [a[0].split()[0] for a in answers] == ["401", "401", "429"]
        seen.append(answers[2])
    (s1, h1, b1), (s2, h2, b2) = seen
    assert (s1, b1) == (s2, b2)
    assert [name for name, _ in h1] == [name for name, _ in h2]
    assert abs(int(dict(h1)["Retry-After"]) - int(dict(h2)["Retry-After"])) <= 1


@pytest.mark.parametrize(
    ("path", "kw", "status"),
    [
        (FLUENT, {"method": "GET"}, 405),
        (FLUENT + "/", {}, 404),
        ("/webhooks/nobody", {}, 404),
        ("/webhooks/external/nobody", {}, 404),
    ],
    ids=["get", "trailing_slash", "unknown_source", "external"],
)
def test_what_the_layer_does_not_serve_goes_to_flask(
    stack, monkeypatch, path, kw, status
):
    calls = []
    flask_wsgi = stack.app.wsgi_app.flask_wsgi

    def spy(environ: Any, start_response: Any) -> Any:
        calls.append(environ["PATH_INFO"])
        return flask_wsgi(environ, start_response)

    monkeypatch.setattr(stack.app.wsgi_app, "flask_wsgi", spy)
    answer = call(stack.app.wsgi_app, path, **kw)
    assert calls == [path]
    assert answer[0].startswith(str(status))
    assert json.loads(answer[2])["error"]


def test_oversized_and_chunked_bodies_go_to_flask(stack, monkeypatch):
    calls = []
    flask_wsgi = stack.app.wsgi_app.flask_wsgi

    def spy(environ: Any, start_response: Any) -> Any:
        calls.append(environ.get("CONTENT_LENGTH"))
        return flask_wsgi(environ, start_response)

    monkeypatch.setattr(stack.app.wsgi_app, "flask_wsgi", spy)
    big = fluent_body(
        id="layer-big", attributes={"blob": "x" * (stack.config.max_body_bytes + 1)}
    )
    answer = call(stack.app.wsgi_app, FLUENT, big, headers=signed_headers(big))
    assert answer[0].startswith("413") and len(calls) == 1
    body = fluent_body(id="layer-chunked")
    environ = EnvironBuilder(
        path=FLUENT, method="POST", data=body, headers=signed_headers(body)
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input_terminated"] = True
    out, status, _ = run_wsgi_app(stack.app.wsgi_app, environ, buffered=True)
    assert len(calls) == 2 and status == "200 OK", b"".join(out)


def test_a_body_cut_short_is_flasks_400(stack):
    body = fluent_body(id="layer-short")
    environ = EnvironBuilder(
        path=FLUENT, method="POST", data=body, headers=signed_headers(body)
    ).get_environ()
    environ["CONTENT_LENGTH"] = str(len(body) + 100)  # the client went away
    out, status, _ = run_wsgi_app(stack.app.wsgi_app, environ, buffered=True)
    assert status.startswith("400"), b"".join(out)
    assert sum(messages.counts_by_status(stack.runtime.store).values()) == 0


def test_an_empty_body_is_answered_as_flask_does(stack):
    for headers in ({}, {"fluent-signature": sign(b"")}):
        layer, flask = both(stack, FLUENT, b"", headers=headers)
        assert layer == flask and layer[0][:3] in {"400", "401"}


def test_a_valid_delivery_never_reaches_flask(stack, monkeypatch):
    calls = []
    flask_wsgi = stack.app.wsgi_app.flask_wsgi
    monkeypatch.setattr(
        stack.app.wsgi_app,
        "flask_wsgi",
        lambda environ, start: calls.append(1) or flask_wsgi(environ, start),
    )
    body = fluent_body(id="layer-direct")
    answer = call(stack.app.wsgi_app, FLUENT, body, headers=signed_headers(body))
    assert answer[0] == "200 OK" and calls == []
    assert fastpath.mirrored(stack.app)


@pytest.mark.parametrize(
    "kind", ["before_request", "after_request", "signal", "csrf_on", "error_handler"]
)
def test_a_hook_the_layer_would_skip_sends_webhooks_to_flask(stack, monkeypatch, kind):
    """An app-wide hook or a request-signal receiver added later (an APM, say) runs for
    webhooks too: the layer steps aside while it is there."""
    from contextlib import nullcontext

    from flask import signals

    seen: list[str] = []
    app = stack.app
    connected: Any = nullcontext()
    if kind == "before_request":
        hooks = {**app.before_request_funcs}
        hooks[None] = [*hooks.get(None, []), lambda: seen.append("before")]
        monkeypatch.setattr(app, "before_request_funcs", hooks)
    elif kind == "after_request":
        hooks = {**app.after_request_funcs}
        hooks[None] = [*hooks.get(None, []), lambda r: seen.append("after") or r]
        monkeypatch.setattr(app, "after_request_funcs", hooks)
    elif kind == "error_handler":  # a handler of its own for an exception of receive
        import connector.webhooks as webhooks

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise LookupError("a handler of its own")

        monkeypatch.setattr(fastpath, "receive", fail)
        monkeypatch.setattr(webhooks, "receive", fail)
        spec = {**app.error_handler_spec}
        spec[None] = {**spec[None], None: {**spec[None][None]}}
        spec[None][None][LookupError] = lambda exc: (seen.append("handler") or "", 200)
        monkeypatch.setattr(app, "error_handler_spec", spec)
    elif kind == "signal":
        connected = signals.request_started.connected_to(
            lambda sender, **extra: seen.append("signal"), app
        )
    else:  # Flask-WTF's hook, once it checks every POST
        monkeypatch.setitem(app.config, "WTF_CSRF_CHECK_DEFAULT", True)
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # still a no-op
        assert fastpath.mirrored(app)
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    body = fluent_body(id=f"layer-hook-{kind}")
    with connected:
        assert not fastpath.mirrored(app)
        answer = call(app.wsgi_app, FLUENT, body, headers=signed_headers(body))
    if kind == "csrf_on":  # Flask ran the CSRF check: no token, refused
        assert answer[0].startswith("400"), answer
    else:
        assert answer[0] == "200 OK" and seen, (answer, seen)
    assert fastpath.mirrored(app) is (kind == "signal")  # monkeypatch undoes the rest


def test_a_content_length_that_is_not_ascii_digits_goes_to_flask(stack):
    body = fluent_body(id="layer-odd-length")
    environ = EnvironBuilder(
        path=FLUENT, method="POST", data=body, headers=signed_headers(body)
    ).get_environ()
    environ["CONTENT_LENGTH"] = "\u00b2"  # "²": str.isdigit() says yes, int() says no
    out, status, _ = run_wsgi_app(stack.app.wsgi_app, environ, buffered=True)
    assert status[:3] in {"400", "401"}, b"".join(out)
