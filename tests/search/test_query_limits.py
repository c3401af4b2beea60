"""Search on an index built directly (no ticket service): the ticket scope rule, the cost limits
of fuzzy words and wildcards, and searches running side by side on the searcher pool."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from whoosh.query import Every, FuzzyTerm, MultiTerm, Prefix, TermRange, Wildcard

from app.search.indexer import SearchIndex
from app.search.query import (
    FUZZY_PREFIX,
    MAX_EDIT_DISTANCE,
    MAX_EXPANSIONS,
    MAX_QUERY_EXPANSIONS,
    SearchQueryParser,
)
from app.search.service import PoolClosed, SearcherPool
from app.tickets.scopes import TicketScope

# Ticket rows as the scope rule sees them: (id, workspace, group, assignee).
ROWS = [
    (1, 1, 10, None),
    (2, 1, 20, 7),
    (3, 1, 20, None),
    (4, 1, None, 7),
    (5, 1, 10, 7),
    (6, 1, None, None),
    (7, 1, 20, 8),
    (8, 2, 10, 7),  # another workspace reusing the same group and agent ids
    (9, 2, None, None),
]
# 100 made-up words sharing the prefix "qx" (consonants only, so the stemmer leaves them alone).
LETTERS = "bcdfghkmnp"
QX_WORDS = ["qx" + a + b for a, b in itertools.product(LETTERS, repeat=2)]


def _doc(ticket_id: int, workspace: int, subject: str, body: str, group=None, assignee=None) -> dict:
    """A document shaped like app/search/indexer.py::documents builds it."""
    doc = {"ticket_id": str(ticket_id), "workspace": str(workspace), "number": ticket_id,
           "subject": subject, "body": body}
    if group is not None:
        doc["group"] = str(group)
    if assignee is not None:
        doc["assignee"] = str(assignee)
    return doc


def _scope_docs() -> list[dict]:
    return [_doc(i, ws, f"Printer {i}", "The printer is broken.", g, a) for i, ws, g, a in ROWS]


def _text_docs() -> list[dict]:
    return [
        _doc(1, 1, "Printer on fire", "Smoke is coming out of the printer."),
        _doc(2, 1, "Invoice address", "Please change the address on invoice 1042."),
        _doc(3, 1, "Laptop request", "A new colleague needs a laptop."),
        _doc(4, 2, "Printer jam", "Paper stuck in the printer of the other company."),
        # One word per ticket, so a capped expansion finds exactly as many tickets as words.
        *(_doc(100 + i, 1, "Odd words", word) for i, word in enumerate(QX_WORDS)),
    ]


@pytest.fixture
def index(tmp_path):
    search_index = SearchIndex(tmp_path / "index")
    search_index.open()
    yield search_index
    search_index.close()


@pytest.fixture
def pool(index):
    index.apply(_text_docs())
    searchers = SearcherPool(index.open())
    yield searchers
    searchers.close()


def _ids(pool: SearcherPool, scope: TicketScope | int, text: str, limit: int = 500) -> set[int]:
    """Hits' ticket ids; a bare int is shorthand here for the whole of that workspace."""
    scope = TicketScope(scope) if isinstance(scope, int) else scope
    return {hit.ticket_id for hit in pool.search(scope, text, limit).hits}


def _expansion(index: SearchIndex, text: str) -> list[str]:
    """The words the query's body node stands for."""
    query = SearchQueryParser(index.open().schema).parse(text)
    (node,) = [leaf for leaf in query.leaves() if isinstance(leaf, MultiTerm) and leaf.fieldname == "body"]
    with index.open().reader() as reader:
        return [word for _, word in node.expanded_terms(reader)]


# The ticket scope rule


@pytest.mark.parametrize("scope", [
    TicketScope(1),
    TicketScope(1, group_ids=(10,)),
    TicketScope(1, group_ids=(20, 10)),
    TicketScope(1, assignee_id=7),
    TicketScope(1, group_ids=(20,), assignee_id=7),  # a list's scope: both must hold
    TicketScope(1, group_ids=(10,), assignee_id=7, either=True),  # an agent: either one
    TicketScope(1, group_ids=(), assignee_id=7, either=True),  # an agent in no group: their own
    TicketScope(1, group_ids=(), assignee_id=7),
    TicketScope(1, group_ids=()),
    TicketScope(1, group_ids=(), either=True),
    TicketScope(1, assignee_id=7, either=True),  # no group condition: `either` changes nothing
    TicketScope(2, group_ids=(10,), assignee_id=7, either=True),
    TicketScope(3),
])
def test_search_allows_exactly_the_tickets_the_scope_allows(index, scope):
    index.apply(_scope_docs())
    pool = SearcherPool(index.open())
    try:
        expected = {i for i, ws, g, a in ROWS if scope.allows({"workspace": ws, "group": g, "assignee": a})}
        assert _ids(pool, scope, "printer") == expected
    finally:
        pool.close()


