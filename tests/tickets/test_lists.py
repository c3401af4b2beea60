"""The ticket lists: views, filters, sort, page size, paging, search with filters, page vs fragment."""

import asyncio
import time

from babel.dates import format_date

from app import clock
from app.tickets.queries import ticket_types
from tests import factories
from tests.helpers import HTMX, Person, soup
from tests.journeys import login
from tests.tickets.lists_setup import desk, login_bob


def numbers(html: str) -> list[int]:
    return [int(row["data-ticket"]) for row in soup(html).select("#ticket-rows tr[data-ticket]")]


async def rows(person: Person, url: str) -> list[int]:
    return numbers(await person.page(url, headers=HTMX))


async def test_each_view_for_a_superadmin(person: Person):
    await desk()
    await login(person)
    # (sorted: the order is newest activity first, which other tests check)
    assert sorted(await rows(person, "/tickets?view=mine")) == [5, 7]
    assert sorted(await rows(person, "/tickets?view=groups")) == [1, 3, 5, 6]  # Support, not closed #4
    assert sorted(await rows(person, "/tickets?view=unassigned")) == [2, 3, 6]
    assert await rows(person, "/tickets?view=overdue") == [3]  # #6 is late too, but resolved
    assert sorted(await rows(person, "/tickets?view=all")) == [1, 2, 3, 4, 5, 6, 7]
    assert await rows(person, "/tickets?view=closed") == [4]


async def test_a_plain_agent_sees_only_their_tickets_in_every_view(person: Person):
    await desk()
    await login_bob(person)
    # "all" for an agent who is not a superadmin: everything they may see (their groups and theirs)
    assert sorted(await rows(person, "/tickets?view=all")) == [1, 3, 4, 5, 6]
    assert await rows(person, "/tickets?view=mine") == [1]
    assert sorted(await rows(person, "/tickets?view=unassigned")) == [3, 6]  # not Billing's #2
    assert await rows(person, "/tickets?view=closed") == [4]
    assert await rows(person, "/tickets?view=all&group=0") == []
    assert sorted(await rows(person, "/tickets?view=all&status=1&status=4&status=2")) == [1, 3, 5]  # never #2, #7


async def test_filters_one_by_one_and_together(person: Person):
    d = await desk()
    await login(person)
    all_ = "/tickets?view=all"
    assert sorted(await rows(person, f"{all_}&status=1&status=5")) == [2, 3, 6]  # several statuses at once
    assert await rows(person, f"{all_}&prio=3") == [5]
    assert sorted(await rows(person, f"{all_}&group={d.billing}")) == [2, 7]
    assert sorted(await rows(person, f"{all_}&assignee=nobody")) == [2, 3, 4, 6]
    assert await rows(person, f"{all_}&assignee={d.bob['id']}") == [1]
    assert await rows(person, f"{all_}&tag=vip") == [5]
    assert await rows(person, f"{all_}&tag=VIP") == [5]  # tags match whatever the case
    assert await rows(person, f"{all_}&tag=nothing") == []
    type_id = (await ticket_types(d.workspace["id"]))[0]["id"]
    assert len(await rows(person, f"{all_}&type={type_id}")) == 7
    assert await rows(person, f"{all_}&type={type_id + 999}") == []
    assert await rows(person, f"{all_}&group={d.billing}&assignee={d.ann['id']}&status=4") == [7]


async def test_sort_by_each_header_both_ways(person: Person):
    await desk()
    await login(person)
    assert await rows(person, "/tickets?view=all&sort=number&dir=asc") == [1, 2, 3, 4, 5, 6, 7]
    assert await rows(person, "/tickets?view=all&sort=number&dir=desc") == [7, 6, 5, 4, 3, 2, 1]
    # subjects A→Z: Billing, Invoice, Old, Overdue, Printer, Resolved, VIP
    assert await rows(person, "/tickets?view=all&sort=subject&dir=asc") == [7, 2, 4, 3, 1, 6, 5]
    assert await rows(person, "/tickets?view=all&sort=subject&dir=desc") == [5, 6, 1, 3, 4, 2, 7]
    # deadlines: the passed ones, then #1's, and tickets without one last in both directions
    assert (await rows(person, "/tickets?view=all&sort=deadline&dir=asc"))[:3] == [3, 6, 1]
    assert (await rows(person, "/tickets?view=all&sort=deadline&dir=desc"))[:3] == [1, 6, 3]
    assert (await rows(person, "/tickets?view=all&sort=prio&dir=desc"))[0] == 5
    for column in ("customer", "updated", "group", "assignee", "status", "type"):  # whitelisted, stable
        up = await rows(person, f"/tickets?view=all&sort={column}&dir=asc")
        assert sorted(up) == [1, 2, 3, 4, 5, 6, 7]

    page = soup(await person.page("/tickets?view=all&sort=subject&dir=asc"))
    header = page.select_one("th.sorted")
    assert header["aria-sort"] == "ascending" and header.a["data-sort"] == "subject"
    assert header.a["href"] == "/tickets?view=all&sort=subject&dir=desc"  # clicking again turns it round
    other = page.select_one("a[data-sort=number]")
    assert other["href"] == "/tickets?view=all&sort=number&dir=desc" and other["hx-get"] == other["href"]
    # the filter form keeps the sort (hidden fields inside #ticket-rows belong to it)
    kept = {i["name"]: i["value"] for i in page.select("#ticket-rows input[form=list-filters]")}
    assert kept == {"sort": "subject", "dir": "asc"}


