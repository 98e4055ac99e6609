"""Notification channels: Slack-compatible incoming webhook, generic HTTP (SMS gateway
or any endpoint) and SMTP email (email.py), configured under ``notifications.channels``.

Every secret is an env var NAME (``url_env``, ``headers_env``, ``username_env``,
``password_env``), read when a notification is sent, never inline. A channel's
``send`` raises on failure; the Notifier (connector/notify.py) logs it and goes on.
``kinds`` limits a channel to some notification kinds (``failures``,
``event_errors``, ``summary``); absent = all.

The HTTP channel's ``body`` is a small template: a mapping (sent as JSON or form
fields, ``format``) or a string (``format: text``) whose string values may use
``$title``, ``$text`` (title and lines, cut to ``max_chars``), ``$lines``, ``$total``
and ``$kind`` (``string.Template``, no code).
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from connector.clients.webhook import WebhookClient, check_webhook_url
from connector.errors import ConfigError
from connector.notify import Channel, Notification
from connector.payload import describe_errors

KINDS = ("failures", "event_errors", "summary")


def env_value(name: str, what: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ConfigError(f"{what} needs the environment variable {name} to be set")
    return value


class _Base(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True)
    name = fields.String(load_default=None, allow_none=True)
    kinds = fields.List(
        fields.String(validate=validate.OneOf(KINDS)), load_default=list
    )
    timeout_seconds = fields.Float(
        load_default=10.0, validate=validate.Range(min=0.1, max=120)
    )


class _SlackSchema(_Base):
    url_env = fields.String(required=True)
    username = fields.String()
    channel = fields.String()
    icon_emoji = fields.String()


class _HttpSchema(_Base):
    url_env = fields.String(required=True)
    format = fields.String(
        load_default="json", validate=validate.OneOf(("json", "form", "text"))
    )
    body = fields.Raw(load_default=None, allow_none=True)
    headers = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict
    )
    headers_env = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict
    )
    username_env = fields.String()
    password_env = fields.String()
    max_chars = fields.Integer(load_default=None, allow_none=True)


class SlackChannel:
    """Slack (or Mattermost/Rocket.Chat) incoming webhook: ``{"text": ...}``."""

    def __init__(self, opts: Mapping[str, Any], client: WebhookClient) -> None:
        self.name = opts["name"] or "slack"
        self.kinds = tuple(opts["kinds"])
        self.opts = opts
        self.client = client

    def send(self, notification: Notification) -> None:
        url = check_webhook_url(
            env_value(self.opts["url_env"], f"channel {self.name}"), self.name
        )
        lines = "\n".join(f"• {line}" for line in notification.lines)
        payload: dict[str, Any] = {"text": f"*{notification.title}*\n{lines}".strip()}
        for key in ("username", "channel", "icon_emoji"):
            if self.opts.get(key):
                payload[key] = self.opts[key]
        self.client.post(
            url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            timeout=self.opts["timeout_seconds"],
        )


def _fill(template: Any, values: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        return string.Template(template).safe_substitute(values)
    if isinstance(template, Mapping):
        return {str(k): _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


class HttpChannel:
    """Any HTTP endpoint (e.g. an SMS gateway) with a small body template."""

    def __init__(self, opts: Mapping[str, Any], client: WebhookClient) -> None:
        self.name = opts["name"] or "http"
        self.kinds = tuple(opts["kinds"])
        self.opts = opts
        self.client = client

    def request_parts(
        self, notification: Notification
    ) -> tuple[bytes | dict[str, str], dict[str, str]]:
        opts = self.opts
        values = {
            "title": notification.title,
            "text": notification.text(opts["max_chars"]),
            "lines": "\n".join(notification.lines),
            "total": str(notification.total),
            "kind": notification.kind,
        }
        template = opts["body"]
        if template is None:
            template = (
                "$text"
                if opts["format"] == "text"
                else {
                    "title": "$title",
                    "text": "$text",
                    "kind": "$kind",
                    "total": "$total",
                }
            )
        body = _fill(template, values)
        headers = dict(opts["headers"])
        for header, var in opts["headers_env"].items():
            headers[header] = env_value(var, f"channel {self.name} header {header}")
        fmt = opts["format"]
        if fmt == "json":
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(body).encode(), headers
        if fmt == "form":
            if not isinstance(body, Mapping):
                raise ConfigError(
                    f"channel {self.name}: format form needs a mapping body"
                )
            return {str(k): str(v) for k, v in body.items()}, headers
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        text = body if isinstance(body, str) else json.dumps(body)
        return text.encode(), headers

    def send(self, notification: Notification) -> None:
        url = check_webhook_url(
            env_value(self.opts["url_env"], f"channel {self.name}"), self.name
        )
        data, headers = self.request_parts(notification)
        auth = None
        if self.opts.get("username_env"):
            auth = (
                env_value(self.opts["username_env"], f"channel {self.name}"),
                env_value(self.opts.get("password_env", ""), f"channel {self.name}")
                if self.opts.get("password_env")
                else "",
            )
        self.client.post(
            url,
            data=data,
            headers=headers,
            timeout=self.opts["timeout_seconds"],
            auth=auth,
        )


def build_channels(section: Any) -> list[Channel]:
    """Channels of the ``notifications`` section; ConfigError names a bad entry."""
    from connector.notify_email import EmailChannel, EmailSchema

    if section is None:
        return []
    if not isinstance(section, Mapping):
        raise ConfigError("notifications: must be a mapping")
    raw = section.get("channels") or []
    if not isinstance(raw, list):
        raise ConfigError("notifications.channels: must be a list")
    client = WebhookClient()  # operator-configured URLs: no address policy
    schemas: dict[str, type[Schema]] = {
        "slack": _SlackSchema,
        "http": _HttpSchema,
        "email": EmailSchema,
    }
    channels: list[Channel] = []
    names: set[str] = set()
    for index, item in enumerate(raw):
        where = f"notifications.channels[{index}]"
        kind = item.get("type") if isinstance(item, Mapping) else None
        if kind not in schemas:
            raise ConfigError(f"{where}.type: one of {', '.join(schemas)}")
        try:
            opts = schemas[kind]().load(dict(item))
        except ValidationError as exc:
            raise ConfigError(f"{where}: {describe_errors(exc.messages)}") from None
        opts["name"] = opts.get("name") or f"{kind}-{index}"
        if opts["name"] in names:
            raise ConfigError(f"{where}.name: duplicate channel name {opts['name']!r}")
        names.add(opts["name"])
        if kind == "slack":
            channels.append(SlackChannel(opts, client))
        elif kind == "http":
            channels.append(HttpChannel(opts, client))
        else:
            channels.append(EmailChannel(opts))
    return channels
