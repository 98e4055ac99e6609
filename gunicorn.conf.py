"""gunicorn settings of the `web` process (Procfile: ``gunicorn -c gunicorn.conf.py``).

- Binding and sizing from the platform's variables: ``PORT`` (8000), ``WEB_CONCURRENCY``
  worker processes (3), ``WEB_THREADS`` threads each (4), gthread workers.
- Prometheus multiprocess mode: every worker writes its counters to
  ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary directory when unset), ``/metrics``
  aggregates them (connector.metrics), stale files are wiped at start and a dead
  worker's live gauges are marked dead (``child_exit``), so every scrape — whichever
  worker answers — reports the same totals.
- Access log on stdout through ``connector.gunicorn_logging.RedactingLogger``: no API
  token (``?token=`` of Pub/Sub push), Authorization header or signature is written.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from typing import Any

_own_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_dir:
    # set in the master before workers fork and import prometheus_client
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="connector-prom-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Imported here, after the directory is set, and not inside ``child_exit``: the master
# runs ``child_exit`` from its SIGCHLD handler, and when two workers exit together (a
# shutdown) the second call interrupted the first one's import of prometheus_client
# and failed on the half-imported module (ImportError at every such shutdown).
from prometheus_client import multiprocess  # noqa: E402

wsgi_app = "connector.wsgi:app"
bind = [f"0.0.0.0:{os.environ.get('PORT') or 8000}"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 3)
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
accesslog = "-"
logger_class = "connector.gunicorn_logging.RedactingLogger"
# the default format plus duration and worker pid; atoms are redacted by the logger class
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms pid=%(p)s'
)


def on_starting(server: Any) -> None:
    """A new master: counters of a previous run must not be summed into this one."""
    for path in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(path)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (its counters stay in the totals)."""
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _own_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
