"""A WSGI app served by a threaded werkzeug server on loopback in a daemon thread.

The demo hosts the connector's web app and its receivers with it; the tests host their
receivers with it. (The sandbox package has its own copy: it installs without the connector.)
"""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


class LoopbackServer:
    """Serve ``app`` on ``host:port`` (port 0: any free port) until ``stop()``."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"loopback-{app.name}", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
