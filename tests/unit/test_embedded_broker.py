"""The embedded (SQLite) broker survives two processes declaring one queue at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kombu import Connection

from connector.extensions import EmbeddedBrokerTransport


def test_queue_declared_by_another_process_in_between(tmp_path: Path) -> None:
    db = tmp_path / "broker.db"
    with Connection(f"sqlite:///{db}", transport=EmbeddedBrokerTransport) as conn:
        channel = conn.default_channel
        session = channel.session  # opens the engine and creates kombu's tables
        real_add = session.add

        def add_after_other_process(obj: object) -> None:
            # another process wins the race between kombu's select and its insert
            other = sqlite3.connect(db)
            other.execute("INSERT INTO kombu_queue (name) VALUES ('events')")
            other.commit()
            other.close()
            real_add(obj)

        session.add = add_after_other_process  # type: ignore[method-assign]
        try:
            queue = channel._get_or_create("events")
        finally:
            session.add = real_add  # type: ignore[method-assign]
        assert queue.name == "events"
        channel._put("events", {"body": "x"})
        assert channel._size("events") == 1
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM kombu_queue").fetchone()
    assert rows == (1,)


def test_celery_uses_the_embedded_transport(tmp_path: Path) -> None:
    from connector import create_app
    from connector.config import Config
    from connector.extensions import EmbeddedBrokerChannel

    config = Config.from_env({"CONNECTOR_DATA_DIR": str(tmp_path)}, read_dotenv=False)
    assert config.embedded_broker
    celery = create_app(config).extensions["celery"]
    with celery.connection_for_write() as conn:
        assert isinstance(conn.transport, EmbeddedBrokerTransport)
        assert conn.transport.polling_interval == 0.1
        assert isinstance(conn.default_channel, EmbeddedBrokerChannel)
