"""The event path's store calls, one autocommit statement each, on SQLite and
PostgreSQL: claim (UPDATE ... RETURNING), finish, the order watermark, and the
per-resource write lock (PostgreSQL advisory lock; none on SQLite)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from connector.models import InboundMessage, utcnow
from connector.store import driver, leases, locks, messages, watermarks
from connector.store.db import Store
from tests.support import services


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    with services.migrated_store(request.param, tmp_path) as store:
        yield store


@pytest.fixture
def pg_store(tmp_path):
    """PostgreSQL only: what the test checks does not exist on SQLite."""
    with services.migrated_store("postgres", tmp_path) as store:
        yield store


def _new(store: Store, ident: str = "m-1") -> int:
    row_id = messages.record(
        store,
        messages.NewMessage(
            source="fluent",
            message_id=ident,
            name="ORDER",
            payload={"entityRef": "O-1", "n": [1, 2]},
            route="r",
            handler="h",
        ),
    )
    assert row_id is not None
    return row_id


def test_claim_returns_the_row_as_written_and_never_twice_while_leased(store):
    row_id = _new(store)
    row = messages.claim(store, row_id, lease=20)
    assert row is not None
    assert (row.id, row.status, row.attempts, row.deliveries) == (
        row_id,
        "processing",
        1,
        1,
    )
    assert row.payload == {"entityRef": "O-1", "n": [1, 2]}
    assert row.route == "r" and row.handler == "h"
    assert row.started_at is not None and row.started_at.tzinfo is not None
    # a live lease is never taken over
    assert messages.claim(store, row_id, lease=20) is None


def test_an_expired_lease_is_claimed_again(store):
    row_id = _new(store)
    assert messages.claim(store, row_id, lease=20) is not None
    with store.session() as session:  # the heartbeat stopped 30 s ago
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == row_id)
            .values(updated_at=utcnow() - timedelta(seconds=30))
        )
    again = messages.claim(store, row_id, lease=20)
    assert again is not None and (again.attempts, again.deliveries) == (2, 2)


@pytest.mark.parametrize("final", ["done", "failed"])
def test_finish_records_the_outcome_and_a_finished_row_is_not_claimed(store, final):
    row_id = _new(store)
    messages.claim(store, row_id, lease=20)
    messages.finish(store, row_id, final, error="boom", result={"ok": 1})
    row = messages.get(store, row_id)
    assert row.status == final and row.finished_at is not None
    assert row.last_error == "boom" and row.result == {"ok": 1}
    assert messages.claim(store, row_id, lease=0) is None


def test_retrying_resets_deliveries_and_is_claimable(store):
    row_id = _new(store)
    messages.claim(store, row_id, lease=20)
    messages.finish(store, row_id, "retrying", error="429")
    row = messages.get(store, row_id)
    assert (row.status, row.deliveries, row.finished_at) == ("retrying", 0, None)
    assert messages.claim(store, row_id, lease=20).attempts == 2


def test_a_row_in_its_backoff_is_not_claimed_before_retry_at(store):
    """A duplicate delivery (the sweeper re-published a row whose delayed message the
    broker still holds) must not run an attempt before the backoff / Retry-After."""
    row_id = _new(store)
    messages.claim(store, row_id, lease=20)
    messages.finish(store, row_id, "retrying", error="503", retry_in=30)
    # the sweeper marks it queued again before publishing: the backoff still holds
    assert messages.set_status(store, row_id, "queued", only_from=("retrying",))
    assert messages.claim(store, row_id, lease=20) is None
    left = leases.lease_left(store, row_id, lease=20)
    assert left is not None and 29 < left <= 30
    with store.session() as session:  # the backoff ended
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == row_id)
            .values(retry_at=utcnow() - timedelta(seconds=1))
        )
    again = messages.claim(store, row_id, lease=20)
    assert again is not None and again.attempts == 2 and again.retry_at is None


def test_a_backoff_that_ended_after_a_refused_claim_is_claimable_now(store):
    """The claim and the look at the lease are two statements: a backoff ending
    between them (a delivery a few ms before ``retry_at``) means "look again now",
    never "nothing holds it" (the task would drop the delivery as finished and the
    row would wait for the sweeper)."""
    row_id = _new(store)
    messages.claim(store, row_id, lease=20)
    messages.finish(store, row_id, "retrying", error="503", retry_in=0.2)
    assert messages.claim(store, row_id, lease=20) is None  # refused: in its backoff
    time.sleep(0.25)  # the backoff ends before the task looks at it
    assert leases.lease_left(store, row_id, lease=20) == 0.0
    messages.finish(store, row_id, "done")
    assert leases.lease_left(store, row_id, lease=20) is None  # finished: nothing


def test_replay_clears_the_backoff(store):
    row_id = _new(store)
    messages.claim(store, row_id, lease=20)
    messages.finish(store, row_id, "retrying", error="503", retry_in=600)
    assert messages.prepare_replay(store, [row_id]) == [row_id]
    assert messages.claim(store, row_id, lease=20) is not None


def test_watermark_round_trip_and_overwrite(store):
    assert watermarks.lookup(store, "O-1") is None
    watermarks.save(store, watermarks.StoredMark("O-1", "ct-1", "BOOKED", "t1"))
    watermarks.save(store, watermarks.StoredMark("O-1", "ct-1", "SHIPPED", "t2"))
    assert watermarks.lookup(store, "O-1") == watermarks.StoredMark(
        "O-1", "ct-1", "SHIPPED", "t2"
    )


def test_lock_key_is_stable_and_signed_64_bit():
    assert locks.lock_key("ct-order:A") == locks.lock_key("ct-order:A")
    assert locks.lock_key("ct-order:A") != locks.lock_key("ct-order:B")
    assert -(2**63) <= locks.lock_key("x") < 2**63


def test_resource_lock_makes_writers_of_one_resource_take_turns(store):
    if store.dialect != "postgresql":
        with locks.resource_lock(store, "ct-order:A") as held:
            assert held is False  # SQLite: no advisory locks, the block still runs
        return
    events: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with locks.resource_lock(store, "ct-order:A") as held:
            assert held
            first_in.set()
            time.sleep(0.3)
            events.append("first done")

    def second() -> None:
        first_in.wait(5)
        with locks.resource_lock(store, "ct-order:A") as held:
            events.append(f"second in (held={held})")
        with locks.resource_lock(store, "ct-order:B") as other:
            events.append(f"other resource (held={other})")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert events == [
        "first done",
        "second in (held=True)",
        "other resource (held=True)",
    ]


def test_resource_lock_gives_up_waiting_and_runs_the_block_unlocked(pg_store):
    """Advisory locks are PostgreSQL's (SQLite runs the block unlocked)."""
    store = pg_store
    with _held_by_another_thread(store, "ct-order:stuck"):
        started = time.monotonic()
        with locks.resource_lock(store, "ct-order:stuck", wait=0.2) as held:
            assert held is False
        assert time.monotonic() - started < 5
        # the connection's lock_timeout is back to none: a later lock waits as long
        # as it must
        with locks.resource_lock(store, "ct-order:other") as other:
            assert other is True


