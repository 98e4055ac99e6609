"""GraphQL text of the availability reads (fluent-api.md §3.9). Text only, no I/O.

One request answers a stock lookup: the virtual catalogue's positions of the SKUs
(overall quantity) and ``searchVirtualInventory`` (per location, nearest first when a
proximity origin is given), plus one aliased ``location(ref)`` per requested pickup
location so a location without stock is still answered (and an unknown one detected).
"""

from __future__ import annotations

LOCATION_FIELDS = """
    ref name type status
    primaryAddress { street city state postcode country latitude longitude timeZone }
"""

POSITION_FIELDS = "ref productRef quantity status groupRef"


def stock_query(location_count: int) -> str:
    """The stock query; ``$loc0..$locN`` are the pickup location refs."""
    loc_vars = "".join(f", $loc{i}: String" for i in range(location_count))
    loc_fields = "".join(
        f" loc{i}: location(ref: $loc{i}) {{ {LOCATION_FIELDS} }}"
        for i in range(location_count)
    )
    return f"""
query Availability($catalogue: String!, $skus: [String],
    $productQuantities: [ProductQuantityInput!]!, $origin: GeoCoordinateInput,
    $first: Int, $positionsFirst: Int{loc_vars}) {{
  positions: virtualPositions(catalogue: {{ref: $catalogue}}, productRef: $skus,
      first: $positionsFirst) {{
    edges {{ node {{ {POSITION_FIELDS} }} }}
    pageInfo {{ hasNextPage }}
  }}
  search: searchVirtualInventory(virtualCatalogue: {{ref: $catalogue}},
      productQuantities: $productQuantities, orderByProximity: $origin,
      first: $first) {{
    edges {{ node {{
      location {{ {LOCATION_FIELDS} }}
      virtualPositions {{ {POSITION_FIELDS} }}
    }} }}
  }}{loc_fields}
}}
"""


CREATE_FULFILMENT_OPTION = """
mutation AvailabilityOptions($input: CreateFulfilmentOptionInput) {
  createFulfilmentOption(input: $input, executionMode: AWAIT_ORCHESTRATION) {
    id ref status orderType
    plans(first: 20) {
      edges { node {
        ref status eta splitCount
        fulfilments {
          locationRef fulfilmentType eta
          items { productRef catalogueRef availableQuantity requestedQuantity }
        }
        exceptions { code message }
      } }
    }
  }
}
"""
