"""Stall benchmark: do hung API calls of one module stop the other modules' messages?

Processes: ``connector sandbox`` (both sandboxes, 20 ms latency on every call), gunicorn
serving the connector, one Celery worker on ``events,default`` with the pool under test,
PostgreSQL store and Redis broker (a fresh database and key prefix per scenario).

Per scenario: the commercetools endpoint ``GET /<project_key>/customers/<res_id>`` never
answers (fault rule ``rate_timeout=1`` with a 300 s sleep; the connector's client gives up
after its 30 s read timeout and the task retries, and hangs again), ``--hung`` customers
messages (CustomerCreated, ``POST /webhooks/commercetools``) go in first, and one second
later ``--others`` Fluent order-status webhooks (module ``order_status``) go in at once.
Prints, per scenario, how many of the others finished within 5, 30 and 60 s of being
sent, and their p50 / max latency.

Not a test. Run: ``.venv/bin/python bench/bench_stall.py`` (``--scenarios
prefork:2,prefork:16`` as ``pool:concurrency``, ``--hung 2,10``, ``--others 20``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from bench_e2e import (  # noqa: E402
    WEBHOOK,
    finished_rows,
    group_rss_mb,
    recorded_webhooks,
    seed,
    wait_port,
)
from bench_ingress import create_database, drop_database, free_port  # noqa: E402

VENV_BIN = Path(sys.executable).parent
TOKEN = "bench-stall-token"
HANG = "GET /<project_key>/customers/<res_id>"


def kill(proc: subprocess.Popen, grace: float = 3.0) -> None:
    """Stop a process group now (a warm shutdown would wait for the hung calls)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def customer_message() -> bytes:
    return json.dumps(
        {
            "notificationType": "Message",
            "id": str(uuid.uuid4()),
            "version": 1,
            "sequenceNumber": 1,
            "resource": {"typeId": "customer", "id": str(uuid.uuid4())},
            "resourceVersion": 1,
            "type": "CustomerCreated",
            "createdAt": "2026-12-05T10:00:00.000Z",
        }
    ).encode()


