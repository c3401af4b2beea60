"""System settings (/admin/settings): every section saved, shown where it acts and audited; field
errors with nothing written; the HTMX fragment; "customers must confirm" and "notify admins" at
ticket intake; the time zone's "today" for overdue and the dashboard's days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app import clock
from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent
from app.audit.tables import AuditEntry
from app.mail.tables import OutboxMail
from app.tickets import service as tickets
from app.tickets import stats
from app.tickets.inputs import NewTicket
from app.tickets.list_rows import list_page
from app.tickets.listing import ListQuery
from app.tickets.queries import default_group_id, ticket_types
from app.tickets.status import Status
from app.tickets.tables import Ticket
from app.workspaces.service import get_by_id, update_settings
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, form_values, solve_captcha, soup
from tests.journeys import login, open_ticket, workspace_with_admin

SECTIONS = ("general", "public_page", "tickets", "uploads", "background")


async def _settings_page(person: Person) -> str:
    return await person.page("/admin/settings")


async def _save(person: Person, section: str, changes: dict, *, htmx: bool = False, drop: tuple = ()):
    """Post one section's form as the page shows it, with `changes` (and without `drop`: unticked boxes)."""
    html = await _settings_page(person)
    values = {**form_values(html, f"#settings-{section} form.settings-form"), **changes}
    for name in drop:
        values.pop(name, None)
    return await person.client.post(f"/admin/settings/{section}", data=values, headers=HTMX if htmx else None,
                                     follow_redirects=False)


