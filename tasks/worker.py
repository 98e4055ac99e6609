"""The ``celery -A tasks.worker`` target: the connector's Celery app with its schedule.

Each prefork pool process starts with fresh per-process state (``Runtime.after_fork``):
no database connection, HTTP session or token cache inherited from the parent. Celery's
own log handlers get the redacting filter (no token, credential or e-mail in a line).
"""

import gc
import logging
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    worker_init,
    worker_process_init,
)

from connector import create_app
from connector.fluent_connect.effective import check_at_start
from connector.redact import RedactingFilter
from tasks.schedule import build_schedule

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = build_schedule(celery.runtime)


@worker_init.connect
def _check_fluent_settings(**_: object) -> None:
    """Fluent's account-mapping setting must name this deployment (else exit)."""
    check_at_start(celery.runtime)


@worker_init.connect
def _freeze_before_fork(**_: Any) -> None:
    """Keep the loaded app out of the collector's reach so the forked pool processes
    share its memory pages instead of copying them (``gc.freeze``)."""
    gc.freeze()


@worker_process_init.connect
def _fresh_process_state(**_: Any) -> None:
    celery.runtime.after_fork()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_celery_logs(logger: logging.Logger, **_: Any) -> None:
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
