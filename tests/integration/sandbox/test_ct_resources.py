"""commercetools sandbox: catalogue, channels, inventory and customers over HTTP."""

from __future__ import annotations

import pytest
import requests

from connector.sandbox.commercetools.testing import CtSandboxApi


@pytest.fixture
def ct(ct_sandbox) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), ct_sandbox.url)
    api.login()
    return api


def _messages(ct: CtSandboxApi, *types: str) -> list[dict]:
    quoted = ", ".join(f'"{t}"' for t in types)
    body = ct.ok(ct.get("/messages", where=f"type in ({quoted})", sort="createdAt asc"))
    # equal createdAt within one request: order by the per-resource sequence number
    return sorted(body["results"], key=lambda m: (m["createdAt"], m["sequenceNumber"]))


def _product_type(ct: CtSandboxApi) -> dict:
    draft = {
        "key": "shoe",
        "name": "Shoe",
        "description": "Shoes",
        "attributes": [
            {
                "name": "color",
                "label": {"en": "Color"},
                "type": {"name": "text"},
                "isRequired": False,
            },
        ],
    }
    return ct.ok(ct.post("/product-types", draft), 201)


def test_categories_parent_ancestors_and_messages(ct):
    root = ct.ok(
        ct.post(
            "/categories",
            {"key": "shoes", "name": {"en": "Shoes"}, "slug": {"en": "shoes"}},
        ),
        201,
    )
    child = ct.ok(
        ct.post(
            "/categories",
            {
                "key": "sneakers",
                "name": {"en": "Sneakers"},
                "slug": {"en": "sneakers"},
                "parent": {"typeId": "category", "key": "shoes"},
                "orderHint": "0.2",
            },
        ),
        201,
    )
    assert child["parent"] == {"typeId": "category", "id": root["id"]}
    assert child["ancestors"] == [{"typeId": "category", "id": root["id"]}]
    assert child["version"] == 1 and child["createdAt"].endswith("Z")
    dup = ct.post(
        "/categories", {"key": "shoes", "name": {"en": "x"}, "slug": {"en": "xx"}}
    )
    assert dup.status_code == 400
    assert dup.json()["errors"][0]["code"] == "DuplicateField"
    missing_parent = ct.post(
        "/categories",
        {"name": {"en": "x"}, "slug": {"en": "yy"}, "parent": {"key": "nope"}},
    )
    assert missing_parent.json()["errors"][0]["code"] == "ReferencedResourceNotFound"
    updated = ct.ok(
        ct.update(
            f"/categories/{child['id']}",
            1,
            {"action": "changeSlug", "slug": {"en": "sneaker"}},
            {"action": "changeName", "name": {"en": "Sneaker"}},
        )
    )
    assert updated["version"] == 2
    assert updated["lastModifiedAt"] >= child["lastModifiedAt"]
    created = _messages(ct, "CategoryCreated")
    assert [m["category"]["key"] for m in created] == ["shoes", "sneakers"]
    slug = _messages(ct, "CategorySlugChanged")[0]
    assert (slug["slug"], slug["oldSlug"]) == ({"en": "sneaker"}, {"en": "sneakers"})
    assert slug["resourceVersion"] == 2 and slug["sequenceNumber"] == 2
    assert slug["resourceUserProvidedIdentifiers"]["key"] == "sneakers"
    # renaming produces no message (real CT), only a change notification
    assert ct.ok(ct.get("/messages"))["total"] == 3


