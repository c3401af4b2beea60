"""Search on an index built directly (no ticket service): searches running side by side on the
searcher pool."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.search.indexer import SearchIndex
from app.search.service import PoolClosed, SearcherPool

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


def _ids(pool: SearcherPool, scope, text: str, limit: int = 500) -> set[int]:
    return {hit.ticket_id for hit in pool.search(scope, text, limit).hits}


# What a query means


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


# Searches side by side


def test_concurrent_searches_from_threads_all_get_their_own_answers(pool):
    cases = [
        (1, "printer"), (2, "printer"), (1, "invoce~"), (1, "qx*"), (1, "laptop OR smoke"),
        (2, "invoice"), (1, "qxbb~2"), (1, "nothing-like-this"),
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
            assert searcher.search(1, "printer", 10).total == 1

    threads = [threading.Thread(target=search_while_the_other_does) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(held) == 2 and held[0] is not held[1]


def test_a_search_beyond_the_pool_waits_for_a_searcher_to_come_back(pool):
    borrowed = [pool._borrow() for _ in range(pool.size)]
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.search(1, "printer", 10)))
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
        pool.search(1, "printer", 10)
