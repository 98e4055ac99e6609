"""Benchmark of the inventory sync (Fluent ATS -> commercetools inventory entries).

Both sandboxes run in this process (SandboxServer on loopback). The Fluent generator
makes N SKUs x L locations (default 10,000 x 20) whose aggregate positions land in the
virtual catalogue; then:

1. ``full``: full sync against a fresh CT project and an empty store,
2. ``no-chg-full``: a no-change ``--full`` re-run (every position is read again and
   dropped by its fingerprint; target 0 CT calls),
3. ``no-chg-incr``: a no-change incremental run (the data was generated an hour ago, so
   the updatedOn window holds nothing),
4. ``1%-change``: 1% of the SKUs get a stock delta at one location in Fluent, then an
   incremental run (reads only those positions, one CT write each).

Prints wall time, SKUs/s, Fluent read calls, CT read and write calls and peak RSS per
phase. Not a test: it only prints figures. Run: ``.venv/bin/python bench/bench_inventory.py``
(``--skus``, ``--locations``, ``--batch-size``, ``--max-in-flight``, ``--database-url``).
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.config import Config  # noqa: E402
from connector.modules.inventory.stream import build  # noqa: E402
from connector.runtime import Runtime  # noqa: E402
from connector.store import migrate  # noqa: E402
from connector.sync.engine import SyncEngine  # noqa: E402
from sandbox.common import SandboxServer  # noqa: E402
from sandbox.serve import connector_env  # noqa: E402

CHANNEL_KEY = "fluent-ats"


def env_for(ct_url: str, fluent_url: str, database_url: str, data_dir: str) -> dict:
    """The connector pointed at both sandboxes, on the given store."""
    return {
        **connector_env(ct_url, fluent_url, fluent_public_key=""),
        "CONNECTOR_DATA_DIR": data_dir,
        "DATABASE_URL": database_url,
        "CONNECTOR_MODULES": "inventory",
    }


def an_hour_ago() -> str:
    return datetime.fromtimestamp(time.time() - 3600, UTC).isoformat()


def counts(url: str) -> dict[str, int]:
    return requests.get(f"{url}/_sandbox/calls", timeout=30).json()["counts"]


def reset_calls(*urls: str) -> None:
    for url in urls:
        requests.delete(f"{url}/_sandbox/calls", timeout=30).raise_for_status()


def split_ct(calls: dict[str, int]) -> tuple[int, int]:
    """(reads, writes) of the CT API, without token requests."""
    reads = sum(n for k, n in calls.items() if k.startswith(("GET ", "HEAD ")))
    writes = sum(
        n
        for k, n in calls.items()
        if k.startswith(("POST ", "DELETE ")) and "/oauth/" not in k
    )
    return reads, writes


def phase(
    name: str,
    runtime: Runtime,
    ct_url: str,
    fluent_url: str,
    overrides: dict,
    *,
    full: bool = False,
) -> dict[str, Any]:
    reset_calls(ct_url, fluent_url)
    stream = build(runtime, overrides)
    started = time.perf_counter()
    result = SyncEngine(runtime.store, stream).run(full=full, trigger="bench")
    wall = time.perf_counter() - started
    ct_reads, ct_writes = split_ct(counts(ct_url))
    fluent = counts(fluent_url)
    stats = result.stats
    row = {
        "phase": name,
        "status": result.status,
        "read": stats.read,
        "created": stats.created,
        "updated": stats.updated,
        "unchanged": stats.unchanged,
        "failed": stats.failed,
        "wall_s": round(wall, 2),
        "skus_per_s": round(stats.read / wall, 1) if wall else 0.0,
        "fluent_reads": fluent.get("graphql:virtualPositions", 0),
        "ct_reads": ct_reads,
        "ct_writes": ct_writes,
        "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
    }
    print(
        f"{name:<10} {row['status']:<9} read={row['read']:<6} "
        f"created={row['created']:<6} updated={row['updated']:<5} "
        f"unchanged={row['unchanged']:<6} failed={row['failed']:<3} "
        f"wall={row['wall_s']:>6}s  {row['skus_per_s']:>8} SKUs/s  "
        f"fluent_reads={row['fluent_reads']:<3} ct_reads={row['ct_reads']:<4} "
        f"ct_writes={row['ct_writes']:<6} rss={row['rss_mb']} MB",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--max-in-flight", type=int, default=8)
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument("--change-percent", type=float, default=1.0)
    parser.add_argument("--database-url", default=None, help="default: temp SQLite")
    parser.add_argument(
        "--ct-latency-ms",
        type=float,
        default=0.0,
        help="latency the CT sandbox adds to every API call (a real project is remote)",
    )
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from sandbox.commercetools import create_app as ct_app
    from sandbox.fluent import create_app as fluent_app

    ct = SandboxServer(ct_app()).start()
    fluent = SandboxServer(fluent_app()).start()
    tmp = tempfile.mkdtemp(prefix="bench-inventory-")
    database_url = args.database_url or f"sqlite:///{tmp}/connector.db"
    try:
        started = time.perf_counter()
        generated = requests.post(
            f"{fluent.url}/_sandbox/generate",
            json={
                "skus": args.skus,
                "locations": args.locations,
                "timestamp": an_hour_ago(),
            },
            timeout=600,
        ).json()
        print(
            f"generated {generated['skus']} SKUs x {generated['locations']} locations "
            f"({generated['inventoryPositions']} positions) in "
            f"{time.perf_counter() - started:.1f}s; batch_size={args.batch_size} "
            f"max_in_flight={args.max_in_flight} page_size={args.page_size} "
            f"ct_latency_ms={args.ct_latency_ms:g}; RSS before syncing "
            f"{psutil.Process().memory_info().rss / 2**20:.0f} MB",
            flush=True,
        )
        if args.ct_latency_ms:
            requests.post(
                f"{ct.url}/_sandbox/faults",
                json={"endpoint": "*", "latency_ms": args.ct_latency_ms},
                timeout=10,
            ).raise_for_status()
        migrate.upgrade(database_url)
        config = Config.from_env(env_for(ct.url, fluent.url, database_url, tmp))
        runtime = Runtime(config)
        overrides = {
            "batch_size": args.batch_size,
            "max_in_flight": args.max_in_flight,
            "page_size": args.page_size,
        }
        run = partial(phase, runtime=runtime, ct_url=ct.url, fluent_url=fluent.url)
        run("full", overrides=overrides, full=True)
        run("no-chg-full", overrides=overrides, full=True)
        run("no-chg-incr", overrides=overrides)
        changed = max(1, int(args.skus * args.change_percent / 100))
        step = max(1, args.skus // changed)
        skus = [f"P-{i:05d}-1" for i in range(1, args.skus + 1, step)][:changed]
        requests.post(
            f"{fluent.url}/_sandbox/inventory",
            json={
                "items": [
                    {"productRef": s, "locationRef": "LOC-001", "delta": 7}
                    for s in skus
                ]
            },
            timeout=60,
        ).raise_for_status()
        run(f"{args.change_percent:g}%-change", overrides=overrides)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"peak RSS {peak:.0f} MB (whole process: both sandboxes + connector); "
            f"{changed} SKUs changed in the last phase; store {database_url.split(':')[0]}"
        )
        runtime.store.dispose()
    finally:
        ct.stop()
        fluent.stop()


if __name__ == "__main__":
    main()