async def test_the_page_has_every_section_the_public_link_and_the_nav_entry(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    page = soup(await _settings_page(person))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Settings"
    assert [s["data-section"] for s in page.select("section.settings-section")] == list(SECTIONS)
    link = page.select_one("#public-link")
    assert link["href"] == f"http://helprealm.test/{workspace['key']}"
    assert page.select_one("button[data-copy='#public-link']")
    languages = dict((o["value"], o.get_text()) for o in page.select("select[name=lang] option"))
    assert len(languages) == 15 and languages["de"] == "Deutsch" and languages["en"] == "English"
    zones = [o["value"] for o in page.select("select[name=time_zone] option")]
    assert "Asia/Tokyo" in zones and "UTC" in zones and zones == sorted(zones)
    assert page.select_one("input[type=color][name=background_colour]")["value"] == "#f4f6f9"
    assert "exe" in page.select_one("[data-always-blocked]").get_text()


async def test_every_setting_is_saved_shown_and_audited(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    saves = {
        "general": {"name": "Acme Support", "lang": "de", "time_zone": "Asia/Tokyo"},
        "public_page": {"form_title": "Tell us", "welcome_message": "Hello there!\nWe help.",
                        "success_message": "Got it, thanks."},
        "tickets": {"confirm_email": "on", "notify_admins_on_new_ticket": "on"},
        "uploads": {"allowed_extensions": ".PDF, png  txt", "max_upload_mb": "2.5"},
        "background": {"background_mode": "image", "background_colour": "#AA3300"},
    }
    for section, changes in saves.items():
        unticked = ("allow_customer_uploads",) if section == "uploads" else ()
        response = await _save(person, section, changes, drop=unticked)
        assert response.status_code == 303, (section, response.text[:300])
        assert response.headers["location"] == f"/admin/settings?saved={section}#settings-{section}"
    row = await get_by_id(workspace["id"])
    assert (row["name"], row["lang"], row["time_zone"]) == ("Acme Support", "de", "Asia/Tokyo")
    assert (row["form_title"], row["welcome_message"], row["success_message"]) == (
        "Tell us", "Hello there!\nWe help.", "Got it, thanks.")
    assert row["confirm_email"] and row["notify_admins_on_new_ticket"]
    assert not row["allow_customer_uploads"]
    assert (row["allowed_extensions"], row["max_upload_bytes"]) == ("pdf png txt", int(2.5 * 1024 * 1024))
    assert (row["background_mode"], row["background_colour"]) == ("image", "#aa3300")
    # The page shows what is stored.
    html = await person.page("/admin/settings?saved=uploads")
    assert soup(html).select_one("#settings-uploads [data-saved]")
    assert form_values(html, "#settings-general form")["time_zone"] == "Asia/Tokyo"
    assert form_values(html, "#settings-uploads form")["max_upload_mb"] == "2.5"
    assert "allow_customer_uploads" not in form_values(html, "#settings-uploads form")
    # One audit row per section, with the values before and after.
    audit = await AuditEntry.select().where(AuditEntry.action == "settings.changed").order_by(AuditEntry.id).output(
        load_json=True)
    assert [a["subject"] for a in audit] == list(SECTIONS)
    assert audit[0]["before"]["name"] == "Acme" and audit[0]["after"]["name"] == "Acme Support"
    assert audit[0]["before"]["time_zone"] == "UTC"
    assert audit[3]["before"]["allow_customer_uploads"] is True and audit[3]["after"]["allow_customer_uploads"] is False
    # Saving again without a change writes no audit row.
    await _save(person, "general", {})
    assert await AuditEntry.count().where(AuditEntry.action == "settings.changed") == len(SECTIONS)


async def test_the_public_page_shows_the_texts_and_the_success_message(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    await _save(person, "public_page", {"form_title": "Ask Acme", "welcome_message": "Welcome, friend.",
                                        "success_message": "We have your ticket."})
    customer = Person(person.client)
    page = soup(await customer.page(f"/{workspace['key']}/"))
    assert page.select_one("#ticket-form h1").get_text() == "Ask Acme"
    assert page.select_one("#ticket-form .intro").get_text() == "Welcome, friend."
    html = await customer.page(f"/{workspace['key']}/")
    types = await ticket_types(workspace["id"])
    done = await customer.client.post(f"/{workspace['key']}/ticket/create", data={
        "_csrf_token": csrf_from(html), **solve_captcha(html), "name": "Sally", "email": "sally@customer.test",
        "subject": "Hello there", "text": "Help me", "type": str(types[0]["id"]), "prio": "1"}, headers=HTMX)
    assert done.status_code == 200, done.text[:2000]
    assert soup(done.text).select_one(".success-message").get_text() == "We have your ticket."


async def test_field_errors_are_shown_at_the_field_and_nothing_is_saved(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    before = await get_by_id(workspace["id"])
    cases = [
        ("general", {"name": "   "}, "name"),
        ("general", {"name": "A\u202eB"}, "name"),
        ("general", {"lang": "xx"}, "lang"),
        ("general", {"time_zone": "Mars/Olympus"}, "time_zone"),
        ("general", {"time_zone": "../../etc/passwd"}, "time_zone"),
        ("general", {"name": "x" * 201}, "name"),
        ("public_page", {"welcome_message": "w" * 2001}, "welcome_message"),
        ("public_page", {"success_message": "s" * 5000}, "success_message"),
        ("public_page", {"form_title": ""}, "form_title"),
        ("uploads", {"allowed_extensions": "pdf ex/e"}, "allowed_extensions"),
        ("uploads", {"allowed_extensions": "  "}, "allowed_extensions"),
        ("uploads", {"max_upload_mb": "11"}, "max_upload_mb"),  # above app.toml's 10 MB
        ("uploads", {"max_upload_mb": "lots"}, "max_upload_mb"),
        ("uploads", {"max_upload_mb": "0"}, "max_upload_mb"),
        ("background", {"background_colour": "red"}, "background_colour"),
        ("background", {"background_colour": "#12345g"}, "background_colour"),
        ("background", {"background_mode": "video"}, "background_mode"),
    ]
    for section, changes, field in cases:
        response = await _save(person, section, changes)
        assert response.status_code == 422, (section, changes)
        assert field_error(response.text, field), (section, field)
        flagged = [s["data-section"] for s in soup(response.text).select("section.settings-section")
                   if s.select_one(".flash-error")]
        assert flagged == [section]  # the whole page again, the errors in their own section only
        # The typed value stays in the form.
        typed = form_values(response.text, f"#settings-{section} form.settings-form")
        if field not in ("lang", "time_zone", "background_mode"):  # a select shows only its options
            assert typed.get(field, "").strip() == changes[field].strip()
    assert await get_by_id(workspace["id"]) == before
    assert await AuditEntry.count().where(AuditEntry.action == "settings.changed") == 0


async def test_htmx_saves_swap_only_their_section(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    ok = await _save(person, "general", {"name": "Acme GmbH"}, htmx=True)
    assert ok.status_code == 200
    fragment = soup(ok.text)
    assert fragment.select_one("#settings-general [data-saved]").get_text() == "Saved"
    assert not fragment.select_one("nav.sidebar") and not fragment.select_one("#settings-uploads")
    bad = await _save(person, "background", {"background_colour": "nope"}, htmx=True)
    assert bad.status_code == 422 and field_error(bad.text, "background_colour")
    assert soup(bad.text).select_one("section#settings-background") and not soup(bad.text).select_one("h1")
    assert (await person.client.post("/admin/settings/nonsense", data={"_csrf_token": csrf_from(ok.text)})
            ).status_code == 404


async def test_customers_must_confirm_when_the_setting_says_so(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    first = await open_ticket(Person(person.client), workspace)
    assert first["status"] == Status.OPEN
    await _save(person, "tickets", {"confirm_email": "on"})
    second = await open_ticket(Person(person.client), workspace, subject="Second")
    assert second["status"] == Status.AWAITING_CONFIRMATION


@pytest.fixture
async def desk(database):
    workspace, ann = await factories.workspace()
    return workspace, await factories.viewer(ann)


@pytest.fixture
async def desk_with_admins(database):
    workspace, ann = await factories.workspace()
    for email, superadmin, active in (("zed@acme.test", True, True), ("old@acme.test", True, False),
                                      ("bea@acme.test", False, True)):
        agent = await create_agent_confirmed(workspace["id"], email=email, first_name=email[:3].title(),
                                             last_name="X", password="correct horse", superadmin=superadmin)
        if not active:
            await Agent.update({Agent.active: False}).where(Agent.id == agent["id"])
    return workspace, await factories.viewer(ann)


async def _admin_mails() -> list[str]:
    rows = await OutboxMail.select(OutboxMail.to_address).where(OutboxMail.purpose == "admin_new_ticket").order_by(
        OutboxMail.id)
    return [r["to_address"] for r in rows]


async def test_new_tickets_notify_the_active_superadmins_when_on(desk_with_admins):
    workspace, ann = desk_with_admins
    await factories.ticket(workspace, subject="Before")
    assert await _admin_mails() == []  # off by default
    await update_settings(workspace["id"], notify_admins_on_new_ticket=True)
    workspace = await get_by_id(workspace["id"])
    ticket = await factories.ticket(workspace, subject="Portal ticket")
    assert await _admin_mails() == ["ann@acme.test", "zed@acme.test"]
    mail = await OutboxMail.select().where(OutboxMail.purpose == "admin_new_ticket").first()
    assert mail["subject"] == f"New ticket #{ticket['number']}: Portal ticket"
    assert f"http://helprealm.test/tickets/{ticket['number']}" in mail["body_text"]
    assert ticket["hash"] not in mail["body_text"] + mail["body_html"]  # the customer's secret stays theirs
    assert mail["ticket"] == ticket["id"]
    # An agent's ticket for a customer too.
    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    new = NewTicket(name="Sam", email="sam@customer.test", subject="By phone", text="Called us.", type_id=type_id,
                    prio=1)
    await tickets.create_for_customer(ann, new, await default_group_id(workspace["id"]), None)
    assert len(await _admin_mails()) == 4


async def test_a_failed_ticket_queues_no_admin_mail(desk_with_admins):
    workspace, _ann = desk_with_admins
    await update_settings(workspace["id"], notify_admins_on_new_ticket=True)
    workspace = await get_by_id(workspace["id"])
    with pytest.raises(Exception):  # noqa: B017 - any refusal: an unknown type
        await tickets.create_ticket(workspace, NewTicket(name="S", email="s@c.test", subject="x", text="y",
                                                         type_id=999999, prio=1))
    assert await _admin_mails() == [] and await Ticket.count() == 0


# -- time zone -------------------------------------------------------------------------------------

async def test_overdue_and_the_dashboard_days_follow_the_workspace_time_zone(desk):
    workspace, ann = desk
    # 20:00 UTC on the 24th is 05:00 on the 25th in Tokyo.
    with clock.frozen(datetime(2026, 11, 24, 20, 0, tzinfo=UTC)):
        ticket = await factories.ticket(workspace, subject="Due on the 24th")
        await Ticket.update({Ticket.deadline: date(2026, 11, 24)}).where(Ticket.id == ticket["id"])

        async def overdue() -> tuple[int, int]:
            listed = await list_page(ann, ListQuery(view="overdue"))
            return listed.total, (await stats.dashboard(ann)).cards.overdue

        assert await overdue() == (0, 0)  # in UTC the 24th is today: not overdue yet
        days = (await stats.dashboard(ann)).charts.per_day
        assert days[-1] == (date(2026, 11, 24), 1)
        await update_settings(workspace["id"], time_zone="Asia/Tokyo")
        assert await overdue() == (1, 1)  # in Tokyo it is the 25th
        days = (await stats.dashboard(ann)).charts.per_day
        assert days[-1] == (date(2026, 11, 25), 1) and sum(n for _d, n in days) == 1
        await update_settings(workspace["id"], time_zone="America/Los_Angeles")  # 12:00 on the 24th there
        assert await overdue() == (0, 0)
        assert (await stats.dashboard(ann)).charts.per_day[-1] == (date(2026, 11, 24), 1)
