"""Reading the search index: one cached searcher, refreshed before each query."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from whoosh import index as whoosh_index
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, OrGroup
from whoosh.query import Term

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Hit:
    ticket_id: int
    number: int
    score: float


@dataclass
class SearchResult:
    total: int
    hits: list[Hit] = field(default_factory=list)


class Searcher:
    """Thread-safe wrapper around one Whoosh searcher.

    Opening a searcher costs ~130 ms on a large index, `refresh()` ~0.2 ms when nothing changed,
    so one is kept and refreshed. Whoosh searching is pure Python and holds the GIL: queries are
    serialized by a lock rather than run side by side."""

    def __init__(self, ix: whoosh_index.Index) -> None:
        self._ix = ix
        self._lock = threading.Lock()
        self._searcher = ix.searcher()
        # OrGroup with a factor: any word may match, documents matching more words rank higher.
        self._parser = MultifieldParser(["subject", "body"], ix.schema, group=OrGroup.factory(0.9))
        self._parser.add_plugin(FuzzyTermPlugin())  # `printr~` finds "printer"

    def search(self, workspace_id: int, text: str, limit: int, offset: int = 0) -> SearchResult:
        text = text.strip()[:MAX_QUERY_LENGTH]
        if not text:
            return SearchResult(total=0)
        query = self._parser.parse(text)
        with self._lock:
            self._searcher = self._searcher.refresh()
            results = self._searcher.search(
                query, limit=offset + limit, filter=Term("workspace", str(workspace_id)), terms=False
            )
            hits = [
                Hit(ticket_id=int(doc["ticket_id"]), number=doc["number"], score=doc.score or 0.0)
                for doc in results[offset : offset + limit]
            ]
            return SearchResult(total=len(results), hits=hits)

    def close(self) -> None:
        with self._lock:
            self._searcher.close()
