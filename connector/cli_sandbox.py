"""``connector sandbox --seed``: fill the running sandboxes through their control APIs.

``demo`` loads the demo retailer's fixtures (the data ``connector demo`` uses); a number
N generates N commercetools products (two variants each, categories, channels,
customers) and Fluent locations with ``POST /_sandbox/generate``. Returns one line
saying what was created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from sandbox.serve import Sandboxes


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(url, json=body, timeout=120)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def _counts(answer: Any) -> str:
    """``3 products, 6 variants`` from a control API answer (its integer counts)."""
    if isinstance(answer, dict):
        answer = answer.get("created") or answer.get("counts") or answer
    if not isinstance(answer, dict):
        return "nothing"
    parts = [
        f"{v} {k}"
        for k, v in answer.items()
        if isinstance(v, int) and not isinstance(v, bool) and v
    ]
    return ", ".join(parts) or "nothing"


def seed_sandboxes(boxes: Sandboxes, seed: str) -> str:
    """Seed both sandboxes (``demo`` or a product count); one line for the operator."""
    if seed == "demo":
        from connector.demo.runner import seed as seed_demo

        done = seed_demo(boxes.ct.url, boxes.fluent.url)
        return (
            f"seeded the demo retailer: commercetools {_counts(done['ct'])}; "
            f"Fluent {_counts(done['fluent'])}"
        )
    products = int(seed)
    ct = _post(
        f"{boxes.ct.url}/_sandbox/generate",
        {
            "products": products,
            "variants_per_product": 2,
            "categories": max(1, products // 10),
            "channels": 3,
            "customers": min(products, 50),
        },
    )
    fluent = _post(f"{boxes.fluent.url}/_sandbox/generate", {"locations": 3})
    return (
        f"seeded {products} product(s): commercetools {_counts(ct)}; "
        f"Fluent {_counts(fluent)}"
    )
