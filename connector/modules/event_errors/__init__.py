"""event_errors: a low-frequency summary of Fluent's FAILED workflow events.

A beat task reads Fluent's Event API for FAILED events (types configurable) since its
checkpoint and sends ONE grouped summary per run through the notification channels
(service.py, grouping.py). Fluent asks integrators not to poll the Event API hard: the
default interval is 15 minutes (``schedules: {event-errors-summarize: <seconds>}``).
"""

from connector.specs import ModuleSpec, Periodic

SPEC = ModuleSpec(
    name="event_errors",
    description="summary of Fluent FAILED events through the notification channels",
    periodic=(
        Periodic(
            entry="event-errors-summarize",
            task="event_errors.summarize",
            every_seconds=900.0,
            queue="default",
        ),
    ),
)