def test_an_agent_sees_their_groups_or_their_own_and_never_another_workspace(index):
    index.apply(_scope_docs())
    pool = SearcherPool(index.open())
    try:
        agent = TicketScope(1, group_ids=(10,), assignee_id=7, either=True)
        assert _ids(pool, agent, "printer") == {1, 2, 4, 5}
        assert _ids(pool, TicketScope(1, group_ids=(10,), assignee_id=7), "printer") == {5}
        assert _ids(pool, TicketScope(1, group_ids=()), "printer") == set()
        assert _ids(pool, TicketScope(1, group_ids=(), assignee_id=7, either=True), "printer") == {2, 4, 5}
        assert _ids(pool, TicketScope(1, group_ids=[10]), "printer") == {1, 5}  # a list works too
        assert _ids(pool, 2, "printer") == {8, 9}  # the whole workspace
        assert _ids(pool, 1, "printer") == {1, 2, 3, 4, 5, 6, 7}
    finally:
        pool.close()


# What a query may cost


def test_a_wild_fuzzy_word_gets_two_edits_and_a_fixed_first_letter(index, pool):
    parser = SearchQueryParser(index.open().schema)
    fuzzy = [leaf for leaf in parser.parse("abcdefgh~7").leaves() if isinstance(leaf, FuzzyTerm)]
    assert len(fuzzy) == 2  # subject and body
    assert all(node.maxdist == MAX_EDIT_DISTANCE and node.prefixlength == FUZZY_PREFIX for node in fuzzy)
    (milder,) = [leaf for leaf in parser.parse("subject:invoce~").leaves()]
    assert (milder.maxdist, milder.prefixlength) == (1, FUZZY_PREFIX)  # asked for less: kept
    (longer_prefix,) = [leaf for leaf in parser.parse("subject:invoce~2/3").leaves()]
    assert (longer_prefix.maxdist, longer_prefix.prefixlength) == (2, 3)
    assert _ids(pool, 1, "abcdefgh~7") == set()  # two edits from nothing indexed


def test_fuzzy_expansion_is_capped_and_keeps_the_closest_words(index, pool):
    words = _expansion(index, "qxbb~2")  # 100 words are within two edits
    assert len(words) == MAX_EXPANSIONS
    assert words[0] == "qxbb"
    one_edit = {w for w in QX_WORDS if sum(x != y for x, y in zip(w, "qxbb", strict=True)) == 1}
    assert len(one_edit) >= MAX_EXPANSIONS - 1 and set(words[1:]) <= one_edit  # none two edits away
    assert len(_ids(pool, 1, "qxbb~2")) == MAX_EXPANSIONS  # one ticket per word


@pytest.mark.parametrize("text, node_class", [
    ("qx*", Prefix),
    ("*b", Wildcard),  # no literal prefix: the whole lexicon is a candidate
    ("q?b*", Wildcard),
    ("[qxbb TO qxpp]", TermRange),
])
def test_wildcards_and_ranges_expand_to_a_capped_number_of_words(index, pool, text, node_class):
    words = _expansion(index, text)
    assert len(words) == MAX_EXPANSIONS
    query = SearchQueryParser(index.open().schema).parse(text)
    assert all(isinstance(leaf, node_class) for leaf in query.leaves())
    assert len(_ids(pool, 1, text)) == MAX_EXPANSIONS


