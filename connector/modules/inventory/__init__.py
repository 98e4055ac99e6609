"""Fluent aggregate stock (ATS) -> commercetools inventory entries (batch sync).

Owns the inventory entries of one supply channel (``CTP_INVENTORY_CHANNEL_KEY``): one
entry per SKU (= Fluent ``productRef``) of the virtual catalogue
``FLUENT_VIRTUAL_CATALOGUE_REF``, ``quantityOnStock`` set from the position's
``quantity``. Incremental by ``updatedOn``; only changed quantities are written. It never
deletes entries, never touches entries of other channels and never writes to Fluent.
"""

from connector.specs import FULL_RUN_SECONDS, ModuleSpec

SPEC = ModuleSpec(
    name="inventory",
    description="Fluent virtual catalogue (ATS) -> commercetools inventory entries",
    batch="connector.modules.inventory.stream:build",
    every_seconds=120.0,
    full_every_seconds=FULL_RUN_SECONDS,
)
