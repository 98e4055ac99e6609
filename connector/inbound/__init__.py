"""Inbound messages, from any channel to a handler.

Stage 1 (``pipeline``): a source (``fluent``, ``commercetools``, ``external``) verifies and
validates a body, the pipeline records it and enqueues its id. Stage 2 (``dispatch``): claim
the row, find its handler (``routing``), run it, record the outcome. The ``sweeper`` re-enqueues
rows a dead broker or worker left behind. The Flask views (``connector.webhooks``), the
commercetools poller and other listeners call into this package, never into each other.
"""