@contextmanager
def _held_by_another_thread(store: Store, key: str) -> Iterator[None]:
    """The resource lock on ``key`` taken by another thread for the block's duration."""
    taken, release = threading.Event(), threading.Event()

    def holder() -> None:
        with locks.resource_lock(store, key):
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert taken.wait(5)
        yield
    finally:
        release.set()
        thread.join(10)


def _updated_at(store: Store, row_id: int):
    return messages.get(store, row_id).updated_at


def test_one_keeper_thread_renews_every_held_lease_then_ends(store):
    one, two, done = _new(store, "a"), _new(store, "b"), _new(store, "c")
    for row_id in (one, two, done):
        messages.claim(store, row_id, lease=20)
    messages.finish(store, done, "done")
    keeper = leases.LeaseKeeper(store, lease=0.8)  # a beat every 0.2 s
    before = {r: _updated_at(store, r) for r in (one, two, done)}
    with keeper.hold(one), keeper.hold(two), keeper.hold(done):
        thread = keeper._thread
        time.sleep(0.7)
        assert keeper._thread is thread  # one thread for all held rows
        renewed = {r: _updated_at(store, r) for r in (one, two, done)}
    assert renewed[one] > before[one] and renewed[two] > before[two]
    assert renewed[done] == before[done]  # left `processing`: never renewed
    time.sleep(0.1)  # a beat already under way may still land
    released = _updated_at(store, one)
    time.sleep(0.5)
    assert _updated_at(store, one) == released  # no longer held: no longer renewed
    thread.join(3)  # idle for IDLE_BEATS beats: the thread ends ...
    assert not thread.is_alive() and keeper._thread is None
    with keeper.hold(one):  # ... and the next hold starts another
        assert keeper._thread is not None and keeper._thread.is_alive()


