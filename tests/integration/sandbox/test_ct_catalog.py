"""commercetools sandbox: categories, products and product projections over HTTP."""

from __future__ import annotations

import pytest
import requests

from sandbox.commercetools.testing import CtSandboxApi


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
    gone = ct.api("DELETE", f"/products/{product['id']}", params={"version": 5})
    assert gone.status_code == 200
    assert ct.get(f"/products/{product['id']}").status_code == 404
    (deleted,) = _messages(ct, "ProductDeleted")
    assert deleted["removedImageUrls"] == [] and deleted["resourceVersion"] == 6
    assert ct.ok(ct.get(f"/messages/{deleted['id']}")) == deleted
    assert ct.get("/messages/unknown-id").status_code == 404


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
