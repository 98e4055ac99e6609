"""What ``connector status`` shows: checkpoints, last runs, messages, outbox, queues."""

from __future__ import annotations

from typing import Any

from connector.runtime import Runtime
from connector.store import checkpoints, messages, outbox, runs

QUEUES = ("events", "batch", "default")


def queue_depths(runtime: Runtime) -> dict[str, int | str]:
    depths: dict[str, int | str] = {}
    celery = runtime.celery
    if celery is None:
        return {q: "n/a" for q in QUEUES}
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            channel = conn.default_channel
            for queue in QUEUES:
                try:
                    depths[queue] = channel.queue_declare(
                        queue=queue, passive=True
                    ).message_count
                except Exception:  # a queue nobody declared yet
                    depths[queue] = 0
    except Exception as exc:  # broker down: say so, do not fail the command
        return {q: f"broker unreachable ({type(exc).__name__})" for q in QUEUES}
    return depths


def collect_status(runtime: Runtime) -> dict[str, Any]:
    store = runtime.store
    return {
        "checkpoints": checkpoints.all_checkpoints(store),
        "runs": runs.latest_per_module(store),
        "messages": messages.counts_by_status(store),
        "outbox": outbox.status_by_target(store),
        "queues": queue_depths(runtime),
    }


def render_status(data: dict[str, Any]) -> str:
    lines = ["Checkpoints:"]
    for cp in data["checkpoints"]:
        since = (cp.cursor or {}).get("since") or "never completed"
        lease = f" (running, lease {cp.lease_owner})" if cp.lease_owner else ""
        lines.append(f"  {cp.module:<14} {cp.scope:<28} since {since}{lease}")
    if not data["checkpoints"]:
        lines.append("  none")
    lines.append("Last runs:")
    for run in data["runs"]:
        c = run.counts or {}
        lines.append(
            f"  {run.module:<14} #{run.id:<6} {run.status:<10} {run.started_at:%Y-%m-%d %H:%M:%S}"
            f"  read={c.get('read', 0)} created={c.get('created', 0)} "
            f"updated={c.get('updated', 0)} unchanged={c.get('unchanged', 0)} "
            f"skipped={c.get('skipped', 0)} failed={c.get('failed', 0)}"
            + (f"  error: {run.error[:120]}" if run.error else "")
        )
    if not data["runs"]:
        lines.append("  none")
    lines.append("Messages by status:")
    counts = data["messages"]
    lines.append(
        "  " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none")
    )
    lines.append("Outbound deliveries:")
    for target in data["outbox"]:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(target.counts.items()))
        line = f"  {target.target:<20} {counts}"
        if target.oldest_pending_at:
            line += f"  oldest pending {target.oldest_pending_at:%Y-%m-%d %H:%M:%S}"
        if target.last_error:
            line += f"  last error: {target.last_error[:100]}"
        lines.append(line)
    if not data["outbox"]:
        lines.append("  none")
    lines.append("Queue depth:")
    lines.append("  " + ", ".join(f"{q}={d}" for q, d in data["queues"].items()))
    return "\n".join(lines)
