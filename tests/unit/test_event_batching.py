"""The worker's consumer publishes buffered task events at most every 0.1 s (one
``task.multi`` message), not at every loop tick, and only from the event loop's
thread; nothing buffered is lost on shutdown."""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

from vine import promise

from connector import extensions
from connector.extensions import (
    EVENT_BUFFER_LIMIT,
    EVENT_FLUSH_SECONDS,
    EventBatchingConsumer,
)


class FakeHub:
    """kombu's hub as the consumer uses it: ``call_soon`` (thread-safe) runs at the
    next tick, ``call_later`` (loop thread only) when fired."""

    def __init__(self) -> None:
        self.soon: list[Any] = []
        self.timers: list[tuple[float, Any]] = []

    def call_soon(self, callback: Any) -> None:
        if callback not in self.soon:  # the hub keeps a set
            self.soon.append(callback)

    def call_later(self, delay: float, callback: Any) -> None:
        self.timers.append((delay, callback))

    def tick(self) -> None:
        soon, self.soon = self.soon, []
        for callback in soon:
            callback()

    def fire(self) -> None:
        self.tick()
        timers, self.timers = self.timers, []
        for _, callback in timers:
            callback()


class FakeDispatcher:
    """Celery's EventDispatcher: per-group buffers, a buffer limit that ``send``
    flushes at by itself, ``on_send_buffered`` called below it."""

    def __init__(self, consumer: EventBatchingConsumer) -> None:
        self.consumer = consumer
        self.buffer_limit = 24
        self._group_buffer: defaultdict[str, list[int]] = defaultdict(list)
        self.published: list[int] = []
        self.inline_flushes = 0

    def send(self) -> None:
        buf = self._group_buffer["task"]
        buf.append(1)
        if len(buf) >= self.buffer_limit:
            self.inline_flushes += 1  # in the sending thread: what must not happen
            self.flush()
        else:
            self.consumer.on_send_event_buffered()

    def flush(self) -> None:
        buf = self._group_buffer["task"]
        if buf:
            self.published.append(len(buf))
            buf.clear()


def consumer(hub: FakeHub | None) -> tuple[EventBatchingConsumer, FakeDispatcher]:
    c = EventBatchingConsumer.__new__(EventBatchingConsumer)  # no broker needed
    c.hub = hub
    c._flush_events_promise = promise(c._flush_events)  # as Consumer.__init__ sets
    c.event_dispatcher = FakeDispatcher(c)
    return c, c.event_dispatcher


def test_events_of_one_interval_go_out_in_one_message() -> None:
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    for _ in range(9):  # three tasks: received, started, succeeded
        dispatcher.send()
    hub.tick()  # the loop sets the timer
    assert [delay for delay, _ in hub.timers] == [EVENT_FLUSH_SECONDS]
    assert dispatcher.published == []
    hub.fire()
    assert dispatcher.published == [9]
    # the next event schedules the next flush
    dispatcher.send()
    hub.tick()
    assert len(hub.timers) == 1
    hub.fire()
    assert dispatcher.published == [9, 1]


def test_timers_are_set_by_the_loop_never_by_the_sending_thread() -> None:
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    dispatcher.send()  # e.g. task-succeeded from a threads-pool thread
    assert hub.timers == []  # kombu's timer is not thread-safe: only call_soon here
    assert len(hub.soon) == 1
    hub.tick()
    assert len(hub.timers) == 1


def test_a_full_buffer_is_published_by_the_loop_not_by_send() -> None:
    """Celery's dispatcher publishes a full buffer inside ``send`` (a pool thread,
    which on RabbitMQ could wait for ever for a confirm the loop had read): here the
    limit is lifted and the loop publishes at its next tick."""
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    for _ in range(EVENT_BUFFER_LIMIT + 40):  # a burst, all before the loop runs
        dispatcher.send()
    assert dispatcher.inline_flushes == 0
    assert dispatcher.buffer_limit == sys.maxsize
    assert dispatcher.published == []
    hub.tick()  # no need to wait for the timer
    assert dispatcher.published == [EVENT_BUFFER_LIMIT + 40]


def test_a_flush_timer_lost_with_the_loop_is_scheduled_again(monkeypatch) -> None:
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    dispatcher.send()
    hub.tick()
    hub.timers.clear()  # e.g. the connection restarted and the loop's timers went
    now = [1000.0]

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return now[0]

    monkeypatch.setattr(extensions, "time", Clock)  # this module's clock only
    c._flush_due = now[0] + EVENT_FLUSH_SECONDS
    dispatcher.send()
    hub.tick()
    assert hub.timers == []  # still due: wait for it
    now[0] += 2.0
    dispatcher.send()
    hub.tick()
    assert len(hub.timers) == 1
    hub.fire()
    assert dispatcher.published == [3]


def test_shutdown_publishes_what_is_buffered(monkeypatch) -> None:
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    dispatcher.send()
    dispatcher.send()
    stopped = []
    monkeypatch.setattr(
        "celery.worker.consumer.Consumer.shutdown", lambda self: stopped.append(1)
    )
    c.shutdown()
    assert dispatcher.published == [2]
    assert stopped == [1]


def test_without_an_event_loop_nothing_is_scheduled() -> None:
    c, dispatcher = consumer(None)
    dispatcher.send()
    assert c._flush_due is None
    assert dispatcher.buffer_limit == 24  # Celery's own behaviour is kept
