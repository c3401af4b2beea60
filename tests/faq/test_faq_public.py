"""The FAQ on the public page: the overlay's search, the subject's suggestions (this workspace's
entries only, rate-limited, the query capped), deflection counting through the form's nonce, the
dashboard's figures, the cleanup, and the FAQ index kept in step with every write."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from app import clock
from app.faq import deflection
from app.faq import service as faq
from app.faq.tables import FaqDeflection, FaqEntry
from app.search import faq as faq_index
from app.search.faq import FaqIndex, FaqSearch, build_query
from app.system.cleanup import Cleanup
from app.tickets import stats
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, soup
from tests.journeys import login, open_ticket, workspace_with_admin

ENTRIES = [
    ("How do I reset my password?", 'Use the "Forgot password" link.\nWe mail you a link.'),
    ("Where is my invoice?", "Invoices are mailed on the first of the month."),
    ("My printer does not print", "Switch it off and on again."),
    ("Printer paper jams", "Open the tray and remove the paper."),
    ("Printer drivers", "Download them from our site."),
]


async def _add_entries(person: Person, entries: list[tuple[str, str]]) -> None:
    """Through the admin pages: the writes commit in the app's own loop, whose FAQ writer indexes them."""
    token = csrf_from(await person.page("/admin/faq"))
    for question, answer in entries:
        made = await person.client.post("/admin/faq", data={"_csrf_token": token, "question": question,
                                                            "answer": answer}, follow_redirects=False)
        assert made.status_code == 303, made.text[:300]


async def _when_indexed(person: Person, url: str, timeout: float = 10) -> str:
    """The FAQ index is written by a background task right after a change: poll like a user would."""
    deadline = time.monotonic() + timeout
    while True:
        html = await person.page(url, headers=HTMX)
        if soup(html).select("[data-faq]") or time.monotonic() > deadline:
            return html
        await asyncio.sleep(0.05)


@pytest.fixture
async def desk(app, person: Person):
    """Acme with five FAQ entries and Other with one about printers too, all indexed; nobody logged in."""
    other, _otto = await factories.workspace("Other", "otto@other.test", name="Otto Admin")
    await login(person, email="otto@other.test")
    await _add_entries(person, [("Printer for Other only", "Their printer.")])
    await person.client.post("/logout", data={"_csrf_token": csrf_from(await person.page("/dashboard"))})
    acme, ann = await workspace_with_admin()
    await login(person)
    await _add_entries(person, ENTRIES)
    await person.client.post("/logout", data={"_csrf_token": csrf_from(await person.page("/dashboard"))})
    await _when_indexed(person, f"/{acme['key']}/faq?q=drivers")
    await _when_indexed(person, f"/{other['key']}/faq?q=other")
    return acme, other, await factories.viewer(ann), app.dependencies["services"].dependency()


def _questions(html: str) -> list[str]:
    return [node.get_text() for node in soup(html).select("details[data-faq] summary, ul a[data-faq]")]


async def test_overlay_search_finds_this_workspaces_entries(desk, person: Person):
    acme, other, _ann, _services = desk
    page = soup(await person.page(f"/{acme['key']}"))
    overlay = page.select_one("dialog#faq")
    assert overlay.select_one("form.faq-search input[name=q]")
    assert overlay.select_one("#faq-list")["hx-trigger"] == "intersect once"  # entries load when opened

    every = await person.client.get(f"/{acme['key']}/faq", headers=HTMX)  # empty query: all entries
    assert _questions(every.text) == [q for q, _a in ENTRIES] and not soup(every.text).find("header")
    found = await person.client.get(f"/{acme['key']}/faq?q=printers", headers=HTMX)
    assert set(_questions(found.text)) == {"My printer does not print", "Printer paper jams", "Printer drivers"}
    assert _questions((await person.client.get(f"/{other['key']}/faq?q=printer", headers=HTMX)).text) == [
        "Printer for Other only"]
    assert "No questions match" in (await person.client.get(f"/{acme['key']}/faq?q=zebra", headers=HTMX)).text
    # syntax a query language would expand is only words here
    for odd in ("print*", "p~9", "[a TO z]", "OR AND NOT", "*", '"'):
        assert (await person.client.get(f"/{acme['key']}/faq", params={"q": odd}, headers=HTMX)).status_code == 200
    # without HTMX: a whole page; answers escaped, their line breaks kept by CSS
    whole = soup(await person.page(f"/{acme['key']}/faq?q=password"))
    assert whole.find("header") and whole.select_one(".faq-text").get_text() == ENTRIES[0][1]
    await person.page("/no-such-workspace/faq", status=404)


