"""Queue listeners: commercetools subscription messages read from a cloud queue (the
``ct-queue`` of Fluent's own deployment) and accepted into the same inbox as
``POST /webhooks/commercetools``. ``sqs``: AWS SQS (``connector listen sqs``).
"""
