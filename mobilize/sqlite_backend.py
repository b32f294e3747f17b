"""SQLite as mobilize runs it (`make run`, the SQLite test pass): Tortoise's client, with transactions that
take the database's write lock when they begin.

Tortoise begins a transaction with a plain (deferred) `BEGIN`. In WAL mode a deferred transaction reads from a
snapshot; when another process (a second `mobilize serve`, a `mobilize import`, a worker) commits a write after
that snapshot and the transaction then writes, SQLite answers "database is locked" at once, without waiting:
the transaction read a state that is gone. mobilize's transactions read and then write (a seat is counted,
then taken), so each begins with `BEGIN IMMEDIATE`: it waits its turn (up to `BUSY_TIMEOUT_MS`)
for the write lock instead, and what it reads stays true until it commits. Inside one process Tortoise
already runs one transaction at a time on its single connection, so this costs nothing there.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError

# How long a statement or a transaction's start waits for another process's write to finish. Python's
# sqlite3 waits 5 s; a restore or a large import on SQLite can hold the lock longer than that.
BUSY_TIMEOUT_MS = 30_000


class ImmediateTransaction(SqliteTransactionWrapper):
    """A transaction that holds the write lock from its first statement (nested ones are savepoints)."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    """Tortoise's SQLite client whose transactions begin IMMEDIATE and whose statements wait for the lock."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("busy_timeout", BUSY_TIMEOUT_MS)  # applied as `PRAGMA busy_timeout` on connect
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient  # what Tortoise looks up in an engine module
