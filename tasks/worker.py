"""The ``celery -A tasks.worker`` target: the connector's Celery app with its schedule.

Each prefork pool process starts with fresh per-process state (``Runtime.after_fork``):
no database connection, HTTP session or token cache inherited from the parent.
"""

import gc
from typing import Any

from celery.signals import worker_init, worker_process_init

from connector import create_app
from tasks.schedule import build_schedule

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = build_schedule(celery.runtime)


@worker_init.connect
def _freeze_before_fork(**_: Any) -> None:
    """Keep the loaded app out of the collector's reach so the forked pool processes
    share its memory pages instead of copying them (``gc.freeze``)."""
    gc.freeze()


@worker_process_init.connect
def _fresh_process_state(**_: Any) -> None:
    celery.runtime.after_fork()
