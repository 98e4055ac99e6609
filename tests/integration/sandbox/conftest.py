"""Fixtures of the commercetools sandbox tests."""

from __future__ import annotations

import pytest
import requests

from sandbox.commercetools.testing import CtSandboxApi
from tests.integration.sandbox.ct_order_support import FIXTURE


@pytest.fixture
def ct_orders(ct_sandbox) -> CtSandboxApi:
    api = CtSandboxApi(requests.Session(), ct_sandbox.url)
    api.login()
    api.seed(FIXTURE)
    return api
