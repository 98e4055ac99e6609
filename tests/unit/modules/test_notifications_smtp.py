"""The SMTP email channel against a tiny in-process SMTP server (plain, STARTTLS, SSL).

``SmtpServer`` (also used by the integration tests) speaks just enough ESMTP for
smtplib: EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
"""

from __future__ import annotations

import base64
import socketserver
import ssl
import threading
from email import message_from_bytes
from typing import Any

import pytest

from connector.errors import ConfigError
from connector.notify_channels import Notification, build_channels
from tests.support.certs import make_cert


class _Handler(socketserver.StreamRequestHandler):
    server: SmtpServer

    def say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def _wrap(self) -> None:
        assert self.server.tls is not None
        self.connection = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb")

    def handle(self) -> None:
        tls = False
        if self.server.implicit_tls:
            self._wrap()
            tls = True
        session: dict[str, Any] = {"tls": tls, "rcpt": []}
        self.say("220 test ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode().rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                caps = ["localhost", "AUTH PLAIN", "SIZE 1000000"]
                if self.server.tls is not None and not session["tls"]:
                    caps.insert(1, "STARTTLS")
                for cap in caps[:-1]:
                    self.say(f"250-{cap}")
                self.say(f"250 {caps[-1]}")
            elif verb == "STARTTLS":
                self.say("220 go ahead")
                self._wrap()
                session["tls"] = True
            elif verb == "AUTH":
                parts = cmd.split(" ")
                decoded = base64.b64decode(parts[2]).split(b"\0")
                session["auth"] = (decoded[1].decode(), decoded[2].decode())
                self.say("235 ok")
            elif verb == "MAIL":
                session["from"] = cmd[10:].strip("<>")
                self.say("250 ok")
            elif verb == "RCPT":
                session["rcpt"].append(cmd[8:].strip("<>"))
                self.say("250 ok")
            elif verb == "DATA":
                self.say("354 end with .")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                with self.server.lock:
                    self.server.messages.append({**session, "data": data})
                self.say("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.say("250 ok")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("502 not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, tls: ssl.SSLContext | None = None, implicit_tls: bool = False
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()

    def parsed(self, index: int = 0) -> Any:
        return message_from_bytes(self.messages[index]["data"])


def email_channel(port: int, **extra: Any):
    section = {
        "channels": [
            {
                "type": "email",
                "name": "ops-mail",
                "host": "localhost",
                "port": port,
                "from": "connector@example.test",
                "to": ["ops@example.test", "oncall@example.test"],
                **extra,
            }
        ]
    }
    return build_channels(section)[0]


NOTE = Notification(
    "3 messages failed", ("orders · PermanentError × 3",), "failures", 3
)


def test_starttls_with_login(tmp_path, monkeypatch):
    context, cert = make_cert(tmp_path)
    monkeypatch.setenv("TEST_SMTP_USER", "mailer")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "pw-123")
    with SmtpServer(tls=context) as server:
        channel = email_channel(
            server.port,
            security="starttls",
            ca_file=str(cert),
            username_env="TEST_SMTP_USER",
            password_env="TEST_SMTP_PASSWORD",
        )
        channel.send(NOTE)
    [sent] = server.messages
    assert sent["tls"] is True
    assert sent["auth"] == ("mailer", "pw-123")
    assert sent["rcpt"] == ["ops@example.test", "oncall@example.test"]
    msg = server.parsed()
    assert msg["Subject"] == "[connector] 3 messages failed"
    assert msg["From"] == "connector@example.test"
    assert "orders · PermanentError × 3" in msg.get_payload(decode=True).decode()


def test_implicit_ssl(tmp_path):
    context, cert = make_cert(tmp_path)
    with SmtpServer(tls=context, implicit_tls=True) as server:
        email_channel(server.port, security="ssl", ca_file=str(cert)).send(NOTE)
    assert server.messages[0]["tls"] is True


def test_starttls_refused_when_not_offered_and_untrusted_cert(tmp_path):
    with SmtpServer() as server:
        with pytest.raises(ConfigError, match="does not offer STARTTLS"):
            email_channel(server.port, security="starttls").send(NOTE)
    assert server.messages == []
    context, _ = make_cert(tmp_path)
    with SmtpServer(tls=context) as server:
        with pytest.raises(ssl.SSLError):  # self-signed, no ca_file: not trusted
            email_channel(server.port, security="starttls").send(NOTE)
    assert server.messages == []


def test_plain_relay_and_config_errors():
    with SmtpServer() as server:
        email_channel(server.port, security="none").send(NOTE)
    assert server.messages[0]["tls"] is False
    with pytest.raises(ConfigError, match="host"):
        build_channels(
            {"channels": [{"type": "email", "from": "a@b.c", "to": ["x@y.z"]}]}
        )
    with pytest.raises(ConfigError, match="to"):
        build_channels({"channels": [{"type": "email", "host": "h", "from": "a@b.c"}]})
