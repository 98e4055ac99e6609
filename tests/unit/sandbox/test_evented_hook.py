"""The evented server's hook keys each call as the app's own instrumentation does.

``_EventedHook.prepare`` (sandbox/common.py) counts a call before the app runs; the key
must be the one ``_instrument`` records when it decides for itself (the threaded
server): the URL rule Flask matches, else the path. Checked over every rule and
method of both sandboxes plus paths that match nothing, a wrong method, a missing
trailing slash and percent-encoded text.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from sandbox.common import CONTROL_PREFIX, CallLog
from sandbox.evented import FAULT_DECISION, HOOK_KEY


def _apps() -> dict[str, tuple[Flask, CallLog]]:
    from sandbox.commercetools import create_app as create_ct
    from sandbox.fluent import create_app as create_fluent

    ct, fluent = create_ct(), create_fluent()
    return {
        "ct": (ct, ct.extensions["ct_sandbox"].calls),
        "fluent": (fluent, fluent.extensions["fluent_sandbox"].calls),
    }


APPS = _apps()


def _requests(app: Flask) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods or ()):
            out.append((method, path))
        out.append(("PATCH", path))  # mostly not allowed: 405, keyed by path
    out += [
        ("GET", "/nowhere/at/all"),
        ("GET", "/caf\u00c3\u00a9/%ZZ"),  # PATH_INFO: UTF-8 bytes as latin-1
        ("POST", "/oauth/token/"),
        ("GET", "//double//slash"),
    ]
    return out


def _recorded(calls: CallLog) -> str | None:
    entries = calls.entries()
    return str(entries[-1]["key"]) if entries else None


@pytest.mark.parametrize("name", sorted(APPS))
def test_prepare_keys_like_the_apps_own_hook(name: str) -> None:
    app, calls = APPS[name]
    hook: Any = app.extensions[HOOK_KEY]
    checked = 0
    for method, path in _requests(app):
        environ = EnvironBuilder(path="/", method=method).get_environ()
        environ["PATH_INFO"] = path  # as a server sets it, not parsed as a URL
        calls.reset()
        run_wsgi_app(app, dict(environ))
        own = _recorded(calls)
        calls.reset()
        delay, inline = hook.prepare(environ)
        assert _recorded(calls) == own, (method, path)
        if path.startswith(CONTROL_PREFIX):
            assert (own, inline, FAULT_DECISION in environ) == (None, False, False)
        else:
            assert own is not None and inline and delay == 0.0
            assert FAULT_DECISION in environ
            checked += 1
    assert checked > 20
