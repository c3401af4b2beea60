"""Reading the search index: one searcher, refreshed before each query.

Costs on 10,000 tickets (bench/README.md): scoring a word found in half the tickets is ~20 ms of
pure Python, so a query scores only the page asked for (`limit=offset+limit`, Whoosh skips blocks
that cannot reach the top) and counts the rest without scoring, up to COUNT_CAP. The set of
documents a filter allows (a workspace: ~9 ms to build) is cached until the searcher changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import index as whoosh_index
from whoosh.qparser import AndGroup, FuzzyTermPlugin, MultifieldParser
from whoosh.query import Term

MAX_QUERY_LENGTH = 200
COUNT_CAP = 1000  # beyond this the list says "1000+": nobody pages through 40 pages of hits
FILTER_CACHE_SIZE = 64


@dataclass(frozen=True)
class Hit:
    ticket_id: int
    number: int
    score: float


@dataclass
class SearchResult:
    total: int
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # total is COUNT_CAP and there are more


@dataclass(frozen=True)
class Scope:
    """Which tickets of a workspace a search may return: all, some groups', or one agent's."""

    workspace_id: int
    group_ids: tuple[int, ...] | None = None
    assignee_id: int | None = None


class Searcher:
    """One Whoosh searcher, its parser and its cache of allowed documents.

    Not thread-safe (neither is a Whoosh searcher): the service's pool hands each one to a single
    thread at a time. Opening one costs ~130 ms on a large index, `refresh()` ~0.2 ms when nothing
    changed, so they are kept and refreshed before each use."""

    def __init__(self, ix: whoosh_index.Index) -> None:
        self._searcher = ix.searcher()
        self._allowed: dict[Scope, set[int]] = {}  # docnums per scope, for the current searcher
        # Every word must match (in the subject or the text), as in most search boxes; `OR` is
        # there for more. Matching any word scored nearly every ticket for two common words
        # (113 ms at 10,000 tickets against 50 ms).
        self._parser = MultifieldParser(["subject", "body"], ix.schema, group=AndGroup)
        self._parser.add_plugin(FuzzyTermPlugin())  # `printr~` finds "printer"

    def refresh(self) -> None:
        searcher = self._searcher.refresh()
        if searcher is not self._searcher:
            self._searcher = searcher
            self._allowed.clear()  # docnums change with every new segment

    def search(self, scope: Scope | int, text: str, limit: int, offset: int = 0) -> SearchResult:
        """Hits offset..offset+limit by relevance; `scope` is a Scope or a bare workspace id."""
        if isinstance(scope, int):
            scope = Scope(workspace_id=scope)
        text = text.strip()[:MAX_QUERY_LENGTH]
        if not text:
            return SearchResult(total=0)
        query = self._parser.parse(text)
        allowed = self._allowed_docs(scope)
        if not allowed:  # Whoosh reads an empty filter as "no filter": never hand it one
            return SearchResult(total=0)
        results = self._searcher.search(query, limit=offset + limit, filter=allowed, terms=False)
        hits = [
            Hit(ticket_id=int(doc["ticket_id"]), number=doc["number"], score=doc.score or 0.0)
            for doc in results[offset : offset + limit]
        ]
        scored = results.scored_length()
        if scored < offset + limit:  # the collector saw every match
            return SearchResult(total=scored, hits=hits)
        total = self._count(query, allowed)
        return SearchResult(total=total, hits=hits, more=total >= COUNT_CAP)

    def _docs(self, fieldname: str, value: int) -> set[int]:
        return set(Term(fieldname, str(value)).docs(self._searcher))

    def _allowed_docs(self, scope: Scope) -> set[int]:
        """Docnums the scope allows."""
        allowed = self._allowed.get(scope)
        if allowed is None:
            allowed = self._docs("workspace", scope.workspace_id)
            if scope.group_ids is not None:
                in_groups: set[int] = set()
                for group_id in scope.group_ids:
                    in_groups |= self._docs("group", group_id)
                allowed &= in_groups
            if scope.assignee_id is not None:
                allowed &= self._docs("assignee", scope.assignee_id)
            if len(self._allowed) >= FILTER_CACHE_SIZE:
                self._allowed.clear()
            self._allowed[scope] = allowed
        return allowed

    def _count(self, query, allowed: set[int]) -> int:
        """Matches in `allowed`, without scoring, stopping at COUNT_CAP."""
        matcher = query.matcher(self._searcher)
        count = 0
        while matcher.is_active():
            if matcher.id() in allowed:
                count += 1
                if count >= COUNT_CAP:
                    break
            matcher.next()
        return count

    def close(self) -> None:
        self._searcher.close()
