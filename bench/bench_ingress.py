"""Benchmark of the Fluent webhook ingress (stage 1) beside a bare Flask endpoint.

gunicorn serves the connector (``connector.wsgi:app``, PostgreSQL store, Redis broker;
no Celery worker, so accepted tasks wait in Redis) and, in the same run with the same
gunicorn settings, a trivial Flask app that reads the body and answers 200 JSON. N
concurrent clients (processes x threads, keep-alive ``http.client`` connections) post
pre-signed Fluent webhooks (SHA512withRSA, 2048-bit key, unique ids) as fast as they
are answered. Prints accepted/s and p50/p99/max latency per endpoint, the connector's
share of the bare rate, and checks that every accepted webhook is one row in
``inbound_messages`` and one task in Redis.

Not a test: it only prints figures. Needs PostgreSQL (user ``postgres`` on 127.0.0.1)
and Redis (``redis://127.0.0.1:6379/15``); it creates and drops its own database and
deletes its own Redis keys. Run: ``.venv/bin/python bench/bench_ingress.py``
(``--requests``, ``--procs``, ``--threads``, ``--workers``, ``--worker-class``).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
PATH = "/api/v1/fluent-connect/webhook"
NAME = "fc.connect.order.webhook.order-status-update"


def make_bare_app() -> Any:
    """The baseline: Flask reading the body and answering a small JSON 200."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.post(PATH)
    def hook() -> Any:
        request.get_data(cache=False)
        return jsonify(status="accepted", id=1), 200

    return app


def _init_signer(pem: bytes) -> None:
    global _KEY
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    _KEY = load_pem_private_key(pem, password=None)


def _sign_many(count: int) -> list[tuple[bytes, str]]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    out = []
    for _ in range(count):
        order = f"CT-{uuid.uuid4().hex[:10]}"
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "name": NAME,
                "accountId": "BENCH",
                "retailerId": "1",
                "rootEntityId": "1001",
                "rootEntityRef": order,
                "rootEntityType": "ORDER",
                "entityId": "1001",
                "entityRef": order,
                "entityType": "ORDER",
                "entitySubtype": "HD",
                "entityStatus": "BOOKED",
                "type": "NORMAL",
                "attributes": {},
                "meta": {"mode": "SYNC", "simulation": False, "models": []},
                "trailLogs": [],
                "errorLogs": [],
            },
            separators=(",", ":"),
        ).encode()
        sig = _KEY.sign(body, padding.PKCS1v15(), hashes.SHA512())
        out.append((body, base64.b64encode(sig).decode()))
    return out


