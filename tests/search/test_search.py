"""Search: the Whoosh index fed by the ticket service, scoped by workspace, rebuildable; and the
agent's search box on the ticket list."""

from __future__ import annotations

import asyncio
import time

from app.search.indexer import SearchIndex, rebuild
from app.search.service import SearchService
from app.tasks import BackgroundLoops
from app.tickets import service as tickets
from app.tickets.inputs import FieldChanges, Reply
from app.tickets.scopes import TicketScope
from tests import factories
from tests.factories import ticket as _ticket
from tests.helpers import HTMX, Person, soup
from tests.journeys import login, open_ticket, workspace_with_admin


class RunningSearch(SearchService):
    """The search service with its writer loop running, as the app's lifespan runs them."""

    async def start(self) -> None:
        await super().start()
        self.loops = BackgroundLoops([self.writer])
        self.loops.start()

    async def stop(self) -> None:
        await self.loops.stop()
        await super().stop()


async def _numbers(search: SearchService, workspace: dict, text: str) -> list[int]:
    return [hit.number for hit in (await search.search(TicketScope(workspace["id"]), text, limit=25)).hits]


async def test_index_follows_the_ticket_service_and_stays_in_its_workspace(database, settings):
    acme, ann = await factories.workspace()
    other, _ = await factories.workspace("Other", "otto@other.test", name="Otto Admin")
    search = RunningSearch(settings.index_path)
    await search.start()
    try:
        await _ticket(acme, "Printer on fire", "Smoke is coming out of the printer.")
        await _ticket(acme, "Invoice address", "Please change the address on invoice 1042.")
        await _ticket(other, "Printer jam", "Paper stuck in the printer of the other company.")
        await search.idle()

        assert await _numbers(search, acme, "printer") == [1]
        assert await _numbers(search, other, "printer") == [1]  # its own #1, not Acme's
        assert await _numbers(search, acme, "printers") == [1]  # stemming
        assert await _numbers(search, acme, "invoce~") == [2]  # fuzzy, as the hint says
        assert await _numbers(search, acme, "smoke printer") == [1]  # every word must match...
        assert await _numbers(search, acme, "printer invoice") == []
        assert sorted(await _numbers(search, acme, "printer OR invoice")) == [1, 2]  # ...unless OR
        assert await _numbers(search, acme, "") == []
        assert await _numbers(search, acme, "nothing-like-this") == []

        # replies and internal notes become searchable (agents search; customers never do)
        viewer = await factories.viewer(ann)
        await tickets.add_note(viewer, 2, Reply("Updated the billing records."))
        await search.idle()
        assert await _numbers(search, acme, "billing") == [2]
        assert await _numbers(search, acme, "invoice") == [2]  # the new version replaced the old
    finally:
        await search.stop()


async def test_start_indexes_tickets_it_missed_and_rebuild_counts(database, settings):
    acme, _ = await factories.workspace()
    for i in range(3):
        await _ticket(acme, f"Laptop request {i}", "A new colleague needs a laptop.")  # no server listening

    search = RunningSearch(settings.index_path)
    await search.start()  # finds the three tickets missing from the index
    await search.idle()
    assert sorted(await _numbers(search, acme, "laptop")) == [1, 2, 3]
    await search.stop()

    seen = []
    assert await rebuild(SearchIndex(settings.index_path), progress=lambda done, total: seen.append((done, total))) == 3
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    search = RunningSearch(settings.index_path)
    await search.start()
    assert sorted(await _numbers(search, acme, "colleague")) == [1, 2, 3]
    await search.stop()


async def _rows_when_indexed(person: Person, url: str, expected: int, timeout: float = 10) -> list[str]:
    """The index is written by a background task shortly after a change: poll like a user would."""
    deadline = time.monotonic() + timeout
    while True:
        html = await person.page(url, headers=HTMX)
        numbers = [row["data-ticket"] for row in soup(html).select("tr[data-ticket]")]
        if len(numbers) >= expected or time.monotonic() > deadline:
            return numbers
        await asyncio.sleep(0.05)


async def test_search_box_filters_the_rows(person: Person):
    workspace, _ = await workspace_with_admin()
    customer = Person(person.client)
    await open_ticket(customer, workspace, subject="Printer on fire", text="Smoke everywhere.")
    await open_ticket(customer, workspace, subject="VPN drops", text="Every hour the VPN disconnects.")
    await login(person)

    assert await _rows_when_indexed(person, "/tickets?q=vpn", expected=1) == ["2"]
    fragment = await person.page("/tickets?q=vpn", headers=HTMX)
    assert "<html" not in fragment and soup(fragment).select_one("#ticket-rows") is not None
    full = soup(await person.page("/tickets?q=smoke"))
    assert [r["data-ticket"] for r in full.select("tr[data-ticket]")] == ["1"]
    assert full.find("input", attrs={"name": "q"})["value"] == "smoke"  # the box keeps what was typed
    empty = soup(await person.page("/tickets?q=zebra", headers=HTMX))
    assert empty.select("tr[data-ticket]") == [] and "No tickets" in empty.get_text()