def test_threads_keeping_autocommit_connections_leave_the_session_pool_free(store):
    """More live threads than the pool has slots, each having run autocommit
    statements: sessions still get a connection at once (PostgreSQL: the threads'
    connections come from an engine of their own; SQLite: a checkout per statement,
    so the demo's thread-per-connection web app cannot exhaust the pool)."""
    small = Store(store.url, pool_size=2, max_overflow=0, pool_timeout=2)
    row_ids = [_new(small, f"t-{i}") for i in range(20)]
    ready, release = threading.Barrier(21), threading.Event()

    def worker(row_id: int) -> None:
        messages.claim(small, row_id, lease=20)
        ready.wait(60)
        release.wait(60)

    threads = [threading.Thread(target=worker, args=(r,)) for r in row_ids]
    for t in threads:
        t.start()
    try:
        ready.wait(60)  # 20 threads now each hold an autocommit connection
        for _ in range(3):
            with small.session() as session:
                assert session.get(InboundMessage, row_ids[0]).status == "processing"
    finally:
        release.set()
        for t in threads:
            t.join(10)
        small.dispose()


SHOW_LOCK_TIMEOUT = text("SHOW lock_timeout")


@pytest.mark.parametrize("prepared", [True, False], ids=["psycopg", "sqlalchemy"])
def test_lock_wait_limit_ends_with_the_lock_statement(pg_store, monkeypatch, prepared):
    """The lock's wait limit (``lock_timeout``) holds for the lock statement only: on
    the same connection, after a lock taken and after one given up, it is back to
    none. Through the driver's prepared statements and through SQLAlchemy (another
    PostgreSQL driver)."""
    store = pg_store
    monkeypatch.setattr(store, "driver_statements", lambda: prepared)

    def current() -> str:
        return driver.run(store, SHOW_LOCK_TIMEOUT, {}, lambda r: r.fetchone()[0])

    with locks.resource_lock(store, "ct-order:T", wait=0.5) as held:
        assert held is True
        assert current() == "0"
    with _held_by_another_thread(store, "ct-order:T2"):
        with locks.resource_lock(store, "ct-order:T2", wait=0.1) as held:
            assert held is False
            assert current() == "0"


def test_claim_reads_the_row_as_the_session_does(store):
    """The claim's row (read by the driver on PostgreSQL) equals the same row read
    through a session: every column, timestamps aware UTC, JSON decoded."""
    row_id = _new(store)
    claimed = messages.claim(store, row_id, lease=20)
    stored = messages.get(store, row_id)
    columns = [c.key for c in InboundMessage.__table__.c]
    assert {c: getattr(claimed, c) for c in columns} == {
        c: getattr(stored, c) for c in columns
    }
    assert claimed.updated_at.utcoffset() == timedelta(0)


def test_a_message_finished_within_a_beat_is_never_renewed(store):
    row_id = _new(store, "quick")
    messages.claim(store, row_id, lease=20)
    before = _updated_at(store, row_id)
    keeper = leases.LeaseKeeper(store, lease=4.0)  # renewals 1 s after the hold
    with keeper.hold(row_id):
        time.sleep(0.05)
    time.sleep(1.2)
    assert _updated_at(store, row_id) == before
    with keeper.hold(row_id):  # held longer than a beat: renewed
        time.sleep(1.5)
    assert _updated_at(store, row_id) > before
