"""The sandboxes' evented HTTP/1.1 server: one asyncio loop thread, httptools' parser.

Why: under concurrent load the threaded werkzeug server (``serving.KeepAliveHandler``)
spends most of its CPU outside the application: one thread per connection, each blocked
in a ``time.sleep`` for the injected latency, and Python's line-by-line request parsing.
Here one loop thread accepts, parses (httptools, the C parser uvicorn uses) and answers
every connection; an injected latency or timeout is a timer on the loop, not a sleeping
thread.

A request is read whole before the application runs (body up to ``MAX_BODY`` bytes,
``Content-Length`` or chunked). Per connection, in order (pipelined requests are
answered one after the other):

1. the application's ``prepare`` hook (``serving_hook``, set by
   ``sandbox.common.install_instrumentation``) counts the call and decides its fault
   once; the decision travels in the environ (``FAULT_DECISION``) so the app's own
   hook applies it instead of deciding (and sleeping) again. For the next request of
   an idle connection this happens when its headers arrive, so its latency runs while
   its body arrives (the threaded server sleeps before the app reads the body);
2. the latency (plus a timeout fault's wait) elapses as a loop timer;
3. the WSGI application runs, on the loop thread when the hook says the request cannot
   block (``inline``), else on a small thread pool (every request of an app without the
   hook); its answer is buffered and sent with its ``Content-Length``. A client that
   left meanwhile does not stop it (its answer is dropped), as under the threaded
   server.

Answers match ``KeepAliveHandler``'s: the connection stays open for plain HTTP/1.1
requests; a request with ``Transfer-Encoding``, ``Expect``, ``Connection: close`` or of
HTTP/1.0 is answered with ``Connection: close`` and the connection closes (werkzeug's
own path does the same today); an application error answers werkzeug's 500 page and
closes. A request the parser rejects gets 400 and the connection closes.
tests/integration/sandbox/test_evented_server.py pins this against the threaded server.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import unquote_to_bytes

import httptools
from werkzeug.debug.tbtools import DebugTraceback
from werkzeug.exceptions import InternalServerError

from .serving import KeepAliveHandler

# The environ key carrying the fault decision made before the application runs.
FAULT_DECISION = "sandbox.fault_decision"
# Largest request body, held in memory whole (413 and close above). The threaded
# server streams a body of any size to the app; the sandboxes' largest bodies (seed
# and generate calls) are a few MB.
MAX_BODY = 64 * 1024 * 1024
# Request line plus headers (400 and close above; http.server's line limit is 64 KiB).
MAX_HEAD = 64 * 1024
MAX_HEADERS = 100
# Complete requests queued on one connection before it stops reading.
MAX_PIPELINE = 16
# Threads running applications that may block (control API, apps without the hook).
POOL_THREADS = 32

SERVER_SOFTWARE = f"sandbox-evented Python/{sys.version.split()[0]}"
# error lines go where werkzeug's do
_log = logging.getLogger("werkzeug")
_NO_BODY_CODES = (204, 304)


class ServingHook(Protocol):
    """What an application offers the server (``app.extensions[HOOK_KEY]``)."""

    def prepare(self, environ: dict[str, Any]) -> tuple[float, bool]:
        """Before the application runs (once per request, on the loop thread): record
        what must be recorded, store the fault decision in ``environ`` under
        ``FAULT_DECISION`` and return (seconds to wait before running the
        application, whether it may run on the loop thread)."""
        ...


HOOK_KEY = "sandbox_serving_hook"


def serving_hook(app: Any) -> ServingHook | None:
    extensions = getattr(app, "extensions", None)
    if isinstance(extensions, dict):
        hook = extensions.get(HOOK_KEY)
        if hook is not None:
            return hook  # type: ignore[no-any-return]
    return None


@dataclass
class _Request:
    method: str = ""
    target: bytes = b""
    version: str = "1.1"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    keep_alive: bool = True
    error: int = 0  # answer this status and close instead of running the app
    # prepared when its headers arrived (the connection idle): as under the threaded
    # server, the latency runs while the body arrives
    environ: dict[str, Any] | None = None
    inline: bool = False
    due: float = 0.0  # loop time when its latency ends


Answer = tuple[str, list[tuple[str, str]], bytes]


# Run a WSGI application to completion: status, headers, whole body (the threaded
# server's own buffering of an answer).
call_app = KeepAliveHandler._call


def _run_app(app: Any, environ: dict[str, Any]) -> tuple[Answer, bool]:
    """The application's answer, or werkzeug's 500 page after an error reaching the
    server (logged as werkzeug logs it); True: close the connection after it."""
    try:
        return call_app(app, environ), False
    except Exception as exc:
        answer = call_app(InternalServerError(), environ)
        text = DebugTraceback(exc).render_traceback_text()
        _log.error("Error on request:\n%s", text)
        return answer, True


_date_cache: list[Any] = [0, ""]


def _http_date() -> str:
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[:] = [now, formatdate(now, usegmt=True)]
    return str(_date_cache[1])


class _AccessLine(KeepAliveHandler):
    """The threaded server's access line (werkzeug's format, its logger, the same
    skip when that logger drops INFO) for a request the evented server answered:
    the handler's own ``log_request`` on an instance holding only what it reads."""

    def __init__(self, peer: tuple[str, int], req: _Request) -> None:  # no socket
        self.client_address = peer
        self.command = req.method
        self.path = req.target.decode("latin-1")
        self.request_version = f"HTTP/{req.version}"
        self.requestline = f"{self.command} {self.path} {self.request_version}"


