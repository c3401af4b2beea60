"""Reading the search index: what a query may cost, which documents a scope allows, one searcher.

Costs on 10,000 tickets (bench/README.md): scoring a word found in half the tickets is ~20 ms of
pure Python, so a query scores only the page asked for (`limit=offset+limit`, Whoosh skips blocks
that cannot reach the top) and counts the rest without scoring, up to COUNT_CAP. The set of
documents a scope allows (a workspace: ~9 ms to build) is cached until the searcher changes.

Fuzzy words (`printr~`), wildcards (`print*`, `*er`) and term ranges (`[a TO c]`) stand for every
indexed word they match, and each of those words is then scored like a word typed by hand (~10-40
ms each at 10,000 tickets). Whoosh bounds neither the expansion nor the edit distance (`word~9` is
accepted; `abcdefgh~7` took 12-32 s), and a collector's time limit does not stop term expansion.
So the parsed query is rewritten into capped nodes: at most MAX_EDIT_DISTANCE edits, the first
FUZZY_PREFIX letters fixed, and a bounded number of words per node and per query.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from itertools import islice

from whoosh import index as whoosh_index
from whoosh.fields import Schema
from whoosh.qparser import AndGroup, FuzzyTermPlugin, MultifieldParser
from whoosh.query import Every, FuzzyTerm, MultiTerm, Prefix, Query, Regex, Term, TermRange, Variations, Wildcard

from app.tickets.scopes import TicketScope

MAX_QUERY_LENGTH = 200
# Words scored per query: each is scored over both fields, ~10-40 ms for a common one at 10,000
# tickets, so 40 ORed words took over a second of CPU. A search box needs a handful; the rest of a
# longer query is dropped (operators do not count).
MAX_WORDS = 12
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
COUNT_CAP = 1000  # beyond this the list says "1000+": nobody pages through 40 pages of hits
FILTER_CACHE_SIZE = 64

# Two edits catch nearly every typo (one wrong, missing, extra letter or two); beyond that a word
# matches half the lexicon and the Levenshtein automaton grows steeply (28 ms to build at 4 edits
# of an 8-letter word, per index segment, against 2 ms at 2).
MAX_EDIT_DISTANCE = 2
# Typos rarely hit the first letter, and fixing it confines the walk to that letter's words. Two
# letters would lose second-letter typos (`pirnter~2` -> "printer") for little more speed.
FUZZY_PREFIX = 1
# Each word a node expands to is scored like a typed word; 8 keeps the worst node near the cost of
# eight common words, and still covers what a typo's neighbours usually are (closest first).
MAX_EXPANSIONS = 8
# ...and all the nodes of one query share this many, so `a* b* c* d* e*` (ten nodes over two
# fields) is not ten times `a*`. Each node keeps at least one word.
MAX_QUERY_EXPANSIONS = 32


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


class _CappedExpansion:
    """Mixin for Whoosh's multi-term queries: expand to at most `max_expansions` indexed words.

    Every way Whoosh reads the expansion (matcher, count, highlighting) goes through `_btexts`, so
    capping it there caps all of them. The cap holds per index segment."""

    max_expansions = MAX_EXPANSIONS

    def _btexts(self, ixreader):
        return islice(super()._btexts(ixreader), self.max_expansions)

    def normalize(self):
        # Wildcard.normalize() would hand back a plain, uncapped Prefix; the parser already
        # normalized the tree before it was capped.
        return self


class CappedPrefix(_CappedExpansion, Prefix):
    pass


class CappedWildcard(_CappedExpansion, Wildcard):
    pass


class CappedRegex(_CappedExpansion, Regex):
    pass


class CappedTermRange(_CappedExpansion, TermRange):
    pass


class CappedVariations(_CappedExpansion, Variations):
    pass


class CappedFuzzyTerm(_CappedExpansion, FuzzyTerm):
    """A fuzzy word whose expansion keeps the closest words: exact, then one edit, then two.

    Whoosh yields the words within the distance in lexicon order, so a plain cap would keep
    "aardvark" and drop the one-letter typo. Each pass walks only the words the automaton allows."""

    def _btexts(self, ixreader):
        prefix = min(self.prefixlength, len(self.text))  # Whoosh fails on a prefix past the word
        seen: set[str] = set()
        for distance in range(self.maxdist + 1):
            for word in ixreader.terms_within(self.fieldname, self.text, distance, prefix=prefix):
                if word not in seen:
                    seen.add(word)
                    yield word
                    if len(seen) >= self.max_expansions:
                        return


CAPPED_CLASSES: dict[type, type] = {
    Prefix: CappedPrefix,
    Wildcard: CappedWildcard,
    Regex: CappedRegex,
    TermRange: CappedTermRange,
    Variations: CappedVariations,
    FuzzyTerm: CappedFuzzyTerm,
}


def limit_expansions(query: Query) -> Query:
    """The same query with every multi-term node capped (see the module docstring)."""
    expanding = sum(1 for leaf in query.leaves() if isinstance(leaf, MultiTerm))
    per_node = max(1, min(MAX_EXPANSIONS, MAX_QUERY_EXPANSIONS // max(expanding, 1)))

    def capped(node: Query) -> Query:
        if isinstance(node, Every) and node.fieldname:
            # `*` means "has some word in this field"; Whoosh answers that by reading every posting
            # of the field (1.4 s at 10,000 tickets). Every ticket has a subject: all documents.
            return Every(boost=node.boost)
        capped_class = CAPPED_CLASSES.get(type(node))
        if capped_class is None:
            return node
        # A copy with the capped class keeps every attribute the parser set (positions, boost).
        node = copy.copy(node)
        node.__class__ = capped_class
        node.max_expansions = per_node
        if isinstance(node, FuzzyTerm):
            node.maxdist = min(node.maxdist, MAX_EDIT_DISTANCE)
            node.prefixlength = max(node.prefixlength, FUZZY_PREFIX)
        return node

    return query.accept(capped)


class SearchQueryParser:
    """The search box's language: every word must match (in the subject or the text), `OR` for
    more, `word~` for typos, `pre*` for beginnings; with the cost limits above applied."""

    def __init__(self, schema: Schema) -> None:
        # Matching any word scored nearly every ticket for two common words (113 ms at 10,000
        # tickets against 50 ms), hence AND by default.
        self._parser = MultifieldParser(["subject", "body"], schema, group=AndGroup)
        self._parser.add_plugin(FuzzyTermPlugin())  # `printr~` finds "printer"

    def parse(self, text: str) -> Query | None:
        """The capped query, or None when there is nothing to search for."""
        text = first_words(text.strip()[:MAX_QUERY_LENGTH], MAX_WORDS)
        if not text:
            return None
        return limit_expansions(self._parser.parse(text))


def first_words(text: str, limit: int) -> str:
    """`text` up to its `limit`-th search word (operators such as OR do not count)."""
    kept, words = [], 0
    for token in text.split():
        if token not in _OPERATORS:
            words += 1
            if words > limit:
                break
        kept.append(token)
    return " ".join(kept)


def _scope_key(scope: TicketScope) -> tuple:
    """What decides a scope's documents: equal for (1, 2) and (2, 1), hashable for a list too."""
    groups = None if scope.group_ids is None else frozenset(scope.group_ids)
    either = scope.either and groups is not None and scope.assignee_id is not None
    return scope.workspace_id, groups, scope.assignee_id, either


