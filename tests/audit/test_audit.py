"""The audit log: what records itself (logins, failed logins), the superadmin's page with its filter
and paging, and that a workspace sees only its own rows."""

from __future__ import annotations

from app.audit.service import record
from app.audit.tables import AuditEntry
from tests import factories
from tests.helpers import HTMX, Person, soup
from tests.journeys import login, workspace_with_admin


async def test_logins_and_failed_logins_are_recorded_for_the_accounts_workspace(person: Person):
    workspace, admin = await workspace_with_admin()
    response = await person.submit("/login", "/login", {"email": "ann@acme.test", "password": "wrong one"})
    assert response.status_code == 401
    await person.submit("/login", "/login", {"email": "nobody@acme.test", "password": "wrong one"})
    await login(person)
    rows = await AuditEntry.select(AuditEntry.action, AuditEntry.agent, AuditEntry.workspace).order_by(AuditEntry.id)
    assert rows == [{"action": "login.failed", "agent": admin["id"], "workspace": workspace["id"]},
                    {"action": "login", "agent": admin["id"], "workspace": workspace["id"]}]


async def test_the_page_filters_pages_and_shows_only_this_workspace(person: Person):
    workspace, admin = await workspace_with_admin()
    other, _ = await workspace_with_admin(email="bob@other.test", company="Other")
    viewer = await factories.viewer(admin)
    for i in range(60):
        await record(workspace["id"], viewer, "group.created", subject=f"Group {i}", after={"name": f"Group {i}"})
    await record(workspace["id"], viewer, "settings.changed", before={"name": "Acme"}, after={"name": "Acme Inc"})
    await record(other["id"], None, "secret.other", subject="Other's business")
    await login(person)
    page = soup(await person.page("/admin/audit"))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Audit log"
    assert len(page.select("tr[data-audit]")) == 50 and "Other's business" not in str(page)
    assert "secret.other" not in [o["value"] for o in page.select("select[name=action] option")]
    rows = soup(await person.page("/admin/audit?action=settings.changed", headers=HTMX))
    assert rows.select_one("#audit-rows") and not rows.find("nav", class_="sidebar")
    [row] = rows.select("tr[data-audit]")
    assert "Acme Inc" in row.get_text() and "Acme" in row.get_text()
    second = soup(await person.page("/admin/audit?page=2", headers=HTMX))
    assert len(second.select("tr[data-audit]")) == 12  # 60 + settings + the admin's own login


async def test_plain_agents_do_not_reach_it(person: Person):
    from app.accounts.service import create_agent_confirmed

    workspace, _ = await workspace_with_admin()
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    await login(person, email="bea@acme.test")
    assert (await person.client.get("/admin/audit")).status_code == 403
