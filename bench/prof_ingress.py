"""CPU per Fluent webhook inside the web process, without gunicorn or HTTP.

Builds ``connector.wsgi:app`` against a fresh PostgreSQL database and Redis (as
bench_ingress.py configures them), calls the WSGI app directly from one thread with
werkzeug environs of pre-signed webhooks, and prints ``time.process_time`` per webhook,
the CPU spent inside each stage (signature, parse, record, enqueue) and, with
``--profile``, a cProfile listing (CPU clock; it inflates call-heavy code). Bare Flask
in the same harness: ``--bare``. Instructions (independent of the machine's load):
``valgrind --tool=callgrind --instr-atstart=no .venv/bin/python bench/prof_ingress.py
--callgrind --requests 300`` counts only the measured loop; divide the printed Ir by
``--requests``.

    .venv/bin/python bench/prof_ingress.py [--requests 3000] [--bare] [--profile]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import os
import pstats
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import bench_ingress as bi

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="under valgrind --tool=callgrind --instr-atstart=no: instrument only the"
        " measured loop (callgrind_control -i on/off); Ir / --requests = instructions"
        " per webhook",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import redis
    from werkzeug.test import EnvironBuilder

    from connector.store import migrate

    bodies, pem = bi.presign(args.requests + args.warmup)
    dsn, name = bi.create_database(ADMIN)
    prefix = f"prof-ingress-{uuid.uuid4().hex[:8]}:"
    try:
        migrate.upgrade(dsn)
        os.environ.update(
            {
                "DATABASE_URL": dsn,
                "REDIS_URL": args.redis_url,
                "CONNECTOR_REDIS_PREFIX": prefix,
                "CONNECTOR_MODULES": "order_status",
                "FLUENT_ACCOUNT_ID": "BENCH",
                "FLUENT_RETAILER_ID": "1",
                "FLUENT_WEBHOOK_PUBLIC_KEYS": pem,
                "CONNECTOR_DATA_DIR": str(Path("/tmp") / prefix.rstrip(":")),
            }
        )
        from connector.wsgi import app as connector_app

        app = bi.make_bare_app() if args.bare else connector_app
        stages: collections.Counter[str] = collections.Counter()
        if not args.bare and not args.callgrind:
            _time_stages(connector_app, stages)
        environs = [
            EnvironBuilder(
                path=bi.PATH,
                method="POST",
                data=body,
                headers={"Content-Type": "application/json", "fluent-signature": sig},
            ).get_environ()
            for body, sig in bodies
        ]

        def call(environ: dict[str, Any]) -> str:
            status: list[str] = []
            result = app(environ, lambda s, h, e=None: status.append(s))
            b"".join(result)
            getattr(result, "close", lambda: None)()
            return status[0]

        for environ in environs[: args.warmup]:
            assert call(environ).startswith("200")
        stages.clear()
        profile = cProfile.Profile(time.process_time)
        started, wall = time.process_time(), time.perf_counter()
        if args.profile:
            profile.enable()
        if args.callgrind:
            _instrument("on")
        for environ in environs[args.warmup :]:
            call(environ)
        if args.callgrind:
            _instrument("off")
        profile.disable()
        n = args.requests
        cpu = (time.process_time() - started) * 1000 / n
        print(
            f"CPU {cpu:.3f} ms per webhook, wall {(time.perf_counter() - wall) * 1000 / n:.3f} ms"
        )
        if stages:
            print("inside:", {k: round(v * 1000 / n, 3) for k, v in stages.items()})
        if args.profile:
            stats = pstats.Stats(profile).sort_stats(
                os.environ.get("PROF_SORT", "cumulative")
            )
            stats.print_stats(int(os.environ.get("PROF_N", 50)))
            if os.environ.get("PROF_CALLERS"):
                stats.print_callers(os.environ["PROF_CALLERS"])
    finally:
        bi.drop_database(ADMIN, name)
        r = redis.Redis.from_url(args.redis_url)
        keys = list(r.scan_iter(match=f"{prefix}*"))
        if keys:
            r.delete(*keys)


def _instrument(state: str) -> None:
    import subprocess

    subprocess.run(
        ["callgrind_control", "-i", state, str(os.getpid())],
        check=True,
        capture_output=True,
    )


def _time_stages(app: Any, stages: collections.Counter[str]) -> None:
    """Wrap the stages to add up the CPU spent inside each."""
    from connector.inbound.fluent import FluentSource
    from connector.store import messages

    def timed(owner: Any, attr: str, label: str) -> None:
        inner = getattr(owner, attr)

        def wrapper(*a: Any, **k: Any) -> Any:
            t0 = time.process_time()
            try:
                return inner(*a, **k)
            finally:
                stages[label] += time.process_time() - t0

        setattr(owner, attr, wrapper)

    timed(FluentSource, "verify", "signature")
    timed(FluentSource, "parse", "parse")
    timed(messages, "record", "record")
    timed(app.extensions["connector"], "enqueue", "enqueue")


if __name__ == "__main__":
    main()
