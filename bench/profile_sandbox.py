"""CPU per request of the sandboxes, measured by replaying recorded API sessions.

Not a test and not a benchmark of the connector: a tool to see where the emulators
(``sandbox/``) spend CPU per request, because in the benchmarks they share the machine's
cores with the connector.

1. ``capture-products FILE``: both sandboxes in this process, each wrapped by a
   recorder; the categories + products full sync of ``bench_products`` (a worker child
   process, no injected latency) runs against them; every request (method, path, query,
   headers, body) and its answer is written to FILE (JSON lines).
2. ``capture-e2e FILE``: runs ``bench_e2e`` (small rate and duration) with a
   ``sitecustomize`` hook that wraps the ``connector sandbox`` process's apps with the
   same recorder (ids made deterministic so the session can be replayed).
3. ``replay FILE``: fresh sandboxes in this process (same deterministic ids), every
   recorded request replayed in order through the WSGI apps; prints CPU per request
   (``time.process_time`` around the app call) per kind (endpoint key, GraphQL requests
   split into query / mutation), optionally a cProfile of one kind (``--profile KIND``)
   and the answers normalised (ids, timestamps) to a file (``--answers``) so two code
   versions can be compared byte for byte.

Run: ``.venv/bin/python bench/profile_sandbox.py capture-products /tmp/p.jsonl
--products 1000`` then ``.venv/bin/python bench/profile_sandbox.py replay /tmp/p.jsonl``.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ID_SEED = 1234


def deterministic_ids(seed: int = ID_SEED) -> None:
    """Make ``uuid.uuid4`` reproducible in this process (replay needs the same ids)."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def uuid4() -> uuid.UUID:
        with lock:
            return uuid.UUID(int=rng.getrandbits(128), version=4)

    uuid.uuid4 = uuid4  # type: ignore[assignment]


class Recorder:
    """WSGI middleware: append every request and its answer to a JSON-lines file."""

    def __init__(self, app: Any, name: str, out: Any, lock: threading.Lock) -> None:
        self.app, self.name, self.out, self.lock = app, name, out, lock
        self.seq = 0

    def __call__(self, environ: dict, start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        status: list[str] = []

        def capture(st: str, headers: list, exc_info: Any = None) -> Any:
            status.append(st)
            return start_response(st, headers, exc_info)

        with self.lock:
            self.seq += 1
            seq = self.seq
        started = time.thread_time()
        chunks = list(self.app(environ, capture))
        cpu = time.thread_time() - started
        record = {
            "seq": seq,
            "app": self.name,
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "headers": {
                k: environ[k]
                for k in ("HTTP_AUTHORIZATION", "CONTENT_TYPE")
                if k in environ
            },
            "body": base64.b64encode(body).decode(),
            "status": status[0] if status else "",
            "answer": base64.b64encode(b"".join(chunks)).decode(),
            "cpu": cpu,
        }
        with self.lock:
            self.out.write(json.dumps(record) + "\n")
            self.out.flush()
        return chunks


def wrap(ct_app: Any, fluent_app: Any, path: str) -> Any:
    out = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed at exit
    lock = threading.Lock()
    ct_app.wsgi_app = Recorder(ct_app.wsgi_app, "ct", out, lock)
    fluent_app.wsgi_app = Recorder(fluent_app.wsgi_app, "fluent", out, lock)
    return out


# -- capture: products ----------------------------------------------------------------
def capture_products(args: argparse.Namespace) -> None:
    import logging

    import bench_products as bp
    import requests

    from connector.store import migrate
    from sandbox.commercetools import create_app as ct_app
    from sandbox.common import SandboxServer
    from sandbox.fluent import create_app as fluent_app

    deterministic_ids()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ct_a, fl_a = ct_app(), fluent_app()
    out = wrap(ct_a, fl_a, args.file)
    ct, fluent = SandboxServer(ct_a).start(), SandboxServer(fl_a).start()
    tmp = tempfile.mkdtemp(prefix="profile-sandbox-")
    database_url = f"sqlite:///{tmp}/bench.db"
    ns = argparse.Namespace(
        batch_size=args.batch_size,
        max_in_flight=args.max_in_flight,
        overlap_seconds=5.0,
        latency_ms=0.0,
        profile=None,
    )
    try:
        migrate.upgrade(database_url)
        env = bp.env_for(ct.url, fluent.url, database_url, tmp)
        requests.post(
            f"{ct.url}/_sandbox/generate",
            json={
                "categories": 50,
                "products": args.products,
                "variants_per_product": args.variants,
                "seed": 1,
            },
            timeout=600,
        ).raise_for_status()
        for module in ("categories", "products"):
            result = bp.run_phase(ns, env, ct.url, fluent.url, module, True)
            print(module, result["stats"], f"sandbox CPU {result['sandbox_cpu']:.2f} s")
    finally:
        ct.stop()
        fluent.stop()
        out.close()


# -- capture: e2e (hook installed in the ``connector sandbox`` process) ---------------
HOOK = """
import os, sys
if os.environ.get("PROFILE_SANDBOX_OUT") and sys.argv[1:2] == ["sandbox"]:
    sys.path.insert(0, os.environ["PROFILE_SANDBOX_BENCH"])
    import profile_sandbox
    profile_sandbox.install_hook(os.environ["PROFILE_SANDBOX_OUT"])
"""


def install_hook(path: str) -> None:
    """Called from ``sitecustomize`` in the sandbox process: record both apps."""
    import sandbox.common as common

    deterministic_ids()
    original = common.SandboxServer.__init__
    state: dict[str, Any] = {}

    def init(self: Any, app: Any, *a: Any, **kw: Any) -> None:
        state[app.name] = app
        if "ct_sandbox" in state and "fluent_sandbox" in state:
            wrap(state["ct_sandbox"], state["fluent_sandbox"], path)
        original(self, app, *a, **kw)

    common.SandboxServer.__init__ = init  # type: ignore[method-assign]


def capture_e2e(args: argparse.Namespace) -> None:
    hook_dir = tempfile.mkdtemp(prefix="profile-sandbox-hook-")
    Path(hook_dir, "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": hook_dir,
        "PROFILE_SANDBOX_OUT": str(Path(args.file).resolve()),
        "PROFILE_SANDBOX_BENCH": str(ROOT / "bench"),
    }
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "bench_e2e.py"),
        "--rate",
        str(args.rate),
        "--duration",
        str(args.duration),
        "--warmup",
        "0",
        "--worker-concurrency",
        str(args.worker_concurrency),
        "--redis-url",
        args.redis_url,
    ]
    subprocess.run(cmd, env=env, check=True)


