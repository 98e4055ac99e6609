"""Benchmark of the products sync (commercetools products -> Fluent standard + variant
products). Prints figures; not a test.

Each sandbox runs in a process of its own, as the two APIs are separate services: the
Fluent sandbox in this process, the commercetools one in a forked child
(``--one-process``: both in this process, sharing one GIL, as before issue 14's last
stop). Both are SandboxServers on loopback with ``--latency-ms`` (default 20 ms)
injected on every API call; "sandboxes" CPU is the two processes' together. The CT generator makes N products x
V variants (default 10,000 x 3) spread over a few categories; the categories are synced
first (not part of the figures). Each phase runs the sync engine in a child process
(the "worker", so its peak RSS is not mixed with the sandboxes' data) against a fresh
SQLite store (default) or a fresh PostgreSQL database (``--store postgres``):

1. ``full``: ``--full`` sync into an empty Fluent catalogue,
2. ``no-change full``: ``--full`` again (every product read and fingerprinted; no write),
3. ``no-change incr``: an incremental run (the window holds nothing),
4. ``1% changed``: 1% of the products renamed and repriced in CT (sandbox mutate
   endpoint), then an incremental run (writes exactly those products and variants).

Per phase: wall time, entities/s, CT read calls (GET), Fluent write requests (GraphQL
requests containing mutations) and read requests, entities written, and the worker's
peak RSS. Run: ``.venv/bin/python bench/bench_products.py`` (``--products``,
``--variants``, ``--batch-size``, ``--max-in-flight``, ``--store``, ``--latency-ms``).
``--profile DIR`` writes a cProfile stats file per worker phase (``DIR/<phase>.pstats``,
every thread of the worker merged: the main thread plans, the pool threads write; CPU
time per thread, not wall time); read
it with ``python -m pstats`` or ``pstats.Stats(path).sort_stats("tottime")``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.config import Config  # noqa: E402
from connector.runtime import Runtime  # noqa: E402
from sandbox import defaults as d  # noqa: E402
from sandbox.serve import connector_env  # noqa: E402

PG_ADMIN = os.environ.get("CONNECTOR_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def env_for(ct_url: str, fluent_url: str, database_url: str, data_dir: str) -> dict:
    """The connector pointed at both sandboxes, on the given store."""
    return {
        **connector_env(ct_url, fluent_url, fluent_public_key=""),
        "CONNECTOR_DATA_DIR": data_dir,
        "DATABASE_URL": database_url,
        "CONNECTOR_MODULES": "categories,products",
    }


# -- the worker (child process): one engine run, figures as one JSON line -------------
def peak_rss_kb() -> int:
    """High-water RSS of this process image (VmHWM). ``ru_maxrss`` is not used in
    the worker: after fork+exec Linux carries the parent's high-water mark over."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class ThreadProfiles:
    """cProfile of every thread of the worker: ``cProfile`` only sees the thread that
    enabled it, and the engine writes on pool threads. ``threading.setprofile`` hands
    each new thread a hook whose first call enables that thread's own profiler; the
    stats of all of them are merged at the end. Times are each thread's CPU time
    (``time.thread_time``), not wall time: a call waiting for the network, the
    database or the GIL costs nothing here."""

    def __init__(self) -> None:
        import cProfile
        import threading

        self._new = lambda: cProfile.Profile(time.thread_time)
        self._lock = threading.Lock()
        self.profiles: list[Any] = []
        self.main = self._start()
        threading.setprofile(self._hook)

    def _start(self) -> Any:
        profile = self._new()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()
        return profile

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        sys.setprofile(None)
        self._start()

    def dump(self, path: str) -> None:
        import pstats
        import threading

        threading.setprofile(None)  # type: ignore[arg-type]
        self.main.disable()
        stats: pstats.Stats | None = None
        for profile in self.profiles:
            profile.snapshot_stats()
            if stats is None:
                stats = pstats.Stats(profile)
            else:
                stats.add(profile)
        assert stats is not None
        stats.dump_stats(path)


