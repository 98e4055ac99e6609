"""Fluent locations -> commercetools channels (batch sync; DESIGN.md §2).

Owns the channel mirror of Fluent locations: key ``<prefix><location ref>``, roles
InventorySupply + ProductDistribution, name, address, geoLocation and the
``fluent-location`` custom fields (type, status, phone, time zone, opening hours).
Incremental by Fluent ``updatedOn`` (checkpoint + overlap); ``--full`` reads all.
It never deletes a channel and never writes to Fluent.
"""

from connector.specs import FULL_RUN_SECONDS, ModuleSpec

SPEC = ModuleSpec(
    name="locations",
    description="Fluent locations -> commercetools channels",
    batch="connector.modules.locations.stream:build",
    every_seconds=900.0,
    full_every_seconds=FULL_RUN_SECONDS,
)
