"""The database engine: Piccolo's SQLite engine kept on two long-lived connections.

Stock Piccolo opens a new aiosqlite connection (and thread) for every query outside a transaction
and for every transaction, which caps a logged-in page at ~200 requests/s on this stack. SQLite
allows one writer at a time anyway, so HelpRealm keeps:

- one *reader* connection for SELECTs outside a transaction (WAL lets it read while a write runs);
- one *writer* connection, used by one transaction (or autocommit write) at a time, guarded by an
  asyncio lock, and always `BEGIN IMMEDIATE`: a read-then-write transaction takes the write lock
  before it reads, so it can never fail half-way with "database is locked".

Each event loop gets its own pair (a server has one loop; tests have the test's and the test
client's). Connections are opened lazily on first use and must be closed with `await ENGINE.close()`
(aiosqlite's thread is not a daemon: a forgotten connection hangs the process at exit). The app's
lifespan and the CLI do that.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",  # safe with WAL: a crash may lose the last commit, never corrupt
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -8000",  # 8 MB page cache per connection (the OS caches the file too)
)


@dataclass
class _LoopConnections:
    """The connections one event loop uses. A server has one loop; tests have two (the test's and
    the test client's), and each gets its own writer so transactions never share a connection."""

    reader: aiosqlite.Connection | None = None
    writer: aiosqlite.Connection | None = None
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    open_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class WriteTransaction(SQLiteTransaction):
    """A transaction on the loop's writer connection; one at a time, BEGIN IMMEDIATE."""

    engine: HelpRealmEngine

    async def __aenter__(self) -> WriteTransaction:
        if self._parent is not None:
            return self._parent
        conns = self.engine._conns()
        await conns.write_lock.acquire()
        try:
            self.connection = await self.engine._writer(conns)
            await self.begin()
        except BaseException:
            conns.write_lock.release()
            raise
        self._lock = conns.write_lock
        self.after_commit: list = []
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
            self._lock.release()
        if exception is None and self._committed:
            for callback in self.after_commit:
                callback()
        return exception is None


class HelpRealmEngine(SQLiteEngine):
    def __init__(self, path: str = "helprealm.sqlite", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 30)  # busy timeout for other processes (CLI next to a server)
        super().__init__(path=path, **kwargs)
        self._by_loop: dict[asyncio.AbstractEventLoop, _LoopConnections] = {}

    # -- connection management ------------------------------------------------------------

    def _conns(self) -> _LoopConnections:
        loop = asyncio.get_running_loop()
        conns = self._by_loop.get(loop)
        if conns is None:
            conns = self._by_loop[loop] = _LoopConnections()
        return conns

    async def _connect(self) -> aiosqlite.Connection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(**self.connection_kwargs)
        conn.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in PRAGMAS:
            await conn.execute(pragma)
        return conn

    async def _reader(self) -> aiosqlite.Connection:
        conns = self._conns()
        if conns.reader is None:
            async with conns.open_lock:
                if conns.reader is None:
                    conns.reader = await self._connect()
        return conns.reader

    async def _writer(self, conns: _LoopConnections) -> aiosqlite.Connection:
        """Call with conns.write_lock held."""
        if conns.writer is None:
            conn = await self._connect()
            # WAL persists in the file; setting it once per process is enough.
            await conn.execute("PRAGMA journal_mode = WAL")
            conns.writer = conn
        return conns.writer

    async def close(self) -> None:
        """Close every connection (aiosqlite connections may be closed from any running loop)."""
        states, self._by_loop = list(self._by_loop.values()), {}
        for conns in states:
            for conn in (conns.reader, conns.writer):
                if conn is not None:
                    await conn.close()

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
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        args = args or []
        if self._is_read(query):
            reader = await self._reader()
            return await reader.execute_fetchall(query, args)
        # An autocommit write: take the writer like a one-statement transaction.
        conns = self._conns()
        async with conns.write_lock:
            writer = await self._writer(conns)
            return await writer.execute_fetchall(query, args)

    async def _run_in_existing_connection(
        self,
        connection,
        query: str,
        args: list[Any] | None = None,
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


def configure(db_path: Path, read_connections: int = 3) -> HelpRealmEngine:
    from app.cache import clear_all

    ENGINE.path = str(db_path)
    clear_all()  # cached rows belong to the database they came from
    return ENGINE


def on_commit(callback) -> None:
    """Run `callback()` after the outermost write transaction commits (now if none is active)."""
    current = ENGINE.current_transaction.get()
    if current is None:
        callback()
    else:
        current.after_commit.append(callback)


def write():
    """`async with write():` a read-then-write unit of work (BEGIN IMMEDIATE, one at a time)."""
    return ENGINE.transaction()
