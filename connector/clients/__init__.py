"""HTTP clients of commercetools and Fluent: the only code that imports `requests`."""