def presign(total: int, workers: int = 2) -> tuple[list[tuple[bytes, str]], str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    chunks = [
        total // workers + (1 if i < total % workers else 0) for i in range(workers)
    ]
    with ProcessPoolExecutor(
        workers, initializer=_init_signer, initargs=(pem,)
    ) as pool:
        bodies = [b for part in pool.map(_sign_many, chunks) for b in part]
    return bodies, public.decode()


# -- load generation ---------------------------------------------------------------------
def _client_thread(
    port: int, items: list[tuple[bytes, str]], out: list, errors: list
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for body, sig in items:
        headers = {
            "Content-Type": "application/json",
            "fluent-signature": sig,
            "Content-Length": str(len(body)),
        }
        started = time.perf_counter()
        try:
            conn.request("POST", PATH, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()
            continue
        elapsed = time.perf_counter() - started
        if resp.status == 200 and b"accepted" in data:
            out.append(elapsed)
        else:
            errors.append(f"{resp.status}:{data[:80]!r}")


def _client_process(args: tuple[int, list[tuple[bytes, str]], int]) -> dict[str, Any]:
    port, items, threads = args
    latencies: list[float] = []
    errors: list[str] = []
    slices = [items[i::threads] for i in range(threads)]
    workers = [
        threading.Thread(target=_client_thread, args=(port, s, latencies, errors))
        for s in slices
    ]
    start = time.time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"lat": latencies, "errors": errors, "start": start, "end": time.time()}


def run_load(
    port: int, bodies: list[tuple[bytes, str]], procs: int, threads: int
) -> dict[str, Any]:
    parts = [bodies[i::procs] for i in range(procs)]
    ctx = mp.get_context("fork")
    with ctx.Pool(procs) as pool:
        results = pool.map(_client_process, [(port, p, threads) for p in parts])
    lat = sorted(x for r in results for x in r["lat"])
    errors = [e for r in results for e in r["errors"]]
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    return {
        "accepted": len(lat),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "wall": wall,
        "rate": len(lat) / wall if wall else 0.0,
        "p50": statistics.median(lat) * 1000 if lat else 0.0,
        "p99": lat[int(len(lat) * 0.99) - 1] * 1000 if lat else 0.0,
        "max": lat[-1] * 1000 if lat else 0.0,
    }


# -- servers -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(
    target: str, env: dict[str, str], args: argparse.Namespace
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [
        str(VENV_BIN / "gunicorn"),
        target,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.server_threads),
        "--backlog",
        "2048",
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
        # ./gunicorn.conf.py is loaded by default (cwd); keep its access log out
        "--access-logfile",
        "/dev/null",
        "--pythonpath",
        f"{ROOT},{BENCH}",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)  # let every worker boot
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn {target} did not start")


def cpu_seconds(proc: subprocess.Popen) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn tree (also split into user and system
    time, with its context switches), PostgreSQL and Redis."""
    import psutil

    out = {"server": 0.0, "postgres": 0.0, "redis": 0.0}
    out.update(user=0.0, system=0.0, switches=0.0)
    try:
        root = psutil.Process(proc.pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    for p in tree:
        try:
            t = p.cpu_times()
            threads = p.threads()
        except psutil.NoSuchProcess:
            continue
        out["server"] += t.user + t.system
        out["user"] += t.user
        out["system"] += t.system
        # every thread's switches (psutil's process figure is the main thread's)
        out["switches"] += sum(_thread_switches(p.pid, th.id) for th in threads) / 1000
    for p in psutil.process_iter(["name", "cpu_times"]):
        name = p.info["name"] or ""
        t = p.info["cpu_times"]
        if t is None:
            continue
        if name.startswith("postgres"):
            out["postgres"] += t.user + t.system
        elif name.startswith("redis-server"):
            out["redis"] += t.user + t.system
    return out


def _thread_switches(pid: int, tid: int) -> int:
    try:
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if "ctxt_switches" in line)
    except OSError:
        return 0
    return sum(int(v) for v in fields.values())


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def create_database(admin_dsn: str) -> tuple[str, str]:
    import psycopg

    name = f"connector_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    host_part = admin_dsn.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{host_part}/{name}", name


def drop_database(admin_dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(label: str, res: dict[str, Any]) -> None:
    print(
        f"{label:<11} {res['accepted']:>8} {res['errors']:>6} {res['wall']:>7.2f}"
        f" {res['rate']:>9.0f} {res['p50']:>8.2f} {res['p99']:>8.2f} {res['max']:>8.1f}"
    )
    cpu = res.get("cpu") or {}
    print(
        f"{'':<11} CPU ms per request: gunicorn {cpu.get('server', 0):.2f},"
        f" postgres {cpu.get('postgres', 0):.2f}, redis {cpu.get('redis', 0):.2f}"
        f" (gunicorn user {cpu.get('user', 0):.2f}, system {cpu.get('system', 0):.2f};"
        f" {cpu.get('switches', 0):.1f} context switches per request)"
    )
    if res["error_kinds"]:
        print(f"            errors: {res['error_kinds']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=12000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=4, help="client processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per process")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument(
        "--admin-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument(
        "--only", choices=("bare", "connector"), help="serve one endpoint only"
    )
    args = parser.parse_args()

    import redis

    sys.path.insert(0, str(ROOT))
    from connector.store import migrate

    clients = args.procs * args.threads
    per_set = args.requests + args.warmup
    variants = 1
    print(f"signing {per_set * variants} webhooks (2048-bit RSA)...", flush=True)
    bodies, public_pem = presign(per_set * variants)
    sets = [bodies[i * per_set : (i + 1) * per_set] for i in range(variants)]
    database_url, db_name = create_database(args.admin_dsn)
    prefix = f"bench-ingress-{uuid.uuid4().hex[:8]}:"
    r = redis.Redis.from_url(args.redis_url)
    migrate.upgrade(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "CONNECTOR_REDIS_PREFIX": prefix,
        "CONNECTOR_MODULES": "order_status",
        "FLUENT_ACCOUNT_ID": "BENCH",
        "FLUENT_RETAILER_ID": "1",
        "FLUENT_WEBHOOK_PUBLIC_KEYS": public_pem,
        "CONNECTOR_DATA_DIR": str(Path("/tmp") / prefix.rstrip(":")),
    }
    targets = [
        ("bare flask", "bench_ingress:make_bare_app()", sets[0]),
        ("connector", "connector.wsgi:app", sets[0]),
    ]
    if args.only:
        targets = [t for t in targets if t[0].startswith(args.only)]
    results: dict[str, dict[str, Any]] = {}
    rows = queued = 0
    try:
        for label, target, items in targets:
            proc, port = start_gunicorn(target, env, args)
            try:
                run_load(port, items[: args.warmup], args.procs, args.threads)
                before = cpu_seconds(proc)
                res = run_load(port, items[args.warmup :], args.procs, args.threads)
                after = cpu_seconds(proc)
                res["cpu"] = {
                    k: (after[k] - before[k]) * 1000 / max(res["accepted"], 1)
                    for k in after
                }
                results[label] = res
            finally:
                stop(proc)
        import psycopg

        with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
            rows = conn.execute("SELECT count(*) FROM inbound_messages").fetchone()[0]
        queued = sum(r.llen(k) for k in r.scan_iter(match=f"{prefix}*events*"))
    finally:
        drop_database(args.admin_dsn, db_name)
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            r.delete(*keys[start : start + 500])

    print(
        f"\ningress: {clients} concurrent clients ({args.procs} procs x {args.threads}"
        f" threads, keep-alive), gunicorn {args.workers} x {args.worker_class}"
        f" (threads {args.server_threads}), {os.cpu_count()} CPUs, loopback"
    )
    print(
        f"{'endpoint':<11} {'accepted':>8} {'errors':>6} {'wall s':>7} {'req/s':>9}"
        f" {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for label, res in results.items():
        report(label, res)
    expected = sum(
        res["accepted"] + args.warmup for k, res in results.items() if k != "bare flask"
    )
    print(f"store rows: {rows} (expected {expected}), tasks waiting in Redis: {queued}")
    if len(results) < 2:
        return
    conn_res, bare = results["connector"], results["bare flask"]
    share = conn_res["rate"] / bare["rate"] * 100 if bare["rate"] else 0.0
    print(f"connector / bare rate: {share:.0f}%")
    print(
        "targets: >= 1000 webhooks/s: "
        f"{'met' if conn_res['rate'] >= 1000 else 'MISSED'}; p99 <= 50 ms: "
        f"{'met' if conn_res['p99'] <= 50 else 'MISSED'}; >= 50% of bare: "
        f"{'met' if share >= 50 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