async def test_page_size_pager_and_links_keep_the_state(person: Person):
    d = await desk()
    for i in range(20):
        await factories.ticket(d.workspace, subject=f"More work {i}")
    await login(person)
    url = "/tickets?view=all&status=1&sort=number&dir=asc&per_page=10"
    page = soup(await person.page(url))
    assert numbers(str(page)) == [2, 3, *range(8, 16)]
    assert "Showing 1 to 10 of 22 entries" in page.select_one(".pager").get_text(" ", strip=True)
    next_href = page.select_one(".pager a[rel=next]")["href"]
    assert next_href == "/tickets?view=all&status=1&sort=number&dir=asc&per_page=10&page=2"
    second = await person.page(next_href, headers=HTMX)
    assert numbers(second) == list(range(16, 26))
    assert "Showing 11 to 20 of 22 entries" in soup(second).select_one(".pager").get_text(" ", strip=True)
    prev = soup(second).select_one(".pager a[rel=prev]")
    assert prev["href"] == "/tickets?view=all&status=1&sort=number&dir=asc&per_page=10"
    refresh = soup(second).select_one("a.refresh")
    assert refresh["href"] == next_href and refresh["hx-target"] == "#ticket-rows"
    for size, shown in ((25, 22), (50, 22), (100, 22), (10, 10)):
        assert len(await rows(person, f"/tickets?view=all&status=1&per_page={size}")) == shown
    # a page past the end shows the last page
    assert numbers(await person.page(url + "&page=99", headers=HTMX)) == [26, 27]
    choices = [o.get_text() for o in page.select("select[name=per_page] option")]
    assert choices == ["10", "25", "50", "100"]
    assert page.select_one("select[name=per_page] option[selected]").get_text() == "10"


async def test_full_page_and_htmx_fragment(person: Person):
    await desk()
    await login(person)
    full_html = await person.page("/tickets?view=overdue")
    full = soup(full_html)
    assert full.find("nav", class_="sidebar").select_one("a[aria-current=page]")["data-view"] == "overdue"
    assert [a["data-view"] for a in full.select("nav.sidebar a.view-link")] == [
        "mine", "groups", "unassigned", "overdue", "all", "closed"]
    form = full.select_one("form#list-filters")
    assert form["method"] == "get" and form["hx-target"] == "#ticket-rows" and form["hx-push-url"] == "true"
    assert full.select_one("form#bulk-form input[name=_csrf_token]") is not None
    headers = [th.get_text(strip=True) for th in full.select("#ticket-rows thead th")][1:]
    assert headers == ["Ticket", "Subject", "Customer", "Last updated", "Group", "Assignee", "Status", "Priority",
                       "Type", "Deadline", "Tags"]
    row = full.select_one("tr[data-ticket='3']")
    assert row.select_one("time")["title"]  # last updated: relative, exact on hover
    yesterday = clock.now().date().fromordinal(clock.now().date().toordinal() - 1)
    assert row.select("td")[10].get_text(strip=True) == format_date(yesterday, "medium", locale="en")
    assert row.select("td")[10].time["datetime"] == yesterday.isoformat()
    assert row.select_one("input[name=ticket]")["form"] == "bulk-form"

    fragment_html = await person.page("/tickets?view=overdue", headers=HTMX)
    fragment = soup(fragment_html)
    assert "<html" not in fragment_html and not fragment.find("nav", class_="sidebar")
    assert fragment.select_one("#ticket-rows") is not None and not fragment.select_one("#list-filters")
    tags = soup(await person.page("/tickets?view=all&tag=vip", headers=HTMX)).select("tr[data-ticket='5'] .tag")
    assert [t.get_text() for t in tags] == ["outage", "vip"]


async def test_select_all_on_the_page_without_javascript(person: Person):
    await desk()
    await login(person)
    page = soup(await person.page("/tickets?view=all"))
    link = page.select_one("a.select-page")["href"]
    checked = soup(await person.page(link)).select("input[name=ticket][checked]")
    assert len(checked) == 7


