"""gunicorn target: ``gunicorn connector.wsgi:app`` (no logic here)."""

from connector import create_app

app = create_app()
