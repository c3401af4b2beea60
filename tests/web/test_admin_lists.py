"""Search and paging of the administration's smaller lists (groups, ticket types; the agents list
has its own tests): the page, the HTMX fragment, the search box and its wildcards, another
workspace's rows never listed."""

from __future__ import annotations

from app.groups import service as groups
from app.tickets import ticket_types
from tests import factories
from tests.helpers import HTMX, Person, soup
from tests.journeys import login, workspace_with_admin


async def test_groups_search_and_page(person: Person):
    workspace, admin = await workspace_with_admin()
    ann = await factories.viewer(admin)
    for i in range(27):
        await groups.create_group(ann, f"Team {i:02d}", "second line" if i == 5 else "")
    other, other_admin = await factories.workspace("Other Ltd", "olga@other.test")
    await groups.create_group(await factories.viewer(other_admin), "Team elsewhere")
    await login(person)

    page = soup(await person.page("/admin/groups"))
    assert page.select_one("input[name=q][type=search]") and page.select_one("nav.admin-nav")
    assert len(page.select("tr[data-group]")) == 25  # 28 groups: the default one and 27 teams
    second = soup(await person.page("/admin/groups?page=2", headers=HTMX))
    assert second.select_one("#group-rows") and not second.select_one("nav.admin-nav")
    names = [row.select("td")[1].get_text(strip=True) for row in second.select("tr[data-group]")]
    assert names == ["Team 24", "Team 25", "Team 26"]
    found = soup(await person.page("/admin/groups?q=second+LINE", headers=HTMX))  # the description too
    assert [r.select("td")[1].get_text(strip=True) for r in found.select("tr[data-group]")] == ["Team 05"]
    assert soup(await person.page("/admin/groups?q=elsewhere")).select_one("tr.empty")
    assert soup(await person.page("/admin/groups?q=%25")).select_one("tr.empty")  # % is a letter here
    last = soup(await person.page("/admin/groups?page=99", headers=HTMX))  # past the end: the last page
    assert len(last.select("tr[data-group]")) == 3


async def test_ticket_types_search_and_page_and_offer_every_type_as_a_target(person: Person):
    workspace, admin = await workspace_with_admin()
    ann = await factories.viewer(admin)
    for i in range(24):
        await ticket_types.add_type(ann, f"Kind {i:02d}")
    await factories.ticket(workspace, "Printer jam", "It jams.")  # the first type is in use
    await login(person)

    page = soup(await person.page("/admin/types"))
    rows = page.select("tr[data-type]")
    assert len(rows) == 25 and page.select_one(".pager")
    # The used type's remove form offers every other type, those of page 2 included.
    options = [o.get_text(strip=True) for o in rows[0].select("select[name=move_to] option") if o.get("value")]
    assert "Kind 23" in options and rows[0].select_one("td").get_text() not in options
    second = soup(await person.page("/admin/types?page=2", headers=HTMX))
    assert second.select_one("#types") and not second.select_one("nav.admin-nav")
    assert [r.select_one("input[name=name]")["value"] for r in second.select("tr[data-type]")] == ["Kind 22", "Kind 23"]
    found = soup(await person.page("/admin/types?q=kind+1", headers=HTMX))
    assert len(found.select("tr[data-type]")) == 10  # Kind 10 to Kind 19
    assert soup(await person.page("/admin/types?q=_", headers=HTMX)).select_one("tr.empty")
