"""Product availability for storefronts (PDP and checkout): ``GET /api/v1/availability``.

A synchronous read of Fluent (virtual positions, ``searchVirtualInventory``, and
``createFulfilmentOption`` in ``mode=options``) behind a short cache and a hard time
budget. The endpoint lives in connector/api/availability.py; this package holds the
schemas, the pure mapping, the GraphQL text and the service. No handlers, routes, batch
or beat: enabling the module enables the endpoint (404 when disabled).
Options: YAML ``modules.availability`` (see schemas.OptionsSchema).
"""

from connector.modules import ModuleSpec


class _SpecWithoutTasks(ModuleSpec):
    """A spec whose module has no Celery tasks.

    Workaround: the Celery app includes ``tasks.<name>`` for every enabled module and
    fails to start when that file is missing. This module has no tasks, so it names its
    own (task-free) package instead. Drop this once ModuleSpec can say "no tasks" or a
    stub tasks/availability.py exists.
    """

    @property
    def tasks_module(self) -> str:
        return __name__


SPEC = _SpecWithoutTasks(
    name="availability",
    description="available-to-promise per SKU and location for storefronts (Fluent)",
)
