"""The availability service: cache lookup, then one bounded Fluent call.

It owns the time budget of the synchronous storefront API: a dedicated FluentClient
whose timeouts equal the budget (token fetch included) runs in a small thread pool, and
the caller waits at most the budget for it, so Fluent being down or slow becomes
``FluentUnavailable`` (503 + Retry-After) within ``timeout_seconds``, never a hang. It
must not retry (the storefront retries after Retry-After) and must not write anything
but the cache and, in ``options`` mode, the fulfilment option Fluent records.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connector.cache import TtlCache, make_cache
from connector.clients.errors import ApiError, ApiTimeout, GraphQLError
from connector.errors import ConfigError
from connector.modules.availability import mapping, queries
from connector.modules.availability.options import AvailabilityOptions
from connector.modules.availability.schemas import AvailabilityQuery

if TYPE_CHECKING:
    from connector.clients.fluent import FluentClient
    from connector.context import Services

log = logging.getLogger(__name__)

PURPOSE = "product availability"
MAX_RETRY_AFTER = 300


class FluentUnavailable(Exception):
    """Fluent is down, slow or throttling: answer 503 with ``retry_after``."""

    def __init__(self, error: str, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.retry_after = retry_after


class FluentFailed(Exception):
    """Fluent refused the request (4xx, GraphQL errors): answer 502."""


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    cached: bool


class AvailabilityService:
    def __init__(self, runtime: Services) -> None:
        self.runtime = runtime
        self.options = AvailabilityOptions.from_section(
            runtime.config.options("availability")
        )
        self.cache: TtlCache = make_cache(
            "availability",
            ttl=self.options.cache_ttl_seconds,
            redis_url=runtime.config.redis_url,
            key_prefix=runtime.config.redis_key_prefix,
            max_entries=self.options.cache_max_entries,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=self.options.max_concurrency,
            thread_name_prefix="availability",
        )
        self._lock = threading.Lock()
        self._client: FluentClient | None = None

    def client(self) -> FluentClient:
        """The availability-only FluentClient (short timeouts, own token and pool)."""
        from connector.clients.fluent import FluentClient

        with self._lock:
            if self._client is None:
                self._client = FluentClient.from_config(
                    self.runtime.config,
                    PURPOSE,
                    timeout=self.options.timeout_seconds,
                    pool_size=self.options.max_concurrency,
                )
            return self._client

    def answer(self, query: AvailabilityQuery) -> Answer:
        """Cached answer or a fresh one from Fluent.

        Raises MissingSetting (not configured), FluentUnavailable, FluentFailed and
        mapping.UnknownLocation.
        """
        settings = self.runtime.config.require_fluent(
            PURPOSE, "FLUENT_VIRTUAL_CATALOGUE_REF"
        )
        catalogue_ref = str(settings.virtual_catalogue_ref)
        key = self.cache.key(mapping.cache_parts(query, catalogue_ref))
        hit = self.cache.get(key)
        if hit is not None:
            return Answer(hit, cached=True)
        if query.mode == "options":
            body = self._bounded(lambda: self._options(query))
        else:
            body = self._bounded(lambda: self._stock(query, catalogue_ref))
        self.cache.set(key, body)
        return Answer(body, cached=False)

    # -- Fluent -------------------------------------------------------------------------
    def _stock(self, query: AvailabilityQuery, catalogue_ref: str) -> dict[str, Any]:
        limit = query.limit or self.options.max_locations
        data = self.client().graphql(
            queries.stock_query(len(query.locations)),
            mapping.stock_variables(query, catalogue_ref, limit),
        )
        return mapping.map_stock(query, data, catalogue_ref, limit)

    def _options(self, query: AvailabilityQuery) -> dict[str, Any]:
        config = self.runtime.config
        try:
            retailer_id = int(str(config.fluent.retailer_id))
        except ValueError:
            raise ConfigError("FLUENT_RETAILER_ID must be a number") from None
        payload = mapping.option_input(
            query,
            ref=f"AVAIL-{uuid.uuid4().hex}",
            option_type=self.options.fulfilment_option_type,
            retailer_id=retailer_id,
            catalogue_ref=config.fluent.catalogue_ref,
        )
        data = self.client().graphql(
            queries.CREATE_FULFILMENT_OPTION, {"input": payload}
        )
        option = data.get("createFulfilmentOption")
        if not option:
            raise GraphQLError(
                "fluent graphql: createFulfilmentOption returned nothing",
                [],
                service="fluent",
            )
        return mapping.map_options(query, option)

    def _bounded(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run ``call`` in the pool; wait at most the budget; map API failures."""
        budget = self.options.timeout_seconds
        started = time.monotonic()
        future = self._pool.submit(call)
        try:
            return future.result(timeout=budget)
        except FutureTimeout:
            future.cancel()
            raise self._budget_spent(budget) from None
        except ApiTimeout as exc:
            # the client's own timeouts equal the budget: when its read timeout fires
            # before this wait's (they race by a few ms), the budget is just as spent
            if time.monotonic() - started >= budget:
                raise self._budget_spent(budget) from None
            raise self._translate(exc) from None  # refused, reset: not a timeout
        except ApiError as exc:
            raise self._translate(exc) from None
        except mapping.UnknownLocation:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning(
                "availability.fluent.malformed", extra={"error": type(exc).__name__}
            )
            raise FluentFailed(
                f"unexpected answer from Fluent ({type(exc).__name__})"
            ) from None

    def _budget_spent(self, budget: float) -> FluentUnavailable:
        log.warning("availability.fluent.timeout", extra={"budget": budget})
        return FluentUnavailable(
            "fluent_timeout",
            f"Fluent did not answer within {budget:g} s",
            self.options.retry_after_seconds,
        )

    def _translate(self, exc: ApiError) -> Exception:
        log.warning(
            "availability.fluent.failed",
            extra={
                "error": type(exc).__name__,
                "status": exc.status,
                "transient": exc.transient,
            },
        )
        if exc.transient:
            wait = self.options.retry_after_seconds
            if exc.retry_after:
                wait = max(1, min(int(exc.retry_after + 0.999), MAX_RETRY_AFTER))
            return FluentUnavailable(
                "fluent_unavailable",
                f"Fluent is unavailable ({type(exc).__name__}"
                + (f" {exc.status}" if exc.status else "")
                + ")",
                wait,
            )
        return FluentFailed(str(exc))
