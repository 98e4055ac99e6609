"""The ``celery -A tasks.worker`` target: the connector's Celery app with its schedule."""

from connector import create_app
from tasks.schedule import build_schedule

flask_app = create_app()
celery = flask_app.extensions["celery"]
celery.conf.beat_schedule = build_schedule(celery.runtime)
