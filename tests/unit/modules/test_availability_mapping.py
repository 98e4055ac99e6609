"""Availability: query parsing/validation and the pure Fluent -> answer mapping."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from connector.modules.availability import mapping
from connector.modules.availability.schemas import AvailabilityQuery, load_query


def query(**args) -> AvailabilityQuery:
    return load_query(MultiDict(args), max_items=5)


def errors(**args) -> dict:
    with pytest.raises(ValidationError) as info:
        query(**args)
    return info.value.messages


def test_sku_quantity_and_items_syntaxes_normalise_to_the_same_items():
    a = load_query(
        MultiDict([("sku", "A"), ("sku", "B"), ("quantity", "2"), ("quantity", "1")]),
        max_items=5,
    )
    b = query(items="A:2, B")
    c = load_query(MultiDict([("sku", "A"), ("sku", "B"), ("sku", "A")]), max_items=5)
    assert a.items == b.items == (("A", 2), ("B", 1))
    assert c.items == (("A", 2), ("B", 1))  # repeated SKU merged
    assert query(sku="X", quantity="3").items == (("X", 3),)
    assert query(items="urn:sku:9:4").items == (("urn:sku:9", 4),)
    assert a.mode == "stock" and a.origin is None and a.locations == ()


def test_sku_and_items_together_request_both():
    q = load_query(
        MultiDict([("items", "A:2,B"), ("sku", "C"), ("sku", "A"), ("quantity", "3")]),
        max_items=5,
    )
    assert q.items == (("A", 5), ("B", 1), ("C", 3))
    assert "quantity" in errors(items="A:1", quantity="2")  # quantity is for sku


def test_coordinates_are_rounded_and_locations_deduplicated():
    q = load_query(
        MultiDict(
            [
                ("sku", "A"),
                ("lat", "-33.868812"),
                ("lon", "151.20931"),
                ("location", "S1"),
                ("location", "S1"),
            ]
        ),
        max_items=5,
    )
    assert q.origin == (-33.8688, 151.2093)
    assert q.locations == ("S1",)


@pytest.mark.parametrize(
    "args, name",
    [
        ({}, "sku"),
        ({"sku": ""}, "sku"),
        ({"sku": "A", "quantity": "-1"}, "quantity"),
        ({"sku": "A", "quantity": "1.5"}, "quantity"),
        ({"items": "A:0"}, "items"),
        ({"items": "A,,B"}, "items"),
        ({"sku": "A", "lon": "181", "lat": "0"}, "lon"),
        ({"sku": "A", "lon": "1"}, "lat"),
        ({"sku": "A", "lat": "nan", "lon": "1"}, "lat"),
        ({"sku": "A", "mode": "options", "order_type": "XX"}, "order_type"),
        ({"sku": "A", "bogus": "1"}, "bogus"),
        ({"items": "A,B,C,D,E,F"}, "items"),
    ],
)
def test_invalid_parameters_are_named(args, name):
    assert name in errors(**args)


def test_a_scalar_parameter_given_twice_is_refused():
    with pytest.raises(ValidationError) as info:
        load_query(
            MultiDict([("sku", "A"), ("mode", "stock"), ("mode", "options")]),
            max_items=5,
        )
    assert "mode" in info.value.messages


def loc(ref, lat=None, lon=None, status="ACTIVE"):
    address = None if lat is None else {"city": ref, "latitude": lat, "longitude": lon}
    return {
        "ref": ref,
        "name": ref,
        "type": "STORE",
        "status": status,
        "primaryAddress": address,
    }


def vp(sku, qty, status="ACTIVE"):
    return {"productRef": sku, "quantity": qty, "status": status}


def data(positions, search, **locs):
    return {
        "positions": {"edges": [{"node": p} for p in positions]},
        "search": {
            "edges": [
                {"node": {"location": where, "virtualPositions": v}}
                for where, v in search
            ]
        },
        **locs,
    }


FAR, NEAR = loc("FAR", 52.52, 13.405), loc("NEAR", 52.37, 4.90)


def test_overall_counts_active_positions_and_locations_sort_by_distance():
    q = query(items="A:3,B", lat="52.3676", lon="4.9041")
    answer = mapping.map_stock(
        q,
        data(
            [vp("A", 2), vp("A", 2), vp("A", 50, "INACTIVE"), vp("B", -4)],
            [(FAR, [vp("A", 4)]), (loc("NOWHERE"), [vp("B", 1)]), (NEAR, [vp("A", 1)])],
        ),
        "BASE:1",
        limit=10,
    )
    assert answer["items"] == [
        {"sku": "A", "requested": 3, "available": 4, "sufficient": True},
        {"sku": "B", "requested": 1, "available": 0, "sufficient": False},
    ]
    assert answer["available"] is False
    assert [entry["ref"] for entry in answer["locations"]] == ["NEAR", "FAR", "NOWHERE"]
    near, far, nowhere = answer["locations"]
    assert near["distanceKm"] < 1 and 570 < far["distanceKm"] < 585
    assert nowhere["distanceKm"] is None and nowhere["address"] is None
    assert far["items"][0] == {"sku": "A", "available": 4, "sufficient": True}
    assert far["available"] is False  # no B there
    limited = mapping.map_stock(q, data([], [(FAR, []), (NEAR, [])]), "BASE:1", limit=1)
    assert [e["ref"] for e in limited["locations"]] == ["NEAR"]


def test_location_filter_keeps_request_order_lists_empty_ones_and_detects_unknown():
    q = load_query(
        MultiDict([("sku", "A"), ("location", "NEAR"), ("location", "FAR")]),
        max_items=5,
    )
    answer = mapping.map_stock(
        q,
        data(
            [vp("A", 9)],
            [(FAR, [vp("A", 9)]), (loc("OTHER"), [vp("A", 1)])],
            loc0=NEAR,
            loc1=FAR,
        ),
        "BASE:1",
        limit=1,
    )
    assert [(e["ref"], e["items"][0]["available"]) for e in answer["locations"]] == [
        ("NEAR", 0),
        ("FAR", 9),
    ]
    with pytest.raises(mapping.UnknownLocation) as info:
        mapping.map_stock(q, data([], [], loc0=NEAR, loc1=None), "BASE:1", limit=5)
    assert info.value.refs == ["FAR"]
    variables = mapping.stock_variables(q, "BASE:1", first=20)
    assert variables["loc0"] == "NEAR" and variables["loc1"] == "FAR"
    assert variables["first"] == mapping.MAX_FIRST  # the wanted ones may be anywhere
    assert variables["productQuantities"] == [{"productRef": "A", "quantity": 1}]


def test_cache_parts_ignore_item_order_but_not_quantities():
    def parts(**args):
        return mapping.cache_parts(query(**args), "BASE:1")

    assert parts(items="A:1,B:2") == parts(items="B:2,A:1")
    assert parts(items="A:1,B:2") != parts(items="A:2,B:2")
    assert parts(items="A") != parts(items="A", mode="options")


def test_fulfilment_option_input_and_plans():
    q = query(items="A:2", mode="options", lat="1.5", lon="2.5")
    payload = mapping.option_input(
        q, ref="R1", option_type="DEFAULT", retailer_id=1, catalogue_ref="PC:MASTER:1"
    )
    assert payload == {
        "ref": "R1",
        "type": "DEFAULT",
        "retailerId": 1,
        "orderType": "HD",
        "products": [
            {"productRef": "A", "requestedQuantity": 2, "catalogueRef": "PC:MASTER:1"}
        ],
        "address": {"latitude": 1.5, "longitude": 2.5},
    }
    cc = query(sku="A", mode="options", location="S1")
    assert (
        mapping.option_input(
            cc, ref="R", option_type="T", retailer_id=1, catalogue_ref=None
        )["locationRef"]
        == "S1"
    )
    assert mapping.order_type(cc) == "CC"
    option = {
        "ref": "R1",
        "orderType": "HD",
        "plans": {
            "edges": [
                {
                    "node": {
                        "ref": "P1",
                        "status": "ACTIVE",
                        "eta": "3 DAYS",
                        "splitCount": 2,
                        "fulfilments": [
                            {
                                "locationRef": "S1",
                                "fulfilmentType": "HD_PFS",
                                "eta": "2 HOURS",
                                "items": [
                                    {
                                        "productRef": "A",
                                        "availableQuantity": 1,
                                        "requestedQuantity": 2,
                                    }
                                ],
                            }
                        ],
                        "exceptions": [
                            {"code": "INSUFFICIENT_STOCK", "message": "A: 1 short"}
                        ],
                    }
                }
            ]
        },
    }
    answer = mapping.map_options(q, option)
    plan = answer["plans"][0]
    assert answer["available"] is False and plan["complete"] is False
    assert plan["etaDuration"] == "P3D"
    assert plan["fulfilments"][0]["etaDuration"] == "PT2H"
    assert plan["fulfilments"][0]["items"] == [
        {"sku": "A", "available": 1, "requested": 2}
    ]


@pytest.mark.parametrize(
    "eta, iso",
    [
        ("1 DAY", "P1D"),
        ("2 days", "P2D"),
        ("45 MINUTES", "PT45M"),
        ("1 WEEK", "P1W"),
        ("soon", None),
        (None, None),
    ],
)
def test_eta_duration(eta, iso):
    assert mapping.eta_duration(eta) == iso


def test_distance_is_haversine():
    assert mapping.distance_km((0, 0), (0, 0)) == 0
    assert 110.5 < mapping.distance_km((0, 0), (1, 0)) < 111.5
