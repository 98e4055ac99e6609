"""End-to-end benchmark: Fluent webhook -> commercetools order updated.

Processes: ``connector sandbox`` (both sandboxes, 20 ms injected latency on every API
call: fault rule ``latency_ms=20``), gunicorn serving the connector, one Celery worker
(prefork, ``-c`` children), PostgreSQL store and Redis broker. Orders are seeded in both
sandboxes and moved by Fluent's lifecycle driver to AWAITING_COURIER_COLLECTION with no
webhook URL set, so the sandbox records the signed webhooks without delivering them. The
benchmark then posts those exact signed webhooks (per order: fulfilment, consignment and
order status update, as Fluent sends them) at a steady rate (open loop, default 50/s)
and measures, per webhook, the time from sending it to its handler having written the
CT order (``inbound_messages.finished_at``; the handler finishes after the CT update).

Prints p50/p90/p99/max overall and per route, failures, and a check of the CT orders.
Not a test. Run: ``.venv/bin/python bench/bench_e2e.py`` (``--rate``, ``--duration``,
``--latency-ms``, ``--pool`` (alias ``--worker-pool``), ``--worker-concurrency``). Also
prints the worker's total RSS (main process + pool children) after the run.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_ingress import (  # noqa: E402
    create_database,
    drop_database,
    free_port,
    stop,
)

VENV_BIN = Path(sys.executable).parent
WEBHOOK = "/api/v1/fluent-connect/webhook"
FIXTURE = ROOT / "tests" / "payloads" / "fluent" / "order_lifecycle.json"
KINDS = ("fulfilment-update", "consignment-update", "order-status-update")


def wait_port(port: int, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/_sandbox/calls", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


def seed(ct_url: str, fluent_url: str, count: int, http: requests.Session) -> list[str]:
    """``count`` matching orders in both sandboxes, advanced (silently) in Fluent."""
    fixture = json.loads(FIXTURE.read_text())
    numbers = [f"E2E-{i:05d}" for i in range(count)]
    for start in range(0, count, 200):
        orders = [
            {**fixture["ct_order"], "orderNumber": n}
            for n in numbers[start : start + 200]
        ]
        http.post(
            f"{ct_url}/_sandbox/seed",
            json={"messages": False, "orders": orders},
            timeout=120,
        ).raise_for_status()
    base = dict(fixture["fluent"])
    base["inventory"] = [{**i, "onHand": 10 * count + 100} for i in base["inventory"]]
    http.post(f"{fluent_url}/_sandbox/seed", json=base, timeout=120).raise_for_status()
    lines = line_ids(ct_url, http)
    fluent_orders = []
    for n in numbers:
        fluent_orders.append(
            {
                "ref": n,
                "type": "HD",
                "customer": {"username": "jane@example.com"},
                "fulfilmentChoice": {
                    "deliveryType": "STANDARD",
                    "deliveryAddress": {
                        "ref": f"{n}-a",
                        "city": "Berlin",
                        "country": "DE",
                    },
                },
                "items": [
                    {"ref": line_id, "productRef": sku, "quantity": qty}
                    for line_id, sku, qty in lines[n]
                ],
            }
        )
    for start in range(0, count, 200):
        http.post(
            f"{fluent_url}/_sandbox/seed",
            json={"orders": fluent_orders[start : start + 200]},
            timeout=120,
        ).raise_for_status()
    for n in numbers:
        http.post(
            f"{fluent_url}/_sandbox/orders/{n}/advance",
            json={"to": "AWAITING_COURIER_COLLECTION"},
            timeout=30,
        ).raise_for_status()
    return numbers


def ct_session(ct_url: str, http: requests.Session) -> dict[str, str]:
    from sandbox import defaults as d

    token = http.post(
        f"{ct_url}/oauth/token",
        params={"grant_type": "client_credentials"},
        auth=(d.CT_CLIENT_ID, d.CT_CLIENT_SECRET),
        timeout=30,
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def ct_orders(ct_url: str, http: requests.Session) -> list[dict[str, Any]]:
    from sandbox import defaults as d

    headers = ct_session(ct_url, http)
    out: list[dict[str, Any]] = []
    last = None
    while True:
        params: list[tuple[str, Any]] = [
            ("limit", 500),
            ("sort", "id asc"),
            ("withTotal", "false"),
        ]
        if last:
            params.append(("where", f'id > "{last}"'))
        page = http.get(
            f"{ct_url}/{d.CT_PROJECT_KEY}/orders",
            params=params,
            headers=headers,
            timeout=60,
        ).json()["results"]
        out += page
        if len(page) < 500:
            return out
        last = page[-1]["id"]


def line_ids(
    ct_url: str, http: requests.Session
) -> dict[str, list[tuple[str, str, int]]]:
    return {
        o["orderNumber"]: [
            (li["id"], li["variant"]["sku"], li["quantity"]) for li in o["lineItems"]
        ]
        for o in ct_orders(ct_url, http)
    }


def recorded_webhooks(
    fluent_url: str, numbers: list[str], http: requests.Session
) -> list[tuple[str, bytes, dict[str, str]]]:
    """Per order, the last recorded webhook of each kind: (id, body, headers)."""
    records = http.get(f"{fluent_url}/_sandbox/webhooks/deliveries", timeout=120).json()
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records["results"]:
        body = json.loads(record["body"])
        latest[(body["rootEntityRef"], record["name"].rsplit(".", 1)[-1])] = record
    out = []
    for n in numbers:
        for kind in KINDS:
            record = latest[(n, kind)]
            out.append(
                (record["id"], base64.b64decode(record["body_b64"]), record["headers"])
            )
    return out


def sender(port: int, jobs: queue.Queue, sent: dict[str, float], errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        job = jobs.get()
        if job is None:
            return
        due, ident, body, headers = job
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        sent[ident] = time.time()
        try:
            conn.request("POST", WEBHOOK, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200 or b"accepted" not in data:
                errors.append(f"{resp.status} {data[:80]!r}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            conn.close()


def drive(
    port: int, hooks: list, rate: float, threads: int = 8
) -> tuple[dict, list, float]:
    """Post ``hooks`` at a steady ``rate`` per second (open loop)."""
    sent: dict[str, float] = {}
    errors: list[str] = []
    jobs: queue.Queue = queue.Queue()
    workers = [
        threading.Thread(target=sender, args=(port, jobs, sent, errors), daemon=True)
        for _ in range(threads)
    ]
    for w in workers:
        w.start()
    start = time.time() + 0.2
    for i, (ident, body, headers) in enumerate(hooks):
        jobs.put((start + i / rate, ident, body, headers))
    for _ in workers:
        jobs.put(None)
    for w in workers:
        w.join()
    return sent, errors, time.time() - start


def finished_rows(database_url: str) -> list[tuple[str, str, str, datetime | None]]:
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        return conn.execute(
            "SELECT message_id, route, status, finished_at FROM inbound_messages"
        ).fetchall()


def group_rss_mb(pgid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB summed over a process group (Linux /proc).

    RSS counts pages shared by the forked pool processes once per process; PSS splits
    them, so it is what the group really costs.
    """
    rss = pss = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            for line in (stat.parent / "smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return rss / 1024, pss / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p * len(ordered))) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="webhooks per second")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds")
    parser.add_argument("--warmup", type=int, default=90, help="webhooks before timing")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument(
        "--pool",
        "--worker-pool",
        dest="pool",
        default="prefork",
        help="Celery pool of the worker",
    )
    parser.add_argument("--worker-concurrency", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--admin-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()

    import redis

    from connector.store import migrate
    from sandbox.serve import connector_env

    total = int(args.rate * args.duration) + args.warmup
    orders = -(-total // len(KINDS))
    http = requests.Session()
    procs: list[subprocess.Popen] = []
    ct_port, fluent_port, web_port = free_port(), free_port(), free_port()
    ct_url, fluent_url = (
        f"http://127.0.0.1:{ct_port}",
        f"http://127.0.0.1:{fluent_port}",
    )
    database_url, db_name = create_database(args.admin_dsn)
    prefix = f"bench-e2e-{uuid.uuid4().hex[:8]}:"
    r = redis.Redis.from_url(args.redis_url)
    try:
        procs.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "connector"),
                    "sandbox",
                    "--ct-port",
                    str(ct_port),
                    "--fluent-port",
                    str(fluent_port),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        wait_port(ct_port, "CT sandbox")
        wait_port(fluent_port, "Fluent sandbox")
        print(f"seeding {orders} orders in both sandboxes...", flush=True)
        started = time.time()
        numbers = seed(ct_url, fluent_url, orders, http)
        hooks = recorded_webhooks(fluent_url, numbers, http)[:total]
        print(
            f"seeded in {time.time() - started:.0f}s; {len(hooks)} webhooks", flush=True
        )
        key = http.get(f"{fluent_url}/_sandbox/keys", timeout=10).json()[
            "public_key_pem"
        ]
        migrate.upgrade(database_url)
        env = {
            **os.environ,
            **connector_env(ct_url, fluent_url, key),
            "DATABASE_URL": database_url,
            "REDIS_URL": args.redis_url,
            "CONNECTOR_REDIS_PREFIX": prefix,
            "CONNECTOR_MODULES": "order_status,fulfilments,consignments",
            "CONNECTOR_DATA_DIR": str(Path("/tmp") / prefix.rstrip(":")),
        }
        procs.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "connector.wsgi:app",
                    "--bind",
                    f"127.0.0.1:{web_port}",
                    "--workers",
                    str(args.web_workers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--log-level",
                    "warning",
                    # gunicorn.conf.py (the Procfile's) is loaded; no access lines here
                    "--access-logfile",
                    "/dev/null",
                ],
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "tasks.worker",
                    "worker",
                    "-Q",
                    "events,default",
                    "-P",
                    args.pool,
                    "-c",
                    str(args.worker_concurrency),
                    "-l",
                    "warning",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--logfile",
                    str(Path("/tmp") / f"{prefix.rstrip(':')}-worker.log"),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http.get(f"http://127.0.0.1:{web_port}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        time.sleep(3)  # worker boot
        for url in (ct_url, fluent_url):
            http.post(
                f"{url}/_sandbox/faults",
                json={"endpoint": "*", "latency_ms": args.latency_ms},
                timeout=10,
            ).raise_for_status()
        warm, timed = hooks[: args.warmup], hooks[args.warmup :]
        drive(web_port, warm, args.rate)
        time.sleep(3)
        print(f"driving {len(timed)} webhooks at {args.rate:.0f}/s...", flush=True)
        sent, errors, wall = drive(web_port, timed, args.rate)
        timed_ids = {ident for ident, _, _ in timed}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rows = [x for x in finished_rows(database_url) if x[0] in timed_ids]
            if len(rows) == len(timed_ids) and all(
                x[2] in ("done", "failed") for x in rows
            ):
                break
            time.sleep(0.5)
        rss = group_rss_mb(procs[-1].pid)
        after = {o["orderNumber"]: o for o in ct_orders(ct_url, http)}
    finally:
        for proc in reversed(procs):
            stop(proc)
        drop_database(args.admin_dsn, db_name)
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            r.delete(*keys[start : start + 500])

    lat: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    for ident, route, status, finished in rows:
        statuses[status] = statuses.get(status, 0) + 1
        if status == "done" and finished is not None and ident in sent:
            ms = (finished.timestamp() - sent[ident]) * 1000
            lat.setdefault("all", []).append(ms)
            lat.setdefault(route.rsplit(".", 1)[-1], []).append(ms)
    kinds_sent: dict[str, int] = {}
    for _, body, _ in timed:
        ref = json.loads(body)["rootEntityRef"]
        kinds_sent[ref] = kinds_sent.get(ref, 0) + 1
    timed_orders = {ref for ref, n in kinds_sent.items() if n == len(KINDS)}
    complete = sum(
        1
        for n in timed_orders
        if after[n]["orderState"] == "Confirmed"
        and after[n].get("shipmentState") == "Ready"
        and (after[n].get("shippingInfo") or {}).get("deliveries")
        and all((li.get("custom") or {}).get("fields") for li in after[n]["lineItems"])
    )
    print(
        f"\ne2e: {len(timed)} webhooks at {len(timed) / wall:.1f}/s over {wall:.1f}s"
        f" (target rate {args.rate:.0f}/s), sandbox latency {args.latency_ms:.0f} ms per"
        f" API call, worker {args.pool} -c {args.worker_concurrency}, {os.cpu_count()} CPUs"
    )
    print(
        f"worker memory (main + pool) after the run: RSS {rss[0]:.0f} MB,"
        f" PSS {rss[1]:.0f} MB"
    )
    ends = [f.timestamp() for i, _, st, f in rows if st == "done" and f and i in sent]
    if ends:
        span = max(ends) - min(sent.values())
        print(
            f"handled: {len(ends)} in {span:.1f}s from the first send"
            f" = {len(ends) / span:.1f}/s"
        )
    print(f"ingress errors: {len(errors)}; message statuses: {statuses}")
    print(
        f"{'route':<22} {'n':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for name in ("all", *KINDS):
        values = lat.get(name) or []
        if values:
            print(
                f"{name:<22} {len(values):>6} {statistics.median(values):>8.0f}"
                f" {pct(values, 0.90):>8.0f} {pct(values, 0.99):>8.0f} {max(values):>8.0f}"
            )
    print(
        f"CT orders fully updated (Confirmed, Ready, delivery, line progress): "
        f"{complete}/{len(timed_orders)}"
    )
    p50 = statistics.median(lat["all"]) if lat.get("all") else float("inf")
    print(f"target p50 <= 250 ms: {'met' if p50 <= 250 else 'MISSED'}")


if __name__ == "__main__":
    main()
