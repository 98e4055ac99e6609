"""Control API of the commercetools sandbox (no auth, under ``/_sandbox``).

Besides the shared calls/faults/reset endpoints of ``common``: seeding from a fixture,
the deterministic generator, placing orders as from a checkout, bulk product changes for
benchmarks, token expiry, subscription push configuration and its delivery log, the change
log and collection sizes. Errors answer with CT error bodies (400 InvalidInput etc.).
"""

from __future__ import annotations

import random
import time
from typing import Any

from flask import Blueprint, Response, request

from .context import json_body, respond, state
from .errors import invalid_input, not_found
from .generator import generate
from .push import SubscriptionError
from .resources.base import apply_actions
from .resources.orders import place_order
from .resources.product_actions import KIND as PRODUCT_KIND
from .seed import seed
from .store import Doc

bp = Blueprint("ct_control", __name__, url_prefix="/_sandbox")


@bp.post("/seed")
def seed_fixture() -> Response:
    started = time.perf_counter()
    result = seed(state().store, json_body())
    result["seconds"] = round(time.perf_counter() - started, 3)
    return respond(result, 201)


@bp.post("/generate")
def generate_data() -> Response:
    started = time.perf_counter()
    result = generate(state().store, json_body())
    result["seconds"] = round(time.perf_counter() - started, 3)
    return respond(result, 201)


@bp.post("/orders")
def place_orders() -> Response:
    """Place one order (body = order fixture) or several (``{"orders": [...]}``)."""
    body = json_body()
    st = state()
    fixtures = body["orders"] if isinstance(body.get("orders"), list) else [body]
    with st.store.lock:
        orders = [place_order(st.store, fixture) for fixture in fixtures]
    return respond(orders[0] if "orders" not in body else {"orders": orders}, 201)


def _mutate_product(product: Doc, rng: random.Random, publish: bool) -> None:
    st = state()
    data = product["masterData"]["staged"]
    name = {
        loc: f"{text.split(' ~')[0]} ~{rng.randint(1000, 9999)}"
        for loc, text in data["name"].items()
    }
    actions: list[dict[str, Any]] = [{"action": "changeName", "name": name}]
    for price in data["masterVariant"]["prices"][:1]:
        value = price["value"]
        cents = max(1, value["centAmount"] + rng.choice([-100, 100, 200]))
        actions.append(
            {
                "action": "changePrice",
                "priceId": price["id"],
                "price": {
                    "value": {
                        "currencyCode": value["currencyCode"],
                        "centAmount": cents,
                    }
                },
            }
        )
    if publish:
        actions.append({"action": "publish"})
    st.store.update(
        "product",
        product["id"],
        product["version"],
        lambda ctx: apply_actions(ctx, PRODUCT_KIND, actions),
    )


@bp.post("/products/mutate")
def mutate_products() -> Response:
    """Change name and first price of a fraction (or count) of products, then publish."""
    body = json_body()
    st = state()
    rng = random.Random(body.get("seed", 2))
    publish = bool(body.get("publish", True))
    with st.store.lock:
        ids = sorted(st.store.coll("product").items)
        if "count" in body:
            count = body["count"]
        else:
            fraction = body.get("fraction", 0.01)
            if not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
                raise invalid_input("mutate: 'fraction' must be between 0 and 1")
            count = round(len(ids) * fraction)
        if not isinstance(count, int) or not 0 <= count <= len(ids):
            raise invalid_input(
                "mutate: 'count' must be an integer up to the product count"
            )
        chosen = rng.sample(ids, count)
        started = time.perf_counter()
        for res_id in chosen:
            _mutate_product(st.store.coll("product").items[res_id], rng, publish)
    return respond(
        {
            "mutated": len(chosen),
            "ids": chosen,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )


@bp.post("/products/<res_id>/touch")
def touch_product(res_id: str) -> Response:
    st = state()
    with st.store.lock:
        product = st.store.coll("product").get(res_id)
        if product is None:
            raise not_found(res_id)
        body = json_body() if request.get_data() else {}
        _mutate_product(
            product, random.Random(body.get("seed", 3)), bool(body.get("publish", True))
        )
        return respond(st.store.coll("product").items[res_id])


@bp.post("/tokens/expire")
def expire_tokens() -> Response:
    """Expire ``{"token": "..."}`` only, or every issued token when no token is given."""
    body = json_body() if request.get_data() else {}
    token = body.get("token")
    if token is not None and not isinstance(token, str):
        raise invalid_input("tokens/expire: 'token' must be a string")
    return respond({"expired": state().auth.expire(token)})


@bp.get("/subscriptions")
def list_subscriptions() -> Response:
    return respond(
        {"subscriptions": [s.to_json() for s in state().pusher.subscriptions]}
    )


@bp.post("/subscriptions")
def add_subscription() -> Response:
    try:
        sub = state().pusher.add(json_body())
    except SubscriptionError as exc:
        raise invalid_input(f"subscription: {exc}") from None
    return respond(sub.to_json(), 201)


@bp.delete("/subscriptions")
def delete_subscriptions() -> Response:
    state().pusher.clear()
    return respond({"status": "cleared"})


@bp.get("/subscriptions/deliveries")
def deliveries() -> Response:
    pusher = state().pusher
    return respond({"deliveries": list(pusher.deliveries), "pending": pusher.pending()})


@bp.post("/subscriptions/drain")
def drain() -> Response:
    body = json_body() if request.get_data() else {}
    timeout = body.get("timeout", 10)
    if not isinstance(timeout, (int, float)) or not 0 <= timeout <= 120:
        raise invalid_input("drain: 'timeout' must be 0..120 seconds")
    pusher = state().pusher
    drained = pusher.wait_idle(float(timeout))
    return respond({"drained": drained, "pending": pusher.pending()})


@bp.get("/changes")
def changes() -> Response:
    """Change notifications produced so far (``?since=N`` skips the first N)."""
    since = request.args.get("since", 0, type=int)
    items = list(state().store.changes)
    return respond({"changes": items[since:], "total": len(items)})


@bp.get("/stats")
def stats() -> Response:
    store = state().store
    with store.lock:
        counts = {name: len(coll) for name, coll in store.collections.items()}
    return respond(
        {"counts": counts, "subscriptions": len(state().pusher.subscriptions)}
    )