class Searcher:
    """One Whoosh searcher, its parser and its cache of allowed documents.

    Not thread-safe (neither is a Whoosh searcher): the service's pool hands each one to a single
    thread at a time. Opening one costs ~130 ms on a large index, `refresh()` ~0.2 ms when nothing
    changed, so they are kept and refreshed before each use."""

    def __init__(self, ix: whoosh_index.Index) -> None:
        self._searcher = ix.searcher()
        self._parser = SearchQueryParser(ix.schema)
        self._allowed: dict[tuple, set[int]] = {}  # docnums per scope, for the current searcher

    def refresh(self) -> None:
        searcher = self._searcher.refresh()
        if searcher is not self._searcher:
            self._searcher = searcher
            self._allowed.clear()  # docnums change with every new segment

    def search(self, scope: TicketScope, text: str, limit: int, offset: int = 0) -> SearchResult:
        """Hits offset..offset+limit by relevance, within the scope (always a TicketScope, so a
        caller cannot forget an agent's visibility by passing a bare workspace)."""
        query = self._parser.parse(text)
        if query is None:
            return SearchResult(total=0)
        allowed = self.allowed_docs(scope)
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

    def allowed_docs(self, scope: TicketScope) -> set[int]:
        """Docnums of the tickets the scope allows, narrowed as `TicketScope.sql_where()` narrows SQL."""
        key = _scope_key(scope)
        allowed = self._allowed.get(key)
        if allowed is None:
            workspace_id, groups, assignee_id, either = key
            allowed = self._docs("workspace", workspace_id)
            in_groups = None
            if groups is not None:  # an empty tuple: in no group at all, so this never holds
                in_groups = set().union(*(self._docs("group", group_id) for group_id in groups))
            assigned = None if assignee_id is None else self._docs("assignee", assignee_id)
            if either:  # an agent's visibility: their groups' tickets or their own
                allowed &= in_groups | assigned
            else:  # a list's scope: every condition that is set
                for condition in (in_groups, assigned):
                    if condition is not None:
                        allowed &= condition
            if len(self._allowed) >= FILTER_CACHE_SIZE:
                self._allowed.clear()
            self._allowed[key] = allowed
        return allowed

    def _docs(self, fieldname: str, value: int) -> set[int]:
        return set(Term(fieldname, str(value)).docs(self._searcher))

    def _count(self, query: Query, allowed: set[int]) -> int:
        """Matches in `allowed`, without scoring, stopping at COUNT_CAP.

        Per segment, like the collector: a matcher on the whole index would expand fuzzy words
        through Whoosh's multi-segment reader, which compares every word of the prefix in Python."""
        count = 0
        for leaf, offset in self._searcher.leaf_searchers():
            matcher = query.matcher(leaf)
            while matcher.is_active():
                if matcher.id() + offset in allowed:
                    count += 1
                    if count >= COUNT_CAP:
                        return count
                matcher.next()
        return count

    def close(self) -> None:
        self._searcher.close()