def test_the_nodes_of_one_query_share_a_budget(index, pool):
    parser = SearchQueryParser(index.open().schema)
    many = [leaf for leaf in parser.parse("qb* qc* qd* qf* qx*").leaves()]
    assert len(many) == 10 and {node.max_expansions for node in many} == {MAX_QUERY_EXPANSIONS // 10}
    assert {node.max_expansions for node in parser.parse("qx* OR printer").leaves() if isinstance(node, Prefix)} == {
        MAX_EXPANSIONS
    }


def test_every_expanding_node_the_parser_makes_is_capped(index, pool):
    parser = SearchQueryParser(index.open().schema)
    for text in ("printr~", "pr*", "*er", "p?inter", "[a TO c]", "body:{a TO c]", "smoke OR (pr* AND inv~2)"):
        for leaf in parser.parse(text).leaves():
            if isinstance(leaf, MultiTerm):
                assert hasattr(leaf, "max_expansions") and leaf.max_expansions <= MAX_EXPANSIONS, (text, leaf)
    # `*` alone would read every posting of both fields; it means every ticket of the scope.
    assert all(isinstance(leaf, Every) and leaf.fieldname is None for leaf in parser.parse("*").leaves())
    assert _ids(pool, 2, "*") == {4}


def test_normal_queries_keep_their_meaning(pool):
    assert _ids(pool, 1, "printer") == {1}
    assert _ids(pool, 2, "printer") == {4}
    assert _ids(pool, 1, "printers") == {1}  # stemming
    assert _ids(pool, 1, "invoce~") == {2}  # a typo
    assert _ids(pool, 1, "pirnter~2") == {1}  # a typo in the second letter
    assert _ids(pool, 1, "smoke printer") == {1}  # every word must match...
    assert _ids(pool, 1, "printer invoice") == set()
    assert _ids(pool, 1, "printer OR invoice") == {1, 2}  # ...unless OR
    assert _ids(pool, 1, "lap*") == {3}
    assert _ids(pool, 1, "   ") == set()


def test_counts_beyond_the_page_span_every_segment(index):
    index.apply([_doc(i, 1, "Router", "The router blinks.") for i in range(1, 31)])
    ix = index.open()
    writer = ix.writer()
    for i in range(31, 51):
        writer.add_document(**_doc(i, 1, "Router", "Routers blink.", group=5))
    writer.commit(merge=False)  # a second segment: docnums are offset by the first
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) == 2
    pool = SearcherPool(ix)
    try:
        result = pool.search(TicketScope(1), "router", limit=5)
        assert (result.total, len(result.hits), result.more) == (50, 5, False)
        assert pool.search(TicketScope(1, group_ids=(5,)), "rout*", limit=5).total == 20
        assert pool.search(TicketScope(1, group_ids=(5,)), "routr~", limit=5).total == 20
    finally:
        pool.close()


# Searches side by side


def test_concurrent_searches_from_threads_all_get_their_own_answers(pool):
    cases = [
        (1, "printer"), (2, "printer"), (1, "invoce~"), (1, "qx*"), (1, "laptop OR smoke"),
        (TicketScope(1, group_ids=()), "printer"), (1, "qxbb~2"), (1, "nothing-like-this"),
    ]
    expected = {case: _ids(pool, *case) for case in cases}
    with ThreadPoolExecutor(max_workers=8) as threads:
        answers = list(threads.map(lambda case: (case, _ids(pool, *case)), cases * 25))
    assert all(ids == expected[case] for case, ids in answers)
    assert pool.opened <= pool.size


def test_two_searches_hold_two_searchers_at_once(pool):
    both_inside = threading.Barrier(2, timeout=30)  # would time out behind one shared lock
    held = []

    def search_while_the_other_does():
        with pool.searcher() as searcher:
            held.append(searcher)
            both_inside.wait()
            assert searcher.search(TicketScope(1), "printer", 10).total == 1

    threads = [threading.Thread(target=search_while_the_other_does) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(held) == 2 and held[0] is not held[1]


def test_a_search_beyond_the_pool_waits_for_a_searcher_to_come_back(pool):
    borrowed = [pool._borrow() for _ in range(pool.size)]
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.search(TicketScope(1), "printer", 10)))
    waiter.start()
    pool._give_back(borrowed.pop())  # the waiter takes this one rather than opening a fifth
    waiter.join()
    for searcher in borrowed:
        pool._give_back(searcher)
    assert got[0].total == 1 and pool.opened == pool.size


def test_each_searcher_is_refreshed_before_use(index, pool):
    assert _ids(pool, 1, "scanner") == set()
    index.apply([_doc(500, 1, "Scanner offline", "The scanner shows nothing.")])
    assert _ids(pool, 1, "scanner") == {500}


def test_closing_closes_every_searcher_and_refuses_new_searches(pool):
    borrowed = [pool._borrow() for _ in range(3)]
    for searcher in borrowed:
        pool._give_back(searcher)
    pool.close()
    assert all(searcher._searcher.is_closed for searcher in borrowed)
    with pytest.raises(PoolClosed):
        pool.search(TicketScope(1), "printer", 10)


def test_a_query_scores_at_most_max_words_words():
    from app.search.query import MAX_WORDS, first_words

    long_query = " OR ".join(f"word{i}" for i in range(40))
    kept = first_words(long_query, MAX_WORDS)
    assert [t for t in kept.split() if t != "OR"] == [f"word{i}" for i in range(MAX_WORDS)]
    assert first_words("printer  smoke", MAX_WORDS) == "printer smoke"