class SlotOccupancy:
    """How many batch writes (``stream.write`` calls: one Fluent request each, plus a
    re-check on conflicts) were in flight, as shares of the run's wall time."""

    def __init__(self, stream: Any) -> None:
        import threading

        self._lock = threading.Lock()
        self._busy = 0
        self._since = time.perf_counter()
        self._time: dict[int, float] = {}
        write = stream.write

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._step(+1)
            try:
                return write(*args, **kwargs)
            finally:
                self._step(-1)

        stream.write = counted

    def _step(self, delta: int) -> None:
        with self._lock:
            now = time.perf_counter()
            self._time[self._busy] = self._time.get(self._busy, 0.0) + now - self._since
            self._since, self._busy = now, self._busy + delta

    def shares(self, wall: float) -> dict[str, float]:
        self._step(0)
        total = sum(self._time.values()) or 1.0
        return {str(n): t / total for n, t in sorted(self._time.items())}


def worker(args: argparse.Namespace) -> None:
    from connector.modules.categories.options import CategoryOptions
    from connector.modules.categories.stream import CategoryStream
    from connector.modules.products.options import ProductOptions
    from connector.modules.products.stream import ProductStream
    from connector.sync.engine import SyncEngine

    env = json.loads(os.environ["BENCH_ENV"])
    runtime = Runtime(Config.from_env(env, read_dotenv=False))
    tuning = {
        "batch_size": args.batch_size,
        "max_in_flight": args.max_in_flight,
        "overlap_seconds": args.overlap_seconds,
    }
    catalogue = d.FLUENT_CATALOGUE_REF
    if args.module == "categories":
        stream: Any = CategoryStream(
            runtime, CategoryOptions.from_mapping(tuning, catalogue)
        )
    else:
        stream = ProductStream(runtime, ProductOptions.from_mapping(tuning, catalogue))
    slots = SlotOccupancy(stream)
    profiles = ThreadProfiles() if args.profile_out else None
    start_cpu = time.process_time()  # interpreter start, imports, runtime set-up
    started = time.perf_counter()
    result = SyncEngine(runtime.store, stream).run(full=args.full, trigger="bench")
    wall = time.perf_counter() - started
    if profiles is not None:
        profiles.dump(args.profile_out)
    peak_kb = peak_rss_kb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "status": result.status,
                "wall": wall,
                "stats": result.stats.as_dict(),
                "peak_rss_mb": peak_kb / 1024,
                "cpu": usage.ru_utime + usage.ru_stime,
                "start_cpu": start_cpu,
                "slots": slots.shares(wall),
            }
        )
    )


# -- the driver ------------------------------------------------------------------------
def counts(url: str) -> dict[str, int]:
    return requests.get(f"{url}/_sandbox/calls", timeout=60).json()["counts"]


