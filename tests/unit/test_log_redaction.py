"""Redaction of credentials in log text: the app formatter and gunicorn's logger class."""

from __future__ import annotations

import datetime
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config as GunicornConfig

from connector.gunicorn_logging import RedactingLogger
from connector.logs import KeyValueFormatter
from connector.redact import redact

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-Tok_en.value"


@pytest.mark.parametrize(
    "text",
    [
        f"POST /webhooks/commercetools?token={SECRET} HTTP/1.1",
        f"GET /x?a=1&access_token={SECRET}&b=2",
        f"Authorization: Bearer {SECRET}",
        f"basic {SECRET}",
        f'{{"password": "{SECRET}", "id": 3}}',
        f"error calling https://h/p?signature={SECRET}#frag",
    ],
)
def test_redact_removes_the_secret(text: str) -> None:
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert "[redacted]" in cleaned


def test_redact_masks_email_addresses() -> None:
    text = "fluent POST /graphql -> 409: customer Jane.Doe+1@Example.co.uk exists"
    assert redact(text) == "fluent POST /graphql -> 409: customer [email] exists"
    assert redact("redis://:**@127.0.0.1:6379/0") == "redis://:**@127.0.0.1:6379/0"


def test_redact_keeps_ordinary_text() -> None:
    text = "GET /api/v1/messages?status=failed&monkey=1 HTTP/1.1 200 id=42"
    assert redact(text) == text


def test_app_formatter_redacts_message_and_extra() -> None:
    record = logging.makeLogRecord(
        {
            "name": "connector.x",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "called %s",
            "args": (f"/hook?token={SECRET}",),
            "url": f"https://x/y?api_key={SECRET}",
            "token": SECRET,
        }
    )
    line = KeyValueFormatter("%(levelname)s %(message)s").format(record)
    assert SECRET not in line
    assert "called /hook?token=[redacted]" in line


def access_line(fmt: str) -> str:
    cfg = GunicornConfig()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", fmt)
    logger = RedactingLogger(cfg)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    headers = [
        ("AUTHORIZATION", f"Bearer {SECRET}"),
        ("X-API-TOKEN", SECRET),
        ("FLUENT-SIGNATURE", SECRET),
        ("REFERER", f"https://a/?token={SECRET}"),
    ]
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/webhooks/commercetools?token={SECRET}",
        "PATH_INFO": "/webhooks/commercetools",
        "QUERY_STRING": f"token={SECRET}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {SECRET}",
        "HTTP_X_API_TOKEN": SECRET,
        "HTTP_REFERER": f"https://a/?token={SECRET}",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=headers)
    logger.access(resp, req, environ, datetime.timedelta(milliseconds=3))
    return stream.getvalue()


def test_access_log_redacts_whatever_the_format_asks_for() -> None:
    hostile = (
        '"%(r)s" %(q)s %(f)s %({authorization}i)s %({x-api-token}i)s '
        "%({fluent-signature}i)s %({http_authorization}e)s %({query_string}e)s "
        "%({raw_uri}e)s %({http_x_api_token}e)s"
    )
    line = access_line(hostile)
    assert line.strip(), "nothing logged"
    assert SECRET not in line, line
    assert "POST /webhooks/commercetools?token=[redacted] HTTP/1.1" in line


def test_shipped_gunicorn_config_uses_the_redacting_logger(monkeypatch) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/connector-prom-test")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["logger_class"] == "connector.gunicorn_logging.RedactingLogger"
    assert conf["worker_class"] == "gthread"
    assert SECRET not in access_line(conf["access_log_format"])


def test_gunicorn_error_log_is_redacted() -> None:
    cfg = GunicornConfig()
    logger = RedactingLogger(cfg)
    stream = io.StringIO()
    for handler in logger.error_log.handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]
    logger.error("Error handling request %s", f"/webhooks/commercetools?token={SECRET}")
    line = stream.getvalue()
    assert "Error handling request /webhooks/commercetools?token=[redacted]" in line
    assert SECRET not in line


def test_filter_redacts_messages_and_exception_text_of_foreign_formatters() -> None:
    from connector.redact import RedactingFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("test.redaction.celery")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise RuntimeError(f"POST /hook?token={SECRET} for jane@example.com")
        except RuntimeError:
            log.exception("Task %s raised: Bearer %s", "x.handle_event", SECRET)
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "Task x.handle_event raised" in text and "RuntimeError" in text
    assert SECRET not in text and "jane@example.com" not in text