async def test_suggestions_beside_the_form(desk, person: Person):
    acme, _other, _ann, _services = desk
    form = soup(await person.page(f"/{acme['key']}"))
    subject = form.select_one("input[name=subject]")
    assert subject["hx-get"] == f"/{acme['key']}/faq/suggest" and "delay:400ms" in subject["hx-trigger"]
    nonce = form.select_one("input[name=faq_nonce]")["value"]
    assert deflection.valid_nonce(nonce) and form.select_one("aside#faq-suggestions")

    url = f"/{acme['key']}/faq/suggest"
    shown = await person.client.get(url, params={"subject": "my printer is broken", "faq_nonce": nonce}, headers=HTMX)
    links = soup(shown.text).select("a[data-faq]")
    assert 1 <= len(links) <= 3 and links[0].get_text() == "My printer does not print"
    assert all(a["href"].endswith(f"?nonce={nonce}") for a in links)
    typing = await person.client.get(url, params={"subject": "passw"}, headers=HTMX)  # the word being typed
    assert _questions(typing.text) == ["How do I reset my password?"]
    assert soup((await person.client.get(url, params={"subject": "pr"})).text).select("a") == []  # < 3 chars
    # the query is capped: a long subject is answered from its first 100 characters
    long_subject = "x" * 120 + " password"
    assert _questions((await person.client.get(url, params={"subject": long_subject})).text) == []
    assert (await person.client.get(url, params={"subject": "q" * 5000})).status_code == 400
    await person.page("/no-such-workspace/faq/suggest?subject=printer", status=404)


async def test_suggestions_are_rate_limited_per_client(desk, person: Person):
    acme, _other, _ann, services = desk
    services.faq_searches.limit = 3
    url = f"/{acme['key']}/faq/suggest?subject=printer"
    with clock.frozen() as frozen:
        frozen.advance(seconds=61)  # the fixture's searches are out of the minute
        answers = [await person.client.get(url, headers=HTMX) for _ in range(4)]
        assert [r.status_code for r in answers] == [200] * 4  # over the limit: an empty box, not an error
        assert [len(soup(r.text).select("a")) for r in answers] == [3, 3, 3, 0]
        over = await person.client.get(f"/{acme['key']}/faq?q=printer", headers=HTMX)
        assert over.status_code == 200 and "Too many searches" in over.text
        frozen.advance(seconds=61)
        assert len(soup((await person.client.get(url, headers=HTMX)).text).select("a")) == 3


