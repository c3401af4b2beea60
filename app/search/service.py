"""The search service of a running server: opens the index, feeds its writer, answers queries.

The writer (`service.writer`) is a background loop that app/tasks.py runs beside the others.

On start it indexes tickets the index does not know yet (written by the CLI, a demo seed or a
crash before the writer committed), so the index catches up without a manual reindex.

Queries run in worker threads on a small pool of searchers: a Whoosh searcher is not thread-safe,
and one shared searcher behind a lock made every agent's search wait for the slowest one in front.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index

from app.search import events
from app.search.faq import FaqSearch
from app.search.gate import SearchGate
from app.search.indexer import IndexWriterTask, SearchIndex, rebuild
from app.search.query import Searcher, SearchResult
from app.tickets.scopes import TicketScope
from app.tickets.tables import Ticket

log = logging.getLogger("helprealm.search")

# Searches at once. Whoosh is pure Python, so threads share one core through the GIL: more
# searchers would not add speed, but with a few a quick search is no longer stuck behind a slow
# one, and each costs a set of open segment files and its own scope cache.
POOL_SIZE = 4


class PoolClosed(Exception):
    """The service is stopping: no more searches."""


class SearcherPool:
    """Up to `size` searchers, each lent to one thread at a time and refreshed before use.

    Opened lazily (one at start) and kept: opening one costs ~130 ms on a large index. A thread
    that finds them all lent out waits for one to come back."""

    def __init__(self, ix: whoosh_index.Index, size: int = POOL_SIZE) -> None:
        self._ix = ix
        self.size = size
        self._idle: list[Searcher] = [Searcher(ix)]  # the first search need not pay the opening
        self.opened = 1
        self._lent = 0
        self._closed = False
        self._changed = threading.Condition()

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        searcher = self._borrow()
        try:
            searcher.refresh()
            yield searcher
        finally:
            self._give_back(searcher)

    def search(self, scope: TicketScope, text: str, limit: int, offset: int = 0) -> SearchResult:
        """Blocking; see `Searcher.search`."""
        with self.searcher() as searcher:
            return searcher.search(scope, text, limit, offset)

    def _borrow(self) -> Searcher:
        with self._changed:
            while True:
                if self._closed:
                    raise PoolClosed
                if self._idle:
                    self._lent += 1
                    return self._idle.pop()  # the most recently used: the likeliest to be current
                if self.opened < self.size:
                    self.opened += 1
                    self._lent += 1
                    break
                self._changed.wait()
        try:
            return Searcher(self._ix)  # outside the lock: others may borrow and return meanwhile
        except BaseException:
            with self._changed:
                self.opened -= 1
                self._lent -= 1
                self._changed.notify_all()
            raise

    def _give_back(self, searcher: Searcher) -> None:
        with self._changed:
            self._lent -= 1
            self._idle.append(searcher)
            self._changed.notify_all()

    def close(self) -> None:
        """Refuse new searches, wait for the running ones, close every searcher."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()  # waiting borrowers give up
            self._changed.wait_for(lambda: self._lent == 0)
            idle, self._idle = self._idle, []
        for searcher in idle:
            searcher.close()


class SearchService:
    def __init__(self, index_dir: Path) -> None:
        self.index = SearchIndex(index_dir)
        self.writer = IndexWriterTask(self.index)
        self.faq = FaqSearch(index_dir)  # the FAQ's own small index beside the tickets' (app/search/faq.py)
        self._pool: SearcherPool | None = None
        # Searches wait here, in the event loop, rather than each holding one of the default
        # executor's few threads (which the writer and password hashing need too); the gate lets
        # them run one at a time, or side by side once the running ones have run long.
        self._gate = SearchGate(POOL_SIZE)
        self.ready = False

    async def start(self) -> None:
        if not await asyncio.to_thread(self.index.is_current):
            log.warning("The search index was written by an older version; rebuilding it")
            count = await rebuild(self.index)
            log.info("Search index rebuilt: %d tickets", count)
        ix = await asyncio.to_thread(self.index.open)
        self._pool = await asyncio.to_thread(SearcherPool, ix, POOL_SIZE)
        events.register(self.writer.enqueue)
        missing = await self._missing_ticket_ids()
        if missing:
            log.info("Indexing %d tickets missing from the search index", len(missing))
            for ticket_id in missing:
                self.writer.enqueue(ticket_id)
        await self.faq.start()  # after a ticket rebuild, which empties the folder
        self.ready = True

    async def _missing_ticket_ids(self) -> list[int]:
        indexed = await asyncio.to_thread(self.index.indexed_ids)
        rows = await Ticket.select(Ticket.id).where(Ticket.merged_into.is_null())
        return [row["id"] for row in rows if row["id"] not in indexed]

    async def stop(self) -> None:
        """Stop answering; call after the writer's loop has ended (it writes what is queued)."""
        events.register(None)
        self.ready = False
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.close)
        await self.faq.stop()
        self.index.close()

    async def idle(self) -> None:
        """Wait until every change so far is searchable."""
        await self.writer.idle()
        await self.faq.idle()

    async def search(self, scope: TicketScope, text: str, limit: int = 25, offset: int = 0) -> SearchResult:
        """Hits offset..offset+limit by relevance, within the scope."""
        async with self._gate.slot():
            pool = self._pool
            if pool is None:
                return SearchResult(total=0)
            try:
                return await asyncio.to_thread(pool.search, scope, text, limit, offset)
            except PoolClosed:  # stopped while this search waited
                return SearchResult(total=0)
