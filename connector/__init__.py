"""commercetools <-> Fluent Commerce connector."""
