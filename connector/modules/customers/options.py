"""Options of the customers module (YAML ``modules.customers``): the Fluent customer
options shared with the orders module live in connector/fluent_customers/options.py."""

from connector.fluent_customers.options import KEYS, CustomerOptions

__all__ = ["KEYS", "CustomerOptions"]
