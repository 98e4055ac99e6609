"""Celery tasks: thin glue that loads ids and calls into ``connector``."""