def test_product_staged_current_and_publish(ct):
    _product_type(ct)
    draft = {
        "key": "runner",
        "productType": {"typeId": "product-type", "key": "shoe"},
        "name": {"en": "Runner"},
        "slug": {"en": "runner"},
        "masterVariant": {
            "sku": "R-1",
            "prices": [{"value": {"currencyCode": "EUR", "centAmount": 4999}}],
            "attributes": [{"name": "color", "value": "red"}],
        },
        "variants": [{"sku": "R-2"}],
    }
    product = ct.ok(ct.post("/products", draft), 201)
    assert product["masterData"]["published"] is False
    assert ct.get(f"/product-projections/{product['id']}").status_code == 404
    staged = ct.ok(ct.get("/product-projections/key=runner", staged="true"))
    assert staged["masterVariant"]["sku"] == "R-1" and staged["variants"][0]["id"] == 2
    product = ct.ok(ct.update(f"/products/{product['id']}", 1, {"action": "publish"}))
    price_id = product["masterData"]["current"]["masterVariant"]["prices"][0]["id"]
    product = ct.ok(
        ct.update(
            f"/products/{product['id']}",
            product["version"],
            {"action": "changeName", "name": {"en": "Runner 2"}},
            {
                "action": "changePrice",
                "priceId": price_id,
                "price": {"value": {"currencyCode": "EUR", "centAmount": 3999}},
            },
            {"action": "setAttribute", "sku": "R-2", "name": "color", "value": "blue"},
        )
    )
    md = product["masterData"]
    assert md["hasStagedChanges"] is True
    assert (
        md["current"]["name"] == {"en": "Runner"}
        and md["staged"]["name"]["en"] == "Runner 2"
    )
    current = ct.ok(ct.get("/product-projections/key=runner"))
    assert current["name"]["en"] == "Runner" and current["version"] == 3
    product = ct.ok(ct.update(f"/products/{product['id']}", 3, {"action": "publish"}))
    assert product["masterData"]["hasStagedChanges"] is False
    current = ct.ok(ct.get("/product-projections/key=runner"))
    assert current["masterVariant"]["prices"][0]["value"]["centAmount"] == 3999
    published = _messages(ct, "ProductPublished")
    assert len(published) == 2
    assert published[-1]["productProjection"]["name"]["en"] == "Runner 2"
    assert published[-1]["productProjection"]["version"] == 4
    assert published[-1]["scope"] == "All" and published[-1]["removedImageUrls"] == []
    ct.ok(ct.update(f"/products/{product['id']}", 4, {"action": "unpublish"}))
    assert ct.get("/product-projections/key=runner").status_code == 404
    assert [
        m["type"] for m in _messages(ct, "ProductCreated", "ProductUnpublished")
    ] == ["ProductCreated", "ProductUnpublished"]


def test_product_validation(ct):
    _product_type(ct)
    base = {"productType": {"key": "shoe"}, "name": {"en": "A"}, "slug": {"en": "a-1"}}
    ct.ok(ct.post("/products", {**base, "masterVariant": {"sku": "S-1"}}), 201)
    dup_sku = ct.post(
        "/products", {**base, "slug": {"en": "a-2"}, "masterVariant": {"sku": "S-1"}}
    )
    assert dup_sku.json()["errors"][0]["code"] == "DuplicateField"
    no_type = ct.post("/products", {**base, "productType": {"key": "nope"}})
    assert no_type.json()["errors"][0]["code"] == "ReferencedResourceNotFound"
    missing = ct.post(
        "/products", {"productType": {"key": "shoe"}, "name": {"en": "x"}}
    )
    assert missing.json()["errors"][0]["code"] == "InvalidJsonInput"
    bad_attr = ct.post(
        "/products",
        {
            **base,
            "slug": {"en": "a-3"},
            "masterVariant": {"attributes": [{"name": "undefined", "value": 1}]},
        },
    )
    assert bad_attr.status_code == 400


def test_channels_actions(ct):
    channel = ct.ok(ct.post("/channels", {"key": "store-ams"}), 201)
    assert channel["roles"] == ["InventorySupply"]
    ct.ok(
        ct.post(
            "/types",
            {
                "key": "store",
                "name": {"en": "Store"},
                "resourceTypeIds": ["channel"],
                "fieldDefinitions": [
                    {
                        "name": "phone",
                        "type": {"name": "String"},
                        "label": {"en": "Phone"},
                        "required": False,
                    }
                ],
            },
        ),
        201,
    )
    channel = ct.ok(
        ct.update(
            f"/channels/{channel['id']}",
            1,
            {"action": "changeName", "name": {"en": "Amsterdam"}},
            {"action": "addRoles", "roles": ["ProductDistribution"]},
            {"action": "setAddress", "address": {"country": "NL", "city": "Amsterdam"}},
            {
                "action": "setGeoLocation",
                "geoLocation": {"type": "Point", "coordinates": [4.9, 52.37]},
            },
            {
                "action": "setCustomType",
                "type": {"key": "store"},
                "fields": {"phone": "1"},
            },
            {"action": "setCustomField", "name": "phone", "value": "020-123"},
        )
    )
    assert channel["roles"] == ["InventorySupply", "ProductDistribution"]
    assert channel["custom"]["fields"] == {"phone": "020-123"}
    assert channel["version"] == 2
    empty = ct.update(
        f"/channels/{channel['id']}", 2, {"action": "setRoles", "roles": []}
    )
    assert empty.json()["errors"][0]["code"] == "InvalidOperation"
    bad_geo = ct.update(
        f"/channels/{channel['id']}",
        2,
        {
            "action": "setGeoLocation",
            "geoLocation": {"type": "Point", "coordinates": [200, 1]},
        },
    )
    assert bad_geo.status_code == 400
    bad_role = ct.update(
        f"/channels/{channel['id']}", 2, {"action": "addRoles", "roles": ["Warehouse"]}
    )
    assert bad_role.status_code == 400
    assert (
        ct.ok(ct.get(f"/channels/{channel['id']}"))["version"] == 2
    )  # nothing applied


