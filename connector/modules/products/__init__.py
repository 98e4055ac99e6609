"""products: commercetools products -> Fluent STANDARD + VARIANT products.

Each CT product (product projection, current by default) becomes a standard product
(ref = product key, fallback id) and each variant with a SKU a variant product (ref =
SKU) linked to it; names, prices, categories, attributes and gtin by configurable rules;
status ACTIVE. Batch sync (beat and ``connector sync products``) and CT product events
share one mapping and one fingerprint store. Options: YAML ``modules.products``.
"""

from connector.settings_file import Route
from connector.specs import FULL_RUN_SECONDS, ModuleSpec

SPEC = ModuleSpec(
    name="products",
    description="CT products -> Fluent standard and variant products",
    handlers={"products.upsert": "connector.modules.products.service:handle_event"},
    routes=(
        Route(
            name="commercetools.connect.product.upsert",
            source="commercetools",
            handler="products.upsert",
            types=(
                "ProductCreated",
                "ProductPublished",
                "ProductUnpublished",
                "ProductDeleted",
                "ResourceCreated",
                "ResourceUpdated",
                "ResourceDeleted",
            ),
            resource_types=("product",),
        ),
    ),
    batch="connector.modules.products.stream:build",
    every_seconds=900.0,
    full_every_seconds=FULL_RUN_SECONDS,
)
