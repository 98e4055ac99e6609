"""schemathesis against the live connector on loopback: generated requests (valid and
invalid) for every documented operation, with a valid API token; any 5xx, an answer
whose status, content type, headers or body the document does not describe, or an
invalid request accepted, fails the test. Bounded: a few examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationConfig
from schemathesis.experimental import OPEN_API_3_1

from connector.api import openapi

OPEN_API_3_1.enable()
TOKEN = {"X-API-Token": "test-token-1"}
EXAMPLES = 8  # per operation and generation method; the whole run takes ~10 s here


@pytest.fixture
def live_schema(connected, monkeypatch):
    # the run sends hundreds of unauthenticated requests on purpose: without this the
    # failed-token limit (tested in tests/faults) would answer them 429, not 401
    monkeypatch.setattr(connected.stack.app.extensions["auth_limiter"], "limit", 0)
    doc = openapi.document(connected.stack.app)
    return schemathesis.from_dict(
        doc,
        base_url=connected.url,
        generation_config=GenerationConfig(with_security_parameters=False),
        data_generation_methods=[
            schemathesis.DataGenerationMethod.positive,
            schemathesis.DataGenerationMethod.negative,
        ],
    )


schema = schemathesis.from_pytest_fixture("live_schema")


@pytest.mark.timeout(120)  # the bound of the whole run (all operations are subtests)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_live_api_matches_its_document(case):
    # the auth check writes an invalid token into these; they must be mappings
    case.headers = case.headers or {}
    case.query = case.query or {}
    case.call_and_validate(headers=TOKEN, timeout=10)
