"""commercetools sandbox: custom Types and custom field validation on orders and lines."""

from __future__ import annotations

from tests.integration.sandbox.ct_order_support import _error, _order


def test_custom_type_validation(ct_orders):
    order = _order(ct_orders)
    path, line = f"/orders/{order['id']}", order["lineItems"][0]["id"]

    def custom(*actions):
        return ct_orders.update(path, 1, *actions)

    assert _error(custom({"action": "setCustomType", "type": {"key": "nope"}})) == (
        400,
        "ReferencedResourceNotFound",
    )
    assert _error(
        custom({"action": "setCustomType", "type": {"key": "fluent-line-item"}})
    ) == (400, "InvalidOperation")
    assert _error(
        custom({"action": "setCustomType", "type": {"key": "fluent-order"}})
    ) == (400, "RequiredField")
    assert _error(
        custom(
            {
                "action": "setCustomType",
                "type": {"key": "fluent-order"},
                "fields": {"fluentOrderId": 5},
            }
        )
    ) == (400, "InvalidField")
    assert _error(
        custom(
            {
                "action": "setCustomType",
                "type": {"key": "fluent-order"},
                "fields": {"fluentOrderId": "F1", "channel": "XX"},
            }
        )
    ) == (400, "InvalidField")
    assert _error(
        custom(
            {
                "action": "setCustomType",
                "type": {"key": "fluent-order"},
                "fields": {"fluentOrderId": "F1", "extra": 1},
            }
        )
    ) == (400, "InvalidField")
    assert _error(
        custom(
            {
                "action": "setLineItemCustomField",
                "lineItemId": line,
                "name": "fluentStatus",
                "value": "X",
            }
        )
    ) == (400, "InvalidOperation")
    updated = ct_orders.ok(
        custom(
            {
                "action": "setCustomType",
                "type": {"typeId": "type", "key": "fluent-order"},
                "fields": {"fluentOrderId": "F1", "channel": "HD"},
            },
            {
                "action": "setLineItemCustomType",
                "lineItemId": line,
                "type": {"key": "fluent-line-item"},
                "fields": {"fluentStatus": "ALLOCATED"},
            },
            {
                "action": "setLineItemCustomField",
                "lineItemId": line,
                "name": "picked",
                "value": 2,
            },
            {
                "action": "setLineItemCustomField",
                "lineItemId": line,
                "name": "fluentStatus",
            },
        )
    )
    assert updated["custom"]["fields"] == {"fluentOrderId": "F1", "channel": "HD"}
    assert updated["lineItems"][0]["custom"]["fields"] == {"picked": 2}
    bad_number = ct_orders.update(
        path,
        2,
        {
            "action": "setLineItemCustomField",
            "lineItemId": line,
            "name": "picked",
            "value": "two",
        },
    )
    assert _error(bad_number) == (400, "InvalidField")
    removal = ct_orders.update(
        path, 2, {"action": "setCustomField", "name": "fluentOrderId"}
    )
    assert _error(removal) == (400, "RequiredField")
