"""Strict settings file: unknown keys stop the process, naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.config import Config
from connector.errors import ConfigError


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "connector.yml"
    path.write_text(text)
    return Config.from_env(
        {"CONNECTOR_DATA_DIR": str(tmp_path), "CONNECTOR_CONFIG": str(path)}
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rootes: []\n",
            "unknown key 'rootes' in the top level (did you mean 'routes'?)",
        ),
        (
            "modules:\n  products: {price_selction: x}\n",
            "unknown key 'price_selction' in modules.products",
        ),
        (
            "modules:\n  prodcts: {}\n",
            "unknown key 'prodcts' in modules (did you mean 'products'?)",
        ),
        (
            "modules:\n  customers: {usrname_rule: email}\n",
            "(did you mean 'username_rule'?)",
        ),
        (
            "routes:\n  - {name: a, source: fluent, handler: order_status.update,"
            " hander: x}\n",
            "unknown key 'hander' in route 'a' (did you mean 'handler'?)",
        ),
        (
            "routes:\n  - {route: fc.x, handler: order_status.update, prop: {}}\n",
            "unknown key 'prop' in route 'fc.x' (did you mean 'props'?)",
        ),
        ("retry: {max_retrys: 2}\n", "(did you mean 'max_retries'?)"),
        ("notifications: {chanels: []}\n", "(did you mean 'channels'?)"),
    ],
)
def test_unknown_key_named_with_file_and_suggestion(tmp_path, text, expected):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    message = str(err.value)
    assert message.startswith(str(tmp_path / "connector.yml"))
    assert expected in message


def test_far_off_key_has_no_suggestion(tmp_path):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, "zzzzzz: 1\n")
    assert "unknown key 'zzzzzz'" in str(err.value)
    assert "did you mean" not in str(err.value)


def test_fluent_route_shape_is_accepted(tmp_path):
    config = load(
        tmp_path,
        "routes:\n"
        "  - route: commercetools.connect.customer.upsert\n"
        "    handler: customers.upsert\n"
        "    props: {name: customer, inclusion-filter: [ResourceCreated]}\n",
    )
    (route,) = config.routes
    assert route.name == "commercetools.connect.customer.upsert"
    assert route.source == "commercetools"
    assert route.types == ("ResourceCreated",)
    assert route.resource_types == ("customer",)


def test_shipped_file_and_known_keys_load(tmp_path):
    Config.from_env({"CONNECTOR_DATA_DIR": str(tmp_path)})
    config = load(
        tmp_path,
        "modules:\n  products: {locale: de, prices: [{type: DEFAULT}]}\n"
        "notifications: {channels: [], max_groups: 3}\n",
    )
    assert config.options("products")["locale"] == "de"


def test_cli_typo_is_one_line_exit_2(tmp_path):
    path = tmp_path / "connector.yml"
    path.write_text("rootes: []\n")
    result = CliRunner().invoke(
        main,
        ["status"],
        env={"CONNECTOR_CONFIG": str(path), "CONNECTOR_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "rootes" in lines[0] and "routes" in lines[0]
    assert "Traceback" not in result.output


def test_module_keys_come_from_each_modules_options_file():
    """Every shipped module's section is checked against ``KEYS`` of its own
    ``options.py`` (the options pattern); a module without one takes no keys."""
    from connector import config_keys
    from connector.config import DEFAULT_MODULES

    keys = config_keys.option_keys("customers")
    assert keys is not None and "username_rule" in keys
    assert "on_missing" in (config_keys.option_keys("inventory") or ())
    assert {"on_delete", "max_removal_share"} <= (
        config_keys.option_keys("locations") or set()
    )
    assert "removal_guard_min" in (config_keys.option_keys("products") or ())
    assert "profile_pickup_field" not in (config_keys.option_keys("orders") or ())
    assert config_keys.option_keys("ct_messages") == frozenset()
    assert config_keys.option_keys("no_such_module") is None
    for module in DEFAULT_MODULES:
        assert config_keys.option_keys(module) is not None, module


def test_one_did_you_mean_helper_for_sections_and_the_file(tmp_path):
    """``modules.<name>`` typos read the same in the file check and in the module's
    own options (connector.options.reject_unknown uses config_keys.suggest)."""
    from connector.options import reject_unknown

    with pytest.raises(ConfigError) as err:
        reject_unknown("modules.inventory", {"on_mising": "zero"}, ["on_missing"])
    assert "modules.inventory.on_mising (did you mean 'on_missing'?)" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load(tmp_path, "modules:\n  inventory: {on_mising: zero}\n")
    assert "(did you mean 'on_missing'?)" in str(err.value)
