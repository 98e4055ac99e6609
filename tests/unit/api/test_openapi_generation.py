"""The document is generated from the app: every rule documented, parameters and bodies
from the handlers' marshmallow schemas, and the HTTP drifts found by schemathesis fixed
(Allow on 405, non-numeric run id 404, empty module filter, ``{}`` not a valid body)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from connector import create_app
from connector.api import openapi
from connector.api.docs import ERROR, documented, json_response, not_in_api
from connector.config import Config
from connector.store import migrate

TOKEN = {"X-API-Token": "t"}


@pytest.fixture
def app(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate.upgrade(url)
    env = {
        "CONNECTOR_DATA_DIR": str(tmp_path),
        "DATABASE_URL": url,
        "CONNECTOR_API_TOKENS": "t",
    }
    app = create_app(Config.from_env(env, read_dotenv=False))
    yield app
    app.extensions["connector"].store.dispose()


def test_every_served_rule_is_documented(app):
    doc = openapi.document(app)
    assert openapi.app_operations(app) == openapi.documented_operations(doc)


def test_query_parameters_come_from_the_handler_schema(app):
    doc = openapi.document(app)
    params = {p["name"]: p for p in doc["paths"]["/api/v1/jobs"]["get"]["parameters"]}
    assert set(params) == {"module", "limit"}
    assert params["limit"]["schema"] == {
        "type": "integer",
        "default": 20,
        "minimum": 1,
        "maximum": 200,
    }
    sku = next(
        p
        for p in doc["paths"]["/api/v1/availability"]["get"]["parameters"]
        if p["name"] == "sku"
    )
    assert sku["schema"]["type"] == "array" and sku["explode"] is True


def test_webhook_body_is_the_envelope_schemas(app):
    doc = openapi.document(app)
    op = doc["paths"]["/webhooks/{source_name}"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert openapi.check({}, body, doc) != []  # `{}` is not a valid notification
    message = {
        "id": "m1",
        "type": "OrderCreated",
        "resource": {"typeId": "order", "id": "o"},
    }
    assert openapi.check(message, body, doc) == []
    (param,) = doc["paths"]["/webhooks/{source_name}"]["parameters"]
    assert param["schema"]["enum"] == ["fluent", "commercetools"]


def test_405_carries_allow(app):
    resp = app.test_client().delete("/health")
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert resp.get_json()["error"] == "method_not_allowed"


def test_jobs_non_numeric_id_is_404_and_empty_module_lists_all(app):
    client = app.test_client()
    resp = client.get("/api/v1/jobs/not-a-number", headers=TOKEN)
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"
    assert client.get("/api/v1/jobs/99", headers=TOKEN).status_code == 404
    resp = client.get("/api/v1/jobs?module=", headers=TOKEN)
    assert resp.status_code == 200 and resp.get_json() == {"runs": []}


class WidgetQuerySchema(Schema):
    colour = fields.String(required=True, validate=validate.OneOf(["red", "blue"]))


class WidgetSchema(Schema):
    """A widget"""

    name = fields.String(required=True)


def test_a_new_endpoint_is_a_schema_and_a_decorator(app):
    bp = Blueprint("widgets", __name__)

    @bp.get("/api/v1/widgets/<int:widget_id>")
    @documented(
        "getWidget",
        "One widget",
        query=WidgetQuerySchema,
        responses={200: WidgetSchema, 404: ERROR},
    )
    def widget(widget_id: int):
        return jsonify(name="w")

    app.register_blueprint(bp)
    app.extensions.pop("openapi_document", None)
    doc = openapi.document(app)
    item = doc["paths"]["/api/v1/widgets/{widget_id}"]
    assert item["parameters"][0]["schema"]["type"] == "integer"
    (colour,) = item["get"]["parameters"]
    assert colour["required"] is True and colour["schema"]["enum"] == ["red", "blue"]
    ok = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Widget"}
    assert openapi.check({"name": 1}, ok, doc) != []
    extra = json_response("x", "#Run")
    assert extra["content"]["application/json"]["schema"]["$ref"].endswith("/Run")


def test_pages_for_people_are_left_out_on_purpose_only(app):
    bp = Blueprint("pages", __name__, static_folder=".")

    @bp.get("/console-like")
    @not_in_api("an HTML page")
    def page():
        return "<p>hi</p>"

    @bp.get("/forgotten")
    def forgotten():
        return jsonify()

    app.register_blueprint(bp, url_prefix="/pages")
    app.extensions.pop("openapi_document", None)
    doc = openapi.document(app)
    missing = openapi.app_operations(app) - openapi.documented_operations(doc)
    assert missing == {("/pages/forgotten", "GET")}
