"""FAQ entries in Whoosh: their own small index ("faq") in the search index folder.

Why not documents in the ticket index: agents' searches filter the ticket index by workspace and
visibility, and a FAQ document there would be one more document per segment to skip, a schema
change (a full rebuild of every ticket) and, worse, every FAQ edit would commit into the ticket
index and invalidate the agents' searchers and their cached scope filters. A second index beside
it (same folder, Whoosh's `indexname`) costs nothing when nobody searches it, has its own writer
lock, and rebuilds in well under a second from the database.

The public page searches it (the FAQ overlay, the subject's suggestions), so every search is made
cheap on purpose: no query language (the text becomes plain words; no wildcards, ranges or fuzzy
words a visitor could turn into an expansion storm), at most MAX_WORDS words of the first
MAX_QUERY_CHARS characters, one prefix for the word being typed, capped at a few expansions,
and one search at a time with the rest shed (an empty answer) beyond MAX_WAITING: a flood of
visitors cannot take more than one thread from the agents' ticket searches.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from pathlib import Path

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index
from whoosh.query import Or, Query, Term

from app.faq.tables import FaqEntry
from app.search import events
from app.search.query import CappedPrefix

log = logging.getLogger("helprealm.search")

INDEX_NAME = "faq"
MAX_QUERY_CHARS = 100
MAX_WORDS = 8
PREFIX_MIN = 3  # the word being typed counts as a beginning from this many letters
PREFIX_EXPANSIONS = 4
MAX_WAITING = 8  # searches queued behind the running one; more are answered empty at once
ANALYZER = StemmingAnalyzer()
_RAW_WORD = re.compile(r"\w+")


def faq_schema() -> Schema:
    return Schema(
        faq_id=ID(stored=True, unique=True),
        workspace=ID(),  # every search is filtered by it
        question=TEXT(analyzer=ANALYZER, field_boost=2.0),
        answer=TEXT(analyzer=ANALYZER),
    )


def build_query(text: str) -> Query | None:
    """Any of the words (stemmed) in the question or the answer, plus the last word as a beginning
    while it is being typed ("printe" finds "printer"). None when nothing is left to search."""
    text = text[:MAX_QUERY_CHARS]
    words: list[str] = []
    for token in ANALYZER(text):
        if token.text not in words:
            words.append(token.text)
        if len(words) >= MAX_WORDS:
            break
    nodes: list[Query] = [Term(field, word) for word in words for field in ("question", "answer")]
    raw = _RAW_WORD.findall(text.lower())
    if raw and len(raw[-1]) >= PREFIX_MIN and not text[-1:].isspace():
        for field in ("question", "answer"):
            prefix = CappedPrefix(field, raw[-1])
            prefix.max_expansions = PREFIX_EXPANSIONS
            nodes.append(prefix)
    return Or(nodes) if nodes else None


class FaqIndex:
    """The "faq" index in the search folder: documents, rebuild, search (all blocking)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ix: Index | None = None
        self._searcher = None

    def _storage(self) -> FileStorage:
        self.path.mkdir(parents=True, exist_ok=True)
        return FileStorage(str(self.path), supports_mmap=False)

    def open(self) -> Index:
        if self._ix is None:
            storage = self._storage()
            if storage.index_exists(INDEX_NAME):
                self._ix = storage.open_index(INDEX_NAME)
            else:
                self._ix = storage.create_index(faq_schema(), indexname=INDEX_NAME)
        return self._ix

    def needs_rebuild(self, entries_in_database: int) -> bool:
        """Missing, written by an older version, or not holding what the database holds (entries
        written by the CLI, a demo seed or a crash before the writer ran)."""
        storage = self._storage()
        if not storage.index_exists(INDEX_NAME):
            return True
        ix = storage.open_index(INDEX_NAME)
        try:
            return sorted(ix.schema.names()) != sorted(faq_schema().names()) or ix.doc_count() != entries_in_database
        finally:
            ix.close()

    def rebuild(self, docs: list[dict]) -> None:
        self.close()
        ix = self._storage().create_index(faq_schema(), indexname=INDEX_NAME)
        writer = ix.writer(timeout=10)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
        ix.close()

    def replace_workspaces(self, workspace_ids: list[int], docs: list[dict]) -> None:
        """Every entry of these workspaces, as the database has them now (a workspace has few:
        rewriting all of them is simpler than tracking single entries, and as cheap)."""
        writer = self.open().writer(timeout=10)
        try:
            for workspace_id in workspace_ids:
                writer.delete_by_term("workspace", str(workspace_id))
            for doc in docs:
                writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def search(self, workspace_id: int, text: str, limit: int) -> list[int]:
        """Entry ids by relevance. One caller at a time (FaqSearch's lock)."""
        query = build_query(text)
        if query is None:
            return []
        if self._searcher is None:
            self._searcher = self.open().searcher()
        else:
            self._searcher = self._searcher.refresh()
        results = self._searcher.search(query, limit=limit, filter=Term("workspace", str(workspace_id)),
                                        terms=False)
        return [int(hit["faq_id"]) for hit in results]

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None


