"""categories: commercetools categories -> Fluent categories of FLUENT_CATALOGUE_REF.

Batch sync (beat and ``connector sync categories``) and CT category events (Messages
poller or ``POST /webhooks/commercetools``) share one mapping and one fingerprint store.
Ref = category key (fallback id); parents are written before children; deleted
categories are deactivated (``on_delete``). Options: YAML ``modules.categories``.
"""

from connector.settings_file import Route
from connector.specs import FULL_RUN_SECONDS, ModuleSpec

SPEC = ModuleSpec(
    name="categories",
    description="CT categories -> Fluent categories (parents first)",
    handlers={"categories.upsert": "connector.modules.categories.service:handle_event"},
    routes=(
        Route(
            name="commercetools.connect.category.upsert",
            source="commercetools",
            handler="categories.upsert",
            types=(
                "CategoryCreated",
                "CategorySlugChanged",
                "ResourceCreated",
                "ResourceUpdated",
                "ResourceDeleted",
            ),
            resource_types=("category",),
        ),
    ),
    batch="connector.modules.categories.stream:build",
    every_seconds=900.0,
    full_every_seconds=FULL_RUN_SECONDS,
)
