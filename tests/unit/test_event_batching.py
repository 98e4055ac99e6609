"""The worker's consumer publishes buffered task events at most every 0.1 s (one
``task.multi`` message), not at every loop tick; nothing buffered is lost on shutdown."""

from __future__ import annotations

from typing import Any

from connector.extensions import EVENT_FLUSH_SECONDS, EventBatchingConsumer


class FakeHub:
    def __init__(self) -> None:
        self.timers: list[tuple[float, Any]] = []

    def call_later(self, delay: float, callback: Any) -> None:
        self.timers.append((delay, callback))

    def fire(self) -> None:
        timers, self.timers = self.timers, []
        for _, callback in timers:
            callback()


class FakeDispatcher:
    def __init__(self) -> None:
        self.buffered = 0
        self.published: list[int] = []

    def send(self, consumer: EventBatchingConsumer) -> None:
        self.buffered += 1
        consumer.on_send_event_buffered()

    def flush(self) -> None:
        if self.buffered:
            self.published.append(self.buffered)
            self.buffered = 0


def consumer(hub: FakeHub | None) -> tuple[EventBatchingConsumer, FakeDispatcher]:
    c = EventBatchingConsumer.__new__(EventBatchingConsumer)  # no broker needed
    c.hub = hub
    c.event_dispatcher = FakeDispatcher()
    return c, c.event_dispatcher


def test_events_of_one_interval_go_out_in_one_message() -> None:
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    for _ in range(9):  # three tasks: received, started, succeeded
        dispatcher.send(c)
    assert [delay for delay, _ in hub.timers] == [EVENT_FLUSH_SECONDS]
    assert dispatcher.published == []
    hub.fire()
    assert dispatcher.published == [9]
    # the next event schedules the next flush
    dispatcher.send(c)
    assert len(hub.timers) == 1
    hub.fire()
    assert dispatcher.published == [9, 1]


def test_a_flush_timer_lost_with_the_loop_is_scheduled_again(monkeypatch) -> None:
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    dispatcher.send(c)
    hub.timers.clear()  # e.g. the connection restarted and the loop's timers went
    now = [1000.0]
    monkeypatch.setattr("connector.extensions.time.monotonic", lambda: now[0])
    c._flush_due = now[0] + EVENT_FLUSH_SECONDS
    dispatcher.send(c)
    assert hub.timers == []  # still due: wait for it
    now[0] += 2.0
    dispatcher.send(c)
    assert len(hub.timers) == 1
    hub.fire()
    assert dispatcher.published == [3]


def test_shutdown_publishes_what_is_buffered(monkeypatch) -> None:
    hub = FakeHub()
    c, dispatcher = consumer(hub)
    dispatcher.send(c)
    dispatcher.send(c)
    stopped = []
    monkeypatch.setattr(
        "celery.worker.consumer.Consumer.shutdown", lambda self: stopped.append(1)
    )
    c.shutdown()
    assert dispatcher.published == [2]
    assert stopped == [1]


def test_without_an_event_loop_nothing_is_scheduled() -> None:
    c, dispatcher = consumer(None)
    dispatcher.send(c)
    assert c._flush_due is None
