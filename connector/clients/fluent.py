"""Fluent Commerce client: GraphQL (single and batched mutations, connection paging)
and the REST Event API.

A GraphQL response with ``errors`` is a failure (``GraphQLError``), except in
``mutate_batch`` where each aliased mutation gets its own outcome.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from connector.clients.auth import TokenAuth, password_grant
from connector.clients.base import ApiClient, check_url
from connector.clients.errors import GraphQLError
from connector.config import Config

MAX_PAGE = 5000


@dataclass(frozen=True)
class Mutation:
    """One mutation of a batch: ``name(input: $var) { selection }``."""

    name: str
    input_type: str
    input: dict[str, Any]
    selection: str = "id ref"


@dataclass(frozen=True)
class MutationResult:
    mutation: Mutation
    data: dict[str, Any] | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _error_text(err: dict[str, Any]) -> str:
    ext = err.get("extensions") or {}
    code = ext.get("code") or ext.get("errorCode") or ext.get("classification")
    message = str(err.get("message", err))
    return f"{code}: {message}" if code else message


@functools.lru_cache(maxsize=256)
def batch_document(shape: tuple[tuple[str, str, str], ...]) -> str:
    """The document of a batch of (name, input type, selection) mutations, aliased
    m0..mN with variables $i0..$iN. A sync sends the same few shapes (a batch of 25
    creates, their status updates...) thousands of times: built once per shape."""
    params = ", ".join(
        f"$i{i}: {input_type}" for i, (_, input_type, _) in enumerate(shape)
    )
    fields = " ".join(
        f"m{i}: {name}(input: $i{i}) {{ {selection} }}"
        for i, (name, _, selection) in enumerate(shape)
    )
    return f"mutation Batch({params}) {{ {fields} }}"


class FluentClient(ApiClient):
    service = "fluent"

    def __init__(
        self,
        api_url: str,
        account_id: str,
        retailer_id: str,
        client_id: str,
        client_secret: str,
        username: str,
        password: str,
        *,
        timeout: float = 30.0,
        pool_size: int = 16,
    ) -> None:
        api_url = check_url("FLUENT_API_URL", api_url)
        headers = {"fluent.account": account_id}
        auth = TokenAuth(
            password_grant(
                api_url + "/oauth/token",
                client_id,
                client_secret,
                username,
                password,
                timeout,
                headers,
            ),
            service="fluent auth",
        )
        super().__init__(
            api_url, auth, timeout=timeout, pool_size=pool_size, headers=headers
        )
        self.account_id = account_id
        self.retailer_id = retailer_id

    @classmethod
    def from_config(
        cls, config: Config, purpose: str = "Fluent access", **kw: Any
    ) -> FluentClient:
        f = config.require_fluent(purpose)
        assert f.api_url and f.account_id and f.retailer_id and f.client_id
        assert f.client_secret and f.username and f.password
        return cls(
            f.api_url,
            f.account_id,
            f.retailer_id,
            f.client_id,
            f.client_secret,
            f.username,
            f.password,
            **kw,
        )

    # -- GraphQL ----------------------------------------------------------------------
    def graphql_raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        body = self.request(
            "POST",
            "/graphql",
            json={"query": query, "variables": variables or {}},
            timeout=timeout,
        )
        if not isinstance(body, dict):
            raise GraphQLError(
                "fluent graphql: unexpected response", [], service=self.service
            )
        return body.get("data"), list(body.get("errors") or [])

    def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Run a query; any error in the response raises ``GraphQLError``."""
        data, errors = self.graphql_raw(query, variables, timeout)
        if errors or data is None:
            text = "; ".join(_error_text(e) for e in errors) or "no data"
            raise GraphQLError(f"fluent graphql: {text}", errors, service=self.service)
        return data

    def mutate_batch(self, mutations: Sequence[Mutation]) -> list[MutationResult]:
        """Send several mutations in one request (aliased m0..mN, run in order)."""
        if not mutations:
            return []
        query = batch_document(
            tuple((m.name, m.input_type, m.selection) for m in mutations)
        )
        variables = {f"i{i}": m.input for i, m in enumerate(mutations)}
        data, errors = self.graphql_raw(query, variables)
        # the usual answer: no errors and a result for every alias
        if not errors and data is not None:
            values = [data.get(f"m{i}") for i in range(len(mutations))]
            if None not in values:
                return [
                    MutationResult(m, value, None)
                    for m, value in zip(mutations, values, strict=True)
                ]
        by_alias: dict[str, list[str]] = {}
        general: list[str] = []
        for err in errors:
            path = err.get("path") or []
            if path and isinstance(path[0], str):
                by_alias.setdefault(path[0], []).append(_error_text(err))
            else:
                general.append(_error_text(err))
        results = []
        for i, m in enumerate(mutations):
            alias = f"m{i}"
            value = (data or {}).get(alias)
            problems = by_alias.get(alias) or (
                [] if value is not None else general or ["no result returned"]
            )
            results.append(MutationResult(m, value, "; ".join(problems) or None))
        return results

    def iter_connection(
        self,
        query: str,
        variables: dict[str, Any],
        path: Sequence[str],
        *,
        page_size: int = 500,
        after: str | None = None,
    ) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """Pages of a connection: yields (nodes, cursor of the last edge).

        The query must declare ``$first: Int`` and ``$after: String``.
        """
        cursor = after
        while True:
            data = self.graphql(
                query, {**variables, "first": min(page_size, MAX_PAGE), "after": cursor}
            )
            conn: Any = data
            for key in path:
                conn = (conn or {}).get(key)
            if not conn:
                return
            edges = conn.get("edges") or []
            if edges:
                cursor = edges[-1].get("cursor")
                yield [e["node"] for e in edges], cursor
            if not edges or not (conn.get("pageInfo") or {}).get("hasNextPage"):
                return

    # -- Event API ----------------------------------------------------------------------
    def iter_events(
        self, filters: dict[str, Any], *, page_size: int = 500
    ) -> Iterator[dict[str, Any]]:
        """Event API search, paged with start/count until ``hasMore`` is false."""
        start = 0
        while True:
            page = self.request(
                "GET",
                "/api/v4.1/event",
                params={**filters, "start": start, "count": page_size},
            )
            results = page.get("results") or []
            yield from results
            if not page.get("hasMore") or not results:
                return
            start += len(results)
