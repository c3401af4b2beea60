"""The database engine: Piccolo's SQLite engine kept on a few long-lived connections.

Stock Piccolo opens a new aiosqlite connection (and thread) per query outside a transaction and per
transaction, which caps a logged-in page at ~200 requests/s here. Each event loop keeps instead
(a server has one loop; tests have the test's and the test client's):

- a small pool of *readers* (`configure(path, read_connections=3)`, 1-8, opened lazily). Reads
  are queued on one reader until the read it runs has run long (LONG_READ_SECONDS: an export);
  the next reads then go to another one, so a long read never stalls every page (ReaderPool says
  why not one read per reader). WAL lets readers run while a write is going on;
- one *writer*, used by one transaction (or autocommit write) at a time behind an asyncio lock,
  always `BEGIN IMMEDIATE`: a read-then-write transaction takes the write lock before it reads, so
  it can never fail half-way with "database is locked".

Where each call goes:
- `SELECT`, or a `WITH` that neither inserts, updates nor deletes, outside a transaction: a reader
  (readers are `query_only`, so a misrouted write fails loudly instead of bypassing the lock);
- any other statement outside a transaction (autocommit write, DDL, PRAGMA): the writer, under
  the lock, like a one-statement transaction;
- everything inside `async with write():`, reads too: the writer; nested `write()` blocks join the
  outermost one (Piccolo hands back the parent transaction);
- `Query.batch()` (Piccolo calls `get_connection()`): a private connection its `async with` closes;
- `on_commit(callback)`: runs the callback after the outermost COMMIT, or at once outside one;
- `await ENGINE.close()`: closes every connection of every loop (aiosqlite's thread is not a
  daemon: a forgotten connection hangs the process at exit). The app's lifespan and the CLI do it.
Call `configure()` before the first query or after `close()`: open connections keep their path
and pool size.

Piccolo internals relied on (piccolo is pinned to 1.38.0; an upgrade must re-check this list):
- `SQLiteEngine.connection_kwargs` (given to `aiosqlite.connect`), its `path` property, and its
  `current_transaction` ContextVar, which `run_querystring()` / `run_ddl()` read to choose between
  `_run_in_existing_connection(connection, query, args, query_type, table)` (in a transaction) and
  `_run_in_new_connection(query, args, query_type, table)` (outside), both returning the rows;
- `SQLiteTransaction.__init__(engine, transaction_type, allow_nested)` setting `_parent` (the
  active transaction, for nested ones), `_committed`, `_rolled_back`; its `begin()`, `commit()`,
  `rollback()`; `context` (the ContextVar token) and `connection` as plain attributes;
- `batch()` calling `engine.get_connection()` and closing that connection itself;
- `piccolo.engine.sqlite.dict_factory`, the row factory Piccolo's result handling expects.
From aiosqlite (not pinned) only public API: `connect`, `execute`, `execute_fetchall`, `interrupt`,
`close`, `stop`, `in_transaction` (raises ValueError once closed).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from app.db_pool import ReaderPool

log = logging.getLogger("helprealm.db")

PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",  # safe with WAL: a crash may lose the last commit, never corrupt
    "PRAGMA temp_store = MEMORY",
)

READ_CONNECTIONS_RANGE = range(1, 9)
WRITER_CACHE_KIB = 8000  # page cache of the writer connection
READER_CACHE_KIB = 8000  # page cache shared out among the readers
# A WITH statement is a read unless its main statement writes; a false positive (the word in a
# string literal) only sends a read to the writer, which is correct, just not side by side.
_WRITE_KEYWORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _check_read_connections(read_connections: int) -> int:
    if read_connections not in READ_CONNECTIONS_RANGE:
        raise ValueError(f"read_connections must be between 1 and 8, not {read_connections!r}")
    return read_connections


@dataclass
class _LoopConnections:
    """One event loop's connections: transactions of different loops never share a connection."""

    readers: ReaderPool
    writer: aiosqlite.Connection | None = None
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class WriteTransaction(SQLiteTransaction):
    """A transaction on the loop's writer connection; one at a time, BEGIN IMMEDIATE. It keeps
    the on_commit callbacks registered while it (or a nested write() joining it) is active."""

    engine: HelpRealmEngine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_commit: list[Callable[[], object]] = []
        self.finished = False

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
            self.finished = True
            self.engine.current_transaction.reset(self.context)
            self._lock.release()
        # Reached only when nothing is raising. The lock is free and no transaction is current,
        # so a callback may start a task that writes, and that task's queries are not routed
        # into this finished transaction.
        callbacks, self.after_commit = self.after_commit, []
        if exception is None and self._committed:
            _run_callbacks(callbacks)
        return exception is None


