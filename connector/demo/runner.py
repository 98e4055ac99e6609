"""Run the demo: start everything on the embedded default, seed, run the steps, report."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from connector import create_app
from connector.config import Config
from connector.demo import processes
from connector.demo.processes import Child, clean_environ, start_receiver, wait_until
from connector.demo.scenario import Demo, Outcome, run_steps
from connector.demo.settings import (
    INBOUND_SECRET,
    OUTBOUND_SECRET,
    TOKEN,
    write_settings,
)
from connector.demo.steps import STEPS
from connector.loopback import LoopbackServer
from connector.store import messages, migrate

DATA = Path(__file__).with_name("data")
Echo = Callable[[str], None]


def seed(ct_url: str, fluent_url: str) -> dict[str, Any]:
    ct = requests.post(
        f"{ct_url}/_sandbox/seed",
        timeout=60,
        data=(DATA / "ct.json").read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    ct.raise_for_status()
    fluent = requests.post(
        f"{fluent_url}/_sandbox/seed",
        timeout=60,
        data=(DATA / "fluent.json").read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    fluent.raise_for_status()
    # the account is also configured for Fluent's own connector (its settings)
    requests.post(
        f"{fluent_url}/_sandbox/seed", json={"fixture": "fluent_connect"}, timeout=60
    ).raise_for_status()
    return {"ct": ct.json().get("created"), "fluent": fluent.json()}


def report(results: list[Outcome], echo: Echo) -> None:
    width = max(len(r.modules) for r in results)
    echo("")
    echo(f"{'module'.ljust(width)}  ok  what happened")
    echo(f"{'-' * width}  --  {'-' * 60}")
    for r in results:
        echo(f"{r.modules.ljust(width)}  {'✔' if r.ok else '✘'}   {r.summary}")


def run_demo(
    *,
    keep_running: bool,
    timeout: float,
    data_dir: Path | None,
    flower_port: int,
    echo: Echo,
) -> int:
    started = time.monotonic()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
    data_dir = Path(data_dir or tempfile.mkdtemp(prefix="connector-demo-")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    echo(
        f"connector demo: embedded default (SQLite store + SQLite broker) in {data_dir}"
    )
    try:  # the sandbox is its own package (pip install -e ./sandbox); not a runtime dep
        from sandbox.serve import start_sandboxes
    except ImportError as exc:
        raise RuntimeError(
            "the demo needs the sandbox package: pip install -e ./sandbox "
            f"(or make install) [{exc}]"
        ) from None
    boxes = start_sandboxes()
    receiver = start_receiver()
    env = {
        **clean_environ(),
        **boxes.env(),
        "CONNECTOR_DATA_DIR": str(data_dir),
        "CONNECTOR_CONFIG": str(write_settings(data_dir / "connector.yml")),
        "CONNECTOR_API_TOKENS": TOKEN,
        "CONNECTOR_LOG_LEVEL": "WARNING",
        "CONNECTOR_RETRY_BASE_SECONDS": "0.5",
        "DEMO_INBOUND_SECRET": INBOUND_SECRET,
        "DEMO_OUTBOUND_SECRET": OUTBOUND_SECRET,
        "DEMO_PARTNER_URL": f"{receiver.url}/partner",
        "DEMO_SLACK_URL": f"{receiver.url}/slack",
    }
    config = Config.from_env(env, read_dotenv=False)
    migrate.upgrade(config.database_url)
    # The in-process web app reads secrets by name from os.environ, as in production.
    processes.export(
        env,
        (
            "DEMO_INBOUND_SECRET",
            "DEMO_OUTBOUND_SECRET",
            "DEMO_PARTNER_URL",
            "DEMO_SLACK_URL",
        ),
    )
    app = create_app(config)
    web = LoopbackServer(app).start()
    worker = processes.worker(env, data_dir)
    flower: Child | None = None
    try:
        echo(
            f"sandboxes: commercetools {boxes.ct.url}, Fluent {boxes.fluent.url}; "
            f"web app {web.url}"
        )
        seeded = seed(boxes.ct.url, boxes.fluent.url)
        echo(f"seeded commercetools {seeded['ct']}")
        requests.post(
            f"{boxes.fluent.url}/_sandbox/webhooks/config",
            timeout=10,
            json={"url": f"{web.url}/api/v1/fluent-connect/webhook"},
        ).raise_for_status()
        requests.post(
            f"{boxes.ct.url}/_sandbox/subscriptions",
            timeout=10,
            json={
                "url": f"{web.url}/webhooks/commercetools?token={TOKEN}",
                "format": "pubsub",
                "messages": [
                    {"resourceTypeId": "order", "types": ["OrderCreated"]},
                    {"resourceTypeId": "customer"},
                ],
            },
        ).raise_for_status()
        worker.start()
        if not wait_until(
            lambda: "ready" in worker.tail(200) or not worker.alive(), 60
        ):
            echo("worker did not start:\n" + worker.tail())
            return 1
        if not worker.alive():
            echo("worker exited:\n" + worker.tail())
            return 1
        echo("worker ready (celery worker -B: events, batch, default queues + beat)")
        runtime = app.extensions["connector"]
        remaining = max(10.0, timeout - (time.monotonic() - started))
        demo = Demo(
            runtime,
            web.url,
            boxes.ct.url,
            boxes.fluent.url,
            receiver,
            step_timeout=min(45.0, remaining / 2),
        )
        results = run_steps(demo, STEPS, echo)
        polled = messages.list_messages(
            runtime.store, source="commercetools", limit=1000
        )
        results.append(
            Outcome(
                "ct_messages",
                any(m.status == "done" for m in polled),
                f"{len(polled)} commercetools messages stored once each "
                f"(poller and push deliver the same ids)",
            )
        )
        report(results, echo)
        elapsed = time.monotonic() - started
        ok = all(r.ok for r in results) and elapsed <= timeout
        echo(
            f"\n{'converged' if ok else 'NOT converged'} in {elapsed:.1f}s "
            f"(limit {timeout:.0f}s); logs in {data_dir}"
        )
        if keep_running:
            flower = processes.flower(env, data_dir, flower_port)
            flower.start()
            echo(
                f"\nstill running (Ctrl-C stops):\n  web app   {web.url}  "
                f"(token: {TOKEN}; try {web.url}/api/v1/openapi.json)\n"
                f"  console   {web.url}/console  (sign in with the token)\n"
                f"  Flower    http://127.0.0.1:{flower_port}\n"
                f"  commercetools sandbox {boxes.ct.url}\n  Fluent sandbox {boxes.fluent.url}\n"
                f"  status:   CONNECTOR_DATA_DIR={data_dir} "
                f"CONNECTOR_CONFIG={env['CONNECTOR_CONFIG']} connector status"
            )
            try:
                while worker.alive():
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
        return 0 if ok else 1
    finally:
        if flower is not None:
            flower.stop()
        worker.stop()
        web.stop()
        receiver.server.stop()
        boxes.stop()
        runtime_store = app.extensions["connector"].store
        runtime_store.dispose()
