"""Every module spec's tasks are registered and every beat entry names a real task."""

from __future__ import annotations

import pkgutil

import connector.modules as modules_pkg
from connector.config import DEFAULT_MODULES, Config
from connector.extensions import make_celery
from connector.runtime import Runtime
from tasks.routing import queue_for
from tasks.schedule import build_schedule


def all_module_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(modules_pkg.__path__) if m.ispkg)


def test_default_modules_exist():
    assert set(DEFAULT_MODULES) <= set(all_module_names())


def test_tasks_and_beat_entries(tmp_path):
    names = all_module_names()
    config = Config.from_env(
        {
            "CONNECTOR_DATA_DIR": str(tmp_path),
            "CONNECTOR_MODULES": ",".join(names) or " ",
        }
    )
    runtime = Runtime(config)
    celery = make_celery(runtime)
    celery.loader.import_default_modules()
    registered = set(celery.tasks)
    assert {"messages.handle_event", "messages.sweep"} <= registered
    for spec in runtime.specs:
        for route in spec.routes:
            assert runtime.registry.task_for(route) in registered, route
        if spec.batch:
            assert f"{spec.name}.sync_batch" in registered
    schedule = build_schedule(runtime)
    assert "messages-sweep" in schedule
    for entry, item in schedule.items():
        assert item["task"] in registered, entry
        assert item["options"]["expires"] == item["schedule"]
        assert (
            item["options"]["queue"] == queue_for(item["task"])
            or entry.endswith("sweep")
            or item["options"]["queue"] == "default"
        )


def test_queue_routing():
    assert queue_for("orders.handle_event") == "events"
    assert queue_for("products.sync_batch") == "batch"
    assert queue_for("messages.sweep") == "default"
