"""Configuration: env parsing, the YAML file, and clear errors naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.config import Config, split_public_keys
from connector.errors import ConfigError, MissingSetting
from connector.inbound.routing import Registry
from connector.settings_file import Route
from connector.specs import ModuleSpec
from tests.support import signing


def make(tmp_path: Path, yaml_text: str | None = None, **env: str) -> Config:
    base = {"CONNECTOR_DATA_DIR": str(tmp_path)}
    if yaml_text is not None:
        path = tmp_path / "connector.yml"
        path.write_text(yaml_text)
        base["CONNECTOR_CONFIG"] = str(path)
    return Config.from_env({**base, **env})


def test_embedded_defaults(tmp_path):
    config = make(tmp_path)
    assert config.database_url == f"sqlite:///{tmp_path / 'connector.db'}"
    assert config.embedded_broker
    assert config.broker_url == f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    assert config.max_body_bytes == 1024 * 1024


def test_service_urls_and_lists(tmp_path):
    config = make(
        tmp_path,
        DATABASE_URL="postgres://u:p@db:5432/x",
        REDIS_URL="redis://r:6379/0",
        CONNECTOR_API_TOKENS=" a , b ,,",
        SYNC_PRODUCTS_EVERY_SECONDS="120",
        CTP_API_URL="https://api.example.com/",
    )
    assert config.database_url == "postgresql+psycopg://u:p@db:5432/x"
    assert config.broker_url == "redis://r:6379/0" and not config.embedded_broker
    assert config.api_tokens == ("a", "b")
    assert config.schedule_seconds("products") == 120
    assert config.ct.api_url == "https://api.example.com"


def test_bad_number_names_variable(tmp_path):
    with pytest.raises(ConfigError, match="CONNECTOR_MAX_BODY_BYTES"):
        make(tmp_path, CONNECTOR_MAX_BODY_BYTES="lots")


def test_missing_credentials_named(tmp_path):
    config = make(tmp_path, CTP_PROJECT_KEY="shop")
    with pytest.raises(MissingSetting) as err:
        config.require_ct("products sync")
    assert "CTP_CLIENT_ID" in str(err.value) and "CTP_CLIENT_SECRET" in str(err.value)
    assert "CTP_PROJECT_KEY" not in str(err.value)
    with pytest.raises(MissingSetting, match="FLUENT_CATALOGUE_REF"):
        config.require_fluent("products sync", "FLUENT_CATALOGUE_REF")


def test_public_keys_split(tmp_path):
    pem = signing.public_pem("primary")
    keys = split_public_keys(pem + "\n" + signing.public_der_b64("rotated") + ",")
    assert len(keys) == 2 and keys[0].startswith("-----BEGIN PUBLIC KEY-----")
    escaped = pem.replace("\n", "\\n")  # a PEM pasted into a one-line env var
    assert split_public_keys(escaped) == (pem.strip(),)


def test_yaml_routes_and_options(tmp_path):
    config = make(
        tmp_path,
        """
routes:
  - name: my.route
    source: fluent
    handler: tests.handlers:echo
    types: [a, b]
modules:
  products: {locale: de}
schedules: {products: 60}
notifications: {channels: []}
""",
    )
    assert config.routes == (
        Route("my.route", "fluent", "tests.handlers:echo", ("a", "b")),
    )
    assert config.options("products") == {"locale": "de"}
    assert config.schedule_seconds("products") == 60
    assert config.extra["notifications"] == {"channels": []}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("routes: [{name: x, source: fluent}]", "routes.0.handler"),
        ("routes: [{name: x, source: mars, handler: h}]", "routes.0.source"),
        ("routes: [{name: x, source: fluent, handler: h, colour: red}]", "colour"),
        ("routes: {name: x}", "routes"),
        ("schedules: {products: -5}", "schedules"),
        ("routes: [\n  - name: x\n   source: y", "not valid YAML"),
        ("- just\n- a list", "top level"),
        (
            "routes:\n - {name: a, source: fluent, handler: h}\n - {name: a, source: fluent, handler: h}",
            "duplicate route",
        ),
    ],
)
def test_malformed_settings_file(tmp_path, text, needle):
    with pytest.raises(ConfigError) as err:
        make(tmp_path, text)
    assert needle in str(err.value)
    assert str(tmp_path / "connector.yml") in str(err.value)


def test_missing_settings_file(tmp_path):
    with pytest.raises(ConfigError, match="CONNECTOR_CONFIG: file .* does not exist"):
        Config.from_env({"CONNECTOR_CONFIG": str(tmp_path / "nope.yml")})


def test_unknown_handler_is_refused():
    spec = ModuleSpec(name="demo", handlers={"demo.known": "tests.handlers:echo"})
    with pytest.raises(ConfigError, match="route 'r': unknown handler 'demo.unknwn'"):
        Registry([spec], [Route("r", "fluent", "demo.unknwn")])
    with pytest.raises(ConfigError, match="unknown handler.*has no attribute .nope."):
        Registry([spec], [Route("r", "fluent", "tests.handlers:nope")])
    with pytest.raises(ConfigError, match="unknown handler.*cannot import"):
        Registry([spec], [Route("r", "fluent", "no_such_pkg.mod:fn")])
    registry = Registry([spec], [Route("r", "fluent", "demo.known")])
    assert registry.task_for(registry.route("r")) == "demo.handle_event"


def test_cli_reports_config_errors(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("routes: [{name: x, source: fluent, handler: nowhere}]")
    env = {"CONNECTOR_CONFIG": str(bad), "CONNECTOR_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output  # schema needs no routes
    result = CliRunner().invoke(main, ["messages", "replay", "1"], env=env)
    assert result.exit_code == 2
    assert "unknown handler 'nowhere'" in result.output


def test_cli_requires_migrated_database(tmp_path):
    result = CliRunner().invoke(
        main, ["status"], env={"CONNECTOR_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "connector db upgrade" in result.output


def test_external_route_secret_checked_at_start(tmp_path, monkeypatch):
    from connector import create_app

    monkeypatch.delenv("PARTNER_SECRET_FOR_TEST", raising=False)
    config = make(
        tmp_path,
        """
routes:
  - name: partner
    source: external
    handler: tests.handlers:echo
    options: {auth: hmac, secret_env: PARTNER_SECRET_FOR_TEST}
""",
        CONNECTOR_MODULES="ct_messages",
    )
    with pytest.raises(ConfigError, match="PARTNER_SECRET_FOR_TEST"):
        create_app(config)
    monkeypatch.setenv("PARTNER_SECRET_FOR_TEST", "s3cret")
    assert create_app(config).url_map  # starts once the variable is set