# -- replay ---------------------------------------------------------------------------
def kind_of(app: Any, record: dict[str, Any]) -> str:
    adapter = app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(record["path"], record["method"], return_rule=True)
        key = f"{record['method']} {rule.rule}"
    except Exception:  # noqa: BLE001 - unmatched paths keep their raw path
        key = f"{record['method']} {record['path']}"
    if record["path"] == "/graphql" and record["body"]:
        head = base64.b64decode(record["body"])[:200]
        op = "mutation" if re.search(rb'"query":\s*"\s*mutation', head) else "query"
        key = f"{key} {op}"
    return f"{app.name.split('_')[0]} {key}"


UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TS_RE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
TOKEN_RE = re.compile(rb'"(access_token|refresh_token)": ?"[^"]+"')
SECONDS_RE = re.compile(rb'"seconds": ?[0-9.e-]+')


def normalise(answer: bytes) -> bytes:
    answer = UUID_RE.sub(b"<uuid>", answer)
    answer = TS_RE.sub(b"<ts>", answer)
    answer = SECONDS_RE.sub(b'"seconds": 0', answer)
    return TOKEN_RE.sub(rb'"\1": "<token>"', answer)


class Timer:
    """WSGI middleware: CPU of this thread per request kind (app work, not HTTP)."""

    def __init__(self, app: Any, flask_app: Any, cpu: dict[str, list[float]]) -> None:
        self.app, self.flask_app, self.cpu = app, flask_app, cpu

    def __call__(self, environ: dict, start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        record = {
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "body": base64.b64encode(body[:200]).decode() if body else "",
        }
        started = time.thread_time()
        chunks = list(self.app(environ, start_response))
        self.cpu[kind_of(self.flask_app, record)].append(time.thread_time() - started)
        return chunks


def prepare(record: dict[str, Any], tokens: dict[str, str]) -> tuple[bytes, dict]:
    body = base64.b64decode(record["body"])
    if record["path"] == "/_sandbox/faults" and record["method"] == "POST":
        rule = json.loads(body)
        rule["latency_ms"] = 0  # keep the rule (matching cost), not the sleep
        body = json.dumps(rule).encode()
    headers = {}
    auth = record["headers"].get("HTTP_AUTHORIZATION")
    if auth:
        scheme, _, value = auth.partition(" ")
        headers["Authorization"] = f"{scheme} {tokens.get(value, value)}"
    if "CONTENT_TYPE" in record["headers"]:
        headers["Content-Type"] = record["headers"]["CONTENT_TYPE"]
    return body, headers


def note_token(record: dict[str, Any], answer: bytes, tokens: dict[str, str]) -> None:
    if record["path"].endswith("/oauth/token") and record["status"].startswith("200"):
        old = json.loads(base64.b64decode(record["answer"]))["access_token"]
        tokens[old] = json.loads(answer)["access_token"]


def load(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    return sorted(records, key=lambda r: r["seq"])


def http_client(args: argparse.Namespace) -> None:
    """Child process of ``replay --http``: send every record over keep-alive."""
    import requests

    urls = json.loads(args.urls)
    sessions = {name: requests.Session() for name in urls}
    tokens: dict[str, str] = {}
    for record in load(args.file):
        body, headers = prepare(record, tokens)
        resp = sessions[record["app"]].request(
            record["method"],
            urls[record["app"]] + record["path"],
            params=record["query"] or None,
            data=body,
            headers=headers,
            timeout=60,
        )
        note_token(record, resp.content, tokens)
        if str(resp.status_code) != record["status"][:3]:
            print(
                f"status differs: {record['path']} {record['status']} -> "
                f"{resp.status_code}"
            )


def print_table(cpu: dict[str, list[float]], control: bool) -> None:
    print(f"{'kind':<60} {'n':>6} {'ms/req':>8} {'total s':>8}")
    for kind, values in sorted(cpu.items(), key=lambda kv: -sum(kv[1])):
        if kind.split(" ", 2)[2].startswith("/_sandbox") and not control:
            continue
        total = sum(values)
        print(
            f"{kind:<60} {len(values):>6} {1000 * total / len(values):8.3f} "
            f"{total:8.2f}"
        )


def replay_http(args: argparse.Namespace, apps: dict[str, Any]) -> None:
    """Serve the apps over loopback HTTP; a child process sends the records; the
    CPU of this (server) process is the sandboxes' whole cost, HTTP included."""
    from sandbox.common import SandboxServer

    cpu: dict[str, list[float]] = defaultdict(list)
    for app in apps.values():
        app.wsgi_app = Timer(app.wsgi_app, app, cpu)
    servers = {name: SandboxServer(app).start() for name, app in apps.items()}
    urls = {name: server.url for name, server in servers.items()}
    started = time.process_time()
    wall = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "_client", args.file, json.dumps(urls)], check=True
    )
    total = time.process_time() - started
    wall = time.perf_counter() - wall
    for server in servers.values():
        server.stop()
    control = [v for k, vs in cpu.items() if "/_sandbox" in k for v in vs]
    n = sum(len(v) for v in cpu.values()) - len(control)
    api = total - sum(control)
    print(
        f"server process CPU {api:.2f} s for {n} API requests "
        f"({1000 * api / n:.3f} ms/req, HTTP included; control calls excluded), "
        f"wall {wall:.1f} s"
    )
    print_table(cpu, args.control)


