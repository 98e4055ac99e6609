"""Catalogue code shared by the categories and products modules: reading commercetools in
windows, writing Fluent catalogue entities in batches, applying planned records.
"""
