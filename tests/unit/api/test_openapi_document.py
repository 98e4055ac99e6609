"""The OpenAPI document is well formed (refs resolve, path parameters declared, every
operation answers errors as documented JSON) and the checker used by the contract tests
really rejects what does not match."""

from __future__ import annotations

import re
import tempfile

import pytest

from connector import create_app
from connector.api import openapi
from connector.config import Config

APP = create_app(
    Config.from_env(
        {"CONNECTOR_DATA_DIR": tempfile.mkdtemp(), "CONNECTOR_API_TOKENS": "t"},
        read_dotenv=False,
    )
)
DOC = openapi.document(APP)


def all_refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_refs(value)


def test_every_ref_resolves():
    for ref in set(all_refs(DOC)):
        assert openapi.resolve({"$ref": ref}, DOC) is not None, ref


def test_path_parameters_are_declared_and_operations_complete():
    operation_ids = set()
    schemes = set(DOC["components"]["securitySchemes"])
    for path, item in DOC["paths"].items():
        names = set(re.findall(r"\{([^}]+)\}", path))
        for method in openapi.METHODS:
            if method not in item:
                continue
            op = item[method]
            declared = {
                p["name"]
                for p in item.get("parameters", []) + op.get("parameters", [])
                if p["in"] == "path"
            }
            assert declared == names, (path, method)
            assert op["operationId"] not in operation_ids
            operation_ids.add(op["operationId"])
            assert op["responses"], (path, method)
            for requirement in op.get("security", []):
                assert set(requirement) <= schemes, (path, method)


def test_operation_lookup_with_concrete_paths():
    assert openapi.operation("/api/v1/jobs/12", "get", DOC)["operationId"] == "getJob"
    assert (
        openapi.operation("/api/v1/jobs/products", "POST", DOC)["operationId"]
        == "startJob"
    )
    assert openapi.operation("/webhooks/external/erp", "post", DOC)["operationId"]
    with pytest.raises(KeyError):
        openapi.operation("/api/v1/nothing", "get", DOC)
    assert openapi.response_problems("GET", "/health", 418, {}, DOC) != []


def test_normalise_makes_flask_and_openapi_templates_comparable():
    assert openapi.normalise("/api/v1/jobs/<int:run_id>") == "/api/v1/jobs/{}"
    assert openapi.normalise("/api/v1/jobs/{job}") == "/api/v1/jobs/{}"


RUN = {
    "run_id": 1,
    "module": "products",
    "scope": "ct:demo",
    "trigger": "api",
    "status": "succeeded",
    "full": False,
    "dry_run": False,
    "counts": {"read": 3, "skip_reasons": {"x": 1}, "failures": []},
    "error": None,
    "app_version": "0.1.0",
    "started_at": "2026-11-29T10:00:00+00:00",
    "finished_at": None,
}
RUN_SCHEMA = {"$ref": "#/components/schemas/Run"}


def test_checker_accepts_a_valid_run():
    assert openapi.check(RUN, RUN_SCHEMA, doc=DOC) == []


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"run_id": "1"}, "is not"),
        ({"run_id": True}, "is not"),
        ({"status": "exploded"}, "not in"),
        ({"counts": {"read": "3"}}, "$.counts.read"),
        ({"surprise": 1}, "unexpected property"),
        ({"error": 5}, "$.error"),
    ],
)
def test_checker_rejects_mismatches(change, problem):
    errors = openapi.check({**RUN, **change}, RUN_SCHEMA, doc=DOC)
    assert any(problem in e for e in errors), errors


def test_checker_handles_required_oneof_allof_and_bounds():
    missing = {k: v for k, v in RUN.items() if k != "module"}
    assert "missing required 'module'" in openapi.check(missing, RUN_SCHEMA, doc=DOC)[0]
    answer = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert openapi.check(1.5, answer, doc=DOC) == []
    assert openapi.check(1, answer, doc=DOC) != []  # matches both: not exactly one
    bounded = {"type": "integer", "minimum": 1, "maximum": 3}
    assert openapi.check(0, bounded, doc=DOC) and openapi.check(4, bounded, doc=DOC)
    invalid = {"error": "invalid_parameter", "message": "x"}
    schema = {"$ref": "#/components/schemas/InvalidParameter"}
    assert any("parameters" in e for e in openapi.check(invalid, schema, doc=DOC))
    listed = {"type": "array", "maxItems": 1, "items": {"type": "string"}}
    assert len(openapi.check(["a", 2], listed, doc=DOC)) == 2