def _run_callbacks(callbacks: list[Callable[[], object]]) -> None:
    """Run every callback even if one fails: the data is committed, so the committing code must
    not see an error, and the later callbacks still have to announce it."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("on_commit callback %r failed", callback)


class HelpRealmEngine(SQLiteEngine):
    def __init__(self, path: str = "helprealm.sqlite", read_connections: int = 3, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 30)  # busy timeout for other processes (CLI next to a server)
        super().__init__(path=path, **kwargs)
        self.read_connections = _check_read_connections(read_connections)
        self._by_loop: dict[asyncio.AbstractEventLoop, _LoopConnections] = {}

    # -- connection management ------------------------------------------------------------

    def _conns(self) -> _LoopConnections:
        loop = asyncio.get_running_loop()
        conns = self._by_loop.get(loop)
        if conns is None:
            readers = ReaderPool(self.read_connections, self._open_reader)
            conns = self._by_loop[loop] = _LoopConnections(readers=readers)
        return conns

    async def _connect(self, *extra_pragmas: str) -> aiosqlite.Connection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(**self.connection_kwargs)
        try:
            conn.row_factory = dict_factory  # type: ignore[assignment]
            for pragma in PRAGMAS + extra_pragmas:
                await conn.execute(pragma)
        except BaseException:
            conn.stop()  # not awaited, so a cancelled open still ends the connection's thread
            raise
        return conn

    async def _open_reader(self) -> aiosqlite.Connection:
        # The readers share the page cache budget one reader used to have: each connection keeps its
        # own cache, and three 8 MB caches put the server over its memory target (the OS caches
        # the file anyway).
        cache_kib = max(READER_CACHE_KIB // self.read_connections, 1024)
        return await self._connect("PRAGMA query_only = ON", f"PRAGMA cache_size = -{cache_kib}")

    async def _writer(self, conns: _LoopConnections) -> aiosqlite.Connection:
        """Call with conns.write_lock held."""
        if conns.writer is None:
            # WAL persists in the file; setting it once per process is enough.
            conns.writer = await self._connect("PRAGMA journal_mode = WAL", f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        return conns.writer

    async def close(self) -> None:
        """Close every connection (aiosqlite connections may be closed from any running loop)."""
        states, self._by_loop = list(self._by_loop.values()), {}
        for conns in states:
            await conns.readers.close()
            if conns.writer is not None:
                await conns.writer.close()

    async def get_connection(self) -> aiosqlite.Connection:
        # Used by Piccolo for batch(): a private connection the caller closes.
        return await self._connect()

    # -- query routing ---------------------------------------------------------------------

    @staticmethod
    def _is_read(query: str) -> bool:
        head = query.lstrip()[:6].upper()
        return head == "SELECT" or (head.startswith("WITH") and not _WRITE_KEYWORD.search(query))

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ):
        args = args or []
        conns = self._conns()
        if self._is_read(query):
            return await conns.readers.fetchall(query, args)
        # An autocommit write: take the writer like a one-statement transaction.
        async with conns.write_lock:
            writer = await self._writer(conns)
            return await writer.execute_fetchall(query, args)

    async def _run_in_existing_connection(
        self, connection, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ):
        return await connection.execute_fetchall(query, args or [])

    def transaction(
        self, transaction_type: TransactionType = TransactionType.immediate, allow_nested: bool = True
    ) -> SQLiteTransaction:
        # Always IMMEDIATE, whatever the caller asks: see the module docstring.
        return WriteTransaction(engine=self, transaction_type=TransactionType.immediate, allow_nested=allow_nested)

    # -- after commit ----------------------------------------------------------------------

    def on_commit(self, callback: Callable[[], object]) -> None:
        transaction = self.current_transaction.get()
        # A task started inside a transaction inherits its context, so the transaction it sees may
        # already be over: then, as outside any transaction, there is nothing to wait for.
        if isinstance(transaction, WriteTransaction) and not transaction.finished:
            transaction.after_commit.append(callback)
        else:
            _run_callbacks([callback])


# The one engine every table is bound to. `configure()` points it at the installation's file.
ENGINE = HelpRealmEngine()


def configure(db_path: Path, read_connections: int = 3) -> HelpRealmEngine:
    """Point ENGINE at the installation's file with a pool of `read_connections` readers (1-8)."""
    from app.cache import clear_all

    ENGINE.read_connections = _check_read_connections(read_connections)
    ENGINE.path = str(db_path)
    clear_all()  # cached rows belong to the database they came from
    return ENGINE


def write():
    """`async with write():` a read-then-write unit of work (BEGIN IMMEDIATE, one at a time)."""
    return ENGINE.transaction()


def on_commit(callback: Callable[[], object]) -> None:
    """Run `callback()` once the data written so far is durable: after the outermost `write()`
    block commits (in registration order; dropped if it rolls back), or at once outside one.
    A callback that raises is logged on `helprealm.db`, never raised into the committing code."""
    ENGINE.on_commit(callback)