def replay(args: argparse.Namespace) -> None:
    import logging

    from werkzeug.test import EnvironBuilder

    from sandbox.commercetools import create_app as ct_app
    from sandbox.common import serving_gc
    from sandbox.fluent import create_app as fluent_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    deterministic_ids()
    apps = {"ct": ct_app(), "fluent": fluent_app()}
    if not args.http:
        serving_gc.enter()  # the GC pace of served sandboxes (SandboxServer.start)
    if args.http:
        replay_http(args, apps)
        return
    tokens: dict[str, str] = {}
    cpu: dict[str, list[float]] = defaultdict(list)
    profiler = cProfile.Profile() if args.profile else None
    answers = open(args.answers, "wb") if args.answers else None  # noqa: SIM115
    for record in load(args.file):
        app = apps[record["app"]]
        body, headers = prepare(record, tokens)
        environ = EnvironBuilder(
            path=record["path"],
            method=record["method"],
            query_string=record["query"],
            data=body,
            headers=headers,
        ).get_environ()
        status: list[str] = []

        def start(st: str, _h: list, _e: Any = None, status: list = status) -> Any:
            status.append(st)
            return lambda _b: None

        kind = kind_of(app, record)
        profiling = profiler is not None and args.profile in kind
        started = time.process_time()
        if profiling:
            profiler.enable()  # type: ignore[union-attr]
        answer = b"".join(app.wsgi_app(environ, start))
        if profiling:
            profiler.disable()  # type: ignore[union-attr]
        cpu[kind].append(time.process_time() - started)
        note_token(record, answer, tokens)
        if status[0][:3] != record["status"][:3]:
            print(f"status differs: {kind} {record['status']} -> {status[0]}")
        if answers is not None:
            answers.write(f"{kind} {status[0]}\n".encode())
            answers.write(normalise(answer) + b"\n")
    if answers is not None:
        answers.close()
    print_table(cpu, args.control)
    if profiler is not None:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats(args.sort).print_stats(args.top)
        print(stream.getvalue())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    cp = sub.add_parser("capture-products")
    cp.add_argument("file")
    cp.add_argument("--products", type=int, default=1000)
    cp.add_argument("--variants", type=int, default=3)
    cp.add_argument("--batch-size", type=int, default=25)
    cp.add_argument("--max-in-flight", type=int, default=4)
    ce = sub.add_parser("capture-e2e")
    ce.add_argument("file")
    ce.add_argument("--rate", type=float, default=30)
    ce.add_argument("--duration", type=float, default=5)
    ce.add_argument("--worker-concurrency", type=int, default=32)
    ce.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    rp = sub.add_parser("replay")
    rp.add_argument("file")
    rp.add_argument("--profile", help="cProfile the requests whose kind contains this")
    rp.add_argument("--sort", default="tottime")
    rp.add_argument("--top", type=int, default=40)
    rp.add_argument("--answers", help="write normalised answers here")
    rp.add_argument("--control", action="store_true", help="list /_sandbox calls too")
    rp.add_argument("--http", action="store_true", help="over loopback HTTP")
    cl = sub.add_parser("_client")
    cl.add_argument("file")
    cl.add_argument("urls")
    args = p.parse_args()
    commands = {
        "capture-products": capture_products,
        "capture-e2e": capture_e2e,
        "_client": http_client,
    }
    commands.get(args.cmd, replay)(args)


if __name__ == "__main__":
    main()