async def test_bad_parameters_answer_the_nearest_sane_list(person: Person):
    await desk()
    await login(person)
    for url in ("/tickets?status=abc", "/tickets?per_page=1000", "/tickets?sort=1;DROP TABLE ticket",
                "/tickets?view=nope", "/tickets?prio=9", "/tickets?assignee=me", "/tickets?page=99999999999999",
                "/tickets?page=-3", "/tickets?group=x&type=%00", "/tickets?dir=sideways&sort=subject",
                "/tickets?" + "&".join(["status=1"] * 300), "/tickets?q=" + "x" * 900):
        response = await person.client.get(url, headers=HTMX)
        assert response.status_code == 200, (url, response.text[:300])
        assert soup(response.text).select_one("#ticket-rows") is not None
    page = soup(await person.page("/tickets?status=abc&per_page=1000&sort=zzz&view=nope"))
    notices = [p.get_text() for p in page.select(".notice.warning")]
    assert notices == ["Ignored an unknown view: “nope”.", "Ignored an unknown status: “abc”.",
                       "Ignored an unknown sort order: “zzz”.", "Ignored an unknown page size: “1000”."]
    assert len(numbers(str(page))) == 4  # the default view (my groups) with 25 per page
    assert page.select_one("nav.sidebar a[aria-current=page]")["data-view"] == "groups"


async def test_old_scope_links_still_work(person: Person):
    await desk()
    await login(person)
    assert sorted(await rows(person, "/tickets?scope=mine")) == [5, 7]
    page = soup(await person.page("/tickets?scope=all"))
    assert page.select_one("nav.sidebar a[aria-current=page]")["data-view"] == "all"


async def test_search_combines_with_filters_and_pages(person: Person):
    d = await desk()
    for i in range(24):  # #8..#31; the odd ones (#9, #11, ... #31) are high
        await factories.ticket(d.workspace, subject=f"Printer number {i}", prio=3 if i % 2 else 1)
    await login(person)
    everything = "/tickets?view=all&q=printer&per_page=100"
    deadline = time.monotonic() + 10
    while len(await rows(person, everything)) < 25 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert len(await rows(person, everything)) == 25  # #1 "Printer jam" and the 24 new ones
    high = "/tickets?view=all&q=printer&prio=3&sort=number&dir=asc&per_page=10"
    first = soup(await person.page(high))
    assert numbers(str(first)) == list(range(9, 29, 2))
    assert "Showing 1 to 10 of 12 entries" in first.select_one(".pager").get_text(" ", strip=True)
    next_href = first.select_one(".pager a[rel=next]")["href"]
    assert next_href == "/tickets?view=all&q=printer&prio=3&sort=number&dir=asc&per_page=10&page=2"
    second = soup(await person.page(next_href, headers=HTMX))
    assert numbers(str(second)) == [29, 31]
    assert "Showing 11 to 12 of 12 entries" in second.select_one(".pager").get_text(" ", strip=True)
    # by relevance (no sort chosen) the filter still holds and the count is the filtered one
    low = await rows(person, "/tickets?view=all&q=printer&prio=1&per_page=100")
    assert sorted(low) == [1, *range(8, 32, 2)]
    assert await rows(person, "/tickets?view=mine&q=printer") == []  # Ann works none of them
    assert await rows(person, "/tickets?view=all&q=printer&assignee=nobody&status=3") == []
    # the search box in the form carries the view and the filters along
    form = first.select_one("form#list-filters")
    assert form.select_one("input[name=q]")["value"] == "printer"
    assert form.select_one("select[name=prio] option[selected]")["value"] == "3"


async def test_counts_stop_at_the_cap_and_say_so(person: Person, monkeypatch):
    from app.tickets import list_rows

    monkeypatch.setattr(list_rows, "COUNT_CAP", 3)  # 10,000 in real life
    d = await desk()
    for i in range(15):
        await factories.ticket(d.workspace, subject=f"Counted {i}")
    await login(person)

    def pager(html: str) -> str:
        return soup(html).select_one(".pager").get_text(" ", strip=True)

    url = "/tickets?view=all&sort=number&dir=asc&per_page=10"
    first = await person.page(url, headers=HTMX)
    assert "Showing 1 to 10 of 10+ entries" in pager(first) and "Page 1 of 1+" in pager(first)
    second = await person.page(soup(first).select_one(".pager a[rel=next]")["href"], headers=HTMX)
    assert numbers(second) == list(range(11, 21)) and "Showing 11 to 20 of 20+ entries" in pager(second)
    third = await person.page(soup(second).select_one(".pager a[rel=next]")["href"], headers=HTMX)
    assert numbers(third) == [21, 22] and "Showing 21 to 22 of 22 entries" in pager(third)
    assert soup(third).select_one(".pager a[rel=next]") is None