async def documents(workspace_ids: list[int] | None = None) -> list[dict]:
    query = FaqEntry.select(FaqEntry.id, FaqEntry.workspace, FaqEntry.question, FaqEntry.answer)
    if workspace_ids is not None:
        query = query.where(FaqEntry.workspace.is_in(workspace_ids))
    return [{"faq_id": str(row["id"]), "workspace": str(row["workspace"]), "question": row["question"],
             "answer": row["answer"]} for row in await query]


async def rebuild(index: FaqIndex) -> int:
    """A fresh FAQ index of every workspace (`helprealm reindex`, a start that finds it stale)."""
    docs = await documents()
    await asyncio.to_thread(index.rebuild, docs)
    return len(docs)


class FaqWriter:
    """The FAQ index's one writer. FAQ writes are rare (an admin saving an entry), so rather than a
    loop of its own it runs a short task when a change arrives (after its commit, through
    app.search.events) and takes whatever else arrived meanwhile; `idle()` waits for it."""

    def __init__(self, index: FaqIndex) -> None:
        self.index = index
        self._pending: set[int] = set()
        self._task: asyncio.Task | None = None

    def enqueue(self, workspace_id: int) -> None:
        self._pending.add(workspace_id)
        if self._task is None or self._task.done():
            # A fresh context: started inside some request, it must not keep that request's
            # language and time zone (app/web/locale.py) for its whole life.
            self._task = asyncio.get_running_loop().create_task(self._drain(), name="faq-index-writer",
                                                                context=contextvars.Context())

    async def idle(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.wait([self._task])

    async def _drain(self) -> None:
        while self._pending:
            ids = sorted(self._pending)
            self._pending.clear()
            try:
                docs = await documents(ids)
                await asyncio.to_thread(self.index.replace_workspaces, ids, docs)
            except Exception:  # rebuildable; a failed write must not stop the next ones
                log.exception("Indexing the FAQ of workspaces %s failed", ids[:10])


class FaqSearch:
    """What SearchService offers for the FAQ: start (catch up), the writer, searches."""

    def __init__(self, index_dir: Path) -> None:
        self.index = FaqIndex(index_dir)
        self.writer = FaqWriter(self.index)
        self._lock: asyncio.Lock | None = None
        self._waiting = 0
        self.ready = False

    async def start(self) -> None:
        if await asyncio.to_thread(self.index.needs_rebuild, await FaqEntry.count()):
            count = await rebuild(self.index)
            log.info("FAQ index rebuilt: %d entries", count)
        events.register_faq(self.writer.enqueue)
        self.ready = True

    async def stop(self) -> None:
        events.register_faq(None)
        await self.writer.idle()  # what was committed is in the index before it closes
        self.ready = False
        lock = self._lock or asyncio.Lock()
        async with lock:  # a running search ends first
            await asyncio.to_thread(self.index.close)

    async def idle(self) -> None:
        await self.writer.idle()

    async def search(self, workspace_id: int, text: str, limit: int) -> list[int]:
        """Entry ids of the workspace matching `text`, best first; [] when stopped or too busy."""
        if not self.ready:
            return []
        if self._lock is None:
            self._lock = asyncio.Lock()
        if self._waiting >= MAX_WAITING:
            return []  # shed: the suggestion box stays empty rather than queueing behind a flood
        self._waiting += 1
        try:
            async with self._lock:
                if not self.ready:
                    return []
                return await asyncio.to_thread(self.index.search, workspace_id, text, limit)
        finally:
            self._waiting -= 1
