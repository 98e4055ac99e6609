"""The id cursor reads ceil(N / page size) pages: the first page is counted."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connector.clients.commercetools import CommercetoolsClient

API = "https://api.example.test"


def client() -> CommercetoolsClient:
    return CommercetoolsClient(API, "https://auth.example.test", "shop", "id", "secret")


@pytest.mark.parametrize(
    ("records", "expected_reads"), [(0, 1), (3, 1), (4, 1), (8, 2), (9, 3)]
)
def test_reads_per_page(records, expected_reads):
    ids = [f"id-{i:03d}" for i in range(records)]
    calls = []

    def page(request):
        query = parse_qs(urlsplit(request.url).query)
        calls.append(query)
        after = next(
            (w.split('"')[1] for w in query.get("where", []) if "id >" in w), ""
        )
        rest = [i for i in ids if i > after][: int(query["limit"][0])]
        body = {"limit": 4, "count": len(rest), "results": [{"id": i} for i in rest]}
        if query["withTotal"] == ["true"]:
            body["total"] = len([i for i in ids if i > after])
        return 200, {}, json.dumps(body)

    with responses.RequestsMock() as mock:
        mock.post(
            "https://auth.example.test/oauth/token",
            json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"},
        )
        mock.add_callback(responses.GET, f"{API}/shop/products", callback=page)
        seen = [
            r["id"] for p in client().iter_pages("products", page_size=4) for r in p
        ]
    assert seen == ids
    assert len(calls) == expected_reads
    assert [c["withTotal"][0] for c in calls] == ["true"] + ["false"] * (len(calls) - 1)
    assert all(c["sort"] == ["id asc"] for c in calls)
