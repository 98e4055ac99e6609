"""``GET /api/v1/routes`` (aliases ``/actuator/routes``, ``/actuator/handlers``): every
route by section, in the spirit of the Connect SDK actuators.

Sections: ``message`` (inbound routes: what they listen to, inclusion filters,
handler), ``job`` (batch syncs, Fluent's job names, other beat entries), ``notification``
(channels), ``configuration`` (Fluent's connector settings and whether each was found).
Each entry names its ``source``: the module default, our YAML file or Fluent's route
file. Inactive entries are routes of modules not enabled (and settings not found).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from connector.api.auth import require_token
from connector.api.docs import ERROR, documented
from connector.clients.errors import ApiError
from connector.config import DEFAULT_MODULES
from connector.errors import ConfigError
from connector.fluent_connect import effective
from connector.fluent_connect import settings as fs
from connector.fluent_connect.jobs import JOBS
from connector.runtime import Runtime
from connector.settings_file import Route
from connector.specs import ModuleSpec, load_specs

log = logging.getLogger(__name__)


def _route(route: Route, source: str, active: bool, task: str | None) -> dict[str, Any]:
    return {
        "route": route.name,
        "listens_to": route.source,
        "source": source,
        "handler": route.handler,
        "inclusion_filters": {
            "types": list(
                route.types
                or ((route.name,) if route.source != "commercetools" else ())
            ),
            "resource_types": list(route.resource_types),
        },
        "queue": route.queue,
        "task": task,
        "active": active,
    }


def message_section(runtime: Runtime) -> list[dict[str, Any]]:
    file = str(runtime.config.config_file)
    from_file = {r.name: r for r in runtime.config.routes}
    owner = {r.name: s.name for s in runtime.specs for r in s.routes}
    out = []
    for route in runtime.registry.routes:
        if route.name in from_file:
            origin = getattr(route, "origin", "") or "YAML"
            source = f"{origin} {file}"
        else:
            source = f"module {owner.get(route.name, '?')}"
        out.append(_route(route, source, True, runtime.registry.task_for(route)))
    enabled = {s.name for s in runtime.specs}
    listed = {r.name for r in runtime.registry.routes}
    for spec in _disabled_specs(enabled):
        for route in spec.routes:
            if route.name not in listed:
                out.append(
                    _route(route, f"module {spec.name} (not enabled)", False, None)
                )
    return out


def _disabled_specs(enabled: set[str]) -> list[ModuleSpec]:
    try:
        return load_specs(m for m in DEFAULT_MODULES if m not in enabled)
    except ConfigError:  # a module that cannot load is simply not listed
        return []


def job_section(runtime: Runtime) -> list[dict[str, Any]]:
    enabled = {s.name: s for s in runtime.specs}
    out: list[dict[str, Any]] = []
    for job in JOBS.values():
        needed = list(job.modules) + ([job.task_module] if job.task_module else [])
        handler = job.task or " then ".join(f"{m}.sync_batch" for m in job.modules)
        out.append(
            {
                "route": job.name,
                "source": "Fluent job name (scheduler, jobs API, connector sync)",
                "handler": handler,
                "active": all(m in enabled for m in needed),
            }
        )
    for spec in runtime.specs:
        if spec.batch:
            every = runtime.config.schedule_seconds(spec.name) or spec.every_seconds
            out.append(
                {
                    "route": spec.name,
                    "source": f"module {spec.name}",
                    "handler": f"{spec.name}.sync_batch",
                    "every_seconds": every,
                    "active": bool(every),
                }
            )
        for periodic in spec.periodic:
            every = runtime.config.schedule_seconds(periodic.entry)
            every = periodic.every_seconds if every is None else every
            out.append(
                {
                    "route": periodic.entry,
                    "source": f"module {spec.name}",
                    "handler": periodic.task,
                    "every_seconds": every,
                    "active": bool(every),
                }
            )
    return out


def notification_section(runtime: Runtime) -> list[dict[str, Any]]:
    section = runtime.config.extra.get("notifications") or {}
    channels = section.get("channels") if isinstance(section, dict) else None
    enabled = any(s.name == "notifications" for s in runtime.specs)
    return [
        {
            "route": str(c.get("name") or c.get("type")),
            "source": f"YAML {runtime.config.config_file}",
            "handler": str(c.get("type")),
            "active": enabled,
        }
        for c in (channels or [])
        if isinstance(c, dict)
    ]


def configuration_section(runtime: Runtime) -> list[dict[str, Any]]:
    try:
        snapshot = effective.load_snapshot(runtime)
        error = None if snapshot is not None else "Fluent settings are not read"
    except (ApiError, ConfigError) as exc:
        snapshot, error = None, f"{type(exc).__name__}: {exc}"[:300]
    out = []
    for name in fs.NAMES:
        found = snapshot.get(name) if snapshot is not None else None
        entry: dict[str, Any] = {
            "route": name,
            "source": found.where if found else "Fluent setting (not found)",
            "handler": "configuration",
            "active": found is not None,
        }
        if error:
            entry["error"] = error
        out.append(entry)
    return out


@require_token
def list_routes() -> ResponseReturnValue:
    runtime: Runtime = current_app.extensions["connector"]
    return jsonify(
        sections={
            "message": message_section(runtime),
            "job": job_section(runtime),
            "notification": notification_section(runtime),
            "configuration": configuration_section(runtime),
        }
    )


ROUTE_LIST = "RouteList"  # a shared response of openapi.yml
PATHS = {
    "/api/v1/routes": ("listRoutes", "Every route by section"),
    "/actuator/routes": ("actuatorRoutes", "Alias of GET /api/v1/routes"),
    "/actuator/handlers": ("actuatorHandlers", "Alias of GET /api/v1/routes"),
}


def register(bp: Blueprint) -> None:
    """The listing on its three paths, each its own documented operation."""
    for path, (operation_id, summary) in PATHS.items():
        endpoint = "routes_" + path.strip("/").replace("/", "_")
        view = documented(
            operation_id,
            summary + " (message, job, notification, configuration)",
            tags=["operations"],
            responses={200: ROUTE_LIST, 401: ERROR},
        )(functools.partial(list_routes))
        bp.add_url_rule(path, endpoint, view, methods=["GET"])
