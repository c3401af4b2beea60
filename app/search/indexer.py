"""Writing the search index: documents built from the database, one writer at a time.

Whoosh allows one writer per index (a lock file). The server runs one `IndexWriterTask` fed by an
asyncio queue of ticket ids; it batches what arrives together and commits in a worker thread, so
the event loop never waits on Whoosh. `rebuild()` writes a fresh index from the database.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Term

from app.search.schema import ticket_schema
from app.tickets.tables import Ticket, TimelineEntry

log = logging.getLogger("helprealm.search")

BATCH = 500
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
            if whoosh_index.exists_in(str(self.path)) and not fresh:
                self._index = whoosh_index.open_dir(str(self.path))
            else:
                self._index = whoosh_index.create_in(str(self.path), ticket_schema())
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def indexed_ids(self) -> set[int]:
        with self.open().reader() as reader:
            return {int(term) for term in reader.lexicon("ticket_id")}

    def apply(self, documents: list[dict], deleted: Iterable[int] = ()) -> None:
        """Write documents (replacing older versions) and remove deleted tickets; blocking."""
        writer = self.open().writer(timeout=10)
        try:
            for doc in documents:
                writer.update_document(**doc)
            for ticket_id in deleted:
                writer.delete_by_term("ticket_id", str(ticket_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()


async def documents(ticket_ids: list[int]) -> tuple[list[dict], set[int]]:
    """Index documents for these tickets, and the ids that no longer exist."""
    tickets = await Ticket.select(Ticket.id, Ticket.workspace, Ticket.number, Ticket.subject, Ticket.text).where(
        Ticket.id.is_in(ticket_ids), Ticket.merged_into.is_null()
    )
    entries = await TimelineEntry.select(TimelineEntry.ticket, TimelineEntry.body).where(
        TimelineEntry.ticket.is_in(ticket_ids), TimelineEntry.kind.is_in(TEXT_KINDS)
    )
    bodies: dict[int, list[str]] = {}
    for entry in entries:
        bodies.setdefault(entry["ticket"], []).append(entry["body"] or "")
    docs = [
        {
            "ticket_id": str(t["id"]),
            "workspace": str(t["workspace"]),
            "number": t["number"],
            "subject": t["subject"],
            "body": "\n".join([t["text"] or "", *bodies.get(t["id"], [])]),
        }
        for t in tickets
    ]
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
    """The one writer of the running server. `enqueue(ticket_id)` is cheap and never blocks."""

    def __init__(self, index: SearchIndex, on_commit: Callable[[], None] | None = None) -> None:
        self.index = index
        self.queue: asyncio.Queue[int | None] = asyncio.Queue()
        self.on_commit = on_commit
        self._task: asyncio.Task | None = None

    def enqueue(self, ticket_id: int) -> None:
        self.queue.put_nowait(ticket_id)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="search-writer")

    async def stop(self) -> None:
        """Write what is queued, then end."""
        if self._task is None:
            return
        self.queue.put_nowait(None)
        await self._task
        self._task = None

    async def idle(self) -> None:
        """Wait until everything queued so far is in the index (tests, CLI)."""
        await self.queue.join()

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self.queue.get()
            batch = [first]
            while not self.queue.empty() and len(batch) < BATCH:
                batch.append(self.queue.get_nowait())
            stopping = None in batch
            ids = sorted({i for i in batch if i is not None})
            try:
                if ids:
                    docs, deleted = await documents(ids)
                    await asyncio.to_thread(self.index.apply, docs, deleted)
                    if self.on_commit:
                        self.on_commit()
            except Exception:  # the index is rebuildable; never let one bad batch stop indexing
                log.exception("Indexing tickets %s failed", ids[:10])
            finally:
                for _ in batch:
                    self.queue.task_done()
