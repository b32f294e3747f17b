"""SQLite shared by several processes (`mobilize serve` beside `mobilize import`, a test's app under uvicorn
beside the test): a transaction that read keeps what it read until it commits, and another process's write
waits its turn instead of making the transaction fail with "database is locked"."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
from contextlib import closing
from pathlib import Path

from tortoise import fields
from tortoise.context import TortoiseContext
from tortoise.models import Model
from tortoise.transactions import in_transaction

from mobilize import db
from mobilize.sqlite_backend import BUSY_TIMEOUT_MS, ImmediateSqliteClient


class Seat(Model):
    who = fields.TextField()

    class Meta:
        app = "probe"
        table = "seat"


def test_sqlite_urls_use_mobilizes_sqlite_client() -> None:
    config = db.tortoise_config("sqlite:///tmp/somewhere.sqlite3")["connections"]["default"]
    assert importlib.import_module(config["engine"]).client_class is ImmediateSqliteClient
    assert config["credentials"]["file_path"] == "/tmp/somewhere.sqlite3"
    assert config["credentials"]["journal_mode"] == "WAL"
    mysql = db.tortoise_config("mysql://u:p@127.0.0.1:3306/x")["connections"]["default"]
    assert mysql["engine"] == "tortoise.backends.mysql"  # any other database as Tortoise configures it


async def test_another_process_writing_waits_for_a_transaction_that_has_read(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    # Its own database, whichever the suite runs on, with only the model above: initializing the suite's models
    # here would bind their classes to this database.
    config = {
        "connections": {"default": db.connection_config(f"sqlite://{path}")},
        "apps": {"probe": {"models": [__name__], "default_connection": "default"}},
    }
    async with TortoiseContext() as context:
        await context.init(config=config)
        await context.generate_schemas()

        def other_process_takes_a_seat() -> None:
            with closing(sqlite3.connect(path, timeout=20)) as other:
                other.execute("INSERT INTO seat (who) VALUES ('other')")
                other.commit()

        async with in_transaction():
            assert await Seat.all().count() == 0
            writer = asyncio.ensure_future(asyncio.to_thread(other_process_takes_a_seat))
            await asyncio.sleep(0.5)  # time enough for the other process to commit, were the lock free
            assert not writer.done(), "another process wrote inside a transaction that had read"
            await Seat.create(who="this")
        await asyncio.wait_for(writer, timeout=20)

        assert await Seat.all().order_by("id").values_list("who", flat=True) == ["this", "other"]
        _, rows = await context.connections.get("default").execute_query("PRAGMA busy_timeout")
        assert rows[0][0] == BUSY_TIMEOUT_MS