def scenario(
    args: argparse.Namespace,
    env: dict[str, str],
    pool: str,
    concurrency: int,
    hung: int,
    hooks: list,
    ct_url: str,
) -> dict:
    http = requests.Session()
    database_url, db_name = create_database(args.admin_dsn)
    prefix = f"bench-stall-{uuid.uuid4().hex[:8]}:"
    env = {
        **env,
        "DATABASE_URL": database_url,
        "CONNECTOR_REDIS_PREFIX": prefix,
        "CONNECTOR_DATA_DIR": str(Path("/tmp") / prefix.rstrip(":")),
    }
    procs: list[subprocess.Popen] = []
    web_port = free_port()
    import redis

    from connector.store import migrate

    r = redis.Redis.from_url(args.redis_url)
    try:
        migrate.upgrade(database_url)
        procs.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "-c",
                    "gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{web_port}",
                    "--workers",
                    "2",
                    "--log-level",
                    "warning",
                    "--access-logfile",
                    "/dev/null",
                ],
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        )
        worker_cmd = [
            str(VENV_BIN / "celery"),
            "-A",
            "tasks.worker",
            "worker",
            "-n",
            f"events-{pool}{concurrency}@%h",
            "-Q",
            "events,default",
            "-P",
            pool,
            "-c",
            str(concurrency),
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        procs.append(
            subprocess.Popen(
                worker_cmd,
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
        time.sleep(args.worker_boot)
        http.delete(f"{ct_url}/_sandbox/faults", timeout=10).raise_for_status()
        for rule in (
            {"endpoint": "*", "latency_ms": args.latency_ms},
            {"endpoint": HANG, "rate_timeout": 1.0, "timeout_seconds": 300},
        ):
            http.post(f"{ct_url}/_sandbox/faults", json=rule, timeout=10)
        base = f"http://127.0.0.1:{web_port}"
        for _ in range(hung):
            resp = http.post(
                f"{base}/webhooks/commercetools",
                data=customer_message(),
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            assert resp.json().get("status") == "accepted", resp.text
        time.sleep(1.0)
        sent: dict[str, float] = {}
        for ident, body, headers in hooks:
            sent[ident] = time.time()
            resp = http.post(f"{base}{WEBHOOK}", data=body, headers=headers, timeout=10)
            assert resp.json().get("status") == "accepted", resp.text
        deadline = time.monotonic() + args.window + 1
        while time.monotonic() < deadline:
            rows = [x for x in finished_rows(database_url) if x[0] in sent]
            if len(rows) == len(sent) and all(x[2] == "done" for x in rows):
                break
            time.sleep(0.5)
        rows = [x for x in finished_rows(database_url) if x[0] in sent]
        memory = group_rss_mb(procs[-1].pid)
        lat = sorted(
            f.timestamp() - sent[i] for i, _, s, f in rows if s == "done" and f
        )
    finally:
        for proc in reversed(procs):
            kill(proc)
        http.delete(f"{ct_url}/_sandbox/faults", timeout=10)
        drop_database(args.admin_dsn, db_name)
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            r.delete(*keys[start : start + 500])
    return {
        "within": {w: sum(1 for x in lat if x <= w) for w in (5, 30, args.window)},
        "p50": statistics.median(lat) if lat else None,
        "max": lat[-1] if lat else None,
        "pss": memory[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="prefork:2,prefork:16")
    parser.add_argument("--hung", default="2,10")
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--worker-boot", type=float, default=4.0)
    parser.add_argument(
        "--admin-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()

    from sandbox.serve import connector_env

    ct_port, fluent_port = free_port(), free_port()
    ct_url, fluent_url = (
        f"http://127.0.0.1:{ct_port}",
        f"http://127.0.0.1:{fluent_port}",
    )
    sandbox = subprocess.Popen(
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
    results = []
    try:
        wait_port(ct_port, "CT sandbox")
        wait_port(fluent_port, "Fluent sandbox")
        http = requests.Session()
        numbers = seed(ct_url, fluent_url, args.others, http)
        # per order: fulfilment, consignment, order status (bench_e2e.KINDS order);
        # only the order-status webhooks: one module (order_status)
        hooks = recorded_webhooks(fluent_url, numbers, http)[2::3][: args.others]
        key = http.get(f"{fluent_url}/_sandbox/keys", timeout=10).json()
        env = {
            **os.environ,
            **connector_env(ct_url, fluent_url, key["public_key_pem"]),
            "REDIS_URL": args.redis_url,
            "CONNECTOR_API_TOKENS": TOKEN,
            "CONNECTOR_MODULES": "customers,order_status",
        }
        for spec in args.scenarios.split(","):
            pool, conc = spec.split(":")
            for hung in (int(h) for h in args.hung.split(",")):
                print(f"{pool} -c {conc}, {hung} hung ...", flush=True)
                res = scenario(args, env, pool, int(conc), hung, hooks, ct_url)
                results.append((pool, int(conc), hung, res))
    finally:
        kill(sandbox)
    print(
        f"\n{len(hooks)} order_status webhooks sent 1 s after the hung customers"
        f" messages; {args.latency_ms:.0f} ms API latency; {os.cpu_count()} CPUs"
    )
    print(
        f"{'pool':<10}{'-c':>4}{'hung':>6}{'<=5s':>7}{'<=30s':>7}"
        f"{'<=' + str(int(args.window)) + 's':>7}{'p50 s':>8}{'max s':>8}"
        f"{'PSS MB':>8}"
    )
    for pool, conc, hung, res in results:
        w = res["within"]
        p50 = f"{res['p50']:.2f}" if res["p50"] is not None else "-"
        mx = f"{res['max']:.2f}" if res["max"] is not None else "-"
        print(
            f"{pool:<10}{conc:>4}{hung:>6}{w[5]:>7}{w[30]:>7}"
            f"{w[args.window]:>7}{p50:>8}{mx:>8}{res['pss']:>8.0f}"
        )


if __name__ == "__main__":
    main()
