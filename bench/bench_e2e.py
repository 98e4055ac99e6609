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

Prints p50/p90/p99/max overall and per route, failures, a check of the CT orders, and
the CPU time each process of the chain spent over the timed phase (psutil, per webhook
and as % of a core; the machine's total busy time shows what other work competed).
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
from pathlib import Path
from typing import Any

import psutil
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


def finished_rows(database_url: str) -> list[tuple[Any, ...]]:
    """(message_id, route, status, finished_at, seconds from the last claim to done)."""
    import psycopg

    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        return conn.execute(
            "SELECT message_id, route, status, finished_at,"
            " EXTRACT(EPOCH FROM finished_at - started_at) FROM inbound_messages"
        ).fetchall()


def wait_finished(database_url: str, expected: int, timeout: float = 120) -> None:
    """Until ``expected`` rows exist and all are done or failed (one cheap count per
    0.5 s on one connection, so the wait adds next to no load to the chain)."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as c:
        while time.monotonic() < deadline:
            total, final = c.execute(
                "SELECT count(*), count(*) FILTER (WHERE status IN ('done', 'failed'))"
                " FROM inbound_messages"
            ).fetchone()
            if total >= expected and final == total:
                return
            time.sleep(0.5)


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


ROLES = (
    "load generator (this process)",
    "gunicorn (master + workers)",
    "celery worker main",
    "celery pool children",
    "sandbox process",
    "postgresql (this db's backends)",
    "redis-server (shared)",
)


def _cpu(proc: psutil.Process) -> float:
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return 0.0


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_sample(procs: list[subprocess.Popen], db_name: str) -> dict[str, dict]:
    """CPU seconds (user + system) per role, per pid, at this moment.

    The worker's pool children are counted live plus the main process's
    ``children_user/system`` (children it already reaped, e.g. after
    ``--max-tasks-per-child``). PostgreSQL counts the backends connected to this
    benchmark's database (a backend that exits between two samples is lost); Redis is
    shared with anything else on the machine.
    """
    sandbox, web, worker = procs[0].pid, procs[1].pid, procs[2].pid
    out: dict[str, dict] = {role: {} for role in ROLES}
    me = psutil.Process()
    out[ROLES[0]][me.pid] = _cpu(me)
    for p in _tree(web):
        out[ROLES[1]][p.pid] = _cpu(p)
    try:
        main = psutil.Process(worker)
        t = main.cpu_times()
        out[ROLES[2]][worker] = t.user + t.system
        out[ROLES[3]]["reaped"] = t.children_user + t.children_system
        for p in main.children(recursive=True):
            out[ROLES[3]][p.pid] = _cpu(p)
    except psutil.Error:
        pass
    for p in _tree(sandbox):
        out[ROLES[4]][p.pid] = _cpu(p)
    for p in psutil.process_iter(["name", "cmdline"]):
        name = p.info["name"] or ""
        cmd = " ".join(p.info["cmdline"] or [])
        if name.startswith("postgres") and f" {db_name} " in f"{cmd} ":
            out[ROLES[5]][p.pid] = _cpu(p)
        elif name.startswith("redis-server"):
            out[ROLES[6]][p.pid] = _cpu(p)
    return out


def cpu_delta(before: dict[str, dict], after: dict[str, dict]) -> dict[str, float]:
    """Seconds per role between two samples (a pid new in ``after`` counts from 0)."""
    return {
        role: sum(v - before[role].get(k, 0.0) for k, v in after[role].items())
        for role in ROLES
    }


def print_cpu(delta: dict[str, float], machine: float, wall: float, n: int) -> None:
    print(f"\nCPU per webhook over the timed phase ({n} webhooks, {wall:.1f} s):")
    print(f"{'process':<34} {'cpu s':>7} {'ms/webhook':>11} {'% of a core':>12}")
    ours = 0.0
    for role in ROLES:
        sec = delta[role]
        ours += sec
        print(
            f"{role:<34} {sec:>7.2f} {1000 * sec / max(n, 1):>11.2f}"
            f" {100 * sec / max(wall, 1e-9):>11.0f}%"
        )
    print(
        f"{'total (the chain)':<34} {ours:>7.2f} {1000 * ours / max(n, 1):>11.2f}"
        f" {100 * ours / max(wall, 1e-9):>11.0f}%"
    )
    print(
        f"machine busy (all processes): {machine:.1f} s of"
        f" {wall * (os.cpu_count() or 1):.1f} s; others (not the chain):"
        f" {max(0.0, machine - ours):.1f} s"
    )


def api_calls(urls: dict[str, str], http: requests.Session) -> dict[str, int]:
    """Calls per '<sandbox> <METHOD> <endpoint>' so far (the sandboxes' call log)."""
    out: dict[str, int] = {}
    for name, url in urls.items():
        counts = http.get(f"{url}/_sandbox/calls", timeout=30).json()["counts"]
        for key, n in counts.items():
            if "/_sandbox/" not in key:
                out[f"{name} {key}"] = n
    return out


def print_calls(before: dict[str, int], after: dict[str, int], n: int) -> None:
    delta = {k: v - before.get(k, 0) for k, v in after.items()}
    delta = {k: v for k, v in delta.items() if v}
    # the Fluent sandbox also counts each GraphQL operation ("graphql:order") under
    # its POST /graphql: only "<sandbox> <METHOD> <path>" keys are HTTP calls
    total = sum(v for k, v in delta.items() if k.split()[1].isupper())
    print(f"\nAPI calls per webhook: {total / max(n, 1):.2f} ({total} HTTP calls)")
    for key, count in sorted(delta.items(), key=lambda kv: -kv[1]):
        print(f"  {count / max(n, 1):6.2f}  {key}")


def procfile_max_tasks() -> int:
    """The Procfile worker's ``--max-tasks-per-child`` (0 when it sets none)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            words = line.split()
            if "--max-tasks-per-child" in words:
                return int(words[words.index("--max-tasks-per-child") + 1])
    return 0


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
    parser.add_argument(
        "--max-tasks-per-child",
        type=int,
        default=procfile_max_tasks(),
        help="the worker's --max-tasks-per-child (default: the Procfile's; 0 = none)",
    )
    parser.add_argument(
        "--worker-app",
        default="tasks.worker",
        help="the worker's -A module (e.g. one that wraps tasks.worker in a profiler)",
    )
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
                    # the emulators stand in for remote APIs: no access line per
                    # call (werkzeug formatting it cost ~60 us of the sandbox's CPU)
                    "--no-access-log",
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
                    args.worker_app,
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
                    *(
                        ["--max-tasks-per-child", str(args.max_tasks_per_child)]
                        if args.max_tasks_per_child
                        else []
                    ),
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
        sandboxes = {"ct": ct_url, "fluent": fluent_url}
        calls_before = api_calls(sandboxes, http)
        cpu_before, machine_before = cpu_sample(procs, db_name), psutil.cpu_times()
        cpu_started = time.monotonic()
        sent, errors, wall = drive(web_port, timed, args.rate)
        wait_finished(database_url, len(hooks))
        cpu_after, machine_after = cpu_sample(procs, db_name), psutil.cpu_times()
        cpu_wall = time.monotonic() - cpu_started
        calls_after = api_calls(sandboxes, http)
        timed_ids = {ident for ident, _, _ in timed}
        rows = [x for x in finished_rows(database_url) if x[0] in timed_ids]
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
    busy: list[float] = []  # seconds a pool process spent on each message
    for ident, route, status, finished, held in rows:
        if status == "done" and held is not None:
            busy.append(float(held))
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
        f" API call, worker {args.pool} -c {args.worker_concurrency}"
        f" --max-tasks-per-child {args.max_tasks_per_child or 'none'},"
        f" {os.cpu_count()} CPUs"
    )
    print(
        f"worker memory (main + pool) after the run: RSS {rss[0]:.0f} MB,"
        f" PSS {rss[1]:.0f} MB"
    )
    ends = [
        f.timestamp() for i, _, st, f, _ in rows if st == "done" and f and i in sent
    ]
    if ends:
        span = max(ends) - min(sent.values())
        print(
            f"handled: {len(ends)} in {span:.1f}s from the first send"
            f" = {len(ends) / span:.1f}/s"
        )
    if busy:
        mean = statistics.fmean(busy)
        print(
            f"handler time (claim to done) per message: mean {1000 * mean:.0f} ms,"
            f" p90 {1000 * pct(busy, 0.9):.0f} ms: at {args.rate:.0f}/s that keeps"
            f" ~{args.rate * mean:.0f} pool processes busy on average"
            f" (-c {args.worker_concurrency})"
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
    idle = ("idle", "iowait", "guest", "guest_nice")  # guest time is in user too
    busy = [
        sum(getattr(t, f) for f in t._fields if f not in idle)
        for t in (machine_before, machine_after)
    ]
    print_cpu(cpu_delta(cpu_before, cpu_after), busy[1] - busy[0], cpu_wall, len(timed))
    print_calls(calls_before, calls_after, len(timed))
    p50 = statistics.median(lat["all"]) if lat.get("all") else float("inf")
    print(f"target p50 <= 250 ms: {'met' if p50 <= 250 else 'MISSED'}")


if __name__ == "__main__":
    main()