def _environ_path(target: bytes) -> tuple[bytes, bytes, str | None]:
    """(path, query, host of an absolute-form target or None) of a request target."""
    if target[:1] == b"/" or target == b"*":
        path, _, query = target.partition(b"?")
        return path, query, None
    url = httptools.parse_url(target)  # absolute form: http://host[:port]/path?query
    host = url.host.decode("latin-1") if url.host else None
    if host is not None and url.port:
        host = f"{host}:{url.port}"
    return url.path or b"/", url.query or b"", host


_ENVIRON_KEYS: dict[bytes, str] = {}


def _environ_key(raw_name: bytes) -> str:
    """The environ key of a header name ("" for names with "_"), remembered."""
    name = raw_name.decode("latin-1")
    key = "" if "_" in name else name.upper().replace("-", "_")
    if key and key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    if len(_ENVIRON_KEYS) < 1000:
        _ENVIRON_KEYS[raw_name] = key
    return key


class EventedServer:
    """Serves one WSGI ``app`` on ``host:port`` from ``serve_forever``'s thread.

    The interface ``SandboxServer`` uses of werkzeug's server: ``server_port``,
    ``serve_forever``, ``shutdown`` (from another thread; returns once the loop has
    stopped), ``server_close``.
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        pool_threads: int = POOL_THREADS,
    ) -> None:
        self.app = app
        self.hook = serving_hook(app)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.create_server((host, port), family=family, backlog=128)
        self._sock.setblocking(False)
        self.server_address = self._sock.getsockname()[:2]
        self.server_port: int = self.server_address[1]
        self.base_environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "SERVER_SOFTWARE": SERVER_SOFTWARE,
            "SCRIPT_NAME": "",
            "SERVER_NAME": str(self.server_address[0]),
            "SERVER_PORT": str(self.server_port),
        }
        self._pool = ThreadPoolExecutor(
            pool_threads, thread_name_prefix=f"sandbox-{getattr(app, 'name', 'app')}"
        )
        self._loop = asyncio.new_event_loop()
        self._connections: set[_Connection] = set()
        self._stop: asyncio.Future[None] | None = None
        self._lock = threading.Lock()
        self._want_stop = False
        self._started = False  # serve_forever was entered
        self._running = False  # the loop serves; shutdown must wake it
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        with self._lock:
            if self._want_stop:
                return
            self._started = True
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()
            self._stopped.set()

    async def _serve(self) -> None:
        self._stop = self._loop.create_future()
        server = await self._loop.create_server(
            lambda: _Connection(self), sock=self._sock
        )
        with self._lock:
            self._running = True
            if self._want_stop:
                self._stop.set_result(None)
        try:
            await self._stop
        finally:
            with self._lock:
                self._running = False
            server.close()
            for conn in list(self._connections):
                conn.abort()
            await server.wait_closed()

    def shutdown(self) -> None:
        """Stop serving and return once the loop has stopped (from any thread)."""
        with self._lock:
            self._want_stop = True
            started, running = self._started, self._running
            if running:
                self._loop.call_soon_threadsafe(self._request_stop)
        if started:
            self._stopped.wait()

    def _request_stop(self) -> None:
        if self._stop is not None and not self._stop.done():
            self._stop.set_result(None)

    def server_close(self) -> None:
        self._sock.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


class _Connection(asyncio.Protocol):
    """One client connection: parse, queue, answer in order."""

    def __init__(self, server: EventedServer) -> None:
        self.server = server
        self.loop = server._loop
        self.app = server.app
        self.hook = server.hook
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.queue: deque[_Request] = deque()
        self.busy = False  # a request is waiting for its timer or the pool
        self.closed = False  # no more answers: closing or lost
        self.write_paused = False
        self.read_paused = False
        self.failed = False  # the parser stopped: read nothing more
        self.eof = False  # the client half-closed
        self.too_large = False
        self.timer: asyncio.TimerHandle | None = None
        self.peer: tuple[str, int] = ("<local>", 0)
        self._reset_message()

    # -- asyncio protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.peer = (str(peer[0]), int(peer[1]))
        self.server._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        # A request waiting for its latency still runs when the wait ends, its answer
        # dropped: under the threaded server the app runs after the sleep whether or
        # not the client is still there (a write lands although the client timed out).
        self.closed = True
        self.queue.clear()
        self.server._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self.closed or self.failed:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # Upgrade / CONNECT: answered as a plain request, then the connection closes
            if self.message is not None or not self.queue:
                self._fail(400)
            else:
                self.queue[-1].keep_alive = False
                self.failed = True
                self._pause_reading()
        except httptools.HttpParserError:
            self._fail(413 if self.too_large else 400)
        self._next()

    def eof_received(self) -> bool | None:
        """The client will send no more (half-close): answer what it sent, then close."""
        self.eof = True
        self.failed = True
        return True if self.busy or self.queue else None  # None: close now

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._next()

    def abort(self) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport is not None:
            self.transport.abort()

    # -- httptools callbacks -----------------------------------------------------------

    def _reset_message(self) -> None:
        self.message: _Request | None = None
        self.head_size = 0
        self.url_parts: list[bytes] = []
        self.body_parts: list[bytes] = []
        self.body_size = 0
        self.expect_continue = False

    def on_message_begin(self) -> None:
        self._reset_message()
        self.message = _Request()

    def on_url(self, url: bytes) -> None:
        self.url_parts.append(url)
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.message is not None
        headers = self.message.headers
        headers.append((name, value))
        self._count_head(len(name) + len(value) + 4)
        if len(headers) > MAX_HEADERS:
            raise httptools.HttpParserError("too many headers")

    def _count_head(self, size: int) -> None:
        self.head_size += size
        if self.head_size > MAX_HEAD:
            raise httptools.HttpParserError("request head too large")

    def on_headers_complete(self) -> None:
        msg = self.message
        assert msg is not None
        parser = self.parser
        msg.method = parser.get_method().decode("ascii")
        msg.version = parser.get_http_version()
        msg.target = b"".join(self.url_parts)
        # today's server keeps a connection open only for plain HTTP/1.1 requests
        keep = parser.should_keep_alive() and msg.version == "1.1"
        for name, value in msg.headers:
            lname = name.lower()
            if lname == b"transfer-encoding":
                keep = False
            elif lname == b"expect":
                keep = False
                if value.strip(b" \t").lower() == b"100-continue":
                    self.expect_continue = True
        msg.keep_alive = keep
        if not self.busy and not self.queue:  # it is next: its latency starts now
            environ = self._environ(msg)
            delay, msg.inline = self._prepare(environ)
            msg.environ, msg.due = environ, self.loop.time() + delay
            if self.expect_continue:
                self._send_continue()

    def _send_continue(self) -> None:
        self.expect_continue = False
        if self.transport is not None and not self.closed:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        self.body_size += len(body)
        if self.body_size > MAX_BODY:
            self.too_large = True
            raise httptools.HttpParserError("body too large")
        self.body_parts.append(body)

    def on_message_complete(self) -> None:
        msg = self.message
        assert msg is not None
        parts = self.body_parts
        msg.body = parts[0] if len(parts) == 1 else b"".join(parts)
        self.queue.append(msg)
        self._reset_message()
        if len(self.queue) >= MAX_PIPELINE:
            self._pause_reading()

    # -- answering -------------------------------------------------------------------

    def _fail(self, status: int) -> None:
        """Queue an error answer after the requests already read; read no more."""
        self._reset_message()
        self.failed = True
        self.queue.append(_Request(error=status, keep_alive=False))
        self._pause_reading()

    def _pause_reading(self) -> None:
        if not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()

    def _next(self) -> None:
        """Answer queued requests in order until one has to wait (timer, pool)."""
        while not self.busy and not self.closed and not self.write_paused:
            if not self.queue:
                if self.eof and self.transport is not None:
                    self.closed = True
                    self.transport.close()
                    return
                if self.expect_continue:
                    self._send_continue()
                if self.read_paused and self.transport is not None:
                    self.read_paused = False
                    self.transport.resume_reading()
                return
            req = self.queue.popleft()
            if req.error:
                self._send_error(req)
                return
            if req.environ is not None:  # prepared at its headers
                environ, inline = req.environ, req.inline
                environ["wsgi.input"] = io.BytesIO(req.body)
                delay = req.due - self.loop.time()
            else:
                environ = self._environ(req)
                delay, inline = self._prepare(environ)
            if delay > 0:
                self.busy = True
                self.timer = self.loop.call_later(
                    delay, self._after_delay, req, environ, inline
                )
            elif inline:
                self._answer(req, *_run_app(self.app, environ))
            else:
                self._submit(req, environ)

    def _prepare(self, environ: dict[str, Any]) -> tuple[float, bool]:
        if self.hook is None:
            return 0.0, False
        try:
            return self.hook.prepare(environ)
        except Exception:  # the app then decides for itself, off the loop
            _log.exception("sandbox serving hook failed")
            environ.pop(FAULT_DECISION, None)
            return 0.0, False

    def _after_delay(
        self, req: _Request, environ: dict[str, Any], inline: bool
    ) -> None:
        self.timer = None
        if inline:
            self.busy = False
            self._answer(req, *_run_app(self.app, environ))
            self._next()
        else:
            self._submit(req, environ)

    def _submit(self, req: _Request, environ: dict[str, Any]) -> None:
        self.busy = True
        loop, app = self.loop, self.app

        def work() -> None:
            result = _run_app(app, environ)
            try:
                loop.call_soon_threadsafe(self._pooled_done, req, result)
            except RuntimeError:  # the server stopped meanwhile
                pass

        try:
            self.server._pool.submit(work)
        except RuntimeError:  # the pool is shut down: the server is stopping
            self.abort()

    def _pooled_done(self, req: _Request, result: tuple[Answer, bool]) -> None:
        self.busy = False
        if self.closed:
            return
        self._answer(req, *result)
        self._next()

    def _environ(self, req: _Request) -> dict[str, Any]:
        target = req.target
        raw_path, query, host = _environ_path(target)
        raw_uri = target.decode("latin-1")
        environ = self.server.base_environ.copy()
        environ["wsgi.input"] = io.BytesIO(req.body)
        environ["wsgi.errors"] = sys.stderr
        environ["REQUEST_METHOD"] = req.method
        environ["PATH_INFO"] = unquote_to_bytes(raw_path).decode("latin-1")
        environ["QUERY_STRING"] = query.decode("latin-1")
        environ["REQUEST_URI"] = environ["RAW_URI"] = raw_uri
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = self.peer
        environ["SERVER_PROTOCOL"] = f"HTTP/{req.version}"
        chunked = False
        for raw_name, raw_value in req.headers:
            key = _ENVIRON_KEYS.get(raw_name)
            if key is None:
                key = _environ_key(raw_name)
            if not key:  # as werkzeug: no HTTP_X_Y from an X_Y header
                continue
            value = raw_value.decode("latin-1")
            if key in environ:
                if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                    environ[key] = value  # the last one, as werkzeug
                    continue
                value = f"{environ[key]},{value}"
            elif key == "HTTP_TRANSFER_ENCODING":
                chunked = True
            environ[key] = value
        if chunked:  # the body is whole here; werkzeug marks a dechunked body so
            environ["wsgi.input_terminated"] = True
            environ.pop("CONTENT_LENGTH", None)
        if host is not None:
            environ["HTTP_HOST"] = host
        return environ

    def _answer(self, req: _Request, answer: Answer, failed: bool) -> None:
        status, headers, content = answer
        close = failed or not req.keep_alive
        code = int(status[:3])
        lines = [f"HTTP/1.1 {status}\r\nServer: {SERVER_SOFTWARE}\r\n"]
        lines.append(f"Date: {_http_date()}\r\n")
        has_length = False
        for key, value in headers:
            lines.append(f"{key}: {value}\r\n")
            if not has_length and key.lower() == "content-length":
                has_length = True
        head_only = req.method == "HEAD"
        if not has_length and not (head_only or code < 200 or code in _NO_BODY_CODES):
            lines.append(f"Content-Length: {len(content)}\r\n")
        if close:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        data = "".join(lines).encode("latin-1")
        if content and not head_only:
            data += content
        self._write(data, close)
        # the access line (log_request skips it when werkzeug's logger drops INFO)
        _AccessLine(self.peer, req).log_request(code)

    def _send_error(self, req: _Request) -> None:
        status = {400: "400 Bad Request", 413: "413 Request Entity Too Large"}.get(
            req.error, f"{req.error} Error"
        )
        body = f"{status}\n".encode()
        head = (
            f"HTTP/1.1 {status}\r\nServer: {SERVER_SOFTWARE}\r\n"
            f"Date: {_http_date()}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self._write(head.encode("latin-1") + body, True)

    def _write(self, data: bytes, close: bool) -> None:
        transport = self.transport
        if transport is None or self.closed:
            return
        transport.write(data)
        if close:
            self.closed = True
            self.queue.clear()
            transport.close()
