"""The SMTP email channel (smtplib): one plain-text email per notification.

``security``: ``starttls`` (default; port 587, upgrade after EHLO, fails if the server
does not offer STARTTLS), ``ssl`` (implicit TLS, port 465) or ``none`` (loopback
relays, tests). TLS verifies the server certificate against the system CAs, or
``ca_file``. Credentials (optional) are env var names: ``username_env``,
``password_env``; the host may come from ``host`` or ``host_env``.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from connector.errors import ConfigError
from connector.notify_channels import (
    Notification,
    _Base,
    env_value,
)

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class EmailSchema(_Base):
    host = fields.String()
    host_env = fields.String()
    port = fields.Integer(validate=validate.Range(min=1, max=65535))
    security = fields.String(
        load_default="starttls", validate=validate.OneOf(tuple(DEFAULT_PORTS))
    )
    ca_file = fields.String()
    username_env = fields.String()
    password_env = fields.String()
    sender = fields.String(required=True, data_key="from")
    to = fields.List(
        fields.String(validate=validate.Length(min=3)),
        required=True,
        validate=validate.Length(min=1),
    )
    subject_prefix = fields.String(load_default="[connector] ")

    @validates_schema
    def _host(self, data: dict[str, Any], **kw: Any) -> None:
        if not data.get("host") and not data.get("host_env"):
            raise ValidationError("host or host_env is required", "host")


class EmailChannel:
    def __init__(self, opts: Mapping[str, Any]) -> None:
        self.name = opts["name"] or "email"
        self.kinds = tuple(opts["kinds"])
        self.opts = opts

    def message(self, notification: Notification) -> EmailMessage:
        opts = self.opts
        msg = EmailMessage()
        msg["Subject"] = (opts["subject_prefix"] + notification.title)[:250]
        msg["From"] = opts["sender"]
        msg["To"] = ", ".join(opts["to"])
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="connector.local")
        msg.set_content(notification.text() + "\n")
        return msg

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.opts.get("ca_file"))

    def send(self, notification: Notification) -> None:
        opts = self.opts
        what = f"channel {self.name}"
        host = opts.get("host") or env_value(opts["host_env"], what)
        security = opts["security"]
        port = opts.get("port") or DEFAULT_PORTS[security]
        timeout = opts["timeout_seconds"]
        msg = self.message(notification)
        smtp: smtplib.SMTP
        try:
            if security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    host, port, timeout=timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            with smtp:
                smtp.ehlo()
                if security == "starttls":
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if opts.get("username_env"):
                    smtp.login(
                        env_value(opts["username_env"], what),
                        env_value(opts["password_env"], what)
                        if opts.get("password_env")
                        else "",
                    )
                smtp.send_message(msg)
        except smtplib.SMTPNotSupportedError:
            raise ConfigError(f"{what}: the server does not offer STARTTLS") from None
