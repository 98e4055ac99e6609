"""The demo's settings file: the shipped connector.yml plus what the demo exercises
(an external route in and out, a Slack-style channel, CC shipping, AUD prices, fast
beat intervals). Batch syncs are started through the jobs API, so their beat entries
are off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from connector.config import DEFAULT_CONFIG_FILE

PARTNER_ROUTE = "demo-partner"
TOKEN = "demo-token"
INBOUND_SECRET = "demo-inbound-secret"
OUTBOUND_SECRET = "demo-outbound-secret"


def demo_settings() -> dict[str, Any]:
    base: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text()) or {}
    routes = list(base.get("routes") or [])
    routes.append(
        {
            "name": PARTNER_ROUTE,
            "source": "external",
            "handler": "external_out.send",
            "options": {
                "auth": "hmac",
                "secret_env": "DEMO_INBOUND_SECRET",
                "id_field": "id",
                "target": PARTNER_ROUTE,
            },
        }
    )
    base["routes"] = routes
    base["notifications"] = {
        "settle_seconds": 1,
        "channels": [
            {"type": "slack", "name": "demo-slack", "url_env": "DEMO_SLACK_URL"}
        ],
    }
    base["schedules"] = {
        **(base.get("schedules") or {}),
        "categories": 0,
        "products": 0,
        "locations": 0,
        "inventory": 0,
        "ct-messages-poll": 1,
        "external-out-deliver": 1,
        "notifications-flush": 2,
        "event-errors-summarize": 0,
    }
    modules = dict(base.get("modules") or {})
    modules["orders"] = {
        **(modules.get("orders") or {}),
        "shipping_methods": {
            "click-collect": {
                "type": "CC",
                "deliveryType": "STANDARD",
                "pickupLocationRef": "STORE_MEL",
            }
        },
    }
    modules["products"] = {
        **(modules.get("products") or {}),
        "prices": [{"type": "DEFAULT", "currency": "AUD"}],
    }
    modules["external_out"] = {
        **(modules.get("external_out") or {}),
        "allow_networks": ["127.0.0.1/32"],
        "targets": {
            PARTNER_ROUTE: {
                "url_env": "DEMO_PARTNER_URL",
                "secret_env": "DEMO_OUTBOUND_SECRET",
            }
        },
    }
    base["modules"] = modules
    return base


def write_settings(path: Path) -> Path:
    path.write_text(yaml.safe_dump(demo_settings(), sort_keys=False))
    return path
