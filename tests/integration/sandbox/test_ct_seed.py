"""commercetools sandbox: seeding fixtures, the generator, bulk mutation for benchmarks."""

from __future__ import annotations

import pytest
import requests

from sandbox.commercetools.testing import CtSandboxApi, SandboxError


@pytest.fixture
def ct(ct_sandbox) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), ct_sandbox.url)
    api.login()
    return api


def test_generate_10000_products_x_3_variants_quickly(ct):
    result = ct.generate(
        categories=100,
        products=10000,
        variants_per_product=3,
        channels=20,
        customers=500,
        seed=1,
    )
    assert result["created"]["variants"] == 30000
    assert result["seconds"] < 5, result
    counts = ct.control("GET", "/stats")["counts"]
    assert (
        counts["product"],
        counts["category"],
        counts["channel"],
        counts["customer"],
    ) == (10000, 100, 20, 500)
    assert ct.ok(ct.get("/messages"))["total"] == 0  # no messages by default
    product = ct.ok(ct.get("/product-projections/key=prod-00042"))
    assert set(product["name"]) == {"en", "de"} and set(product["slug"]) == {"en", "de"}
    assert product["published"] is True and len(product["variants"]) == 2
    master = product["masterVariant"]
    assert master["sku"] == "SKU-00042-1"
    assert {p["value"]["currencyCode"] for p in master["prices"]} == {"EUR", "USD"}
    assert {a["name"] for a in master["attributes"]} == {
        "color",
        "size",
        "brand",
        "ean",
    }
    ean = next(a["value"] for a in master["attributes"] if a["name"] == "ean")
    assert len(ean) == 13 and ean.isdigit()
    category = ct.ok(ct.get(f"/categories/{product['categories'][0]['id']}"))
    assert category["key"].startswith("cat-")
    channel = ct.ok(ct.get("/channels", limit=1))["results"][0]
    assert channel["roles"] == ["InventorySupply", "ProductDistribution"]
    assert len(channel["geoLocation"]["coordinates"]) == 2


def test_generator_is_deterministic_and_continues_numbering(ct):
    ct.generate(products=20, variants_per_product=2, categories=3, seed=5)
    first = sorted(p["id"] for p in ct.query_all("/products"))
    ct.control("POST", "/reset")
    ct.login()
    ct.generate(products=20, variants_per_product=2, categories=3, seed=5)
    again = sorted(p["id"] for p in ct.query_all("/products"))
    assert first == again
    ct.generate(products=5, variants_per_product=1, seed=5)
    keys = sorted(p["key"] for p in ct.query_all("/products"))
    assert len(keys) == 25 and keys[-1] == "prod-00025"


def test_generate_with_messages_and_inventory(ct):
    ct.generate(
        products=3, variants_per_product=2, channels=2, inventory=True, messages=True
    )
    types = [m["type"] for m in ct.ok(ct.get("/messages", limit=100))["results"]]
    assert types.count("ProductCreated") == 3 and types.count("ProductPublished") == 3
    assert types.count("InventoryEntryCreated") == 12
    entries = ct.ok(ct.get("/inventory", where='sku = "SKU-00001-2"'))
    assert entries["total"] == 2
    with pytest.raises(SandboxError):
        ct.generate(products=-1)


def test_mutate_changes_products_and_publishes(ct):
    ct.generate(products=1000, variants_per_product=1, seed=2)
    before = ct.ok(ct.get("/product-projections", limit=1, sort="lastModifiedAt desc"))
    result = ct.control("POST", "/products/mutate", {"fraction": 0.01, "seed": 9})
    assert result["mutated"] == 10
    changed = ct.ok(ct.get("/product-projections", where="version > 1", limit=50))
    assert changed["total"] == 10
    assert {p["id"] for p in changed["results"]} == set(result["ids"])
    sample = changed["results"][0]
    assert " ~" in sample["name"]["en"] and sample["hasStagedChanges"] is False
    assert sample["lastModifiedAt"] > before["results"][0]["createdAt"]
    published = ct.ok(ct.get("/messages", where='type = "ProductPublished"', limit=50))
    assert published["total"] == 10
    touched = ct.control("POST", f"/products/{sample['id']}/touch")
    assert touched["version"] == sample["version"] + 1


def test_seed_fixture_conveniences_and_errors(ct):
    result = ct.seed(
        {
            "messages": False,
            "categories": [
                {"key": "shoes", "name": "Shoes"},
                {
                    "key": "sneakers",
                    "name": {"en": "Sneakers", "de": "Turnschuhe"},
                    "parent": "shoes",
                },
            ],
            "channels": [{"key": "store-ams", "name": "Amsterdam"}],
            "products": [
                {
                    "key": "p1",
                    "name": "Runner",
                    "categories": ["sneakers"],
                    "published": True,
                    "sku": "SKU-1",
                    "prices": [{"currencyCode": "EUR", "centAmount": 1000}],
                    "attributes": [{"name": "size", "value": 42}],
                }
            ],
            "inventory": [
                {"sku": "SKU-1", "quantityOnStock": 4, "supplyChannel": "store-ams"}
            ],
            "orders": [
                {
                    "import": True,
                    "orderNumber": "I-1",
                    "lineItems": [{"sku": "SKU-1", "quantity": 1}],
                    "totalPrice": {"currencyCode": "EUR", "centAmount": 1000},
                }
            ],
        }
    )
    assert result["created"] == {
        "categories": 2,
        "channels": 1,
        "products": 1,
        "inventory": 1,
        "orders": 1,
    }
    assert set(result["ids"]["categories"]) == {"shoes", "sneakers"}
    assert ct.ok(ct.get("/messages"))["total"] == 0
    product = ct.ok(ct.get("/product-projections/key=p1"))
    assert product["slug"]["en"] == "runner-p1"
    assert product["categories"][0]["id"] == result["ids"]["categories"]["sneakers"]
    assert product["masterVariant"]["attributes"] == [{"name": "size", "value": 42}]
    order = ct.ok(ct.get("/orders/order-number=I-1"))
    assert order["lineItems"][0]["productId"] == product["id"]
    bad = requests.post(
        f"{ct.url}/_sandbox/seed", json={"channels": [{"key": "store-ams"}]}, timeout=10
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "DuplicateField"
    assert bad.json()["errors"][0]["message"].startswith("seed channels[0]:")
    unknown = requests.post(f"{ct.url}/_sandbox/seed", json={"carts": []}, timeout=10)
    assert unknown.status_code == 400
