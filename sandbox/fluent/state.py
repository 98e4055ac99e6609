"""The state of one Fluent sandbox app (``app.extensions["fluent_sandbox"]``).

It ties together the data store, the event log, the webhook dispatcher, the lifecycle
driver, tokens, the key pair and the shared call log / fault rules. One ``RLock``
serialises every request that reads or writes entity data, so handlers never observe a
half-applied mutation. ``reset`` restores the freshly bootstrapped account.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from .. import defaults
from ..common import CallLog, Faults
from .auth import Credentials, TokenStore
from .events import EventLog
from .keys import process_key_pair
from .lifecycle import Lifecycle
from .store import DataStore
from .webhooks import WebhookDispatcher


class FluentSandbox:
    """Everything one emulated Fluent account holds."""

    def __init__(
        self,
        *,
        account_id: str = defaults.FLUENT_ACCOUNT_ID,
        credentials: Credentials | None = None,
        webhook_url: str | None = None,
    ) -> None:
        self.account_id = account_id
        self.credentials = credentials or Credentials()
        self.retailer_id = str(self.credentials.retailer_id)
        self.catalogue_ref = defaults.FLUENT_CATALOGUE_REF
        self.virtual_catalogue_ref = defaults.FLUENT_VIRTUAL_CATALOGUE_REF
        self.inventory_catalogue_ref = defaults.FLUENT_INVENTORY_CATALOGUE_REF
        self.network_ref = defaults.FLUENT_NETWORK_REF
        self.lock = threading.RLock()
        self.data = DataStore()
        self.calls = CallLog()
        self.faults = Faults()
        self.tokens = TokenStore()
        self.keys = process_key_pair()
        self.events = EventLog(self)
        self.webhooks = WebhookDispatcher(self, webhook_url)
        self.lifecycle = Lifecycle(self)
        self.schedule_ids = itertools.count(1)
        self.choice_ids = itertools.count(1)
        self.bootstrap()

    @property
    def public_key_pem(self) -> str:
        return self.keys.public_key_pem

    @property
    def public_key_der_b64(self) -> str:
        return self.keys.public_key_der_b64

    def bootstrap(self) -> None:
        from .seed import bootstrap

        bootstrap(self)

    def reset(self) -> None:
        """Back to a fresh account: data, events, webhooks, lifecycle and token
        settings (issued tokens stay valid, so long-lived clients keep working)."""
        with self.lock:
            self.data.reset()
            self.events.reset()
            self.webhooks.reset()
            self.lifecycle.reset()
            self.tokens.reset_settings()
            self.schedule_ids = itertools.count(1)
            self.choice_ids = itertools.count(1)
            self.bootstrap()

    def describe(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "retailerId": self.retailer_id,
            "catalogueRef": self.catalogue_ref,
            "virtualCatalogueRef": self.virtual_catalogue_ref,
            "inventoryCatalogueRef": self.inventory_catalogue_ref,
            "networkRef": self.network_ref,
            "counts": self.data.counts(),
            "events": len(self.events.records),
            "webhooks": self.webhooks.summary(),
        }
