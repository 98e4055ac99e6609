"""Shared sandbox machinery: call log, fault injection, control endpoints, loopback server.

Both sandboxes install this on their Flask app. Every request (except the control API under
``/_sandbox``) is counted per endpoint key and may be delayed or failed by a fault rule.
The endpoint key is ``"<METHOD> <url rule>"`` (e.g. ``"GET /<project_key>/categories"``);
sandboxes may record extra keys (e.g. one per GraphQL root field) with ``CallLog.record``.
"""

from __future__ import annotations

import fnmatch
import gc
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from .evented import FAULT_DECISION, HOOK_KEY, EventedServer
from .serving import KeepAliveHandler

CONTROL_PREFIX = "/_sandbox"

ErrorBody = Callable[[int, str], dict[str, Any]]


class CallLog:
    """Thread-safe per-endpoint call counts plus a bounded log of recent calls."""

    def __init__(self, max_entries: int = 5000) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._log: deque[dict[str, Any]] = deque(maxlen=max_entries)

    def record(self, key: str, **details: Any) -> None:
        with self._lock:
            self._counts[key] += 1
            self._log.append({"key": key, "at": time.time(), **details})

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._log)
        return items[-limit:] if limit else items

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._log.clear()


@dataclass
class FaultRule:
    """One fault rule. ``endpoint`` is an fnmatch pattern over endpoint keys ("*" = all).

    ``count`` limits the rule to the next N matching calls (then it is dropped), which makes
    "fail twice, then succeed" deterministic. Rates are probabilities in [0, 1].
    """

    endpoint: str = "*"
    latency_ms: float = 0.0
    rate_429: float = 0.0
    retry_after: int = 1
    rate_5xx: float = 0.0
    status_5xx: int = 503
    rate_timeout: float = 0.0
    timeout_seconds: float = 30.0
    count: int | None = None
    hits: int = field(default=0)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        allowed = {
            "endpoint",
            "latency_ms",
            "rate_429",
            "retry_after",
            "rate_5xx",
            "status_5xx",
            "rate_timeout",
            "timeout_seconds",
            "count",
        }
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        rule = cls(**data)
        for name in ("rate_429", "rate_5xx", "rate_timeout"):
            value = getattr(rule, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if not 500 <= int(rule.status_5xx) <= 599:
            raise ValueError("status_5xx must be a 5xx status")
        return rule

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class FaultDecision:
    latency_s: float = 0.0
    status: int | None = None  # 429 or 5xx to answer instead of the real handler
    retry_after: int | None = None
    timeout_s: float | None = None  # sleep this long before answering 504


class Faults:
    """Holds fault rules; ``decide`` picks the effect for one call."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._random = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.injected.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_json() for r in self._rules]

    def decide(self, key: str) -> FaultDecision:
        decision = FaultDecision()
        with self._lock:
            for rule in list(self._rules):
                if not fnmatch.fnmatchcase(key, rule.endpoint):
                    continue
                rule.hits += 1
                if rule.count is not None and rule.hits >= rule.count:
                    self._rules.remove(rule)
                decision.latency_s += rule.latency_ms / 1000.0
                if decision.status is None and decision.timeout_s is None:
                    roll = self._random.random()
                    if roll < rule.rate_timeout:
                        decision.timeout_s = rule.timeout_seconds
                        self.injected["timeout"] += 1
                    elif roll < rule.rate_timeout + rule.rate_429:
                        decision.status = 429
                        decision.retry_after = rule.retry_after
                        self.injected["429"] += 1
                    elif roll < rule.rate_timeout + rule.rate_429 + rule.rate_5xx:
                        decision.status = rule.status_5xx
                        self.injected[str(rule.status_5xx)] += 1
        return decision


def endpoint_key() -> str:
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    return f"{request.method} {rule}"


class _EventedHook:
    """The evented server's ``prepare`` hook (``sandbox.evented.ServingHook``).

    Before the app runs it counts the call and decides its fault exactly as
    ``_instrument`` would (same endpoint key: the URL rule Flask will match, else the
    path), so the server can wait the latency on a timer and ``_instrument`` only
    applies the decision. The API endpoints never block (no sleep, no outbound call,
    locks held briefly): they may run on the loop thread. The control API may
    (``/_sandbox/webhooks/drain``, the push queue's wait, seeding thousands of rows):
    it runs on the server's thread pool, uncounted and unfaulted as ever.
    """

    def __init__(self, app: Flask, calls: CallLog, faults: Faults) -> None:
        self.app = app
        self.calls = calls
        self.faults = faults
        # Rules match on path and method alone unless hosts or subdomains take part:
        # then one adapter bound once serves every request (Flask binds one to each
        # request's environ); else each request gets Flask's own adapter.
        plain = not (
            app.url_map.host_matching
            or app.subdomain_matching
            or app.config.get("SERVER_NAME")
        )
        self._adapter = app.url_map.bind("localhost") if plain else None

    def prepare(self, environ: dict[str, Any]) -> tuple[float, bool]:
        # request.path and request.method as werkzeug computes them
        raw = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        path = "/" + raw.lstrip("/")
        if path.startswith(CONTROL_PREFIX):
            return 0.0, False
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            adapter = self._adapter
            if adapter is None:
                adapter = self.app.create_url_adapter(self.app.request_class(environ))
                assert adapter is not None
            rule, _ = adapter.match(path, method, return_rule=True)
            key = f"{method} {rule.rule}"
        except HTTPException:
            key = f"{method} {path}"
        self.calls.record(key, method=method, path=path)
        decision = self.faults.decide(key)
        environ[FAULT_DECISION] = decision
        return decision.latency_s + (decision.timeout_s or 0.0), True


def install_instrumentation(
    app: Flask,
    *,
    calls: CallLog,
    faults: Faults,
    error_body: ErrorBody,
    on_reset: Callable[[], None] | None = None,
) -> None:
    """Count calls, apply faults, and mount the shared control endpoints on ``app``.

    Control API (never counted, never faulted):
      GET    /_sandbox/calls            {"counts": {...}, "log": [...]} (``?log=N`` entries)
      DELETE /_sandbox/calls            reset counts and log
      GET    /_sandbox/faults           current rules and injected counts
      POST   /_sandbox/faults           add a rule (FaultRule fields) or {"rules": [...]}
      DELETE /_sandbox/faults           clear all rules
      POST   /_sandbox/reset            clear data (``on_reset``), calls and faults
    """

    @app.before_request
    def _instrument() -> Response | None:
        if request.path.startswith(CONTROL_PREFIX):
            return None
        decision = request.environ.get(FAULT_DECISION)
        if decision is None:  # not decided (and waited) by the evented server
            key = endpoint_key()
            calls.record(key, method=request.method, path=request.path)
            decision = faults.decide(key)
            if decision.latency_s:
                time.sleep(decision.latency_s)
            if decision.timeout_s is not None:
                time.sleep(decision.timeout_s)
        if decision.timeout_s is not None:
            return _error(504, "Gateway timeout (injected)")
        if decision.status is not None:
            resp = _error(decision.status, "Injected fault")
            if decision.retry_after is not None:
                resp.headers["Retry-After"] = str(decision.retry_after)
            return resp
        return None

    def _error(status: int, message: str) -> Response:
        resp = jsonify(error_body(status, message))
        resp.status_code = status
        return resp

    bp = Blueprint(f"{app.name}_sandbox_control", __name__, url_prefix=CONTROL_PREFIX)

    @bp.get("/calls")
    def get_calls() -> Response:
        limit = request.args.get("log", type=int)
        return jsonify(
            {"counts": calls.counts(), "log": calls.entries(limit) if limit else []}
        )

    @bp.delete("/calls")
    def delete_calls() -> Response:
        calls.reset()
        return jsonify({"status": "reset"})

    @bp.get("/faults")
    def get_faults() -> Response:
        return jsonify({"rules": faults.rules(), "injected": dict(faults.injected)})

    @bp.post("/faults")
    def post_faults() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(
                {"error": "invalid_json", "message": "expected a JSON object"}
            ), 400
        raw_rules = body["rules"] if "rules" in body else [body]
        try:
            rules = [FaultRule.from_json(r) for r in raw_rules]
        except (TypeError, ValueError) as exc:
            return jsonify({"error": "invalid_fault", "message": str(exc)}), 400
        for rule in rules:
            faults.add(rule)
        return jsonify({"rules": faults.rules()}), 201

    @bp.delete("/faults")
    def delete_faults() -> Response:
        faults.clear()
        return jsonify({"status": "cleared"})

    @bp.post("/reset")
    def reset() -> Response:
        if on_reset is not None:
            on_reset()
        calls.reset()
        faults.clear()
        return jsonify({"status": "reset"})

    app.register_blueprint(bp)
    app.extensions[HOOK_KEY] = _EventedHook(app, calls, faults)


# Young-generation threshold of the cyclic GC while a sandbox serves (CPython: 700).
SERVING_GC_THRESHOLD = 50_000


class _ServingGc:
    """The cyclic garbage collector's pace while any ``SandboxServer`` runs.

    A sandbox's data is long-lived containers (rows, their lists, logged events) that
    grow with every write, and each write request allocates tens of thousands of short
    ones. At CPython's default pace (a young collection every 700 container allocations,
    a full one every 100 of those) a replay of the products benchmark's 1,600 writes
    spent 2.8 s of 7.6 s in the collector, mostly in 18 full collections over the
    growing store (``bench/profile_sandbox.py``). Nothing relies on the collector to
    free memory in time: requests' objects are freed by reference counting. So while a
    server runs, young collections start every ``SERVING_GC_THRESHOLD`` allocations
    (70x less often; full collections follow at CPython's own ratios), and the previous
    setting is restored when the last server stops. The setting is process-wide, like
    the server threads themselves; the connector's batch runs do the same
    (``connector/sync/gc_policy.py``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serving = 0
        self._saved: tuple[int, int, int] | None = None

    def enter(self) -> None:
        with self._lock:
            if self._serving == 0:
                self._saved = gc.get_threshold()
                first, *rest = self._saved
                if 0 < first < SERVING_GC_THRESHOLD:  # 0: off; leave it off
                    gc.set_threshold(SERVING_GC_THRESHOLD, *rest)
            self._serving += 1

    def exit(self) -> None:
        with self._lock:
            self._serving -= 1
            if self._serving == 0 and self._saved is not None:
                gc.set_threshold(*self._saved)
                self._saved = None


serving_gc = _ServingGc()


SERVERS = ("evented", "threaded")
DEFAULT_SERVER = "evented"


class SandboxServer:
    """A WSGI app served on loopback from a daemon thread with persistent HTTP/1.1
    connections; the cyclic GC runs at a relaxed pace while any such server runs
    (``_ServingGc``).

    ``server="evented"`` (the default): one asyncio loop thread with httptools' parser,
    injected latencies waited on timers (``sandbox/evented.py``). ``"threaded"``:
    werkzeug's threaded server, one thread per connection (``serving.KeepAliveHandler``).
    Both give the same answers; the evented one costs less CPU per call (the CT
    sandbox under 300 calls/s on 32 connections with 20 ms latency: ~0.48 against
    ~0.64 ms).
    """

    def __init__(
        self,
        app: Flask,
        host: str = "127.0.0.1",
        port: int = 0,
        server: str = DEFAULT_SERVER,
    ) -> None:
        self.app = app
        self._server: Any
        if server == "evented":
            self._server = EventedServer(app, host, port)
        elif server == "threaded":
            self._server = make_server(
                host, port, app, threaded=True, request_handler=KeepAliveHandler
            )
            self._server.daemon_threads = True
        else:
            raise ValueError(f"server must be one of {', '.join(SERVERS)}: {server!r}")
        self.server = server
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"sandbox-{app.name}", daemon=True
        )
        self._relaxed_gc = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        serving_gc.enter()
        self._relaxed_gc = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._relaxed_gc:
            self._relaxed_gc = False
            serving_gc.exit()
