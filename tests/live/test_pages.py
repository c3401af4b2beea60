"""The live parts of the agent's pages: on the whole page, never in the fragments that swap."""

from __future__ import annotations

from tests.helpers import HTMX, Person, soup
from tests.journeys import login, open_ticket, workspace_with_admin


async def test_the_ticket_page_carries_its_stream_outside_the_fragment(person: Person):
    workspace, admin = await workspace_with_admin()
    await open_ticket(Person(person.client), workspace)
    await login(person)
    page = soup(await person.page("/tickets/1"))
    live = page.select_one("#live")
    assert live["data-typing-url"] == "/tickets/1/typing" and live["data-agent"] == str(admin["id"])
    assert live.find_parent(id="ticket") is None  # swapping #ticket keeps the stream
    connect = page.select_one("template#live-template").decode_contents()
    assert 'sse-connect="/tickets/1/events"' in connect and 'hx-trigger="sse:changed"' in connect
    scripts = [s["src"] for s in page.find_all("script", src=True)]
    assert any(src.endswith("js/sse.min.js") for src in scripts) and any(src.endswith("js/live.js") for src in scripts)
    assert page.select_one("form.reply input[name=seen][data-live-keep]") is not None

    fragment_html = await person.page("/tickets/1", headers=HTMX)
    fragment = soup(fragment_html)
    assert fragment.select_one("#live") is None and fragment.select_one("#ticket") is not None
    assert fragment.select_one("form.reply input[name=seen]")["value"] == page.select_one("input[name=seen]")["value"]


async def test_the_list_page_carries_its_stream_and_the_rows_do_not(person: Person):
    workspace, _admin = await workspace_with_admin()
    await open_ticket(Person(person.client), workspace)
    await login(person)
    page = soup(await person.page("/tickets?scope=mine"))
    assert 'sse-connect="/tickets/events?scope=mine"' in page.select_one("template#live-template").decode_contents()
    rows = soup(await person.page("/tickets?scope=mine&page=1", headers=HTMX))
    assert rows.select_one("#live") is None and rows.select_one("#ticket-rows") is not None