def test_inventory_entries(ct):
    ams = ct.ok(ct.post("/channels", {"key": "store-ams"}), 201)
    entry = ct.ok(
        ct.post(
            "/inventory",
            {
                "sku": "SKU-1",
                "quantityOnStock": 10,
                "supplyChannel": {"typeId": "channel", "key": "store-ams"},
            },
        ),
        201,
    )
    assert entry["supplyChannel"] == {"typeId": "channel", "id": ams["id"]}
    assert entry["availableQuantity"] == 10
    dup = ct.post(
        "/inventory",
        {
            "sku": "SKU-1",
            "quantityOnStock": 1,
            "supplyChannel": {"typeId": "channel", "id": ams["id"]},
        },
    )
    assert (
        dup.status_code == 400 and dup.json()["errors"][0]["code"] == "DuplicateField"
    )
    ct.ok(
        ct.post("/inventory", {"sku": "SKU-1", "quantityOnStock": 1}), 201
    )  # no channel
    entry = ct.ok(
        ct.update(
            f"/inventory/{entry['id']}",
            1,
            {"action": "addQuantity", "quantity": 5},
            {"action": "removeQuantity", "quantity": 20},
            {
                "action": "setExpectedDelivery",
                "expectedDelivery": "2026-12-01T00:00:00Z",
            },
            {"action": "setRestockableInDays", "restockableInDays": 3},
        )
    )
    assert (entry["quantityOnStock"], entry["availableQuantity"]) == (-5, -5)
    assert entry["expectedDelivery"] == "2026-12-01T00:00:00.000Z"
    entry = ct.ok(
        ct.update(
            f"/inventory/{entry['id']}", 2, {"action": "changeQuantity", "quantity": 25}
        )
    )
    assert entry["availableQuantity"] == 25
    sets = _messages(ct, "InventoryEntryQuantitySet")
    assert [(m["oldQuantityOnStock"], m["newQuantityOnStock"]) for m in sets] == [
        (10, 15),
        (15, -5),
        (-5, 25),
    ]
    assert sets[0]["supplyChannel"]["id"] == ams["id"] and sets[0]["sku"] == "SKU-1"
    assert len(_messages(ct, "InventoryEntryCreated")) == 2
    deleted = ct.api("DELETE", f"/inventory/{entry['id']}", params={"version": 3})
    assert deleted.status_code == 200
    assert ct.get(f"/inventory/{entry['id']}").status_code == 404


def test_customers(ct):
    resp = ct.post(
        "/customers",
        {
            "email": "Ann@Example.com",
            "password": "secret",
            "firstName": "Ann",
            "addresses": [{"country": "DE"}],
            "defaultShippingAddress": 0,
        },
    )
    assert resp.status_code == 201
    customer = resp.json()["customer"]
    assert customer["defaultShippingAddressId"] == customer["addresses"][0]["id"]
    assert customer["shippingAddressIds"] == [customer["addresses"][0]["id"]]
    dup = ct.post("/customers", {"email": "ann@example.com", "password": "x"})
    assert dup.status_code == 400 and dup.json()["errors"][0]["field"] == "email"
    customer = ct.ok(
        ct.update(
            f"/customers/{customer['id']}",
            1,
            {"action": "setLastName", "lastName": "Smith"},
            {"action": "changeEmail", "email": "ann@example.org"},
        )
    )
    assert customer["lastName"] == "Smith" and customer["email"] == "ann@example.org"
    types = [
        m["type"] for m in ct.ok(ct.get("/messages", sort="createdAt asc"))["results"]
    ]
    assert types == ["CustomerCreated", "CustomerLastNameSet", "CustomerEmailChanged"]


def test_versions_errors_and_unknown_ids(ct):
    channel = ct.ok(ct.post("/channels", {"key": "c1"}), 201)
    path = f"/channels/{channel['id']}"
    ct.ok(ct.update(path, 1, {"action": "changeKey", "key": "c2"}))
    stale = ct.update(path, 1, {"action": "changeKey", "key": "c3"})
    assert stale.status_code == 409
    error = stale.json()
    assert error["statusCode"] == 409
    assert error["errors"][0]["code"] == "ConcurrentModification"
    assert error["errors"][0]["currentVersion"] == 2
    unknown = ct.update(path, 2, {"action": "setMood", "mood": "happy"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["code"] == "InvalidInput"
    assert ct.ok(ct.get("/channels/key=c2"))["version"] == 2
    missing = ct.get("/channels/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "ResourceNotFound"
    assert (
        ct.update(
            "/channels/key=nope", 1, {"action": "changeKey", "key": "x"}
        ).status_code
        == 404
    )
    no_version = ct.post(path, {"actions": []})
    assert no_version.json()["errors"][0]["code"] == "InvalidJsonInput"
    bad_json = ct.api(
        "POST", "/channels", data="{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["errors"][0]["code"] == "InvalidJsonInput"
