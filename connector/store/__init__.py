"""The connector's store: engine/session setup and the only code that queries its tables."""

from connector.store.db import Store

__all__ = ["Store"]
