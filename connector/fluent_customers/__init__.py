"""The Fluent customer of a commercetools customer or guest: mapping, options, ensure.

Shared by the customers module (its event handler) and the orders module (an order's
customer is ensured before the order is created).
"""
