"""The database engine: Piccolo's SQLite engine kept on two long-lived connections.

Stock Piccolo opens a new aiosqlite connection (and thread) for every query outside a transaction
and for every transaction, which caps a logged-in page at ~200 requests/s on this stack. SQLite
allows one writer at a time anyway, so HelpRealm keeps:

- one *reader* connection for SELECTs outside a transaction (WAL lets it read while a write runs);
- one *writer* connection, used by one transaction (or autocommit write) at a time, guarded by an
  asyncio lock, and always `BEGIN IMMEDIATE`: a read-then-write transaction takes the write lock
  before it reads, so it can never fail half-way with "database is locked".

Both connections are opened lazily on first use and must be closed with `await ENGINE.close()`
(aiosqlite's thread is not a daemon: a forgotten connection hangs the process at exit). The app's
lifespan and the CLI do that.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Optional

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",  # safe with WAL: a crash may lose the last commit, never corrupt
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -16000",  # 16 MB page cache per connection
)


class WriteTransaction(SQLiteTransaction):
    """A transaction on the shared writer connection; one at a time, BEGIN IMMEDIATE."""

    engine: "HelpRealmEngine"

    async def __aenter__(self) -> "WriteTransaction":
        if self._parent is not None:
            return self._parent
        await self.engine._write_lock_for_loop().acquire()
        try:
            self.connection = await self.engine._writer()
            await self.begin()
        except BaseException:
            self.engine._write_lock_for_loop().release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                try:
                    await self.commit()
                except BaseException:
                    await self.rollback()
                    raise
        finally:
            self.engine.current_transaction.reset(self.context)
            self.engine._write_lock_for_loop().release()
        return exception is None


class HelpRealmEngine(SQLiteEngine):
    def __init__(self, path: str = "helprealm.sqlite", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 30)  # busy timeout for other processes (CLI next to a server)
        super().__init__(path=path, **kwargs)
        self._reader_conn: Optional[aiosqlite.Connection] = None
        self._writer_conn: Optional[aiosqlite.Connection] = None
        self._write_lock: Optional[asyncio.Lock] = None
        self._open_lock: Optional[asyncio.Lock] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # -- connection management ------------------------------------------------------------

    def _bind_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._reader_conn or self._writer_conn:
                raise RuntimeError("database connections still open from another event loop")
            self._loop = loop
            self._write_lock = asyncio.Lock()
            self._open_lock = asyncio.Lock()

    def _write_lock_for_loop(self) -> asyncio.Lock:
        self._bind_loop()
        assert self._write_lock is not None
        return self._write_lock

    async def _connect(self) -> aiosqlite.Connection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(**self.connection_kwargs)
        conn.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        return conn

    async def _reader(self) -> aiosqlite.Connection:
        self._bind_loop()
        if self._reader_conn is None:
            async with self._open_lock:  # type: ignore[union-attr]
                if self._reader_conn is None:
                    self._reader_conn = await self._connect()
        return self._reader_conn

    async def _writer(self) -> aiosqlite.Connection:
        if self._writer_conn is None:
            conn = await self._connect()
            # WAL persists in the file; setting it once per process is enough.
            await conn.execute("PRAGMA journal_mode = WAL")
            self._writer_conn = conn
        return self._writer_conn

    async def close(self) -> None:
        for name in ("_reader_conn", "_writer_conn"):
            conn = getattr(self, name)
            setattr(self, name, None)
            if conn is not None:
                await conn.close()
        self._loop = None

    async def get_connection(self) -> aiosqlite.Connection:
        # Used by Piccolo for batch(): a private connection the caller closes.
        return await self._connect()

    # -- query routing ---------------------------------------------------------------------

    @staticmethod
    def _is_read(query: str) -> bool:
        head = query.lstrip()[:6].upper()
        return head == "SELECT" or (head.startswith("WITH") and "RETURNING" not in query.upper())

    async def _run_in_new_connection(
        self,
        query: str,
        args: Optional[list[Any]] = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        args = args or []
        if self._is_read(query):
            reader = await self._reader()
            return await reader.execute_fetchall(query, args)
        # An autocommit write: take the writer like a one-statement transaction.
        async with self._write_lock_for_loop():
            writer = await self._writer()
            return await writer.execute_fetchall(query, args)

    async def _run_in_existing_connection(
        self,
        connection,
        query: str,
        args: Optional[list[Any]] = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        return await connection.execute_fetchall(query, args or [])

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return WriteTransaction(engine=self, transaction_type=TransactionType.immediate, allow_nested=allow_nested)


# The one engine every table is bound to. `configure()` points it at the installation's file.
ENGINE = HelpRealmEngine()


def configure(db_path: Path) -> HelpRealmEngine:
    ENGINE.path = str(db_path)
    return ENGINE


def write():
    """`async with write():` a read-then-write unit of work (BEGIN IMMEDIATE, one at a time)."""
    return ENGINE.transaction()
