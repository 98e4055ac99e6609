"""The commercetools sandbox Flask app: wiring of auth, REST resources and control API.

``create_app`` builds the state (store with one collection per resource type, auth,
subscription pusher, call log, faults), installs the shared instrumentation with CT's error
body, checks bearer tokens, project key and scopes before every API call, and answers every
error in CT's shape. The same app serves ``/oauth/token`` and the API, so CTP_AUTH_URL and
CTP_API_URL both point at it.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ..common import CallLog, Faults, install_instrumentation
from ..defaults import CT_CLIENT_ID, CT_CLIENT_SECRET, CT_PROJECT_KEY
from .auth import Auth, check_scope
from .context import SandboxState, respond, state
from .control import bp as control_bp
from .errors import CtError, error_body, not_found
from .push import Pusher
from .resources import (
    categories,
    channels,
    customers,
    inventory,
    order_actions,
    orders,
    product_actions,
    products,
    project,
    setup,
    types_states,
)
from .resources.base import register, state_scopes
from .store import Store

KINDS = (
    categories.KIND,
    channels.KIND,
    customers.KIND,
    inventory.KIND,
    product_actions.KIND,
    order_actions.KIND,
    types_states.TYPE_KIND,
    types_states.STATE_KIND,
    setup.SHIPPING_METHOD_KIND,
    setup.TAX_CATEGORY_KIND,
    setup.ZONE_KIND,
    setup.PRODUCT_TYPE_KIND,
)


def _new_store(project_key: str) -> Store:
    store = Store(project_key)
    for coll in (
        categories.collection(),
        channels.collection(),
        customers.collection(),
        inventory.collection(),
        products.collection(),
        orders.collection(),
        types_states.type_collection(),
        types_states.state_collection(),
        *setup.collections(),
        project.message_collection(),
    ):
        store.add_collection(coll)
    return store


def _reset(st: SandboxState) -> None:
    """Empty all data; recreate the project settings and the built-in state."""
    st.pusher.reset()
    st.store.clear()
    st.store.project = project.default_project(st.project_key)
    previous = st.store.produce_messages
    st.store.produce_messages = False
    try:
        types_states.builtin_initial_state(st.store)
    finally:
        st.store.produce_messages = previous
    # tokens survive a reset: long-running clients (a connector stack) keep theirs


def _authorize() -> Response | None:
    path = request.path
    if path.startswith(("/_sandbox/", "/oauth/")) or request.endpoint is None:
        return None
    st = state()
    token = st.auth.check_bearer(request)
    g.ct_token = token
    args = request.view_args or {}
    if args.get("project_key") != st.project_key:
        raise not_found(str(args.get("project_key")), "key")
    scopes = state_scopes.get(request.endpoint)
    if scopes is not None:
        check_scope(token, scopes[0], scopes[1], request.method not in ("GET", "HEAD"))
    staged = request.args.get("staged", "false").lower() == "true"
    if staged and request.endpoint.startswith("ct.product_projections"):
        check_scope(token, ("view_products",), ("manage_products",), False)
    return None


def _handle_ct_error(exc: CtError) -> Response:
    resp = respond(exc.body(), exc.status)
    resp.headers.update(exc.headers)
    if exc.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="commercetools sandbox"'
    return resp


def _handle_http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 404:
        return _handle_ct_error(not_found(request.path, "path"))
    code = {405: "MethodNotAllowed", 413: "InvalidInput"}.get(status, "General")
    err = CtError(status, code, exc.description or exc.name)
    return _handle_ct_error(err)


def create_app(
    project_key: str = CT_PROJECT_KEY,
    client_id: str = CT_CLIENT_ID,
    client_secret: str = CT_CLIENT_SECRET,
) -> Flask:
    """Build the sandbox; its state is ``app.extensions["ct_sandbox"]``."""
    app = Flask("ct_sandbox")
    store = _new_store(project_key)
    pusher = Pusher(project_key)
    store.listeners.append(pusher.listener)
    st = SandboxState(
        project_key=project_key,
        store=store,
        auth=Auth(project_key, client_id, client_secret),
        calls=CallLog(),
        faults=Faults(),
        pusher=pusher,
    )
    app.extensions["ct_sandbox"] = st
    install_instrumentation(
        app,
        calls=st.calls,
        faults=st.faults,
        error_body=error_body,
        on_reset=lambda: _reset(st),
    )
    app.before_request(_authorize)

    @app.after_request
    def _correlation(resp: Response) -> Response:
        resp.headers.setdefault(
            "X-Correlation-ID", f"projects-{project_key}-{uuid.uuid4()}"
        )
        return resp

    @app.post("/oauth/token")
    def token() -> Response:
        return respond(st.auth.issue(request))

    @app.post("/oauth/introspect")
    def introspect() -> Response:
        return respond(st.auth.introspect(request))

    api = Blueprint("ct", __name__)
    products.register_projections(api)
    order_actions.register_order_routes(api)
    for kind in KINDS:
        register(api, kind)
    project.register_project(api)
    app.register_blueprint(api)
    app.register_blueprint(control_bp)
    app.register_error_handler(CtError, _handle_ct_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    _reset(st)
    return app
