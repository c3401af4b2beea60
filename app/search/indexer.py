"""Writing the search index: documents built from the database, one writer at a time.

Whoosh allows one writer per index (a lock file). The server runs one `IndexWriterTask` fed by an
asyncio queue of ticket ids; it batches what arrives together and commits in a worker thread, so
the event loop never waits on Whoosh. A commit costs ~10-30 ms of pure Python (GIL held) whatever
its size, so under load the task commits at most every MIN_COMMIT_INTERVAL seconds and takes
everything queued meanwhile; after a quiet spell the first change is committed at once.
`rebuild()` writes a fresh index from the database.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from app.search.schema import is_current, ticket_schema
from app.tickets.tables import Ticket, TimelineEntry

log = logging.getLogger("helprealm.search")

BATCH = 500
MIN_COMMIT_INTERVAL = 1.0  # seconds; how stale search may be while tickets pour in
TEXT_KINDS = ["customer", "reply", "note"]


class SearchIndex:
    """The on-disk index folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._index: whoosh_index.Index | None = None

    def open(self, fresh: bool = False) -> whoosh_index.Index:
        """Open the index, creating it when missing (or when `fresh`)."""
        if self._index is None or fresh:
            if fresh and self.path.exists():
                shutil.rmtree(self.path)
            self.path.mkdir(parents=True, exist_ok=True)
            # Plain reads, not mmap: mapped segment files count in the server's RSS (+22 MB at
            # 10,000 tickets) for a few percent of search speed.
            storage = FileStorage(str(self.path), supports_mmap=False)
            if storage.index_exists() and not fresh:
                self._index = storage.open_index()
            else:
                self._index = storage.create_index(ticket_schema())
        return self._index

    def is_current(self) -> bool:
        """False when the index was written with an older schema and needs a rebuild."""
        return is_current(self.open().schema)

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def indexed_ids(self) -> set[int]:
        with self.open().reader() as reader:
            return {int(term) for term in reader.lexicon("ticket_id")}

    def apply(self, documents: list[dict], deleted: Iterable[int] = ()) -> None:
        """Write documents (replacing older versions) and remove deleted tickets; blocking.

        Not `update_document`: it opens a searcher over every segment for each document (73% of
        the indexing time under load). One searcher finds every old version of the batch."""
        writer = self.open().writer(timeout=10)
        try:
            stale = {doc["ticket_id"] for doc in documents} | {str(ticket_id) for ticket_id in deleted}
            with writer.searcher() as searcher:
                for ticket_id in stale:
                    writer.delete_by_term("ticket_id", ticket_id, searcher=searcher)
            for doc in documents:
                writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()


async def documents(ticket_ids: list[int]) -> tuple[list[dict], set[int]]:
    """Index documents for these tickets, and the ids that no longer exist."""
    tickets = await Ticket.select(
        Ticket.id, Ticket.workspace, Ticket.group, Ticket.assignee, Ticket.number, Ticket.subject, Ticket.text
    ).where(
        Ticket.id.is_in(ticket_ids), Ticket.merged_into.is_null()
    )
    entries = await TimelineEntry.select(TimelineEntry.ticket, TimelineEntry.body).where(
        TimelineEntry.ticket.is_in(ticket_ids), TimelineEntry.kind.is_in(TEXT_KINDS)
    )
    bodies: dict[int, list[str]] = {}
    for entry in entries:
        bodies.setdefault(entry["ticket"], []).append(entry["body"] or "")
    docs = []
    for t in tickets:
        doc = {
            "ticket_id": str(t["id"]),
            "workspace": str(t["workspace"]),
            "number": t["number"],
            "subject": t["subject"],
            "body": "\n".join([t["text"] or "", *bodies.get(t["id"], [])]),
        }
        for key in ("group", "assignee"):
            if t[key] is not None:
                doc[key] = str(t[key])
        docs.append(doc)
    return docs, set(ticket_ids) - {t["id"] for t in tickets}


async def rebuild(index: SearchIndex, progress: Callable[[int, int], None] | None = None) -> int:
    """Write a fresh index of every ticket; return how many were indexed."""
    ids = [row["id"] for row in await Ticket.select(Ticket.id).where(Ticket.merged_into.is_null()).order_by(Ticket.id)]
    ix = await asyncio.to_thread(index.open, True)
    # One writer for the whole rebuild: a single commit is far cheaper than one per batch.
    writer = await asyncio.to_thread(ix.writer, timeout=10, limitmb=128)
    done = 0
    try:
        if progress:
            progress(0, len(ids))
        for start in range(0, len(ids), BATCH):
            docs, _ = await documents(ids[start : start + BATCH])
            await asyncio.to_thread(_add_all, writer, docs)
            done += len(docs)
            if progress:
                progress(done, len(ids))
        await asyncio.to_thread(writer.commit)
    except BaseException:
        await asyncio.to_thread(writer.cancel)
        raise
    finally:
        index.close()
    return done


def _add_all(writer, docs: list[dict]) -> None:
    for doc in docs:
        writer.add_document(**doc)


class IndexWriterTask:
    """The one writer of the running server, a background loop (app/tasks.py).

    `enqueue(ticket_id)` is cheap and never blocks; `run_forever(stop)` writes what arrives,
    and when `stop` is set writes what is still queued, then ends."""

    name = "search-writer"

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.queue: asyncio.Queue[int | None] = asyncio.Queue()

    def enqueue(self, ticket_id: int) -> None:
        self.queue.put_nowait(ticket_id)

    async def idle(self) -> None:
        """Wait until everything queued so far is in the index (tests, CLI)."""
        await self.queue.join()

    async def run_once(self) -> int:
        """Write everything queued right now (one commit); returns how many tickets."""
        batch = []
        while not self.queue.empty():
            batch.append(self.queue.get_nowait())
        await self._write(batch)
        return len({i for i in batch if i is not None})

    async def run_forever(self, stop: asyncio.Event) -> None:
        async def wake_on_stop() -> None:
            await stop.wait()
            self.queue.put_nowait(None)  # the loop below ends after writing what is before it

        waker = asyncio.create_task(wake_on_stop())
        loop = asyncio.get_running_loop()
        last_commit = float("-inf")
        try:
            while True:
                first = await self.queue.get()
                wait = MIN_COMMIT_INTERVAL - (loop.time() - last_commit)
                if wait > 0 and first is not None:
                    await asyncio.sleep(wait)  # under load: gather a second's worth into one commit
                batch = [first]
                while not self.queue.empty() and len(batch) < BATCH:
                    batch.append(self.queue.get_nowait())
                if await self._write(batch):
                    last_commit = loop.time()
                if None in batch:
                    return
        finally:
            waker.cancel()

    async def _write(self, batch: list[int | None]) -> bool:
        """Index the tickets of a batch; marks every item done. True if something was written."""
        ids = sorted({i for i in batch if i is not None})
        try:
            if not ids:
                return False
            docs, deleted = await documents(ids)
            await asyncio.to_thread(self.index.apply, docs, deleted)
            return True
        except Exception:  # the index is rebuildable; never let one bad batch stop indexing
            log.exception("Indexing tickets %s failed", ids[:10])
            return False
        finally:
            for _ in batch:
                self.queue.task_done()
