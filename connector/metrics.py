"""Prometheus metrics.

Ingress counters live in the web process. gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR
before the workers fork, so every worker writes its counters there and ``render`` sums them
with a MultiProcessCollector: a scrape reports the same totals whichever worker answers. Handled/failed totals and handling latency are read from the store at
scrape time, so they are true across every worker process and host.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from connector.models import InboundMessage, utcnow

RECEIVED = Counter(
    "connector_webhooks_received_total",
    "Webhook deliveries accepted into the store",
    ["source"],
)
DUPLICATES = Counter(
    "connector_webhooks_duplicates_total",
    "Webhook deliveries already in the store (answered 200, not enqueued)",
    ["source"],
)
IGNORED = Counter(
    "connector_webhooks_ignored_total",
    "Webhook deliveries with no route (recorded as ignored)",
    ["source"],
)
REJECTED = Counter(
    "connector_webhooks_rejected_total",
    "Webhook deliveries refused",
    ["source", "reason"],
)
PUBLISH_FAILED = Counter(
    "connector_broker_publish_failed_total",
    "Accepted messages left for the sweeper (broker unreachable)",
    ["source"],
)
CACHE = Counter("connector_cache_requests_total", "Cache lookups", ["cache", "result"])

LATENCY_WINDOW = timedelta(minutes=15)


class StoreCollector(Collector):
    """Message counts by status and recent handling latency, read from the store."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Any]:
        store = self.runtime.store
        by_status = GaugeMetricFamily(
            "connector_messages", "Inbound messages by status", labels=["status"]
        )
        with store.session() as session:
            rows = session.execute(
                select(InboundMessage.status, func.count()).group_by(
                    InboundMessage.status
                )
            ).all()
            since = utcnow() - LATENCY_WINDOW
            done = session.execute(
                select(InboundMessage.received_at, InboundMessage.finished_at)
                .where(
                    InboundMessage.status == "done", InboundMessage.finished_at >= since
                )
                .order_by(InboundMessage.id.desc())
                .limit(5000)
            ).all()
        counts = dict(rows)
        for status, count in sorted(counts.items()):
            by_status.add_metric([status], count)
        yield by_status
        handled = GaugeMetricFamily(
            "connector_messages_handled", "Messages handled successfully (all time)"
        )
        handled.add_metric([], counts.get("done", 0))
        yield handled
        failed = GaugeMetricFamily(
            "connector_messages_failed", "Messages failed for good (all time)"
        )
        failed.add_metric([], counts.get("failed", 0))
        yield failed
        durations = [(f - r).total_seconds() for r, f in done if r and f]
        summary = SummaryMetricFamily(
            "connector_message_latency_seconds",
            "Received -> handled latency of messages finished in the last 15 minutes",
        )
        summary.add_metric([], count_value=len(durations), sum_value=sum(durations))
        yield summary
        quant = GaugeMetricFamily(
            "connector_message_latency_quantile_seconds",
            "Latency quantiles over the last 15 minutes",
            labels=["quantile"],
        )
        if durations:
            durations.sort()
            for q in (0.5, 0.9, 0.99):
                quant.add_metric(
                    [str(q)],
                    durations[min(len(durations) - 1, int(q * len(durations)))],
                )
        yield quant


def render(runtime: Any) -> tuple[bytes, str]:
    """The exposition text: process (or multiprocess) metrics plus the store collector."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    store_registry = CollectorRegistry()
    store_registry.register(StoreCollector(runtime))
    return body + generate_latest(store_registry), CONTENT_TYPE_LATEST
