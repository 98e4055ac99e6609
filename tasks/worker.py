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
def _import_handlers_before_fork(**_: Any) -> None:
    """Import every route's handler once, in the main process: each pool process
    (a new one after every ``--max-tasks-per-child`` tasks) otherwise imports its
    handlers' modules on its first messages. A handler that fails to import here
    fails its messages as before (dispatch reports it)."""
    registry = celery.runtime.registry
    for route in registry.routes:
        if route.handler:
            try:
                registry.handler(route.handler)
            except Exception as exc:  # reported per message by dispatch
                logging.getLogger(__name__).warning(
                    "worker.handler.import_failed",
                    extra={"route": route.name, "error": str(exc)[:300]},
                )


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
