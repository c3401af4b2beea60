"""The search service of a running server: opens the index, runs the writer task, answers queries.

On start it indexes tickets the index does not know yet (written by the CLI, a demo seed or a
crash before the writer committed), so the index catches up without a manual reindex."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from app.search import events
from app.search.indexer import IndexWriterTask, SearchIndex, rebuild
from app.search.query import Scope, Searcher, SearchResult
from app.tickets.tables import Ticket

log = logging.getLogger("helprealm.search")


class SearchService:
    def __init__(self, index_dir: Path) -> None:
        self.index = SearchIndex(index_dir)
        self.writer = IndexWriterTask(self.index)
        self._searcher: Searcher | None = None
        self.ready = False

    async def start(self) -> None:
        if not await asyncio.to_thread(self.index.is_current):
            log.warning("The search index was written by an older version; rebuilding it")
            count = await rebuild(self.index)
            log.info("Search index rebuilt: %d tickets", count)
        ix = await asyncio.to_thread(self.index.open)
        self._searcher = await asyncio.to_thread(Searcher, ix)
        self.writer.start()
        events.register(self.writer.enqueue)
        missing = await self._missing_ticket_ids()
        if missing:
            log.info("Indexing %d tickets missing from the search index", len(missing))
            for ticket_id in missing:
                self.writer.enqueue(ticket_id)
        self.ready = True

    async def _missing_ticket_ids(self) -> list[int]:
        indexed = await asyncio.to_thread(self.index.indexed_ids)
        rows = await Ticket.select(Ticket.id).where(Ticket.merged_into.is_null())
        return [row["id"] for row in rows if row["id"] not in indexed]

    async def stop(self) -> None:
        events.register(None)
        self.ready = False
        await self.writer.stop()
        if self._searcher is not None:
            await asyncio.to_thread(self._searcher.close)
            self._searcher = None
        self.index.close()

    async def idle(self) -> None:
        """Wait until every change so far is searchable."""
        await self.writer.idle()

    async def search(self, scope: Scope | int, text: str, limit: int = 25, offset: int = 0) -> SearchResult:
        """Hits offset..offset+limit by relevance; `scope` is a Scope or a bare workspace id."""
        if self._searcher is None:
            return SearchResult(total=0)
        if isinstance(scope, int):
            scope = Scope(workspace_id=scope)
        return await asyncio.to_thread(self._searcher.search, scope, text, limit, offset)
