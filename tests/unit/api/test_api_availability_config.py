"""Availability endpoint outcomes that need no Fluent: module disabled, Fluent not
configured, options validated at start, and the time budget of a hanging call."""

from __future__ import annotations

import time

import pytest

from connector import create_app
from connector.config import Config
from connector.errors import ConfigError
from connector.modules.availability.service import FluentUnavailable

TOKEN = {"X-API-Token": "t"}


def app_for(tmp_path, modules: str, yaml_text: str = "modules: {}\n"):
    config_file = tmp_path / "connector.yml"
    config_file.write_text(yaml_text)
    return create_app(
        Config.from_env(
            {
                "CONNECTOR_DATA_DIR": str(tmp_path),
                "CONNECTOR_CONFIG": str(config_file),
                "CONNECTOR_MODULES": modules,
                "CONNECTOR_API_TOKENS": "t",
            }
        )
    )


def test_disabled_module_answers_404(tmp_path):
    client = app_for(tmp_path, "ct_messages").test_client()
    resp = client.get("/api/v1/availability?sku=A", headers=TOKEN)
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "module_disabled"
    assert client.get("/api/v1/availability?sku=A").status_code == 401


def test_missing_fluent_settings_answer_503_naming_them(tmp_path):
    client = app_for(tmp_path, "availability").test_client()
    resp = client.get("/api/v1/availability?sku=A", headers=TOKEN)
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["error"] == "not_configured"
    assert "FLUENT_API_URL" in body["message"]
    assert "FLUENT_VIRTUAL_CATALOGUE_REF" in body["message"]


def test_invalid_options_refuse_to_start(tmp_path):
    with pytest.raises(ConfigError, match="timeout_seconds"):
        app_for(
            tmp_path,
            "availability",
            "modules:\n  availability:\n    timeout_seconds: 0\n",
        )


def test_a_hanging_call_is_cut_at_the_budget(tmp_path):
    app = app_for(
        tmp_path,
        "availability",
        "modules:\n  availability:\n    timeout_seconds: 0.3\n"
        "    retry_after_seconds: 9\n",
    )
    service = app.extensions["availability"]
    assert service.options.timeout_seconds == 0.3
    started = time.monotonic()
    with pytest.raises(FluentUnavailable) as info:
        service._bounded(lambda: time.sleep(1) or {})
    assert time.monotonic() - started < 0.8
    assert (info.value.error, info.value.retry_after) == ("fluent_timeout", 9)


def test_a_malformed_fluent_answer_is_a_fluent_failure(tmp_path):
    from connector.modules.availability.service import FluentFailed

    service = app_for(tmp_path, "availability").extensions["availability"]
    with pytest.raises(FluentFailed, match="KeyError"):
        service._bounded(lambda: {}["edges"])
