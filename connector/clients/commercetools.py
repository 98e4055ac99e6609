"""commercetools HTTP API client: project-scoped REST with id-cursor paging and versions.

Paging follows commercetools' "iterating over all elements" recipe: ``limit=500``,
``withTotal=false``, ``sort=id asc`` and ``where=id > "<last id>"``; offsets are never
used for large sets. Updates carry the resource version; ``update_with_retry`` re-reads
the resource on a 409 and rebuilds the actions from its current state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import requests

from connector.clients.auth import TokenAuth, client_credentials
from connector.clients.base import ApiClient, check_url
from connector.clients.errors import ApiError, ConcurrentModification, NotFound
from connector.config import Config

PAGE_SIZE = 500
Resource = dict[str, Any]
ActionBuilder = Callable[[Resource], list[dict[str, Any]]]


def ct_str(value: str) -> str:
    """A commercetools predicate string literal (double quotes, escaped)."""
    return json.dumps(value)


def ct_in(values: Sequence[str]) -> str:
    """``(“a”, “b”)`` for an ``in`` predicate."""
    return "(" + ", ".join(ct_str(v) for v in values) + ")"


class CommercetoolsClient(ApiClient):
    service = "commercetools"

    def __init__(
        self,
        api_url: str,
        auth_url: str,
        project_key: str,
        client_id: str,
        client_secret: str,
        scopes: str | None = None,
        *,
        timeout: float = 30.0,
        pool_size: int = 16,
    ) -> None:
        api_url = check_url("CTP_API_URL", api_url)
        token_url = check_url("CTP_AUTH_URL", auth_url) + "/oauth/token"
        auth = TokenAuth(
            client_credentials(token_url, client_id, client_secret, scopes, timeout),
            service="commercetools auth",
        )
        super().__init__(api_url, auth, timeout=timeout, pool_size=pool_size)
        self.project_key = project_key

    @classmethod
    def from_config(
        cls, config: Config, purpose: str = "commercetools access", **kw: Any
    ) -> CommercetoolsClient:
        ct = config.require_ct(purpose)
        assert ct.project_key and ct.client_id and ct.client_secret
        return cls(
            ct.api_url,
            ct.auth_url,
            ct.project_key,
            ct.client_id,
            ct.client_secret,
            ct.scopes,
            **kw,
        )

    # -- paths and errors -----------------------------------------------------------
    def path(self, resource: str) -> str:
        return f"/{self.project_key}/{resource.lstrip('/')}"

    def describe_error(self, body: Any) -> str:
        if (
            isinstance(body, dict)
            and isinstance(body.get("errors"), list)
            and body["errors"]
        ):
            first = body["errors"][0]
            return (
                f"{first.get('code')}: {first.get('message') or body.get('message')}"[
                    :500
                ]
            )
        return super().describe_error(body)

    def error_for(self, method: str, path: str, resp: requests.Response) -> ApiError:
        err = super().error_for(method, path, resp)
        if resp.status_code == 409:
            body = err.body if isinstance(err.body, dict) else {}
            errors = body.get("errors") or [{}]
            return ConcurrentModification(
                str(err),
                current_version=errors[0].get("currentVersion"),
                status=409,
                body=err.body,
                service=self.service,
            )
        return err

    # -- reads ----------------------------------------------------------------------
    def get(self, resource: str, params: Any = None) -> Resource:
        return self.request("GET", self.path(resource), params=params)

    def get_or_none(self, resource: str, params: Any = None) -> Resource | None:
        try:
            return self.get(resource, params)
        except NotFound:
            return None

    def query(
        self,
        resource: str,
        *,
        where: str | Sequence[str] | None = None,
        sort: str | Sequence[str] | None = None,
        limit: int = 20,
        offset: int | None = None,
        with_total: bool = False,
        expand: Sequence[str] = (),
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One page of a query endpoint (the raw paged response)."""
        params: list[tuple[str, Any]] = [
            ("limit", limit),
            ("withTotal", str(with_total).lower()),
        ]
        if offset:
            params.append(("offset", offset))
        for clause in [where] if isinstance(where, str) else (where or []):
            params.append(("where", clause))
        for clause in [sort] if isinstance(sort, str) else (sort or []):
            params.append(("sort", clause))
        params.extend(("expand", e) for e in expand)
        params.extend((extra or {}).items())
        return self.request("GET", self.path(resource), params=params)

    def iter_pages(
        self,
        resource: str,
        *,
        where: Sequence[str] = (),
        after_id: str | None = None,
        page_size: int = PAGE_SIZE,
        expand: Sequence[str] = (),
        extra: dict[str, Any] | None = None,
    ) -> Iterator[list[Resource]]:
        """Pages sorted by id, resuming after ``after_id``.

        Only the first page is counted (``withTotal=true``); later pages are not
        (``withTotal=false``). The count lets the last full page end the iteration
        without reading an empty page, so N records cost ceil(N / page_size) reads.
        Callers bound ``where`` by a fixed upper time, so records can only leave the
        set during the iteration, never join it: stopping at the count is safe.
        """
        last = after_id
        seen = 0
        total: int | None = None
        while True:
            clauses = list(where)
            if last is not None:
                clauses.append(f"id > {ct_str(last)}")
            page = self.query(
                resource,
                where=clauses,
                sort="id asc",
                limit=page_size,
                with_total=total is None and seen == 0,
                expand=expand,
                extra=extra,
            )
            if total is None and isinstance(page.get("total"), int):
                total = page["total"]
            results = page["results"]
            if results:
                yield results
                seen += len(results)
                last = results[-1]["id"]
            if len(results) < page_size or (total is not None and seen >= total):
                return

    # -- writes ---------------------------------------------------------------------
    def create(self, resource: str, draft: dict[str, Any]) -> Resource:
        return self.request("POST", self.path(resource), json=draft)

    def update(
        self, resource_path: str, version: int, actions: list[dict[str, Any]]
    ) -> Resource:
        """POST update actions to e.g. ``orders/<id>``; raises ConcurrentModification."""
        return self.request(
            "POST",
            self.path(resource_path),
            json={"version": version, "actions": actions},
        )

    def update_with_retry(
        self,
        resource_path: str,
        build: ActionBuilder,
        current: Resource | None = None,
        *,
        attempts: int = 3,
        current_is_copy: bool = False,
    ) -> tuple[Resource, list[dict[str, Any]]]:
        """Build actions from the current resource and apply them; on 409 re-read and
        rebuild (bounded). Returns the resource and the actions applied ([] = no-op).

        ``current_is_copy``: ``current`` is a kept copy, maybe no longer current. An
        update checks its version (409 if stale: re-read, not counted as an attempt);
        no actions proves nothing about the current resource, so it is re-read and
        built again before answering a no-op.
        """
        fresh = current is None or not current_is_copy
        resource = current if current is not None else self.get(resource_path)
        attempt = 0
        while True:
            actions = build(resource)
            if not actions:
                if fresh:
                    return resource, []
                resource, fresh = self.get(resource_path), True
                continue
            try:
                return self.update(resource_path, resource["version"], actions), actions
            except ConcurrentModification:
                if fresh:
                    attempt += 1
                    if attempt >= attempts:
                        raise
                resource, fresh = self.get(resource_path), True

    def delete(self, resource_path: str, version: int) -> Resource:
        return self.request(
            "DELETE", self.path(resource_path), params={"version": version}
        )
