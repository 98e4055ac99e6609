"""notifications: operator notifications through Slack-compatible webhooks, SMTP email
and any HTTP endpoint (SMS gateways), configured in the YAML ``notifications`` section.

channels.py / email.py: the channels; connector/notify.py: the Notifier every process
uses; flush.py: the beat task that turns a burst of failures (messages, sync runs,
outbound deliveries) into one grouped summary per interval (failures.py groups them).
The interval is ``schedules: {notifications-flush: <seconds>}`` (default 60).
"""

from connector.specs import ModuleSpec, Periodic

SPEC = ModuleSpec(
    name="notifications",
    description="grouped failure summaries to Slack, email or HTTP channels",
    periodic=(
        Periodic(
            entry="notifications-flush",
            task="notifications.flush",
            every_seconds=60.0,
            queue="default",
        ),
    ),
)
