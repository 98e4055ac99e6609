"""GraphQL resolvers of the Fluent sandbox, one module per domain.

Importing this package registers every resolver; ``bind(schema)`` attaches them.
"""

from . import (  # noqa: F401  (imported for their registrations)
    carriers,
    catalog,
    customers,
    fulfilments,
    inventory,
    locations,
    options,
    orders,
    payments,
    products,
    settings,
    stock,
)
from .common import FluentError
from .registry import bind

__all__ = ["FluentError", "bind"]
