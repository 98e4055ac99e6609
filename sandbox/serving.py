"""The sandboxes' HTTP/1.1 request handler: persistent connections on werkzeug's server.

Why: the real APIs keep connections open, and so should the emulators. werkzeug's
development server (3.x) answers every request with ``Connection: close`` (its
``run_wsgi`` cannot tell where the next request starts if the application left part of
the body unread) and then waits on the socket until the client hangs up. So each call
of a client cost a TCP connect and a new server thread, on both sides of the loopback,
which in the benchmarks shared the two cores with the connector.

``KeepAliveHandler.run_wsgi`` answers a plain HTTP/1.1 request (``Content-Length`` or
no body; no ``Transfer-Encoding``, no ``Expect``, no ``Connection: close``) itself and
leaves the connection open: it reads whatever the application left unread of the
declared body (so the next request line is where the client put it), buffers the
application's answer (the sandboxes answer small JSON documents, never streams) and
sends it with its ``Content-Length``. Every other request, and any request whose
application raised, goes through werkzeug's own ``run_wsgi`` or closes the connection
after the answer, exactly as before. tests/integration/sandbox/test_serving.py pins
this: one connection for many calls, an unread body, HEAD, errors, chunked bodies.
"""

from __future__ import annotations

import logging
import socket
from typing import IO, Any, cast

from werkzeug.debug.tbtools import DebugTraceback
from werkzeug.exceptions import ClientDisconnected, InternalServerError
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

# A body larger than this that the application did not read is not drained: the
# connection is closed instead (as werkzeug does for every request).
MAX_DRAIN = 16 * 1024 * 1024


class _Body(LimitedStream):
    """``wsgi.input`` limited to the declared body (werkzeug's ``LimitedStream``),
    drained after the answer so the next request starts where the client put it."""

    def drain(self) -> bool:
        """Read and drop the rest of the body; False if it is too large to or the
        client went away mid-body."""
        if self.limit - self.tell() > MAX_DRAIN:
            return False
        try:
            self.exhaust()
        except ClientDisconnected:
            return False
        return True


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 with persistent connections, as the real APIs serve (see module doc)."""

    protocol_version = "HTTP/1.1"
    # Buffered writes: status line, headers and body leave in one send (flushed per
    # answer), and no Nagle delay on the open connection - two small segments of
    # one answer would otherwise wait for the client's delayed ACK (~40 ms).
    wbufsize = -1

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """werkzeug formats the access line (path, date, colours) before its logger
        decides to drop it; skip that when the ``werkzeug`` logger has a level that
        drops it (an unset level still logs: werkzeug then sets INFO itself)."""
        logger = logging.getLogger("werkzeug")
        if logger.level != logging.NOTSET and not logger.isEnabledFor(logging.INFO):
            return
        super().log_request(code, size)

    def _declared_length(self) -> int | None:
        """The body length of a request this handler may answer on an open
        connection, else None (werkzeug answers it and closes)."""
        headers = self.headers
        if (
            self.request_version != "HTTP/1.1"
            or self.close_connection
            or "Transfer-Encoding" in headers
            or "Expect" in headers
        ):
            return None
        raw = headers.get("Content-Length")
        if raw is None:
            return 0
        raw = raw.strip()
        if not raw.isdigit():
            return None
        return int(raw)

    def run_wsgi(self) -> None:
        length = self._declared_length()
        if length is None:
            super().run_wsgi()
            return
        self.environ = environ = self.make_environ()
        body = _Body(cast(IO[bytes], self.rfile), length)  # a BufferedReader
        environ["wsgi.input"] = body
        try:
            status, headers, content = self._call(self.server.app, environ)
        except (TimeoutError, ConnectionError) as exc:
            self.close_connection = True
            self.connection_dropped(exc, environ)
            return
        except Exception as exc:
            self.close_connection = True
            if self.server.passthrough_errors:
                raise
            status, headers, content = self._call(InternalServerError(), environ)
            text = DebugTraceback(exc).render_traceback_text()
            self.server.log("error", f"Error on request:\n{text}")
        if not body.drain():
            self.close_connection = True
        try:
            self._send(status, headers, content)
        except (TimeoutError, ConnectionError) as exc:
            self.close_connection = True
            self.connection_dropped(exc, environ)

    @staticmethod
    def _call(app: Any, environ: dict[str, Any]) -> tuple[str, list, bytes]:
        """Run the WSGI application to completion: status, headers, whole body."""
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            if exc_info is None and started:
                raise AssertionError("Headers already set")
            started[:] = [status, headers]
            return chunks.append

        result = app(environ, start_response)
        try:
            for data in result:
                chunks.append(data)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not started:
            raise AssertionError("The application did not call start_response")
        return started[0], started[1], b"".join(chunks)

    def _send(self, status: str, headers: list, content: bytes) -> None:
        code_str, _, message = status.partition(" ")
        code = int(code_str)
        self.send_response(code, message)
        has_length = False
        for key, value in headers:
            self.send_header(key, value)
            if key.lower() == "content-length":
                has_length = True
        no_body = self.command == "HEAD" or code < 200 or code in (204, 304)
        if not has_length and not no_body:
            self.send_header("Content-Length", str(len(content)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if content and self.command != "HEAD":
            self.wfile.write(content)
        self.wfile.flush()