async def test_opening_a_suggestion_and_deflection_counting(desk, person: Person):
    acme, other, ann, _services = desk
    entry = (await FaqEntry.select(FaqEntry.id).where(FaqEntry.question == "Printer drivers").first())["id"]
    other_entry = (await FaqEntry.select(FaqEntry.id).where(FaqEntry.workspace == other["id"]).first())["id"]
    with clock.frozen(datetime(2026, 11, 1, 9, 0, tzinfo=UTC)) as frozen:
        nonces = [deflection.new_nonce() for _ in range(3)]
        for nonce in nonces:
            opened = await person.client.get(f"/{acme['key']}/faq/{entry}?nonce={nonce}", headers=HTMX)
            assert opened.status_code == 200 and soup(opened.text).select_one(".faq-answer h3").get_text() == \
                "Printer drivers"
        await person.client.get(f"/{acme['key']}/faq/{entry}?nonce={nonces[0]}")  # again: counted once
        assert await FaqDeflection.count() == 3
        await person.page(f"/{acme['key']}/faq/{other_entry}?nonce={nonces[0]}", status=404)  # not Acme's
        await person.page(f"/{acme['key']}/faq/{entry}?nonce=not-a-nonce")  # shown, not counted
        assert await FaqDeflection.count() == 3

        frozen.advance(minutes=10)
        await open_ticket(person, acme, faq_nonce=nonces[0])  # sent within the half hour: not deflected
        frozen.advance(minutes=30)
        await open_ticket(person, acme, faq_nonce=nonces[1])  # sent 40 minutes later: deflected anyway
        await open_ticket(person, acme, faq_nonce=deflection.new_nonce())  # never opened: no row, no error
        sent = {r["nonce"]: r["ticket_sent_at"] for r in await FaqDeflection.select()}
        assert sent[nonces[0]] is not None and sent[nonces[1]] is None  # after the half hour: not even recorded
        cards = (await stats.dashboard(ann)).cards
        assert (cards.faq_opened, cards.faq_deflected) == (3, 2)

        await login(person)
        dashboard = soup(await person.page("/dashboard"))
        card = dashboard.select_one("[data-card=faq]")
        assert card.select_one("[data-count=faq_deflected]").get_text() == "2"
        assert card.select_one("[data-count=faq_opened]").get_text() == "3"

        frozen.advance(days=31)  # out of the dashboard's 30 days
        cards = (await stats.dashboard(ann)).cards
        assert (cards.faq_opened, cards.faq_deflected) == (0, 0)
        await login(person)  # the session of a month ago has expired
        dashboard = soup(await person.page("/dashboard"))
        assert dashboard.select_one("[data-card=mine]") and not dashboard.select("[data-card=faq]")  # no card
        frozen.advance(days=60)  # past the 90 days the rows are kept
        assert (await Cleanup().run_once())["faq_deflections"] == 3
        assert await FaqDeflection.count() == 0


async def test_index_follows_every_write_and_catches_up_on_start(database, settings):
    acme, ann = await factories.workspace()
    other, otto = await factories.workspace("Other", "otto@other.test", name="Otto Admin")
    ann = await factories.viewer(ann)
    await faq.add_entry(acme["id"], "Holidays", "Closed at Christmas.")  # no index listening yet
    search = FaqSearch(settings.index_path)
    await search.start()  # finds the index missing an entry: rebuilds it
    try:
        holidays = (await FaqEntry.select(FaqEntry.id).first())["id"]
        assert await search.search(acme["id"], "christmas", 3) == [holidays]
        created = await faq.create_entry(ann, "Opening hours", "Monday to Friday.")
        await faq.create_entry(await factories.viewer(otto), "Opening hours", "Never.")
        await search.idle()
        assert await search.search(acme["id"], "hours", 3) == [created["id"]]  # not Other's
        await faq.update_entry(ann, created["id"], "When are you open?", "Monday to Friday.")
        await search.idle()
        assert await search.search(acme["id"], "hours", 3) == []
        assert await search.search(acme["id"], "open", 3) == [created["id"]]
        await faq.delete_entry(ann, created["id"])
        await search.idle()
        assert await search.search(acme["id"], "open", 3) == []
        assert len(await search.search(other["id"], "hours", 3)) == 1
    finally:
        await search.stop()
    # `helprealm reindex` rebuilds it too
    index = FaqIndex(settings.index_path)
    assert not index.needs_rebuild(await FaqEntry.count())
    assert await faq_index.rebuild(index) == 2
    index.close()


def test_queries_are_plain_words_with_one_capped_prefix():
    assert build_query("") is None and build_query("   ") is None and build_query("the and of") is None
    query = build_query("printer broken")
    assert {type(leaf).__name__ for leaf in query.leaves()} == {"Term", "CappedPrefix"}  # "broken" is being typed
    assert {type(leaf).__name__ for leaf in build_query("printer broken ").leaves()} == {"Term"}
    many = build_query(" ".join(f"word{n}" for n in range(50)))
    assert len([leaf for leaf in many.leaves() if type(leaf).__name__ == "Term"]) <= 2 * faq_index.MAX_WORDS
    capped = build_query("x" * 200 + " password")
    assert "password" not in str(capped)