async def test_scopes_paging_and_counting_happen_in_the_index(database, settings, monkeypatch):
    from app.accounts.tables import AgentGroup
    from app.search import query

    acme, ann = await factories.workspace()
    other, _ = await factories.workspace("Other", "otto@other.test", name="Otto Admin")
    second = AgentGroup(workspace=acme["id"], name="2nd level", description="")
    await second.save()
    search = RunningSearch(settings.index_path)
    await search.start()
    try:
        for i in range(30):
            await _ticket(acme, f"Printer problem {i}", "The printer blinks.")
        await _ticket(other, "Printer problem elsewhere", "Another tenant's printer.")
        viewer = await factories.viewer(ann)
        for number in (28, 29, 30):
            await tickets.update_fields(viewer, number, FieldChanges(group_id=second.id))
        for number in (1, 2):
            await tickets.assign(viewer, number, ann["id"])
        await search.idle()
        default_group = next(g for g in viewer.group_ids)

        everything = await search.search(TicketScope(acme["id"]), "printer", limit=25)
        assert everything.total == 30 and len(everything.hits) == 25 and not everything.more
        page_two = await search.search(TicketScope(acme["id"]), "printer", limit=25, offset=25)
        assert page_two.total == 30 and len(page_two.hits) == 5
        assert {h.number for h in everything.hits} | {h.number for h in page_two.hits} == set(range(1, 31))

        in_default = await search.search(TicketScope(acme["id"], group_ids=(default_group,)), "printer", limit=50)
        assert in_default.total == 27 and {h.number for h in in_default.hits} == set(range(1, 28))
        in_second = await search.search(TicketScope(acme["id"], group_ids=(second.id,)), "printer", limit=50)
        assert sorted(h.number for h in in_second.hits) == [28, 29, 30]
        mine = await search.search(TicketScope(acme["id"], assignee_id=ann["id"]), "printer", limit=50)
        assert sorted(h.number for h in mine.hits) == [1, 2]
        # Another workspace's group id never opens Acme's tickets.
        foreign = TicketScope(other["id"], group_ids=(default_group,))
        assert (await search.search(foreign, "printer", limit=50)).total == 0

        monkeypatch.setattr(query, "COUNT_CAP", 10)
        capped = await search.search(TicketScope(acme["id"]), "printer", limit=5)
        assert capped.total == 10 and capped.more and len(capped.hits) == 5
    finally:
        await search.stop()


async def test_an_index_from_an_older_schema_is_rebuilt_on_start(database, settings):
    from whoosh.fields import ID, NUMERIC, TEXT, Schema
    from whoosh.filedb.filestore import FileStorage

    acme, _ = await factories.workspace()
    await _ticket(acme, "Laptop request", "A new colleague needs a laptop.")
    settings.index_path.mkdir(parents=True, exist_ok=True)
    old = Schema(ticket_id=ID(stored=True, unique=True), workspace=ID(), number=NUMERIC(stored=True),
                 subject=TEXT(stored=True), body=TEXT())
    FileStorage(str(settings.index_path)).create_index(old).close()

    search = RunningSearch(settings.index_path)
    await search.start()
    try:
        assert search.index.is_current()
        assert await _numbers(search, acme, "laptop") == [1]
    finally:
        await search.stop()


async def test_search_pages_through_hits_and_keeps_the_scope(person: Person):
    workspace, _ = await workspace_with_admin()
    customer = Person(person.client)
    for i in range(27):
        await open_ticket(customer, workspace, subject=f"Printer trouble {i}", text="The printer blinks.")
    await login(person)

    assert len(await _rows_when_indexed(person, "/tickets?scope=all&q=printer", expected=25)) == 25
    page = soup(await person.page("/tickets?scope=all&q=printer&page=2", headers=HTMX))
    assert len(page.select("tr[data-ticket]")) == 2
    assert "Showing 26 to 27 of 27 entries" in page.select_one(".pager").get_text(" ", strip=True)
    assert page.select_one(".pager a[rel=prev]")["href"] == "/tickets?view=all&q=printer"  # old scope= links still work
    # A page past the end shows the last page rather than nothing.
    beyond = soup(await person.page("/tickets?scope=all&q=printer&page=9"))
    assert len(beyond.select("tr[data-ticket]")) == 2 and "Page 2 of 2" in beyond.get_text()
    # "My tickets": nothing is assigned to Ann yet, so the search finds nothing there.
    mine = soup(await person.page("/tickets?scope=mine&q=printer", headers=HTMX))
    assert mine.select("tr[data-ticket]") == [] and "No tickets match" in mine.get_text()
