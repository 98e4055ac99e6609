"""The ``celery -A tasks.worker`` target: the connector's Celery app with its schedule."""

from celery.signals import worker_init

from connector import create_app
from connector.fluent_connect.effective import check_at_start
from tasks.schedule import build_schedule

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = build_schedule(celery.runtime)


@worker_init.connect
def _check_fluent_settings(**_: object) -> None:
    """Fluent's account-mapping setting must name this deployment (else exit)."""
    check_at_start(celery.runtime)