class ChildSandbox:
    """The commercetools sandbox in a forked process of its own (its own GIL): started
    before this process starts any thread; everything talks to it over HTTP."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(target=self._serve, args=(child_conn,), daemon=True)
        self._proc.start()
        self.url: str = self._conn.recv()

    @staticmethod
    def _serve(conn: Any) -> None:
        import logging

        from sandbox.commercetools import create_app as ct_app
        from sandbox.common import SandboxServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = SandboxServer(ct_app()).start()
        conn.send(server.url)
        conn.recv()  # until stop() (or EOF when the parent dies)
        server.stop()

    def cpu_seconds(self) -> float:
        import psutil

        times = psutil.Process(self._proc.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()


def reset_calls(*urls: str) -> None:
    for url in urls:
        requests.delete(f"{url}/_sandbox/calls", timeout=60).raise_for_status()


CT_CHILD: list[ChildSandbox] = []  # the commercetools sandbox's process, if forked


def run_phase(
    args: argparse.Namespace,
    env: dict,
    ct_url: str,
    fluent_url: str,
    module: str,
    full: bool,
    phase: str = "",
) -> dict[str, Any]:
    reset_calls(ct_url, fluent_url)
    parent = resource.getrusage(resource.RUSAGE_SELF)
    child_before = CT_CHILD[0].cpu_seconds() if CT_CHILD else 0.0
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--module",
        module,
        "--batch-size",
        str(args.batch_size),
        "--max-in-flight",
        str(args.max_in_flight),
        "--overlap-seconds",
        str(args.overlap_seconds),
    ]
    if full:
        cmd.append("--full")
    if args.profile and phase:
        os.makedirs(args.profile, exist_ok=True)
        name = phase.replace(" ", "-").replace("%", "pct")
        cmd += ["--profile-out", os.path.join(args.profile, f"{name}.pstats")]
    proc = subprocess.run(
        cmd,
        env={**os.environ, "BENCH_ENV": json.dumps(env)},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{module} worker failed ({proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_SELF)
    out["sandbox_cpu"] = (after.ru_utime + after.ru_stime) - (
        parent.ru_utime + parent.ru_stime
    )
    if CT_CHILD:
        out["sandbox_cpu"] += CT_CHILD[0].cpu_seconds() - child_before
    ct, fl = counts(ct_url), counts(fluent_url)
    out["ct_reads"] = sum(v for k, v in ct.items() if k.startswith("GET "))
    out["fluent_writes"] = fl.get("graphql:mutation", 0)
    out["fluent_reads"] = fl.get("graphql:query", 0)
    out["mutations"] = sum(
        v
        for k, v in fl.items()
        if k.startswith(("graphql:create", "graphql:update", "graphql:remove"))
    )
    return out


def floor_seconds(args: argparse.Namespace, out: dict[str, Any]) -> float:
    """The latency floor of the requests this phase made: CT reads one after another
    plus Fluent writes ``--max-in-flight`` at a time, each costing ``--latency-ms``
    (Fluent existence reads overlap the writes in the pipelined engine)."""
    writes = out["fluent_writes"] / max(args.max_in_flight, 1)
    return (out["ct_reads"] + writes) * args.latency_ms / 1000


def report(name: str, out: dict[str, Any], args: argparse.Namespace) -> None:
    s = out["stats"]
    written = s["created"] + s["updated"]
    entities = s["created"] + s["updated"] + s["unchanged"]
    per_write = written / out["fluent_writes"] if out["fluent_writes"] else 0.0
    floor = floor_seconds(args, out)
    out["floor"] = floor
    print(
        f"{name:<16} {out['wall']:8.1f} s {entities / out['wall']:9.0f} ent/s "
        f"read={s['read']:>6} written={written:>6} unchanged={s['unchanged']:>6} "
        f"failed={s['failed']} | CT reads {out['ct_reads']:>3} "
        f"({s['read'] / max(out['ct_reads'], 1):.0f} products/read) | Fluent writes "
        f"{out['fluent_writes']:>5} ({per_write:.1f} ent/request, "
        f"{out['mutations']} mutations), reads "
        f"{out['fluent_reads']:>3} | worker peak RSS {out['peak_rss_mb']:.0f} MB"
    )
    print(
        f"{'':<16} floor {floor:.2f} s ({floor / out['wall']:.0%} of it reached) | "
        f"CPU: worker {out['cpu']:.1f} s (start {out['start_cpu']:.1f} s, run "
        f"{out['cpu'] - out['start_cpu']:.1f} s), sandboxes {out['sandbox_cpu']:.1f} s"
    )
    if out["fluent_writes"]:
        shares = ", ".join(f"{n}: {v:.0%}" for n, v in out["slots"].items())
        print(f"{'':<16} batch writes in flight (share of the run's time) {shares}")


def fresh_store(kind: str, tmp: str, query: str = "") -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench.db", lambda: None
    import psycopg

    name = f"bench_products_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{url}/{name}" + (f"?{query}" if query else ""), drop


def main(args: argparse.Namespace) -> None:
    import logging

    from connector.store import migrate  # only here: the worker skips alembic
    from sandbox.commercetools import create_app as ct_app
    from sandbox.common import SandboxServer
    from sandbox.fluent import create_app as fluent_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    ct: Any
    if args.one_process:
        ct = SandboxServer(ct_app()).start()
    else:  # forked before any thread of this process starts
        ct = ChildSandbox()
        CT_CHILD.append(ct)
    fluent = SandboxServer(fluent_app()).start()
    tmp = tempfile.mkdtemp(prefix="bench-products-")
    database_url, drop = fresh_store(args.store, tmp, args.pg_query)
    try:
        migrate.upgrade(database_url)
        env = env_for(ct.url, fluent.url, database_url, tmp)
        started = time.perf_counter()
        requests.post(
            f"{ct.url}/_sandbox/generate",
            json={
                "categories": args.categories,
                "products": args.products,
                "variants_per_product": args.variants,
                "seed": 1,
            },
            timeout=600,
        ).raise_for_status()
        print(
            f"seeded {args.products} products x {args.variants} variants, "
            f"{args.categories} categories in {time.perf_counter() - started:.1f} s; "
            f"store {args.store}; latency {args.latency_ms} ms per call on both "
            f"sandboxes; batch {args.batch_size}, {args.max_in_flight} in flight"
        )
        for url in (ct.url, fluent.url):
            requests.post(
                f"{url}/_sandbox/faults",
                json={"endpoint": "*", "latency_ms": args.latency_ms},
                timeout=10,
            ).raise_for_status()
        cats = run_phase(args, env, ct.url, fluent.url, "categories", True)
        report("categories", cats, args)
        phases = [("full", True), ("no-change full", True), ("no-change incr", False)]
        results = {}
        for name, full in phases:
            results[name] = run_phase(
                args, env, ct.url, fluent.url, "products", full, name
            )
            report(name, results[name], args)
        mutated = requests.post(
            f"{ct.url}/_sandbox/products/mutate",
            json={"fraction": args.change_fraction, "seed": 3},
            timeout=600,
        ).json()["mutated"]
        name = f"{args.change_fraction:.0%} changed"
        results[name] = run_phase(
            args, env, ct.url, fluent.url, "products", False, name
        )
        report(name, results[name], args)
        expected = mutated * (1 + args.variants)
        s = results[name]["stats"]
        print(
            f"  {mutated} products changed -> expected {expected} entities written, "
            f"got {s['created'] + s['updated']} (created {s['created']})"
        )
        full_run = results["full"]
        written = full_run["stats"]["created"] + full_run["stats"]["updated"]
        print("targets:")
        checks = [
            (
                "full sync <= 120 s per 10,000 products",
                full_run["wall"] <= 120 * max(args.products / 10_000, 1),
            ),
            (
                "<= 1 CT read per 500 products (full)",
                full_run["ct_reads"] <= math.ceil(args.products / 500),
            ),
            (
                ">= 25 written entities per Fluent write request (full)",
                written >= 25 * full_run["fluent_writes"],
            ),
            (
                "no-change: 0 Fluent writes",
                results["no-change full"]["fluent_writes"] == 0
                and results["no-change incr"]["fluent_writes"] == 0,
            ),
            (
                "1% changed: writes for those only",
                s["created"] + s["updated"] == expected,
            ),
            (
                "worker peak RSS <= 300 MB",
                max(r["peak_rss_mb"] for r in results.values()) <= 300,
            ),
        ]
        for label, ok in checks:
            print(f"  [{'ok' if ok else 'MISSED'}] {label}")
        sandbox_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        where = "sandboxes process" if args.one_process else "Fluent sandbox process"
        print(f"({where} peak RSS {sandbox_rss:.0f} MB, not the worker)")
    finally:
        drop()
        ct.stop()
        fluent.stop()


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--products", type=int, default=10_000)
    p.add_argument("--variants", type=int, default=3)
    p.add_argument("--categories", type=int, default=50)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--batch-size", type=int, default=25)
    p.add_argument("--max-in-flight", type=int, default=4)
    p.add_argument("--overlap-seconds", type=float, default=5.0)
    p.add_argument("--change-fraction", type=float, default=0.01)
    p.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument(
        "--one-process",
        action="store_true",
        help="run both sandboxes in this process (one GIL) instead of the "
        "commercetools one in a process of its own",
    )
    p.add_argument(
        "--pg-query",
        default="",
        help="query string for the PostgreSQL URL, e.g. "
        "'options=-c%%20plan_cache_mode%%3Dforce_custom_plan'",
    )
    p.add_argument(
        "--profile",
        metavar="DIR",
        default="",
        help="write a cProfile stats file per products phase (DIR/<phase>.pstats, "
        "all worker threads merged; the profiler slows the worker)",
    )
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--profile-out", default="", help=argparse.SUPPRESS)
    p.add_argument("--module", default="products", help=argparse.SUPPRESS)
    p.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.worker:
        worker(arguments)
    else:
        main(arguments)
