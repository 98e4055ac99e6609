"""Missing configuration of the catalogue modules fails with the variable's name."""

from __future__ import annotations

import pytest

from connector.config import Config
from connector.errors import ConfigError, MissingSetting
from connector.modules.categories.stream import build as build_categories
from connector.modules.products.stream import build as build_products
from connector.runtime import Runtime

CT = {
    "CTP_PROJECT_KEY": "shop",
    "CTP_CLIENT_ID": "id",
    "CTP_CLIENT_SECRET": "secret",
    "CTP_API_URL": "http://127.0.0.1:9",
    "CTP_AUTH_URL": "http://127.0.0.1:9",
}
FLUENT = {
    "FLUENT_API_URL": "http://127.0.0.1:9",
    "FLUENT_ACCOUNT_ID": "ACME",
    "FLUENT_RETAILER_ID": "1",
    "FLUENT_CLIENT_ID": "c",
    "FLUENT_CLIENT_SECRET": "s",
    "FLUENT_USERNAME": "u",
    "FLUENT_PASSWORD": "p",
}


def runtime(tmp_path, **env: str) -> Runtime:
    base = {"CONNECTOR_DATA_DIR": str(tmp_path), "CONNECTOR_MODULES": "ct_messages"}
    return Runtime(Config.from_env({**base, **env}, read_dotenv=False))


@pytest.mark.parametrize("build", [build_categories, build_products])
def test_missing_settings_are_named(tmp_path, build) -> None:
    with pytest.raises(MissingSetting, match="CTP_PROJECT_KEY"):
        build(runtime(tmp_path))
    with pytest.raises(MissingSetting) as info:
        build(runtime(tmp_path, **CT, **FLUENT))
    assert info.value.names == ["FLUENT_CATALOGUE_REF"]
    stream = build(runtime(tmp_path, **CT, **FLUENT, FLUENT_CATALOGUE_REF="PC:1"))
    assert stream.scope() == "ct:shop"


def test_invalid_module_options_are_config_errors(tmp_path) -> None:
    path = tmp_path / "connector.yml"
    path.write_text(
        "modules:\n  products:\n    prices: [{type: SALE, currency: EURO}]\n"
    )
    rt = runtime(
        tmp_path,
        **CT,
        **FLUENT,
        FLUENT_CATALOGUE_REF="PC:1",
        CONNECTOR_CONFIG=str(path),
    )
    with pytest.raises(ConfigError, match=r"modules\.products\.prices\.0\.currency"):
        build_products(rt)
